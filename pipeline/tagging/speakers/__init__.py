"""Who speaks and who acts in a paragraph: the one place speakers and actors are decided.

- `sentences.py`: the speakers each sentence reports (a role construction, the subject of
  a reporting verb, an anaphor resolved, an attribution, the floor), and
  `paragraph_speakers`, which follows them through a paragraph;
- `subjects.py`: where a subject stands and what may stand before its verb;
- `mentions.py`: the referents anaphors take ("she", "they", "the representative", "the
  latter"): the nearest compatible speaker of the paragraph, then of the previous
  paragraph of the same document;
- `affiliations.py`: whom a role belongs to ("the representative of [INTERPOL]");
- `actors.py`: typed mentions and who acts (the actors who speak among them);
- `rules.py`: the rules' data, from the taxonomy (actors.yaml `speaker`, reporting.yaml).

The resolver component (`pipeline/tagging/components.py`) runs them and writes what they
decide, once each: `doc.spans["speakers"]`, `["actors"]` and `["orgs"]`. What carries from
one paragraph to the next (its referents and last speaker, `Carried`) is kept per document
by the resolver.
"""

from pipeline.tagging.speakers.actors import acting, typed_mentions
from pipeline.tagging.speakers.mentions import Carried, Discourse, Referent
from pipeline.tagging.speakers.rules import Mention, Speaker, SpeakerRules
from pipeline.tagging.speakers.sentences import paragraph_speakers, sentence_speakers

__all__ = [
    "Carried",
    "Discourse",
    "Mention",
    "Referent",
    "Speaker",
    "SpeakerRules",
    "acting",
    "paragraph_speakers",
    "sentence_speakers",
    "typed_mentions",
]
