"""Learning plumbing, written once, on scikit-learn: every learned part of the pipeline
uses these instead of its own.

- `LinearModel`: standardized features and a logistic regression (a scikit-learn
  estimator: `get_params`/`set_params`, `fit` returns self, fitted attributes end in `_`)
  that round-trips through plain JSON with its feature names (`to_json`/`from_json`; never
  a pickle);
- `logo_predictions`: out-of-fold probabilities, each group (a document, a session)
  predicted by a clone of the estimator fitted on the other groups (`LeaveOneGroupOut`);
- `choose_threshold`: the decision threshold that maximizes an objective over a grid of
  midpoints between observed scores (the middle of the best range, so a threshold is not
  balanced on one training example);
- `unit_rows`: rows scaled to length 1 (cosine similarity as a dot product).

Used by the matcher of known asks (`pipeline/asks/matcher.py`) and the theme decision
(`pipeline/themes/model.py`).
"""

from pipeline.learn.crossval import logo_predictions
from pipeline.learn.linear import LinearModel
from pipeline.learn.rows import unit_rows
from pipeline.learn.threshold import choose_threshold

__all__ = ["LinearModel", "choose_threshold", "logo_predictions", "unit_rows"]
