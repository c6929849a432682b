"""Recurring asks: recommendations matched to the catalogue of known asks (asks.yaml).

The one folder where recommendations are grouped: `catalogue` (the asks as stages use
them, and the catalogue without a session's own examples), `features` (pair features of a
recommendation and an ask), `matcher` (the learned matcher), `assign` (each
recommendation's ask: the catalogue's, or a candidate new one clustered with the others
that match nothing), `clustering` (the agglomerative clustering it uses, at corpus
scale), `labels` (a readable verb phrase for a new ask), `validation`
(leave-one-session-out) and `review` (the analyst's review/apply round trip). The
`cluster` stage writes what they decide.
"""
