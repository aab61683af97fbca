"""Which documents are reviewed, and how much each reviewed document stands for.

The export ranks documents so a person's time goes where the silver is most likely
wrong; those documents are therefore *not* a sample of the corpus, and a figure
measured on them (the label model's F1, a model's dev score) says little about the
rest. The review *design* fixes that:

* ``budget`` documents are reviewed; a ``random_share`` of the budget is drawn
  uniformly at random (seeded) from the documents the ranking did not take, the
  rest are the ranking's top;
* each reviewed document records its stratum (``"ranked"`` / ``"random"``) and its
  inclusion probability ``pi``: 1 for the ranked top (always taken), ``m / (N - k)``
  for the ``m`` random documents drawn from the ``N - k`` others;
* the Horvitz-Thompson weight ``1 / pi`` makes weighted sums over the reviewed
  documents unbiased estimates of sums over the whole corpus (:func:`weighted_prf`).

With no random share the weights are all 1 and the estimate is of the ranked top only
(the export says so with ``W408``). ``docs/review.md`` gives the measurements.
"""
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import Errors, SpacyWeakError, Warnings, warn

STRATA = ("ranked", "random")
DEFAULT_RANDOM_SHARE = 0.2


@dataclass(frozen=True)
class Pick:
    index: int
    stratum: str
    inclusion_prob: float

    @property
    def weight(self) -> float:
        return 1.0 / self.inclusion_prob


def check_share(value: float, param: str = "random_share") -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise SpacyWeakError(Errors.E411.format(param=param, value=value))
    return float(value)


def choose(order: Sequence[int], n_docs: int, budget: int, *, random_share: float = DEFAULT_RANDOM_SHARE,
           seed: int = 0, where: str = "the corpus") -> list[Pick]:
    """The reviewed documents: the top of the ranking ``order`` (document indices, best
    first) plus ``round(random_share * budget)`` drawn at random from the others. A budget
    larger than the pool reviews the whole pool (``W407``, every document ranked, pi = 1)."""
    random_share = check_share(random_share)
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)) or budget < 0:
        raise SpacyWeakError(Errors.E411.format(param="budget", value=budget))
    if budget > n_docs:
        warn(Warnings.W407.format(budget=budget, n=n_docs, where=where))
        budget = n_docs
    n_random = int(round(random_share * budget))
    top = [int(i) for i in order[: budget - n_random]]
    picks = [Pick(i, "ranked", 1.0) for i in top]
    rest = np.setdiff1d(np.arange(n_docs), np.asarray(top, dtype=np.int64))
    if n_random and len(rest):
        rng = np.random.default_rng(seed)
        drawn = rng.choice(rest, size=min(n_random, len(rest)), replace=False)
        pi = len(drawn) / len(rest)
        picks += [Pick(int(i), "random", pi) for i in sorted(drawn.tolist())]
    return picks


def check_weights(weights: Iterable[float], doc_ids: Sequence[str]) -> np.ndarray:
    """Finite, > 0 weights, one per reviewed document (``E412`` names the document)."""
    out = np.asarray(list(weights), dtype=float)
    for w, doc_id in zip(out, doc_ids):
        if not math.isfinite(w) or w <= 0:
            raise SpacyWeakError(Errors.E412.format(doc_id=doc_id, value=w))
    return out


def weighted_prf(pairs: Iterable[tuple[set, set]], weights: Iterable[float]) -> dict:
    """Strict span P/R/F1 with each document's true/false positives and false negatives
    counted ``weight`` times (Horvitz-Thompson estimates of the corpus counts)."""
    tp = fp = fn = 0.0
    for (pred, gold), w in zip(pairs, weights):
        tp += w * len(pred & gold)
        fp += w * len(pred - gold)
        fn += w * len(gold - pred)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"p": p, "r": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "tp": tp, "fp": fp, "fn": fn}
