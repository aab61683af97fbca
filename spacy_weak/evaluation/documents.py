"""Which documents to look at: most conflict between sources, lowest aggregate confidence.

Also rebuilds a sample document (words, every source, aggregate and gold as span
groups, plus a ``conflicts`` group over the tokens where sources disagree) for
the displaCy renderings of the HTML report.
"""
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
from spacy.tokens import Doc, Span, SpanGroup
from spacy.vocab import Vocab

from .tokens import TokenStats
from .data import GOLD_KEY, CorpusData

CONFLICT_KEY = "conflicts"
CONFLICT_LABEL = "CONFLICT"


def _per_doc_sum(data: CorpusData, values: np.ndarray) -> np.ndarray:
    return np.bincount(data.token_doc, weights=values.astype(np.float64), minlength=data.n_docs)


def _preview(data: CorpusData, i: int, n_chars: int = 90) -> str:
    if not data.texts:
        return ""
    text = " ".join(data.text(i, max_tokens=n_chars // 2).split())
    return text if len(text) <= n_chars else text[: n_chars - 1] + "…"


def rank_documents(data: CorpusData, stats: TokenStats, *, n: int = 10) -> Dict[str, Any]:
    """The ``n`` documents with most conflicting tokens, and per aggregate the ``n`` with the
    lowest minimum span probability (ties: lowest mean)."""
    lengths = np.diff(data.offsets)
    conflicts = _per_doc_sum(data, stats.conflict_token)
    n_sources = np.zeros(data.n_docs, dtype=np.int64)
    for key in data.sources:
        n_sources += data.ran[key]
    rate = np.divide(conflicts, lengths, out=np.zeros(data.n_docs), where=lengths > 0)
    order = np.lexsort((-rate, -conflicts))
    most = [
        {
            "doc": int(i),
            "id": data.doc_ids[i] if data.doc_ids else None,
            "n_tokens": int(lengths[i]),
            "conflict_tokens": int(conflicts[i]),
            "conflict_rate": float(rate[i]),
            "sources_ran": int(n_sources[i]),
            "text": _preview(data, int(i)),
        }
        for i in order[:n]
        if conflicts[i] > 0
    ]
    out: Dict[str, Any] = {"most_conflict": most, "lowest_confidence": {}}
    for agg in data.aggregates:
        table = data.tables[agg]
        if table.prob is None or len(table) == 0:
            continue
        if float(np.ptp(table.prob)) < 1e-9:
            # one probability for every span (a majority vote where every span had all its votes):
            # a ranking by it would list arbitrary documents that all read the same
            continue
        counts = np.bincount(table.doc, minlength=data.n_docs)
        sums = np.bincount(table.doc, weights=table.prob, minlength=data.n_docs)
        mins = np.full(data.n_docs, np.inf)
        np.minimum.at(mins, table.doc, table.prob)
        has = counts > 0
        mean = np.divide(sums, counts, out=np.full(data.n_docs, np.inf), where=has)
        idx = np.flatnonzero(has)
        idx = idx[np.lexsort((mean[idx], mins[idx]))][:n]
        out["lowest_confidence"][agg] = [
            {
                "doc": int(i),
                "id": data.doc_ids[i] if data.doc_ids else None,
                "n_spans": int(counts[i]),
                "min_prob": float(mins[i]),
                "mean_prob": float(mean[i]),
                "text": _preview(data, int(i)),
            }
            for i in idx
        ]
    return out


def sample_documents(data: CorpusData, documents: Dict[str, Any], *, n: int = 6) -> List[int]:
    """Documents to render: most conflicted first, then least confident, then documents with gold."""
    picked: List[int] = []

    def add(i: int) -> None:
        if i not in picked and len(picked) < n:
            picked.append(i)

    for row in documents.get("most_conflict", [])[: max(1, n // 2)]:
        add(row["doc"])
    for rows in documents.get("lowest_confidence", {}).values():
        for row in rows[:2]:
            add(row["doc"])
    candidates = np.flatnonzero(data.has_gold) if data.has_gold is not None else np.arange(data.n_docs)
    for i in candidates:
        if len(picked) >= n:
            break
        if data.offsets[i + 1] > data.offsets[i]:
            add(int(i))
    return picked


def _runs(mask: np.ndarray) -> List[tuple]:
    """(start, end) of the runs of True in a boolean array."""
    if not mask.any():
        return []
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def best_window(interest: np.ndarray, size: int) -> Tuple[int, int]:
    """(start, end) of the ``size``-token window holding most interesting tokens (local indices)."""
    n = len(interest)
    if n <= size:
        return 0, n
    cum = np.concatenate([[0], np.cumsum(interest.astype(np.int64))])
    sums = cum[size:] - cum[:-size]
    start = int(np.argmax(sums))
    # start a little before the first interesting token for context
    first = np.flatnonzero(interest[start : start + size])
    if len(first):
        start = max(0, min(start + int(first[0]) - 5, n - size))
    return start, start + size


def rebuild_doc(
    data: CorpusData,
    i: int,
    stats: Optional[TokenStats] = None,
    vocab: Optional[Vocab] = None,
    window: Optional[Tuple[int, int]] = None,
) -> Doc:
    """A Doc with the words of document ``i`` (or of its token ``window``) and one span group
    per source, aggregate and gold; spans crossing the window edge are clipped."""
    vocab = vocab if vocab is not None else Vocab()
    words, spaces = data.words(i)
    lo, hi = window if window is not None else (0, len(words))
    doc = Doc(vocab, words=list(words[lo:hi]), spaces=list(spaces[lo:hi]))
    offset = int(data.offsets[i]) + lo

    def group(name: str, table) -> None:
        part = table.for_doc(i)
        spans = []
        for s, e, lab in zip(part.start, part.end, part.label):
            s, e = max(int(s) - offset, 0), min(int(e) - offset, hi - lo)
            if s < e:
                spans.append(Span(doc, s, e, label=data.labels[int(lab)]))
        doc.spans[name] = SpanGroup(doc, name=name, spans=spans)

    if data.gold is not None and data.has_gold is not None and data.has_gold[i]:
        group(GOLD_KEY, data.gold)
    for key in data.aggregates + data.sources:
        if data.ran[key][i]:
            group(key, data.tables[key])
    if stats is not None:
        mask = stats.conflict_token[offset : offset + (hi - lo)]
        doc.spans[CONFLICT_KEY] = SpanGroup(
            doc, name=CONFLICT_KEY, spans=[Span(doc, s, e, label=CONFLICT_LABEL) for s, e in _runs(mask)]
        )
    return doc
