"""From dialogue to recommendation: what the working groups adopted, and which asks of
civil society those recommendations take up.

`chapter` (the adopted recommendations of a working group report: which paragraphs, to
whom, on which themes), `matching` (the catalogue asks each takes up, with the matcher of
the dialogues' recommendations), `timeline` (per ask and working group: first raised,
taken up or still open) and `scoring` (the scores against the gold). The stages are
`pipeline/adopted.py` and `pipeline/uptake.py`.
"""
