"""Span groups -> compact integer observation arrays (tokens x sources).

For every token ``t`` of a document and every span-level source ``s`` the
aggregators observe one small integer ``X[t, s]``:

=========  ==============================================================
code       meaning
=========  ==============================================================
``-1``     *missing*: ``doc.spans`` has no key for the source (it did not
           run on this document). Contributes nothing to any likelihood.
``0``      *silent*: the source ran and none of its spans covers the token.
``1``      explicit *not an entity*: the token is inside a span labelled
           ``"O"`` (a negative rule).
``2+2i``   ``B-label_i``: first token of a span labelled ``labels[i]``.
``3+2i``   ``I-label_i``: a later token of such a span.
=========  ==============================================================

Hidden states use the same layout without the two first codes: state ``0`` is
``O``, ``1+2i`` is ``B-label_i`` and ``2+2i`` is ``I-label_i``.

Overlapping or nested spans of **one** source cannot all be encoded in one code
per token. The rule is *longest wins*: spans are taken by decreasing length,
then earlier start, then labelled before ``"O"``, then label name; a span
overlapping one already taken is dropped and counted in
:attr:`ObservationCollector.overlaps_resolved` (per source). Spans with a label
outside the label set are ignored (counted in ``unknown_labels``).

A corpus is kept as **one** concatenated array (``int8`` while the symbols fit)
plus a ``lengths`` array (tokens per document), built by streaming the docs:
no per-document Python object survives the pass.
"""
import logging
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
from spacy.tokens import Doc

from ..spans import ATTR_AGGREGATOR, NEGATIVE_LABEL, is_doc_level, resolve_sources

logger = logging.getLogger(__name__)

MISSING = -1
SILENT = 0
NEGATIVE = 1
FIRST_LABEL_CODE = 2


def n_symbols(n_labels: int) -> int:
    """Number of observation symbols for ``n_labels`` labels (missing excluded)."""
    return FIRST_LABEL_CODE + 2 * n_labels


def n_states(n_labels: int) -> int:
    """Number of BIO hidden states: ``O`` plus B-/I- per label."""
    return 1 + 2 * n_labels


def state_names(labels: Sequence[str]) -> List[str]:
    names = ["O"]
    for label in labels:
        names += [f"B-{label}", f"I-{label}"]
    return names


def symbol_to_state(n_labels: int) -> np.ndarray:
    """For each symbol, the state it votes for (``-1`` for silent)."""
    out = np.empty(n_symbols(n_labels), dtype=np.int64)
    out[SILENT] = -1
    out[NEGATIVE] = 0
    out[FIRST_LABEL_CODE:] = np.arange(1, n_states(n_labels))
    return out


def state_label(n_labels: int) -> np.ndarray:
    """For each state, the index of its label (``-1`` for ``O``)."""
    out = np.full(n_states(n_labels), -1, dtype=np.int64)
    out[1:] = np.repeat(np.arange(n_labels), 2)
    return out


def obs_dtype(n_labels: int):
    return np.int8 if n_symbols(n_labels) <= 127 else np.int16


ATTR_GOLD = "gold"  # gold groups written by the corpus readers (attrs["gold"] = True)


def is_span_source_group(group) -> bool:
    """A span group written by a span-level source: not an aggregate (``attrs["aggregator"]``),
    not a document-level source (``attrs["level"] == "doc"``), not gold (``attrs["gold"]``)."""
    attrs = group.attrs
    return ATTR_AGGREGATOR not in attrs and not is_doc_level(group) and not attrs.get(ATTR_GOLD)


def available_sources(doc: Doc, exclude: Iterable[str] = ()) -> List[str]:
    excluded = set(exclude)
    return [k for k, g in doc.spans.items() if k not in excluded and is_span_source_group(g)]


