"""The span-level aggregator base (writing ``doc.spans[spans_key]`` and ``doc.ents``)
and the decoding helpers shared by ``weak_vote`` and ``weak_hmm``.
"""
import logging
from typing import List, Sequence, Tuple

import numpy as np
from spacy.tokens import Doc, Span

from ..spans import (
    set_aggregate,
)
from .base import AggregatorBase, _selects
from .observations import (
    FIRST_LABEL_CODE,
    doc_offsets,
    is_span_source_group,
    row_groups,
)

logger = logging.getLogger(__name__)


SPAN_PROBS = ("mean", "min")
SCHEMES = ("BIO", "IO")


def merge_adjacent_states(states: np.ndarray, lengths: np.ndarray, n_labels: int) -> np.ndarray:
    """``merge_adjacent = true``: a ``B-X`` right after ``B-X``/``I-X`` (same doc) becomes
    ``I-X``, so two decoded entities of one label with no token between are one entity.

    Why: sources that each cover one part of a multi-token name ("puromycin" from a
    vocabulary, "aminonucleoside" from a suffix rule) all vote ``B-`` on their first
    token, and no source says the second part continues the first.
    """
    states = np.asarray(states).copy()
    if len(states) < 2:
        return states
    is_b = (states > 0) & (states % 2 == 1)  # B-X = 1 + 2i
    lab = np.where(states > 0, (states - 1) // 2, -1)
    prev = np.empty_like(lab)
    prev[0] = -1
    prev[1:] = lab[:-1]
    starts = doc_offsets(np.asarray(lengths, dtype=np.int64))[:-1]
    prev[starts[starts < len(states)]] = -1
    merge = is_b & (prev == lab)
    states[merge] += 1
    return states


def io_symbols(X: np.ndarray) -> np.ndarray:
    """``scheme = "IO"``: every ``B-X`` vote becomes ``I-X`` (codes ``2+2i`` -> ``3+2i``), so
    the model sees *where* a source put label X, not where its spans start; adjacent
    votes for X from different sources (or spans) then decode as one entity."""
    X = np.asarray(X)
    if X.size == 0:
        return X
    return np.where((X >= FIRST_LABEL_CODE) & ((X - FIRST_LABEL_CODE) % 2 == 0), X + 1, X).astype(X.dtype, copy=False)


class SpanAggregator(AggregatorBase):
    """The base of span-level aggregators (``weak_vote``, ``weak_hmm``; see :mod:`.contracts`):
    reads span source groups, writes ``doc.spans[spans_key]`` (probabilities, voters,
    :func:`~spacy_weak.spans.set_aggregate`) and, with ``annotate_ents``, ``doc.ents``.

    A subclass gives ``predict(docs)`` returning, per doc, ``None`` (no source ran) or
    ``(spans, probs, voters)`` with spans as ``(start, end, label)`` token offsets, and its
    own ``_get_state`` / ``_set_state`` / ``_validate_state``.
    """

    def _has_sources(self, doc: Doc) -> bool:
        patterns = self.cfg["sources"] or ["*"]
        own = self.cfg["spans_key"]
        return any(
            key != own and is_span_source_group(group) and _selects(patterns, key, group)
            for key, group in doc.spans.items()
        )

    def _write(self, doc: Doc, spans: List[Tuple[int, int, str]], probs, voters) -> None:
        objs = [Span(doc, s, e, label=label) for s, e, label in spans]
        set_aggregate(doc, self.cfg["spans_key"], objs, probs, voters, aggregator=self.name)
        if self.cfg["annotate_ents"]:
            doc.set_ents(objs, default="outside")

    def set_annotations(self, docs: Sequence[Doc], results) -> None:
        for doc, result in zip(docs, results):
            if result is None:  # no source ran: an empty aggregate, doc.ents left as they are
                set_aggregate(doc, self.cfg["spans_key"], [], [], [], aggregator=self.name)
                continue
            spans, probs, voters = result
            self._write(doc, spans, probs, voters)

    @staticmethod
    def _span_details(X, lengths, states, token_probs, spans, sources, labels, how="mean"):
        """Label names, probabilities and voters for decoded spans (vectorised over the batch).

        ``spans``: ``(n, 4)`` array ``(doc, start, end, label)`` from
        :func:`~.voting.states_to_span_arrays`. A span's probability is the mean
        (or min) over its tokens of the token-level probability of the decoded
        state; its voters are the sources with a B- or I- vote for its label on
        at least one of its tokens.
        """
        n_docs = len(lengths)
        if len(spans) == 0:
            return [([], [], []) for _ in range(n_docs)]
        offsets = doc_offsets(lengths)
        a = offsets[spans[:, 0]] + spans[:, 1]
        b = offsets[spans[:, 0]] + spans[:, 2]
        # Each span is reduced over its own tokens only (reduceat segments), so its
        # probability does not depend on which documents share its batch; a cumulative
        # sum over the whole batch would differ in the last bits (issue 15, class 10).
        bounds_ab = np.stack([a, b], axis=1).ravel()
        if how == "min":
            probs = np.minimum.reduceat(np.append(token_probs, 1.0), bounds_ab)[::2]
        else:
            probs = np.add.reduceat(np.append(token_probs, 0.0), bounds_ab)[::2] / (b - a)
        # per token of a span and source: does the source vote (B- or I-) the span's label?
        # (only the spans' tokens are read: spans do not overlap and are not empty)
        span_len = b - a
        first = np.cumsum(span_len) - span_len
        tokens = np.repeat(a - first, span_len) + np.arange(int(span_len.sum()))
        Xs = np.asarray(X)[tokens].astype(np.int64)
        votes = (Xs >= FIRST_LABEL_CODE) & (((Xs - FIRST_LABEL_CODE) // 2) == np.repeat(spans[:, 3], span_len)[:, None])
        voted = np.logical_or.reduceat(votes, first, axis=0) if votes.shape[1] else votes[first]
        # voter lists per distinct pattern of voters
        rows, inverse = row_groups(voted.astype(np.int8), 3)  # codes 0, 1 (and -1, unused)
        names = [[sources[c] for c in np.flatnonzero(voted[r])] for r in rows.tolist()]
        voters = [names[i] for i in inverse.tolist()]
        label_names = [labels[l] for l in spans[:, 3].tolist()]
        triples = list(zip(spans[:, 1].tolist(), spans[:, 2].tolist(), label_names))
        probs = probs.tolist()
        bounds = np.concatenate([[0], np.cumsum(np.bincount(spans[:, 0], minlength=n_docs))]).tolist()
        return [
            (triples[bounds[d] : bounds[d + 1]], probs[bounds[d] : bounds[d + 1]], voters[bounds[d] : bounds[d + 1]])
            for d in range(n_docs)
        ]


_SpanAggregator = SpanAggregator  # the name before issue 23 (kept for code written against it)
