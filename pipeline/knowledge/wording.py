"""The word lists of the taxonomy: reporting.yaml (the reporting verbs every rule reading a
report shares) and ask_wording.yaml (how asks are worded), loaded and validated like the
other parts (pipeline.knowledge.parts), every error with its file, line and key."""

from __future__ import annotations

from pathlib import Path

from pipeline.knowledge import models as m
from pipeline.knowledge.compiled import Wording
from pipeline.knowledge.parts import _compiles, _read
from pipeline.knowledge.source import Source


def load_reporting(folder: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(reporting verbs, particles) of reporting.yaml: lower case, each once."""
    source, spec = _read(folder, "reporting.yaml", m.ReportingFile)
    for key in ("verbs", "particles"):
        _unique_words(source, key, getattr(spec, key))
    return tuple(spec.verbs), tuple(spec.particles)


def _unique_words(source: Source, key: str, words: list[str]) -> None:
    seen: set[str] = set()
    for i, word in enumerate(words):
        if word != word.lower():
            raise source.error((key, i), f"{word!r}: write it in lower case")
        if word in seen:
            raise source.error((key, i), f"{word!r} is listed twice")
        seen.add(word)


def load_wording(folder: Path, reporting: tuple[tuple[str, ...], tuple[str, ...]]) -> Wording:
    """ask_wording.yaml, with the reporting verbs and particles of reporting.yaml."""
    source, spec = _read(folder, "ask_wording.yaml", m.AskWordingFile)
    label = spec.label
    _compiles(source, ("label", "openings"), label.openings)
    for i, mark in enumerate(label.clause_marks):
        if len(mark) != 1:
            raise source.error(("label", "clause_marks", i), f"{mark!r} is not one character")
    return Wording(
        label_verbs=frozenset(v.lower() for v in label.verbs),
        participles=tuple((k.lower(), v) for k, v in label.participles.items()),
        object_pronouns=tuple((k.lower(), v) for k, v in label.object_pronouns.items()),
        openings=label.openings,
        clause_marks=tuple(label.clause_marks),
        clause_ends=tuple(label.clause_ends),
        not_after=frozenset(w.lower() for w in label.not_after),
        trailing=frozenset(w.lower() for w in label.trailing),
        stop_words=frozenset(w.lower() for w in spec.matcher.stop_words),
        reporting_verbs=reporting[0],
        reporting_particles=reporting[1],
    )
