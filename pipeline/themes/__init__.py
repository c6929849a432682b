"""Where themes are decided: one folder, one writer.

A paragraph is tagged with a theme when it is *about* the theme (labels.yaml's annotation
guideline), not when one of the theme's words occurs in passing. The decision is taken in
three steps, each a module of this package:

- `concepts`: what a theme is, from the taxonomy: its label, definition, the example
  sentences written from the definition and the domain (themes.yaml `about`), and its
  lexicon (the rule spans of the tagger's span rulers, `doc.spans["theme_hits"]`).
- `evidence` and `features`: what a paragraph shows of each theme: the learned vocabulary
  (`vocabulary`: a per-theme TF-IDF model fitted on the development gold and the example
  sentences, refitted leaving a document out when it is judged), its sentences'
  similarity to the theme's concept (all-MiniLM-L6-v2 vectors, `similarity`), the themes
  of the nearest training paragraphs, the working group's rate, and the lexicon's hits
  and where they stand.
- `model`: one logistic regression over (paragraph, theme) pairs, trained on evidence
  computed out of fold (each training document's evidence comes from parts fitted
  without it), which gives each pair the probability that the paragraph is about the
  theme; a theme is kept at or above the threshold chosen the same way.

`component` is the spaCy component `crp_themes`, the sole writer of `doc.spans["themes"]`,
`doc._.theme_scores` and the themes of `doc._.recommendations`; `crossval` judges the
decision leave-one-document-out and on first contact.

Analysts correct it: `review` (`crp themes review`) writes the pairs the decision is least
sure of (`unsure`), `answers` (`crp themes apply`) records the filled-in answers in the
analysts' labels (`labels`: data/labels/themes.jsonl, never the gold); the decision learns
from them as partial rows (`training`, `model`: a mask of known targets) and per session
(`sessions`: an offset per theme answered, kept by document), and `crp_themes` applies
them as final. `analyst` simulates an analyst answering K pairs of a session it never saw.
"""
