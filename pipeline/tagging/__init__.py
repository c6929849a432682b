"""Tagging: the taxonomy, the spaCy components built from it, and the rules they apply."""

from __future__ import annotations

import sys
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc


def import_spacy() -> ModuleType:
    """spaCy, imported without torch where torch is not loaded yet.

    thinc, spaCy's machine-learning library, imports torch at import time whenever it is
    installed (explosion/thinc#894), a second of start-up that a rule-based tagger never
    uses. torch is hidden for that one import and visible again right after, so a later
    `import torch` (the embed stage, in the same `crp run`) works as usual.
    """
    if "spacy" in sys.modules or "torch" in sys.modules:
        import spacy

        return spacy
    sys.modules["torch"] = None  # type: ignore[assignment]  # makes `import torch` fail
    try:
        import spacy
    finally:
        del sys.modules["torch"]
    return spacy


def paragraph_doc(
    nlp: Language, text: str, doc_id: str | None, working_group: str | None = None
) -> Doc:
    """A paragraph as the tagger reads it: its text, the document it belongs to and that
    document's working group ("the Protocol" resolves by it).

    The document id is what keeps a paragraph's context in its own document: the resolver
    carries a speaker from one paragraph to the next of the same `doc_id` only."""
    doc = nlp.make_doc(text)
    doc.user_data["crp_text"] = text  # spaCy keeps the text as given (views.text)
    doc._.doc_id = doc_id
    doc._.working_group = working_group
    return doc
