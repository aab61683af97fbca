"""Span groups -> compact integer observation arrays (tokens x sources).

For every token ``t`` of a document and every span-level source ``s`` the
aggregators observe one small integer ``X[t, s]``:

=========  ==============================================================
code       meaning
=========  ==============================================================
``-1``     *missing*: ``doc.spans`` has no key for the source (it did not
           run on this document). Contributes nothing to any likelihood.
``0``      *silent*: the source ran and none of its spans covers the token.
           A group with ``attrs["abstain_outside"] = True`` (e.g. a model's
           predictions that only vouch for what they tag) is *missing* there
           instead: no opinion, not evidence for ``O``.
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
import math
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
from spacy.tokens import Doc

from ..spans import (
    ATTR_ABSTAIN_OUTSIDE,
    ATTR_AGGREGATOR,
    ATTR_CANNOT_MATCH,
    ATTR_READS,
    NEGATIVE_LABEL,
    glob_may_match,
    is_doc_level,
    resolve_sources,
)

logger = logging.getLogger(__name__)

FLUSH_TOKENS = 1 << 15  # queued tokens encoded together

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
    """A span group a span-level source may have written: not an aggregate (``attrs["aggregator"]``),
    not a document-level source (``attrs["level"] == "doc"``). Gold is left out by the glob rule
    (:func:`spacy_weak.spans.glob_may_match`), so a source named explicitly may be gold."""
    attrs = group.attrs
    return ATTR_AGGREGATOR not in attrs and not is_doc_level(group)


def available_sources(doc: Doc, exclude: Iterable[str] = ()) -> List[str]:
    """The span-level source groups of ``doc`` a ``"*"`` selects: no aggregate, no doc-level
    group, no evaluation group (gold, reviewed dev sets), none of ``exclude``."""
    excluded = set(exclude)
    return [
        k for k, g in doc.spans.items() if k not in excluded and is_span_source_group(g) and glob_may_match(k, g)
    ]


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
        taken = bytearray(n_tokens)  # a C-level find per span, no numpy call per span
        kept = []
        for span in spans:
            start, end = span[0], span[1]
            if taken.find(1, start, end) >= 0:
                dropped += 1
                continue
            taken[start:end] = b"\x01" * (end - start)
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
        self._hash_cache: Dict[int, str] = {}
        self.sources: List[str] = []
        self._source_index: Dict[str, int] = {}
        self._explicit = [p for p in self.patterns if not any(ch in p for ch in "*?[")]
        self._globs = [p for p in self.patterns if any(ch in p for ch in "*?[")]
        for name in self._explicit:
            self._add_source(name)
        self._buffer = _Growable(max(1, len(self.sources)), np.int8)  # int16 beyond 62 labels
        self._lengths_arr = np.zeros(1024, dtype=np.int64)
        self.n_docs = 0
        self.overlaps_resolved: Dict[str, int] = {}
        self.unknown_labels: Dict[str, int] = {}
        self.unknown_label_names: Dict[str, Dict[str, int]] = {}  # source -> label outside the set -> spans
        self.n_spans: Dict[str, int] = {}
        self.seen_sources: set = set()  # sources present (as a span group) in at least one doc
        # sources whose silence is no news: they add to other sources' spans (ATTR_READS), or the
        # build said they cannot match (ATTR_CANNOT_MATCH, W003)
        self.reading_sources: set = set()
        self.own_key_sources: set = set()  # excluded keys (the aggregator's output) that a source wrote
        self._vocab = None
        # queued docs (encoded in blocks of FLUSH_TOKENS tokens by _flush)
        self._p_starts: List[int] = []
        self._p_ends: List[int] = []
        self._p_labels: List[int] = []
        self._p_cols: List[int] = []
        self._p_present: List[int] = []  # (queued doc index << 32) + column, of each source that ran
        self._p_docs: List[Tuple[int, int]] = []
        self._p_tokens = 0

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
        return bool(resolve_sources(self._globs, [key]))

    def _hash_label(self, key: int) -> str:
        label = self._hash_cache.get(key)
        if label is None:
            label = self._vocab.strings[key]
            self._hash_cache[key] = label
        return label

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
        """Queue one doc's spans; they are encoded in blocks (see :meth:`_flush`)."""
        n_tokens = len(doc)
        if self._vocab is None:
            self._vocab = doc.vocab
        spans = doc.spans
        for key in self.exclude:
            if key in spans and is_span_source_group(spans[key]) and key not in self.own_key_sources:
                self.own_key_sources.add(key)
        if self._globs:
            for key, group in spans.items():
                if (
                    key not in self._source_index
                    and self._matches(key)
                    and is_span_source_group(group)
                    and glob_may_match(key, group)
                ):
                    self._add_source(key)
        base = self._p_tokens
        doc_row = len(self._p_docs) << 32
        for name, col in self._source_index.items():
            if name not in spans:
                continue
            group = spans[name]
            if not is_span_source_group(group):
                continue
            if not group.attrs.get(ATTR_ABSTAIN_OUTSIDE):
                # the source ran: silent (0) on the tokens its spans do not cover
                self._p_present.append(doc_row + col)
            self.seen_sources.add(name)
            if group.attrs.get(ATTR_READS) or group.attrs.get(ATTR_CANNOT_MATCH):
                self.reading_sources.add(name)
            n_before = len(self._p_starts)
            for span in group:
                self._p_starts.append(span.start + base)
                self._p_ends.append(span.end + base)
                self._p_labels.append(span.label)
            self._p_cols.extend([col] * (len(self._p_starts) - n_before))
        self._p_docs.append((base, n_tokens))
        self._p_tokens += n_tokens
        if self.n_docs >= self._lengths_arr.shape[0]:
            self._lengths_arr = np.concatenate([self._lengths_arr, np.zeros_like(self._lengths_arr)])
        self._lengths_arr[self.n_docs] = n_tokens
        self.n_docs += 1
        if self._p_tokens >= FLUSH_TOKENS:
            self._flush()

    def _count(self, store: Dict[str, int], per_col: np.ndarray) -> None:
        for col in np.flatnonzero(per_col):
            name = self.sources[col]
            store[name] = store.get(name, 0) + int(per_col[col])

    def _flush(self) -> None:
        """Encode the queued docs into the buffer with a few vectorised operations."""
        T, S = self._p_tokens, len(self.sources)
        if not self._p_docs:
            return
        # silent (0) on every token of a doc where the source ran, missing (-1) elsewhere
        ran = np.zeros((len(self._p_docs), S), dtype=bool)
        present = np.array(self._p_present, dtype=np.int64)
        ran[present >> 32, present & 0xFFFFFFFF] = True
        rows = np.repeat(ran, [n for _, n in self._p_docs], axis=0).astype(np.int16) - 1  # SILENT where ran
        if self._p_starts:
            starts = np.array(self._p_starts, dtype=np.int64)
            ends = np.array(self._p_ends, dtype=np.int64)
            cols = np.array(self._p_cols, dtype=np.int64)
            hashes = np.array(self._p_labels, dtype=np.uint64)
            uniq, inverse = np.unique(hashes, return_inverse=True)
            names = [self._hash_label(int(h)) for h in uniq]
            ucodes = np.array([-1 if c is None else c for c in (self._label_code(n) for n in names)], dtype=np.int64)
            codes_b = ucodes[inverse.reshape(-1)]
            keep = codes_b >= 0
            self._count(self.unknown_labels, np.bincount(cols[~keep], minlength=S))
            if not keep.all():
                inv = inverse.reshape(-1)
                for u in np.flatnonzero(ucodes < 0):
                    found = np.bincount(cols[inv == u], minlength=S)
                    for col in np.flatnonzero(found):
                        per = self.unknown_label_names.setdefault(self.sources[col], {})
                        per[names[u]] = per.get(names[u], 0) + int(found[col])
            starts, ends, cols, codes_b = starts[keep], ends[keep], cols[keep], codes_b[keep]
            span_names = [names[i] for i in inverse.reshape(-1)[keep]]
            self._count(self.n_spans, np.bincount(cols, minlength=S))
            # overlaps within one source and doc: sort by (source, start) in one coordinate
            key_start, key_end = cols * T + starts, cols * T + ends
            order = np.lexsort((key_end, key_start))
            bad = np.zeros(len(starts), dtype=bool)
            if len(order) > 1:
                ks, ke = key_start[order], key_end[order]
                bad[order[1:]] = ks[1:] < np.maximum.accumulate(ke)[:-1]
            if bad.any():
                doc_bases = np.array([b for b, _ in self._p_docs], dtype=np.int64)
                doc_of = np.searchsorted(doc_bases, starts, side="right") - 1
                group_key = cols * len(doc_bases) + doc_of
                slow = np.isin(group_key, np.unique(group_key[bad]))
                dropped = np.zeros(S, dtype=np.int64)
                for g in np.unique(group_key[slow]):
                    idx = np.flatnonzero(group_key == g)
                    col, d = int(g // len(doc_bases)), int(g % len(doc_bases))
                    base, n = self._p_docs[d]
                    spans = [(int(starts[i] - base), int(ends[i] - base), int(codes_b[i]), span_names[i]) for i in idx]
                    codes, n_dropped = encode_spans(n, spans, dtype=np.int16)
                    rows[base : base + n, col] = codes
                    dropped[col] += n_dropped
                self._count(self.overlaps_resolved, dropped)
                fast = ~slow
                starts, ends, cols, codes_b = starts[fast], ends[fast], cols[fast], codes_b[fast]
            lengths = ends - starts
            total = int(lengths.sum())
            if total:
                tokens = np.repeat(starts, lengths) + (np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths))
                inside = np.where(codes_b == NEGATIVE, NEGATIVE, codes_b + 1)
                rows[tokens, np.repeat(cols, lengths)] = np.repeat(inside, lengths)
                rows[starts, cols] = codes_b
        if obs_dtype(len(self.labels)) != self._buffer.data.dtype:
            self._buffer.astype(np.int16)
        self._buffer.append(rows.astype(self._buffer.data.dtype, copy=False))
        self._p_starts, self._p_ends, self._p_labels, self._p_cols = [], [], [], []
        self._p_present, self._p_docs, self._p_tokens = [], [], 0

    def add_docs(self, docs: Iterable[Doc]) -> "ObservationCollector":
        for doc in docs:
            self.add(doc)
        return self

    def finalize(self) -> Tuple[np.ndarray, np.ndarray, List[str], List[str]]:
        """Return ``(X, lengths, sources, labels)`` in canonical order.

        Sources follow :func:`spacy_weak.spans.resolve_sources` order (explicit
        names first, then glob matches sorted); discovered labels are sorted.
        """
        self._flush()
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
            remap = np.full(n_symbols(len(labels)) + 1, MISSING, dtype=obs_dtype(len(labels)))
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
    docs: Sequence[Doc], sources: Sequence[str], labels: Sequence[str], *, unknown_labels: Optional[Dict] = None
) -> Tuple[np.ndarray, np.ndarray, Dict[str, int]]:
    """Encode docs with a fixed source list and label set (apply time).

    Returns ``(X, lengths, overlaps_resolved)``; sources absent from a doc are
    missing (``-1``); labels outside ``labels`` are ignored (and, if
    ``unknown_labels`` is a dict, recorded there: source -> label -> spans).
    """
    # explicit names only (no discovery); the fixed label set drops unknown labels
    collector = ObservationCollector(list(sources), list(labels))
    collector._globs = []
    collector.add_docs(docs)
    collector._flush()
    if unknown_labels is not None:
        for source, per in collector.unknown_label_names.items():
            into = unknown_labels.setdefault(source, {})
            for label, n in per.items():
                into[label] = into.get(label, 0) + n
    X = collector._buffer.array()[:, : len(sources)]
    X = np.ascontiguousarray(X, dtype=obs_dtype(len(labels)))
    return X, collector._lengths_arr[: collector.n_docs].copy(), dict(collector.overlaps_resolved)


