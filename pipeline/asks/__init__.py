"""Recurring asks: recommendations matched to the catalogue of known asks (asks.yaml).

`catalogue` (the asks as stages use them, and the catalogue without a session's own
examples), `features` (pair features of a recommendation and an ask), `matcher` (the
learned matcher and the assignment of known and candidate new asks), `labels` (a readable
verb phrase for a new ask) and `review` (the analyst's review/apply round trip).
"""
