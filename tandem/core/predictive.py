"""A plain, explainable predictive score: L2-regularised logistic regression fitted with numpy.

Features are built from lead facts (mappings of field → value):

* numeric fields are standardised with the training mean and standard deviation; a
  missing value becomes the mean (0 after standardising), and a ``<field> missing``
  indicator is added when training data had missing values;
* categorical fields are one-hot encoded (``country = DE``); levels seen fewer than
  `FeatureSpec.min_level_count` times pool into ``<field> = (other)``; a missing value
  sets no column. Every level is kept (no reference level): the L2 penalty makes the fit
  unique and each lead's factors read directly.

The model minimises ``Σ log-loss + l2/2 · ‖w‖²`` (the intercept is not penalised) by
Newton's method (IRLS) with step halving; it is deterministic. Training refuses, with
`InsufficientHistory`, fewer than `min_per_class` examples of either outcome (won/lost or
accepted/rejected). The report gives calibration by decile of predicted probability,
the rank AUC (ties count one half), and lift in the top decile against the rules score.
A lead's factors are ``coefficient × encoded value`` per feature; the intercept plus all
factors is the lead's log-odds.
"""

from __future__ import annotations

import math
import numbers
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

OUTCOME_LABELS = {
    "won": True, "lost": False, "accepted": True, "rejected": False, "accept": True, "reject": False,
}
OTHER = "(other)"


class InsufficientHistory(ValueError):
    """Too few examples of an outcome to learn from."""

    def __init__(self, positives: int, negatives: int, minimum: int):
        self.positives, self.negatives, self.minimum = positives, negatives, minimum
        super().__init__(f"not enough history to train: {positives} positive and {negatives} negative "
                         f"outcomes; at least {minimum} of each are needed")


@dataclass(frozen=True)
class FeatureSpec:
    numeric: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    min_level_count: int = 5