def encode_spans(
    n_tokens: int, spans: List[Tuple[int, int, int, str]], dtype=np.int8
) -> Tuple[np.ndarray, int]:
    """Encode one source's spans ``(start, end, code_B, label)`` into codes.

    ``code_B`` is the B symbol (``NEGATIVE`` for ``"O"`` spans, which use the
    same code on every token). Returns the codes and the number of spans
    dropped by the *longest wins* rule.
    """
    codes = np.zeros(n_tokens, dtype=dtype)
    if not spans:
        return codes, 0
    spans.sort(key=lambda x: (x[0], x[1]))
    overlapping = False
    max_end = -1
    for start, end, _, _ in spans:
        if start < max_end:
            overlapping = True
            break
        max_end = end
    dropped = 0
    if overlapping:
        spans.sort(key=lambda x: (-(x[1] - x[0]), x[0], x[2] == NEGATIVE, x[3]))
        taken = np.zeros(n_tokens, dtype=bool)
        kept = []
        for span in spans:
            start, end = span[0], span[1]
            if taken[start:end].any():
                dropped += 1
                continue
            taken[start:end] = True
            kept.append(span)
        spans = kept
    for start, end, code, _ in spans:
        if code == NEGATIVE:
            codes[start:end] = NEGATIVE
        else:
            codes[start:end] = code + 1
            codes[start] = code
    return codes, dropped


class _Growable:
    """An append-only 2D array with amortised doubling (rows x columns)."""

    def __init__(self, n_cols: int, dtype, capacity: int = 4096):
        self.data = np.full((capacity, n_cols), MISSING, dtype=dtype)
        self.n = 0

    def append(self, rows: np.ndarray) -> None:
        need = self.n + rows.shape[0]
        if need > self.data.shape[0]:
            cap = max(need, 2 * self.data.shape[0])
            new = np.full((cap, self.data.shape[1]), MISSING, dtype=self.data.dtype)
            new[: self.n] = self.data[: self.n]
            self.data = new
        self.data[self.n : need, : rows.shape[1]] = rows
        self.n = need

    def add_column(self) -> None:
        new = np.full((self.data.shape[0], self.data.shape[1] + 1), MISSING, dtype=self.data.dtype)
        new[:, :-1] = self.data
        self.data = new

    def astype(self, dtype) -> None:
        self.data = self.data.astype(dtype)

    def array(self) -> np.ndarray:
        return self.data[: self.n]


