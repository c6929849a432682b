"""scikit-learn's estimator protocol, without importing scikit-learn.

Importing scikit-learn costs 0.7 to 1.2 s on this machine, and most stages that hold a
learned part only predict with it (tag, embed, cluster, adopted, evaluate): a rerun after
one new PDF paid that in each. A class deriving from `Estimator` has scikit-learn's
contract (its constructor's arguments are its parameters, stored as attributes of the same
name; `get_params(deep)` and `set_params(**params)` with `name__sub` for nested
estimators), which is all `sklearn.base.clone` and the cross-validation of
`pipeline.learn.crossval` need; scikit-learn itself is imported where a model is fitted.
"""

from __future__ import annotations

import inspect
from typing import Any


class Estimator:
    """get_params / set_params from the constructor's signature, as BaseEstimator's."""

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return sorted(
            p.name
            for p in signature.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        )

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's arguments as set on this object (nested ones as `name__sub`
        too, with `deep`)."""
        out: dict[str, Any] = {}
        for name in self._param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{name}__{key}", v) for key, v in value.get_params().items())
            out[name] = value
        return out

    def set_params(self, **params: Any) -> Estimator:
        """Set parameters (`name`, or `name__sub` of a nested estimator); returns self."""
        names = set(self._param_names())
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in names:
                raise ValueError(
                    f"invalid parameter {name!r} for {type(self).__name__}: use {sorted(names)}"
                )
            if sub:
                getattr(self, name).set_params(**{sub: value})
            else:
                setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = {
            p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()
        }
        changed = [
            f"{name}={value!r}"
            for name, value in self.get_params(deep=False).items()
            if not _same(value, defaults.get(name, inspect.Parameter.empty))
        ]
        return f"{type(self).__name__}({', '.join(changed)})"


def _same(value: Any, default: Any) -> bool:
    try:
        return bool(value is default or value == default)
    except (TypeError, ValueError):  # arrays and the like compare element-wise
        return False
