"""YAML files read with the line of every key, so errors can name file, line and key.

An analyst who mistypes a key or an id in a taxonomy file must be told where: the file,
the line and the path of keys ("themes.ghost_guns.alt_labels.3"). The line is taken from
the YAML parser's own marks (every node knows where it starts), never from a text search.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import PipelineError

# libyaml's loader where PyYAML was built with it: ten times faster than the pure-Python one.
_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
BOOL_TAG = "tag:yaml.org,2002:bool"


class TaxonomyLoader(_BASE_LOADER):
    """The safe loader with YAML 1.2's booleans: only true and false. YAML 1.1 also reads
    on, off, yes, no, y and n as booleans, so the word "on" in a pattern's word list
    ("legislation on firearms", "Coalition on ...") was True and matched nothing."""


TaxonomyLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != BOOL_TAG]
    for first, resolvers in _BASE_LOADER.yaml_implicit_resolvers.items()
}
TaxonomyLoader.add_implicit_resolver(
    BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)

Loc = tuple[str | int, ...]


class TaxonomyError(PipelineError):
    """A taxonomy or gold file is invalid; the message names the file, line and key."""


@dataclass(frozen=True)
class Source:
    """One parsed YAML file: its data and the 1-based line of every key path in it."""

    path: Path
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict, repr=False)

    def line(self, loc: Sequence[str | int]) -> int:
        """The line of `loc`, or of its longest prefix the file has (1 for the root)."""
        key = tuple(_key(part) for part in loc)
        while key and key not in self.lines:
            key = key[:-1]
        return self.lines.get(key, 1)

    def error(self, loc: Sequence[str | int], message: str) -> TaxonomyError:
        where = ".".join(str(part) for part in loc)
        prefix = f"{where}: " if where else ""
        return TaxonomyError(f"{self.path}:{self.line(loc)}: {prefix}{message}")


def _key(part: str | int) -> str | int:
    return part if isinstance(part, int) else str(part)


def jsonl_sources(path: Path) -> list[Source]:
    """Each non-blank line of a JSON Lines file as a Source located at its line number, or
    a TaxonomyError naming the file and the line that is not JSON."""
    sources = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TaxonomyError(f"{path}:{number}: not JSON: {exc.msg}") from None
        sources.append(Source(path, data, {(): number}))
    return sources


def read_source(path: Path) -> Source:
    """Parse `path`, or raise a TaxonomyError naming the file and the line of the problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TaxonomyError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise TaxonomyError(f"{path}: not UTF-8 text") from None
    loader = TaxonomyLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise TaxonomyError(f"{path}{where}: YAML syntax error: {problem}") from None
    finally:
        loader.dispose()
    lines: dict[Loc, int] = {}
    if node is not None:
        _walk(path, node, (), lines)
    return Source(path, data, lines)


def _walk(path: Path, node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> None:
    """Record the line of every mapping key and sequence item under `node`."""
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                raise TaxonomyError(
                    f"{path}:{key_node.start_mark.line + 1}: duplicate key {key!r}"
                    + (f" in {'.'.join(map(str, loc))}" if loc else "")
                )
            seen.add(key)
            lines[(*loc, key)] = key_node.start_mark.line + 1
            _walk(path, value_node, (*loc, key), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*loc, index)] = item.start_mark.line + 1
            _walk(path, item, (*loc, index), lines)
