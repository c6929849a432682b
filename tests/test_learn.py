"""pipeline/learn: the learning plumbing every learned part uses."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.base import clone

from pipeline.learn import LinearModel, choose_threshold, logo_predictions, unit_rows


def data(n: int = 120, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    x[:, 2] = 5.0  # a constant feature: left unscaled
    y = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(scale=0.5, size=n)) > 0
    groups = np.repeat(np.arange(4), n // 4)
    return x, y, groups


def test_linear_model_is_a_scikit_learn_estimator():
    model = LinearModel(C=0.5)
    assert model.get_params()["C"] == 0.5
    assert model.set_params(solver="liblinear").solver == "liblinear"
    twin = clone(model)
    assert twin.get_params() == model.get_params() and not hasattr(twin, "coef_")
    x, y, _ = data()
    assert model.fit(x, y) is model and model.coef_.shape == (3,)
    assert model.predict_proba(x).shape == (len(x), 2)
    assert (model.predict(x) == y).mean() > 0.8


def test_estimator_protocol_without_scikit_learn_imported():
    """The stages that only predict never import scikit-learn (0.7-1.2 s a process)."""
    import subprocess
    import sys

    code = (
        "import sys, pipeline.tag, pipeline.embed, pipeline.cluster, pipeline.adopted, "
        "pipeline.evaluate; from pipeline.learn import LinearModel; "
        "LinearModel(C=2.0).set_params(max_iter=5).get_params(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sklearn'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_estimator_nested_parameters_and_clear_errors():
    from pipeline.learn.estimator import Estimator

    class Outer(Estimator):
        def __init__(self, inner: LinearModel | None = None, k: int = 3) -> None:
            self.inner, self.k = inner, k

    outer = Outer(inner=LinearModel(C=0.5))
    assert outer.get_params()["inner__C"] == 0.5
    outer.set_params(inner__C=4.0, k=7)
    assert outer.inner.C == 4.0 and outer.k == 7
    assert repr(outer.inner) == "LinearModel(C=4.0)"
    with pytest.raises(ValueError, match="invalid parameter 'c' for Outer"):
        outer.set_params(c=1)
    twin = clone(outer)
    assert twin.inner is not outer.inner and twin.inner.C == 4.0


def test_linear_model_round_trips_through_json_bit_for_bit():
    x, y, _ = data()
    model = LinearModel(C=2.0).fit(x, y, feature_names=["a", "b", "constant"])
    text = json.dumps(model.to_json())  # plain JSON: no pickle
    restored = LinearModel.from_json(json.loads(text))
    assert restored.feature_names_ == ["a", "b", "constant"]
    assert restored.get_params() == model.get_params()
    np.testing.assert_array_equal(restored.predict_proba(x), model.predict_proba(x))
    assert restored.scale_[2] == 1.0  # the constant feature


def test_linear_model_refuses_another_format():
    with pytest.raises(ValueError, match="crp-linear-model/1"):
        LinearModel.from_json({"format": "something/0"})


def test_logo_predictions_predict_each_group_without_it():
    x, y, groups = data()
    held_out = logo_predictions(LinearModel(), x, y, groups)
    for g in range(4):
        rows = groups == g
        alone = LinearModel().fit(x[~rows], y[~rows]).proba(x[rows])
        np.testing.assert_array_equal(held_out[rows], alone)
    in_sample = LinearModel().fit(x, y).proba(x)
    assert not np.array_equal(held_out, in_sample)
    assert np.isnan(logo_predictions(LinearModel(), x, y, np.zeros(len(x)))).all()


def test_choose_threshold_takes_the_middle_of_the_best_range():
    scores = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9])
    y = np.array([False, False, False, True, True, True])
    right = lambda d: int((d & y).sum() + (~d & ~y).sum())  # noqa: E731
    assert choose_threshold(scores, right) == 0.5  # between 0.3 and 0.7
    never = lambda d: None if d.any() else 0  # noqa: E731  (deciding anything is refused)
    assert choose_threshold(scores, never) > scores.max()


def test_unit_rows_keeps_zero_rows_and_the_dtype():
    x = np.array([[3.0, 4.0], [0.0, 0.0]], dtype=np.float32)
    out = unit_rows(x)
    assert out.dtype == np.float32 and np.allclose(out, [[0.6, 0.8], [0, 0]])
    assert unit_rows(x, np.float64).dtype == np.float64
