"""Tagging: the taxonomy, the spaCy components built from it, and the rules they apply."""

from __future__ import annotations

import sys
from types import ModuleType


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
