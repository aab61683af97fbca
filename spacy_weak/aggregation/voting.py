"""Majority vote over observation arrays (token level) and over spans (span level).

Token level (:func:`token_majority`): on each token, every source that voted
(a label or an explicit ``"O"``; silence and missing abstain) adds its weight
to the *label* it voted (B- and I- of a label count together) or to ``O``. The
heaviest wins; ties go to ``O`` first, then to the label listed first. A token
nobody voted on is ``O``. The winning label starts a new entity (``B-``) when
the previous token has another label, or when the sources' ``B-`` weight for
it beats their ``I-`` weight (a source started a new mention there); so the
output is always valid BIO. Its probability is the winner's share of the
votes on the token (``1.0`` when nobody voted).

Span level (:func:`span_majority`): every distinct ``(start, end, label)`` a
source proposed is a candidate with the summed weight of the sources that
proposed exactly it. Candidates are taken greedily by weight (then length,
then position); a candidate is kept when it overlaps no kept span and its
weight beats the weight of the explicit ``"O"`` spans overlapping it. Its
probability is its weight over the weight of every candidate (kept or not)
and every ``"O"`` span overlapping it.
"""
from typing import Dict, List, Tuple

import numpy as np

from .observations import FIRST_LABEL_CODE, NEGATIVE, doc_offsets, n_states, n_symbols, row_groups, state_label

Span = Tuple[int, int, int]  # start, end (exclusive), label index


def vote_counts(X: np.ndarray, n_labels: int, weights: np.ndarray = None) -> np.ndarray:
    """Weighted votes per token and state, shape ``(n_tokens, n_states)``."""
    n_tok, n_src = X.shape
    K = n_states(n_labels)
    if weights is None:
        weights = np.ones(n_src)
    counts = np.zeros((n_tok, K))
    if n_tok == 0 or n_src == 0:
        return counts
    # symbol -> state: NEGATIVE -> 0, 2+j -> 1+j; silent / missing -> dropped
    sym = X.astype(np.int64)
    state = np.where(sym >= FIRST_LABEL_CODE, sym - 1, np.where(sym == NEGATIVE, 0, -1))
    t_idx, s_idx = np.nonzero(state >= 0)
    flat = t_idx * K + state[t_idx, s_idx]
    counts += np.bincount(flat, weights=np.asarray(weights, dtype=float)[s_idx], minlength=n_tok * K).reshape(n_tok, K)
    return counts


def repair_bio(states: np.ndarray, lengths: np.ndarray, n_labels: int) -> np.ndarray:
    """Turn every ``I-X`` not preceded by ``B-X``/``I-X`` of the same doc into ``B-X``."""
    states = states.copy()
    if len(states) == 0:
        return states
    lab = state_label(n_labels)[states]
    is_inside = (states > 0) & (states % 2 == 0)
    prev_lab = np.empty_like(lab)
    prev_lab[0] = -1
    prev_lab[1:] = lab[:-1]
    starts = doc_offsets(lengths)[:-1]
    starts = starts[starts < len(states)]
    prev_lab[starts] = -1
    bad = is_inside & (prev_lab != lab)
    states[bad] -= 1
    return states


def _row_votes(X: np.ndarray, n_labels: int, weights: np.ndarray = None):
    """Per row of ``X``: the winning label (0 = ``O``, ``1 + i`` = ``labels[i]``), its share
    of the votes (``1.0`` when nobody voted) and whether its ``B-`` weight beats its ``I-``
    weight."""
    counts = vote_counts(X, n_labels, weights)
    n = counts.shape[0]
    per_label = np.empty((n, 1 + n_labels))
    per_label[:, 0] = counts[:, 0]
    per_label[:, 1:] = counts[:, 1::2] + counts[:, 2::2]
    winner = np.argmax(per_label, axis=1)  # first max: O, then label order
    total = per_label.sum(axis=1)
    probs = np.where(total > 0, per_label[np.arange(n), winner] / np.where(total > 0, total, 1), 1.0)
    ent = winner > 0
    b_state = 2 * winner - 1
    b_w = counts[np.arange(n), np.where(ent, b_state, 0)]
    i_w = counts[np.arange(n), np.where(ent, b_state + 1, 0)]
    return winner, probs, b_w > i_w


