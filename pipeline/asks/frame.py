"""The ask of a recommendation: the sentence without its reporting frame.

"One speaker stressed the need to strengthen cooperation" asks "strengthen cooperation".
The frame is a regular expression of the taxonomy (`recommendations.yaml: frame`); the
embed stage embeds what is left, and the catalogue's matcher compares it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.knowledge.taxonomy import Taxonomy


def reporting_frame(taxonomy: Taxonomy) -> re.Pattern[str]:
    """The regular expression of a recommendation's reporting frame (recommendations.yaml)."""
    return re.compile(taxonomy.recommendation["frame"], re.IGNORECASE | re.DOTALL)


def ask_of(sentence: str, frame: re.Pattern[str], min_chars: int = 20) -> str:
    """The ask of a recommendation sentence: the words after its reporting frame."""
    sentence = " ".join(str(sentence).split())
    match = frame.search(sentence)
    if match and len(sentence) - match.end() >= min_chars:
        sentence = sentence[match.end() :]
    return sentence.rstrip(" .;")
