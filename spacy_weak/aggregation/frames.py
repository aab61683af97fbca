"""The HMM's per-token emission log-likelihoods, looked up by observation row.

A token's emission log-likelihood (one value per hidden state) depends only on its
observation row, one code per source, and a corpus has few distinct rows: most tokens
are silent for every source (192 distinct rows on the 347,609 BC5CDR tokens x 18
sources). hmmlearn asks for the likelihoods document by document, several times per
document (each EM iteration, the posterior passes, Viterbi), so :class:`RowLikelihoods`
computes each distinct row once per emission table and gathers the rows of a document
from it. The values are those :func:`emission_log_likelihood` gives for the whole
document, bit for bit: a row's value is the same sum, over the sources in the same order.
"""
import math

import numpy as np

MAX_ROWS = 1 << 14  # distinct rows remembered per table (then no more are added); BC5CDR has 192


def emission_log_likelihood(table: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``(T, K)``: for each row of ``X`` (codes in ``[-1, V - 1]``), the sum over sources
    ``s`` of ``table[s, X[t, s], :]`` (``table``: ``(S, V + 1, K)``, its last row, the
    one the missing code ``-1`` indexes, is zero)."""
    S, V1, K = table.shape
    # (S, T, K) gather of table[s, X[t, s], :] from the flattened table: a missing code
    # -1 at source s lands on row V of source s-1 (or, for s=0, on the very last row):
    # always a zero row. Summed over its first axis: contiguous adds (3-4x faster than
    # reducing the middle axis of a (T, S, K) gather), source after source.
    idx = np.asarray(X).astype(np.intp).T + np.arange(0, S * V1, V1)[:, None]
    return np.take(table.reshape(S * V1, K), idx, axis=0).sum(axis=0)


class RowLikelihoods:
    """:func:`emission_log_likelihood` of one emission ``table``, with the distinct rows
    seen so far remembered (sorted integer keys: ``searchsorted`` per document)."""

    def __init__(self, table: np.ndarray) -> None:
        self.table = table
        S, V1, K = table.shape
        # a row packs into one int64 key when its codes (shifted to [0, V]) fit in 62 bits
        self.packable = S == 0 or S * math.log2(V1) <= 62
        self.powers = V1 ** np.arange(S, dtype=np.int64) if self.packable else None
        self.keys = np.empty(0, dtype=np.int64)
        self.values = np.empty((0, K))

    def __call__(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X)
        if not self.packable or not len(X):
            return emission_log_likelihood(self.table, X)
        # int64 keys: codes + 1 in base V + 1, less a constant (sum of powers): one key per row
        key = X @ self.powers
        if len(self.keys):
            pos = np.searchsorted(self.keys, key)
            if (self.keys.take(pos, mode="clip") == key).all():
                return self.values.take(pos, axis=0)
        if len(self.keys) >= MAX_ROWS:  # full (rows that rarely repeat): compute directly
            return emission_log_likelihood(self.table, X)
        new, first = np.unique(key, return_index=True)
        if len(self.keys):
            fresh = ~np.isin(new, self.keys, assume_unique=True)
            new, first = new[fresh], first[fresh]
        # merged into the sorted keys in linear time (both runs are sorted)
        at = np.searchsorted(self.keys, new)
        self.keys = np.insert(self.keys, at, new)
        self.values = np.insert(self.values, at, emission_log_likelihood(self.table, X[first]), axis=0)
        return self.values.take(np.searchsorted(self.keys, key), axis=0)