class ObservationCollector:
    """Stream docs into one observation array (tokens x sources) + lengths.

    sources (list): names or glob patterns; patterns are matched against the
        span-level source groups found in the docs (aggregate and doc-level
        groups and the keys in ``exclude`` never match).
    labels (list): the label set; empty = every label the sources emit
        (except ``"O"``), sorted, discovered while streaming.
    exclude (list): span keys never used as sources (e.g. the aggregator's
        own output key).
    """

    def __init__(self, sources: Sequence[str], labels: Sequence[str] = (), *, exclude: Iterable[str] = ()):
        self.patterns = list(sources) or ["*"]
        self.fixed_labels = bool(labels)
        self.labels: List[str] = list(labels)
        self._label_index: Dict[str, int] = {l: i for i, l in enumerate(self.labels)}
        self.exclude = set(exclude)
        self.sources: List[str] = []
        self._source_index: Dict[str, int] = {}
        self._explicit = [p for p in self.patterns if not any(ch in p for ch in "*?[")]
        for name in self._explicit:
            self._add_source(name)
        self._buffer = _Growable(max(1, len(self.sources)), np.int16)
        self._lengths_arr = np.zeros(1024, dtype=np.int64)
        self.n_docs = 0
        self.overlaps_resolved: Dict[str, int] = {}
        self.unknown_labels: Dict[str, int] = {}
        self.n_spans: Dict[str, int] = {}

    # ------------------------------------------------------------------ sources
    def _add_source(self, name: str) -> int:
        idx = len(self.sources)
        self.sources.append(name)
        self._source_index[name] = idx
        if hasattr(self, "_buffer") and idx >= self._buffer.data.shape[1]:
            self._buffer.add_column()
        return idx

    def _matches(self, key: str) -> bool:
        if key in self.exclude:
            return False
        return bool(resolve_sources([p for p in self.patterns if any(ch in p for ch in "*?[")], [key]))

    def _label_code(self, label: str) -> Optional[int]:
        if label == NEGATIVE_LABEL:
            return NEGATIVE
        idx = self._label_index.get(label)
        if idx is None:
            if self.fixed_labels:
                return None
            idx = len(self.labels)
            self.labels.append(label)
            self._label_index[label] = idx
        return FIRST_LABEL_CODE + 2 * idx

    # --------------------------------------------------------------------- docs
    def add(self, doc: Doc) -> None:
        n_tokens = len(doc)
        for key, group in doc.spans.items():
            if key not in self._source_index and self._matches(key) and is_span_source_group(group):
                self._add_source(key)
        rows = np.full((n_tokens, len(self.sources)), MISSING, dtype=np.int16)
        for name, col in self._source_index.items():
            if name not in doc.spans:
                continue
            group = doc.spans[name]
            if not is_span_source_group(group):
                continue
            spans = []
            unknown = 0
            for span in group:
                label = span.label_
                code = self._label_code(label)
                if code is None:
                    unknown += 1
                    continue
                spans.append((span.start, span.end, code, label))
            codes, dropped = encode_spans(n_tokens, spans, dtype=np.int16)
            rows[:, col] = codes
            self.n_spans[name] = self.n_spans.get(name, 0) + len(spans)
            if dropped:
                self.overlaps_resolved[name] = self.overlaps_resolved.get(name, 0) + dropped
            if unknown:
                self.unknown_labels[name] = self.unknown_labels.get(name, 0) + unknown
        self._buffer.append(rows)
        if self.n_docs >= self._lengths_arr.shape[0]:
            self._lengths_arr = np.concatenate([self._lengths_arr, np.zeros_like(self._lengths_arr)])
        self._lengths_arr[self.n_docs] = n_tokens
        self.n_docs += 1

    def add_docs(self, docs: Iterable[Doc]) -> "ObservationCollector":
        for doc in docs:
            self.add(doc)
        return self

    def finalize(self) -> Tuple[np.ndarray, np.ndarray, List[str], List[str]]:
        """Return ``(X, lengths, sources, labels)`` in canonical order.

        Sources follow :func:`spacy_weak.spans.resolve_sources` order (explicit
        names first, then glob matches sorted); discovered labels are sorted.
        """
        X = self._buffer.array()
        if X.shape[1] < len(self.sources):
            X = np.pad(X, ((0, 0), (0, len(self.sources) - X.shape[1])), constant_values=MISSING)
        X = X[:, : len(self.sources)]
        order = resolve_sources(self.patterns, self.sources)
        order = [s for s in order if s in self._source_index]
        perm = [self._source_index[s] for s in order]
        labels = list(self.labels)
        if not self.fixed_labels:
            labels = sorted(self.labels)
            remap = np.full(n_symbols(len(labels)) + 1, MISSING, dtype=np.int16)
            remap[SILENT] = SILENT
            remap[NEGATIVE] = NEGATIVE
            for old, label in enumerate(self.labels):
                new = labels.index(label)
                remap[FIRST_LABEL_CODE + 2 * old] = FIRST_LABEL_CODE + 2 * new
                remap[FIRST_LABEL_CODE + 2 * old + 1] = FIRST_LABEL_CODE + 2 * new + 1
            X = remap[X]  # -1 indexes the last entry, which is MISSING
        X = np.ascontiguousarray(X[:, perm], dtype=obs_dtype(len(labels)))
        lengths = self._lengths_arr[: self.n_docs].copy()
        return X, lengths, order, labels


def encode_docs(
    docs: Sequence[Doc], sources: Sequence[str], labels: Sequence[str]
) -> Tuple[np.ndarray, np.ndarray, Dict[str, int]]:
    """Encode docs with a fixed source list and label set (apply time).

    Returns ``(X, lengths, overlaps_resolved)``; sources absent from a doc are
    missing (``-1``); labels outside ``labels`` are ignored.
    """
    collector = ObservationCollector(list(sources), list(labels))
    # explicit names only: no discovery; the fixed label set drops unknown labels
    collector.patterns = list(sources)
    collector.add_docs(docs)
    X = collector._buffer.array()[:, : len(sources)]
    X = np.ascontiguousarray(X, dtype=obs_dtype(len(labels)))
    return X, collector._lengths_arr[: collector.n_docs].copy(), dict(collector.overlaps_resolved)


def doc_offsets(lengths: np.ndarray) -> np.ndarray:
    """Start offset of each document in the concatenated array."""
    out = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=out[1:])
    return out