def row_groups(X: np.ndarray, n_codes: int) -> Tuple[np.ndarray, np.ndarray]:
    """The distinct rows of ``X`` (integer codes in ``[-1, n_codes - 1)``): ``(first, inverse)``
    with ``X[first]`` the distinct rows (sorted) and ``X[first][inverse] == X``.

    Rows are packed into int64 keys a few columns at a time (``np.unique`` on a 1-d
    key, much faster than ``np.unique(axis=0)``)."""
    X = np.asarray(X)
    T, S = X.shape
    inverse = np.zeros(T, dtype=np.int64)
    n_groups, c = 1, 0
    bits = math.log2(n_codes)
    while c < S:
        width = max(1, int((62 - math.log2(max(n_groups, 1))) // bits))
        key = inverse.copy()
        for col in range(c, min(S, c + width)):
            key *= n_codes
            key += X[:, col].astype(np.int64) + 1
        c += width
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        inverse = np.asarray(inverse, dtype=np.int64).reshape(-1)
        n_groups = len(first)
    if S == 0:
        first = np.zeros(min(T, 1), dtype=np.int64)
    return first, inverse


def doc_offsets(lengths: np.ndarray) -> np.ndarray:
    """Start offset of each document in the concatenated array."""
    out = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=out[1:])
    return out
