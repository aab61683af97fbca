"""Human labels as *observed* states of the label model (clamping).

A reviewed token is not one more vote: its hidden state is known. The hook here
turns the codes of the clamped source columns (``observations.py`` codes) into an
additive log mask ``(n_tokens, n_states)``: ``0`` on the states a code allows and
``CLAMP_LOG`` (a very large negative number, finite so hmmlearn's scaling
implementation never sees ``exp(-inf)``-only rows) on the others.

* missing (``-1``) or silent (``0``): every state allowed (nothing reviewed there);
* ``"O"`` (``1``): only state ``O``;
* ``B-X`` (``2+2i``): only ``B-X``; ``I-X`` (``3+2i``): only ``I-X``.

:class:`~.hmm.WeakHMM` adds the mask in ``_compute_log_likelihood``, so hmmlearn's
forward-backward (posteriors, E-step counts) and Viterbi (decoding) respect it.
A reviewer's ``O`` must therefore be written as ``"O"`` spans over the reviewed
text (``spacy_weak.review.importer`` does), so that "reviewed, not an entity"
differs from "not reviewed".

Whether EM also *learns* from the clamped tokens is the component's ``clamp_learn``
(:func:`fit_view`).
"""
from collections.abc import Sequence

import math

import numpy as np

from ..errors import Errors, SpacyWeakError
from .observations import FIRST_LABEL_CODE, NEGATIVE, n_states, n_symbols

CLAMP_LOG = -1e4


def allowed_states(n_labels: int) -> np.ndarray:
    """``(n_symbols + 1, n_states)`` boolean table: the states each code allows
    (the last row is the missing code ``-1``)."""
    V, K = n_symbols(n_labels), n_states(n_labels)
    table = np.ones((V + 1, K), dtype=bool)
    table[NEGATIVE] = False
    table[NEGATIVE, 0] = True
    for code in range(FIRST_LABEL_CODE, V):
        table[code] = False
        table[code, code - 1] = True  # B-X code 2+2i -> state 1+2i; I-X 3+2i -> 2+2i
    return table


def clamp_log_mask(X: np.ndarray, columns: Sequence[int], n_labels: int) -> np.ndarray:
    """Additive log mask ``(n_tokens, n_states)`` of the clamped ``columns`` of ``X``."""
    X = np.asarray(X)
    K = n_states(n_labels)
    allowed = np.ones((X.shape[0], K), dtype=bool)
    table = allowed_states(n_labels)
    for c in columns:
        allowed &= table[np.asarray(X[:, c], dtype=np.intp)]  # -1 indexes the last (all-true) row
    # contradictory clamps (two reviewers disagree on a token) allow nothing: fall back to all
    allowed[~allowed.any(axis=1)] = True
    return np.where(allowed, 0.0, CLAMP_LOG)


def fit_view(X: np.ndarray, columns: Sequence[int], learn: bool) -> np.ndarray:
    """The observations EM fits on. ``learn=False`` (the default of ``weak_hmm``): the
    clamped columns are hidden (missing) while fitting, so the reviews fix the reviewed
    tokens at decoding time but do not move the sources' learned accuracies. Reviews
    chosen for being hard are a biased sample: on BC5CDR, learning from 25 ranked
    documents lowered the label model's test F1 (docs/review.md). ``learn=True``: EM
    runs with the clamp (the reviewed tokens' states are known in the E-step)."""
    if learn or not len(columns) or not X.size:
        return X
    X = np.array(X, copy=True)
    X[:, list(columns)] = -1
    return X


def check_review_weight(name: str, value) -> None:
    """``review_weight`` must be a finite number > 0 (``E111``)."""
    try:
        ok = math.isfinite(float(value)) and float(value) > 0
    except (TypeError, ValueError):
        ok = False
    if not ok or isinstance(value, bool):
        raise SpacyWeakError(Errors.E111.format(name=name, value=value))
