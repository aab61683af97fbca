"""Token-level primitives of the analysis: label-set bit masks per token and source,
span keys, and the corpus-level :class:`TokenStats` shared by the source analysis,
the gold scoring and the document ranking (one module below all three, so none of
them imports another to get these)."""
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from .data import CorpusData, SpanTable


MAX_LABELS = 63


def unique(values: np.ndarray) -> np.ndarray:
    """Sorted unique values (sort based: faster than ``np.unique``'s hashing on large int arrays)."""
    if len(values) == 0:
        return values
    v = np.sort(values, kind="stable")
    return v[np.concatenate(([True], v[1:] != v[:-1]))]


def labels_present(labels: np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.bincount(labels)) if len(labels) else labels


def in_sorted(values: np.ndarray, sorted_unique: np.ndarray) -> np.ndarray:
    """``np.isin(values, sorted_unique)`` for a sorted unique reference array."""
    if len(sorted_unique) == 0:
        return np.zeros(len(values), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_unique, values), len(sorted_unique) - 1)
    return sorted_unique[pos] == values


def label_bits(table: SpanTable, n_tokens: int) -> np.ndarray:
    """Token label sets of one span table as a ``uint64`` bit mask per token (0 = silent)."""
    out = np.zeros(n_tokens, dtype=np.uint64)
    if len(table) == 0:
        return out
    for label in labels_present(table.label):
        if label >= MAX_LABELS:
            continue
        sel = table.label == label
        diff = np.zeros(n_tokens + 1, dtype=np.int64)
        np.add.at(diff, table.start[sel], 1)
        np.add.at(diff, table.end[sel], -1)
        covered = np.cumsum(diff[:-1]) > 0
        out[covered] |= np.uint64(1) << np.uint64(label)
    return out


def vote_matrix(data: CorpusData, keys: Sequence[str]) -> np.ndarray:
    """``(n_tokens, len(keys))`` uint64 label-set matrix (0 = silent or missing)."""
    mat = np.zeros((data.n_tokens, len(keys)), dtype=np.uint64)
    for j, key in enumerate(keys):
        mat[:, j] = label_bits(data.tables[key], data.n_tokens)
    return mat


def gold_bits(data: CorpusData) -> Optional[np.ndarray]:
    """Gold label per token as a bit mask, with bit 0 (``"O"``) for tokens outside gold spans."""
    if data.gold is None:
        return None
    bits = label_bits(data.gold, data.n_tokens)
    bits[bits == 0] = np.uint64(1)
    return bits


def span_keys(table: SpanTable, data: CorpusData) -> np.ndarray:
    """One int64 key per span: (global start, end, label); equal keys = the same span."""
    base = data.n_tokens + 1
    return (table.start * base + table.end) * (len(data.labels) + 1) + table.label


@dataclass
class TokenStats:
    """Corpus-level token statistics shared by the analysis and the document ranking."""

    votes: np.ndarray  # (n_tokens, n_sources) uint64
    ran: np.ndarray  # (n_tokens, n_sources) bool
    labelled: np.ndarray  # (n_tokens, n_sources) bool
    n_labelled: np.ndarray  # (n_tokens,) how many sources vote on each token
    conflict: np.ndarray  # (n_tokens, n_sources) bool: votes and another source votes differently
    conflict_token: np.ndarray  # (n_tokens,) bool: at least two sources vote differently


def token_stats(data: CorpusData, keys: Optional[Sequence[str]] = None) -> TokenStats:
    keys = list(data.sources if keys is None else keys)
    votes = vote_matrix(data, keys)
    ran = np.stack([data.token_mask(data.ran[k]) for k in keys], axis=1) if keys else np.zeros((data.n_tokens, 0), bool)
    labelled = votes != 0
    n_labelled = labelled.sum(axis=1)
    conflict = np.zeros_like(labelled)
    for j in range(len(keys)):
        # sources labelling this token with exactly the same label set as j (j included)
        same = (votes == votes[:, j : j + 1]).sum(axis=1)
        conflict[:, j] = labelled[:, j] & (n_labelled > same)
    conflict_token = conflict.any(axis=1) if keys else np.zeros(data.n_tokens, dtype=bool)
    return TokenStats(votes, ran, labelled, n_labelled, conflict, conflict_token)
