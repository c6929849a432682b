"""Stage settings: one dataclass per stage, built from its section of params.yaml.

Each settings class validates itself, so a typo in params.yaml fails at once with the
key's name instead of surfacing later as a wrong result.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml

from pipeline.errors import ParamsError
from pipeline.paths import repo_root

T = TypeVar("T")


def read_params(path: Path | None = None) -> dict[str, Any]:
    """All of params.yaml as a dict (an empty dict where the file is absent)."""
    path = path or repo_root() / "params.yaml"
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: expected a mapping of stage sections")
    return data


def _accepts(value: Any, annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if annotation is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_accepts(value, arg) for arg in typing.get_args(annotation))
    if annotation is type(None):
        return value is None
    if origin is typing.Literal:
        return value in typing.get_args(annotation)
    if origin in (list, tuple):
        return isinstance(value, (list, tuple))
    if origin is dict:
        return isinstance(value, dict)
    if annotation is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, annotation)


def build_settings(cls: type[T], section: str, values: dict[str, Any] | None) -> T:
    """Build `cls` from one params.yaml section, naming any unknown key or bad value."""
    values = dict(values or {})
    hints = typing.get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(values) - fields)
    if unknown:
        raise ParamsError(
            f"params.yaml [{section}]: unknown key(s) {', '.join(unknown)}; "
            f"known keys are {', '.join(sorted(fields))}"
        )
    for key, value in values.items():
        if not _accepts(value, hints[key]):
            raise ParamsError(
                f"params.yaml [{section}.{key}]: {value!r} is not a valid {hints[key]}"
            )
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise ParamsError(f"params.yaml [{section}]: {exc}") from exc


def load_settings(cls: type[T], section: str, params: dict[str, Any] | None = None) -> T:
    """Settings of one stage from params.yaml (or from an already-read params dict)."""
    params = read_params() if params is None else params
    return build_settings(cls, section, params.get(section))


def as_dict(settings: Any) -> dict[str, Any]:
    """Settings as a plain dict (for cache keys and logs)."""
    return dataclasses.asdict(settings)
