"""The label matrix in Snorkel's convention, to take the sources' votes to other tools.

    >>> lm = spacy_weak.label_matrix(docs, level="doc")        # documents x sources
    >>> lm.L.shape, lm.sources, lm.labels
    ((1586, 15), ['lf_check_out', ...], ['HAM', 'SPAM'])
    >>> from snorkel.labeling.model import LabelModel
    >>> LabelModel(cardinality=len(lm.labels)).fit(lm.L)

``L[i, j]`` is ``-1`` when source ``j`` abstained on row ``i`` (or did not run),
else the index in ``labels`` of the label it voted for.

* ``level="doc"``: one row per document, the votes of the document-level sources
  (``weak_doc_keywords``, ``weak_doc_function``, ``@doc_source``). A lone vote
  *against* one of two labels is a vote for the other; a source voting for
  several labels on one document cannot be written in one cell (``[E118]``).
* ``level="token"``: one row per token (all documents concatenated; ``lengths``
  gives the tokens per document), the span sources. ``labels[0]`` is ``"O"``:
  a token inside a span labelled ``"O"`` (an explicit "not an entity" vote) gets
  ``0``; a token no span of the source covers is an abstention (``-1``).
  Overlapping spans of one source: the longest wins, as the aggregators read them
  (:mod:`spacy_weak.aggregation.observations`).
"""
from typing import Iterable, List, NamedTuple, Optional, Sequence, Union

import numpy as np

from .errors import Errors, SpacyWeakError
from .spans import ATTR_AGGREGATOR, NEGATIVE_LABEL, get_doc_votes, glob_may_match, is_doc_level, resolve_sources

LEVELS = ("token", "doc")


class LabelMatrix(NamedTuple):
    """``L`` (rows x sources, int64, -1 = abstain), the source names, the label names, and the
    tokens per document (token level; ``None`` at document level)."""

    L: np.ndarray
    sources: List[str]
    labels: List[str]
    lengths: Optional[np.ndarray] = None


def label_matrix(
    docs: Iterable,
    *,
    level: str = "token",
    sources: Union[str, Sequence[str]] = ("*",),
    labels: Optional[Sequence[str]] = None,
) -> LabelMatrix:
    """The sources' votes on ``docs`` as a Snorkel label matrix (see the module docstring).

    ``sources``: names or glob patterns (default: every source group found; aggregate
    groups are never sources). ``labels``: the label order (default: the labels voted,
    sorted; at token level ``"O"`` is always first).
    """
    if level not in LEVELS:
        raise SpacyWeakError(Errors.E119.format(value=level, options=", ".join(LEVELS)))
    patterns = [sources] if isinstance(sources, str) else list(sources) or ["*"]
    docs = list(docs)
    if level == "doc":
        return _doc_matrix(docs, patterns, labels)
    return _token_matrix(docs, patterns, labels)


def _token_matrix(docs, patterns: List[str], labels: Optional[Sequence[str]]) -> LabelMatrix:
    from .aggregation.observations import FIRST_LABEL_CODE, NEGATIVE, ObservationCollector

    entity_labels = [label for label in (labels or []) if label != NEGATIVE_LABEL]
    collector = ObservationCollector(patterns, entity_labels)
    collector.add_docs(docs)
    X, lengths, names, found = collector.finalize()
    X = X.astype(np.int64)
    L = np.full(X.shape, -1, dtype=np.int64)
    L[X == NEGATIVE] = 0
    labelled = X >= FIRST_LABEL_CODE
    L[labelled] = (X[labelled] - FIRST_LABEL_CODE) // 2 + 1  # B- and I- of label i -> i + 1
    return LabelMatrix(L, list(names), [NEGATIVE_LABEL, *found], lengths)


def _doc_sources(docs, patterns: Sequence[str] = ()) -> List[str]:
    """Document-level source keys; a glob never selects an evaluation group (gold), a name does."""
    keys = set()
    for doc in docs:
        for key, group in doc.spans.items():
            if is_doc_level(group) and ATTR_AGGREGATOR not in group.attrs and (key in patterns or glob_may_match(key, group)):
                keys.add(key)
    return sorted(keys)


def _doc_matrix(docs, patterns: List[str], labels: Optional[Sequence[str]]) -> LabelMatrix:
    names = [s for s in resolve_sources(patterns, _doc_sources(docs, patterns))]
    if labels is None:
        seen = set()
        for doc in docs:
            for name in names:
                seen.update((get_doc_votes(doc, name) or {}).keys())
        labels = sorted(seen)
    labels = list(labels)
    index = {label: i for i, label in enumerate(labels)}
    L = np.full((len(docs), len(names)), -1, dtype=np.int64)
    for i, doc in enumerate(docs):
        for j, name in enumerate(names):
            votes = get_doc_votes(doc, name)
            if not votes:
                continue
            votes = {label: v for label, v in votes.items() if label in index}
            pos = [label for label, v in votes.items() if v == 1]
            neg = [label for label, v in votes.items() if v == 0]
            if len(pos) == 1:
                L[i, j] = index[pos[0]]
            elif not pos and len(neg) == 1 and len(labels) == 2:
                L[i, j] = 1 - index[neg[0]]
            elif votes:
                raise SpacyWeakError(Errors.E118.format(source=name, doc=i, votes=votes))
    return LabelMatrix(L, names, labels, None)


__all__ = ["LabelMatrix", "label_matrix"]