def token_majority(
    X: np.ndarray, lengths: np.ndarray, n_labels: int, weights: np.ndarray = None
) -> Tuple[np.ndarray, np.ndarray]:
    """Token-level weighted majority vote: ``(states, token_probs)``, valid BIO.

    A token's vote depends on its observation row only, and a corpus has few distinct rows
    (192 on BC5CDR's 347,609 tokens): each distinct row is counted once (the same sums, in
    the same order, as counting every token) and the tokens take their row's result."""
    X = np.asarray(X)
    n_tok = X.shape[0]
    if n_tok == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    if X.shape[1]:
        first, inverse = row_groups(X, n_symbols(n_labels) + 1)
        winner, probs, b_beats_i = (a[inverse] for a in _row_votes(X[first], n_labels, weights))
    else:
        winner, probs, b_beats_i = _row_votes(X, n_labels, weights)
    states = np.zeros(n_tok, dtype=np.int64)
    ent = winner > 0
    b_state = 2 * winner - 1
    prev = np.empty(n_tok, dtype=np.int64)
    prev[0] = -1
    prev[1:] = winner[:-1]
    starts = doc_offsets(lengths)[:-1]
    prev[starts[starts < n_tok]] = -1
    begin = ent & ((prev != winner) | b_beats_i)
    states[ent] = np.where(begin[ent], b_state[ent], b_state[ent] + 1)
    return repair_bio(states, lengths, n_labels), probs


def states_to_span_arrays(states: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Spans from valid BIO states over concatenated docs: ``(n_spans, 4)`` array of
    ``(doc, start, end, label)`` (start/end relative to the doc), sorted."""
    offsets = doc_offsets(lengths)
    n = len(states)
    if n == 0:
        return np.zeros((0, 4), dtype=np.int64)
    is_i = (states > 0) & (states % 2 == 0)
    b_pos = np.flatnonzero(states % 2 == 1)
    if len(b_pos) == 0:
        return np.zeros((0, 4), dtype=np.int64)
    # the first position after each B that is not a continuation (or a doc start)
    stop = ~is_i
    stop[offsets[:-1][offsets[:-1] < n]] = True
    stop_pos = np.append(np.flatnonzero(stop), n)
    ends = stop_pos[np.searchsorted(stop_pos, b_pos, side="right")]
    doc_of = np.searchsorted(offsets, b_pos, side="right") - 1
    ends = np.minimum(ends, offsets[doc_of + 1])
    labels = (states[b_pos] - 1) // 2
    return np.stack([doc_of, b_pos - offsets[doc_of], ends - offsets[doc_of], labels], axis=1).astype(np.int64)


def states_to_spans(states: np.ndarray, lengths: np.ndarray) -> List[List[Span]]:
    """Spans per document from valid BIO states over concatenated docs."""
    out: List[List[Span]] = [[] for _ in range(len(lengths))]
    for d, s, e, l in states_to_span_arrays(states, lengths).tolist():
        out[d].append((s, e, l))
    return out


def span_majority(
    proposals: Dict[str, List[Tuple[int, int, str]]], weights: Dict[str, float] = None
) -> List[Tuple[int, int, str, float, List[str]]]:
    """Span-level weighted majority vote for one document.

    proposals: {source: [(start, end, label), ...]} (label ``"O"`` = negative).
    Returns ``[(start, end, label, prob, voters), ...]`` non-overlapping.
    """
    weights = weights or {}
    cand: Dict[Tuple[int, int, str], float] = {}
    voters: Dict[Tuple[int, int, str], List[str]] = {}
    negatives: List[Tuple[int, int, float]] = []
    for source, spans in proposals.items():
        w = float(weights.get(source, 1.0))
        for start, end, label in set(spans):
            if label == "O":
                negatives.append((start, end, w))
                continue
            key = (start, end, label)
            cand[key] = cand.get(key, 0.0) + w
            voters.setdefault(key, []).append(source)
    order = sorted(cand, key=lambda k: (-cand[k], -(k[1] - k[0]), k[0], k[2]))
    kept = []
    for key in order:
        start, end, label = key
        if any(start < e and s < end for s, e, _, _, _ in kept):
            continue
        neg = sum(w for s, e, w in negatives if start < e and s < end)
        w = cand[key]
        if w <= neg:
            continue
        rivals = sum(v for k, v in cand.items() if k[0] < end and start < k[1])
        kept.append((start, end, label, w / (rivals + neg), sorted(voters[key])))
    kept.sort(key=lambda x: (x[0], x[1], x[2]))
    return kept