@dataclass(frozen=True)
class Encoder:
    """Turns lead facts into a design matrix, with the statistics learnt from training rows."""

    numeric: tuple[tuple[str, float, float, bool], ...]
    categorical: tuple[tuple[str, tuple[str, ...], bool], ...]
    names: tuple[str, ...]

    def transform(self, rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
        columns: list[np.ndarray] = []
        for name, mean, std, with_missing in self.numeric:
            values = _numbers(rows, name)
            missing = np.isnan(values)
            columns.append(np.where(missing, 0.0, (values - mean) / std))
            if with_missing:
                columns.append(missing.astype(np.float64))
        for name, levels, pooled in self.categorical:
            texts = [_text(row.get(name)) for row in rows]
            columns += [np.array([t == level for t in texts], dtype=np.float64) for level in levels]
            if pooled:
                columns.append(np.array([t is not None and t not in levels for t in texts], dtype=np.float64))
        return np.column_stack(columns) if columns else np.zeros((len(rows), 0))


@dataclass(frozen=True)
class Factor:
    feature: str
    value: float
    contribution: float


@dataclass(frozen=True)
class Model:
    target: str
    encoder: Encoder
    intercept: float
    coefficients: tuple[float, ...]
    l2: float
    iterations: int
    positives: int
    negatives: int

    def log_odds(self, rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
        return self.intercept + self.encoder.transform(rows) @ np.asarray(self.coefficients)

    def probabilities(self, rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
        return _sigmoid(self.log_odds(rows))

    def top_factors(self, row: Mapping[str, Any], top: int = 5) -> tuple[Factor, ...]:
        """The features that moved this lead's log-odds most, largest absolute contribution first."""
        values = self.encoder.transform([row])[0]
        triples = zip(self.encoder.names, values, self.coefficients, strict=True)
        factors = [Factor(name, float(v), float(c * v)) for name, v, c in triples if c * v != 0]
        factors.sort(key=lambda f: (-abs(f.contribution), f.feature))
        return tuple(factors[:top])


# --- features ---------------------------------------------------------------------------------


def _numbers(rows: Sequence[Mapping[str, Any]], name: str) -> np.ndarray:
    out = np.empty(len(rows), dtype=np.float64)
    for i, row in enumerate(rows):
        value = row.get(name)
        if value is None:
            out[i] = np.nan
        elif isinstance(value, numbers.Real):
            out[i] = float(value)
        else:
            raise ValueError(f"field {name!r}: {value!r} is not a number (row {i})")
    return out


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def fit_encoder(rows: Sequence[Mapping[str, Any]], spec: FeatureSpec) -> Encoder:
    """Learn means, deviations and kept levels from training rows."""
    numeric, categorical, names = [], [], []
    for name in spec.numeric:
        values = _numbers(rows, name)
        present = values[~np.isnan(values)]
        mean = float(present.mean()) if len(present) else 0.0
        std = float(present.std()) if len(present) > 1 and present.std() > 0 else 1.0
        with_missing = bool(len(present) < len(values))
        numeric.append((name, mean, std, with_missing))
        names += [name] + ([f"{name} missing"] if with_missing else [])
    for name in spec.categorical:
        counts = Counter(t for t in (_text(row.get(name)) for row in rows) if t is not None)
        levels = tuple(sorted(level for level, n in counts.items() if n >= spec.min_level_count))
        pooled = any(n < spec.min_level_count for n in counts.values())
        categorical.append((name, levels, pooled))
        names += [f"{name} = {level}" for level in levels] + ([f"{name} = {OTHER}"] if pooled else [])
    return Encoder(tuple(numeric), tuple(categorical), tuple(names))


# --- fitting ----------------------------------------------------------------------------------


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _loss(design: np.ndarray, y: np.ndarray, beta: np.ndarray, penalty: np.ndarray) -> float:
    z = design @ beta
    return float(np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * beta @ (penalty * beta))


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, max_iter: int = 100,
                 tol: float = 1e-10) -> tuple[float, np.ndarray, int]:
    """(intercept, coefficients, iterations) minimising log-loss + l2/2·‖w‖² by damped Newton steps."""
    if not l2 >= 0:
        raise ValueError(f"l2 must be a non-negative number, got {l2}")
    design = np.column_stack([np.ones(len(x)), x])
    penalty = np.full(design.shape[1], float(l2))
    penalty[0] = 1e-12
    beta = np.zeros(design.shape[1])
    loss, iterations = _loss(design, y, beta, penalty), 0
    while iterations < max_iter:
        iterations += 1
        p = _sigmoid(design @ beta)
        gradient = design.T @ (p - y) + penalty * beta
        hessian = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty)
        step = np.linalg.lstsq(hessian, gradient, rcond=None)[0]
        beta, loss, size = _damped(design, y, beta, step, penalty, loss)
        if size < tol:
            break
    return float(beta[0]), beta[1:], iterations


def _damped(design: np.ndarray, y: np.ndarray, beta: np.ndarray, step: np.ndarray, penalty: np.ndarray,
            loss: float) -> tuple[np.ndarray, float, float]:
    scale = 1.0
    for _ in range(40):
        candidate = beta - scale * step
        candidate_loss = _loss(design, y, candidate, penalty)
        if candidate_loss <= loss + 1e-12 * max(1.0, abs(loss)):
            return candidate, candidate_loss, float(np.max(np.abs(scale * step), initial=0.0))
        scale /= 2
    return beta, loss, 0.0


def labels(outcomes: Sequence[bool | str]) -> np.ndarray:
    """Outcomes as 0/1: True/"won"/"accepted" are 1, False/"lost"/"rejected" are 0."""
    out = np.empty(len(outcomes), dtype=np.float64)
    for i, outcome in enumerate(outcomes):
        if isinstance(outcome, bool | np.bool_):
            out[i] = float(outcome)
        elif isinstance(outcome, str) and outcome.lower() in OUTCOME_LABELS:
            out[i] = float(OUTCOME_LABELS[outcome.lower()])
        else:
            known = ", ".join(OUTCOME_LABELS)
            raise ValueError(f"outcome {i}: {outcome!r} is not one of {known} or a boolean")
    return out


def train(rows: Sequence[Mapping[str, Any]], outcomes: Sequence[bool | str], spec: FeatureSpec, *,
          target: str = "won", l2: float = 1.0, min_per_class: int = 30) -> Model:
    """Fit the model on leads' facts and their outcomes; refuse thin history with InsufficientHistory."""
    if len(rows) != len(outcomes):
        raise ValueError(f"{len(rows)} rows but {len(outcomes)} outcomes")
    y = labels(outcomes)
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    if min(positives, negatives) < min_per_class:
        raise InsufficientHistory(positives, negatives, min_per_class)
    encoder = fit_encoder(rows, spec)
    intercept, coefficients, iterations = fit_logistic(encoder.transform(rows), y, l2)
    return Model(target, encoder, intercept, tuple(float(c) for c in coefficients), float(l2), iterations,
                 positives, negatives)


# --- evaluation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecileRow:
    decile: int
    count: int
    mean_predicted: float
    actual_rate: float


@dataclass(frozen=True)
class Lift:
    """Conversion in the top `share` of leads by each score, against the base rate."""

    share: float
    base_rate: float
    model_rate: float
    rules_rate: float | None
    model_lift: float
    rules_lift: float | None


@dataclass(frozen=True)
class Report:
    examples: int
    positives: int
    auc: float
    rules_auc: float | None
    calibration: tuple[DecileRow, ...]
    lift: Lift


def auc(scores: np.ndarray, y: np.ndarray) -> float:
    """Rank AUC (Mann–Whitney): chance a positive outranks a negative; ties count one half."""
    scores, y = np.asarray(scores, dtype=np.float64), np.asarray(y, dtype=bool)
    positives, negatives = int(y.sum()), int((~y).sum())
    if not positives or not negatives:
        raise ValueError("AUC needs at least one positive and one negative outcome")
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    first_rank = np.cumsum(counts) - counts + 1
    ranks = (first_rank + (counts - 1) / 2.0)[inverse]
    return float((ranks[y].sum() - positives * (positives + 1) / 2.0) / (positives * negatives))


def calibration(predicted: np.ndarray, y: np.ndarray, groups: int = 10) -> tuple[DecileRow, ...]:
    """Leads sorted by predicted probability (ties in input order), cut into near-equal groups."""
    order = np.argsort(predicted, kind="stable")
    rows = []
    for i, part in enumerate(np.array_split(order, groups), start=1):
        if len(part):
            rows.append(DecileRow(i, len(part), float(predicted[part].mean()), float(y[part].mean())))
    return tuple(rows)


def top_rate(scores: np.ndarray, y: np.ndarray, share: float = 0.1) -> float:
    """Outcome rate in the top ``ceil(share·n)`` by score; a tie at the cut counts at its mean rate."""
    scores, y = np.asarray(scores, dtype=np.float64), np.asarray(y, dtype=np.float64)
    k = max(1, math.ceil(share * len(scores)))
    cut = np.sort(scores)[::-1][k - 1]
    above, tied = scores > cut, scores == cut
    return float((y[above].sum() + (k - above.sum()) * y[tied].mean()) / k)


def evaluate(model: Model, rows: Sequence[Mapping[str, Any]], outcomes: Sequence[bool | str],
             rules_scores: Sequence[float] | np.ndarray | None = None, share: float = 0.1) -> Report:
    """How well the model ranks and is calibrated on these rows, and against the rules score."""
    y = labels(outcomes)
    predicted = model.probabilities(rows)
    base = float(y.mean())
    rules = None if rules_scores is None else np.asarray(rules_scores, dtype=np.float64)
    model_rate = top_rate(predicted, y, share)
    rules_rate = None if rules is None else top_rate(rules, y, share)
    lift = Lift(share, base, model_rate, rules_rate, model_rate / base,
                None if rules_rate is None else rules_rate / base)
    return Report(len(y), int(y.sum()), auc(predicted, y), None if rules is None else auc(rules, y),
                  calibration(predicted, y), lift)


def train_and_evaluate(rows: Sequence[Mapping[str, Any]], outcomes: Sequence[bool | str], spec: FeatureSpec,
                       rules_scores: Sequence[float] | np.ndarray | None = None, *, holdout_every: int = 5,
                       target: str = "won", l2: float = 1.0, min_per_class: int = 30) -> tuple[Model, Report]:
    """Train on all but every `holdout_every`-th example of each outcome, and report on those held out.

    The minimum per outcome applies to the whole history offered.
    """
    y = labels(outcomes)
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    if min(positives, negatives) < min_per_class:
        raise InsufficientHistory(positives, negatives, min_per_class)
    held = np.zeros(len(y), dtype=bool)
    for value in (0.0, 1.0):
        held[np.flatnonzero(y == value)[holdout_every - 1::holdout_every]] = True
    train_idx, test_idx = np.flatnonzero(~held), np.flatnonzero(held)
    model = train([rows[i] for i in train_idx], [bool(y[i]) for i in train_idx], spec, target=target, l2=l2,
                  min_per_class=1)
    rules = None if rules_scores is None else np.asarray(rules_scores, dtype=np.float64)[test_idx]
    return model, evaluate(model, [rows[i] for i in test_idx], [bool(y[i]) for i in test_idx], rules)
