"""Error breakdown of a predicted span set (a source or an aggregate) against gold.

Strict P/R/F1 says *how many* spans are wrong; the breakdown says *how*: a source with
token accuracy 0.92 but span precision 0.45 is a boundary problem, not a noise problem.

Definitions (``docs/diagnostics.md``). Only documents that have gold and on which the key
ran count. Predicted and gold spans are deduplicated on ``(start, end, label)``; spans
labelled ``"O"`` (explicit negative votes) are not entities and are left out. Two spans
*overlap* when they share at least one token.

Every **predicted span** falls in exactly one class, tried in this order:

``exact``
    a gold mention has the same start, end and label;
``too_long`` / ``too_short`` / ``shifted`` (together: *boundary*)
    not exact, but it overlaps a gold mention **with the same label**. Its partner is the
    overlapping same-label gold mention sharing most tokens with it (ties: the first).
    ``too_long``: the prediction contains the partner (``p.start <= g.start and
    g.end <= p.end``); ``too_short``: the partner contains the prediction; ``shifted``:
    they cross (each has a token the other lacks);
``wrong_label``
    it overlaps gold mentions, none of them with its label;
``spurious``
    it overlaps no gold mention.

Every **gold mention** falls in exactly one class, by the same rules seen from gold:

``exact``
    a predicted span has the same start, end and label (so ``pred.exact == gold.exact``);
``too_long`` / ``too_short`` / ``shifted``
    not exact, overlapped by a predicted span with the same label; the class names the
    *prediction's* fault (``too_long``: the partner prediction contains the mention);
``wrong_label``
    overlapped only by predicted spans of other labels;
``missed_no_vote``
    overlapped by no predicted span, and no source voted an entity label (a non-``"O"``
    span) on any of its tokens;
``missed_voted``
    overlapped by no predicted span, but a source voted an entity label on one of its
    tokens: for an aggregate, the votes were *dropped by aggregation*; for a source, *another*
    source voted there.

The API is a small function over :class:`~.data.CorpusData` arrays
(:func:`breakdown_data`, :func:`breakdown_all`) or over Docs (:func:`error_breakdown`).
"""
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from spacy.tokens import Doc

from ..errors import Errors, SpacyWeakError
from ..spans import NEGATIVE_LABEL
from .data import ENTS_KEY, CorpusData, SpanTable, collect

PRED_CLASSES = ("exact", "too_long", "too_short", "shifted", "wrong_label", "spurious")
GOLD_CLASSES = ("exact", "too_long", "too_short", "shifted", "wrong_label", "missed_no_vote", "missed_voted")
BOUNDARY_CLASSES = ("too_long", "too_short", "shifted")

# class codes (index into the tuples above)
_P_EXACT, _P_LONG, _P_SHORT, _P_SHIFT, _P_WRONG, _P_SPUR = range(6)
_G_MISSED_NO_VOTE, _G_MISSED_VOTED = 5, 6


def entity_table(data: CorpusData, table: SpanTable, doc_mask: np.ndarray) -> SpanTable:
    """The spans of ``table`` in the documents of ``doc_mask``, without ``"O"`` spans and
    duplicates (same start, end and label), sorted by start, end, label."""
    neg = data.labels.index(NEGATIVE_LABEL) if NEGATIVE_LABEL in data.labels else -1
    sel = table.select(doc_mask[table.doc] & (table.label != neg)) if len(table) else table
    if len(sel) == 0:
        return sel
    order = np.lexsort((sel.label, sel.end, sel.start))
    sel = sel.select(order)
    keep = np.ones(len(sel), dtype=bool)
    keep[1:] = (sel.start[1:] != sel.start[:-1]) | (sel.end[1:] != sel.end[:-1]) | (sel.label[1:] != sel.label[:-1])
    return sel.select(keep)


def overlap_pairs(a: SpanTable, b: SpanTable) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(ia, ib)`` of every pair of an ``a`` span and a ``b`` span sharing a token.

    ``b`` must be sorted by start (as :func:`entity_table` returns it). Token indices are
    global, so spans of different documents never overlap.
    """
    if len(a) == 0 or len(b) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    max_len = int((b.end - b.start).max())
    lo = np.searchsorted(b.start, a.start - max_len + 1, side="left")
    hi = np.searchsorted(b.start, a.end, side="left")  # b.start < a.end
    counts = np.maximum(hi - lo, 0)
    ia = np.repeat(np.arange(len(a)), counts)
    if len(ia) == 0:
        return ia, ia.copy()
    # ib = lo[i] + 0..counts[i]-1 for every a span i
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    ib = lo[ia] + (np.arange(len(ia)) - np.repeat(first, counts))
    keep = b.end[ib] > a.start[ia]
    return ia[keep], ib[keep]


def _classify(x: SpanTable, y: SpanTable, ix: np.ndarray, iy: np.ndarray, x_is_pred: bool) -> tuple[np.ndarray, np.ndarray]:
    """Class code of each ``x`` span (codes 0-4 as in PRED_CLASSES, -1 = overlaps nothing)
    and the index of its ``y`` partner (-1 if none). The boundary classes name the fault of
    the prediction: for gold ``x``, ``too_long`` means the predicted partner contains it."""
    n = len(x)
    cls = np.full(n, -1, dtype=np.int64)
    partner = np.full(n, -1, dtype=np.int64)
    if len(ix) == 0:
        return cls, partner
    same = x.label[ix] == y.label[iy]
    exact = same & (x.start[ix] == y.start[iy]) & (x.end[ix] == y.end[iy])
    overlap = np.minimum(x.end[ix], y.end[iy]) - np.maximum(x.start[ix], y.start[iy])
    # any overlap at all -> wrong label for now (lowest priority among overlapping classes)
    cls[ix] = _P_WRONG
    partner[ix] = iy
    # same-label overlap: the partner with most shared tokens, the first on ties
    s_ix, s_iy, s_ov = ix[same], iy[same], overlap[same]
    if len(s_ix):
        order = np.lexsort((s_iy, -s_ov, s_ix))
        s_ix, s_iy = s_ix[order], s_iy[order]
        first = np.concatenate([[True], s_ix[1:] != s_ix[:-1]])
        bx, by = s_ix[first], s_iy[first]
        partner[bx] = by
        x_in_y = (y.start[by] <= x.start[bx]) & (x.end[bx] <= y.end[by])
        y_in_x = (x.start[bx] <= y.start[by]) & (y.end[by] <= x.end[bx])
        pred_contains = y_in_x if x_is_pred else x_in_y
        pred_inside = x_in_y if x_is_pred else y_in_x
        cls[bx] = np.where(pred_contains, _P_LONG, np.where(pred_inside, _P_SHORT, _P_SHIFT))
    if exact.any():
        cls[ix[exact]] = _P_EXACT
        partner[ix[exact]] = iy[exact]
    return cls, partner


class _Words:
    """Span texts from the corpus' words (one global ORTH array, built once)."""

    def __init__(self, data: CorpusData) -> None:
        self.data = data
        if data.texts and data.strings is not None:
            self.orth = np.concatenate([t[0] for t in data.texts]) if data.texts else np.zeros(0, np.uint64)
            self.space = np.concatenate([t[1] for t in data.texts]) if data.texts else np.zeros(0, bool)
        else:
            self.orth = None
            self.space = None

    def word(self, i: int) -> str:
        if self.orth is None or i < 0 or i >= len(self.orth):
            return "_"
        return self.data.strings[int(self.orth[i])]

    def text(self, start: int, end: int) -> str:
        if self.orth is None:
            return "_ " * (end - start)
        parts = []
        for i in range(start, end):
            parts.append(self.word(i))
            if i < end - 1 and self.space[i]:
                parts.append(" ")
        return "".join(parts)


def _top(counter: Counter, n: int) -> list[dict[str, Any]]:
    """The ``n`` most frequent records (ties: alphabetical), each a dict with its ``count``."""
    ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    return [dict(record, count=count) for record, count in ranked]


def _examples(x: SpanTable, y: SpanTable, cls: np.ndarray, partner: np.ndarray, classes, data, words, x_is_pred, n):
    """The ``n`` most frequent strings of each class (boundary: with the partner's text)."""
    out: dict[str, Counter] = {c: Counter() for c in classes}
    for i in range(len(x)):
        c = classes[int(cls[i])]
        fields = {"text": words.text(int(x.start[i]), int(x.end[i]))}
        j = int(partner[i])
        if j >= 0 and c != "exact":
            other = words.text(int(y.start[j]), int(y.end[j]))
            fields["gold" if x_is_pred else "pred"] = other
            if c == "wrong_label":
                fields["label"] = data.labels[int(x.label[i])]
                fields["gold_label" if x_is_pred else "pred_label"] = data.labels[int(y.label[j])]
        out[c][tuple(sorted(fields.items()))] += 1
    return {c: _top(counter, n) for c, counter in out.items()}


def _counts(cls: np.ndarray, labels: np.ndarray, classes: Sequence[str], data: CorpusData) -> dict[str, Any]:
    total = {"n": len(cls)}
    total.update({c: int((cls == k).sum()) for k, c in enumerate(classes)})
    per_label: dict[str, dict[str, int]] = {}
    for lab in np.unique(labels) if len(labels) else []:
        sel = labels == lab
        row = {"n": int(sel.sum())}
        row.update({c: int((cls[sel] == k).sum()) for k, c in enumerate(classes)})
        per_label[data.labels[int(lab)]] = row
    total["boundary"] = sum(total[c] for c in BOUNDARY_CLASSES)
    for row in per_label.values():
        row["boundary"] = sum(row[c] for c in BOUNDARY_CLASSES)
    return {"total": total, "per_label": per_label}


def _require_gold(data: CorpusData) -> None:
    if data.gold is None or data.has_gold is None or not data.has_gold.any():
        raise SpacyWeakError(Errors.E601)


def _require_key(data: CorpusData, key: str) -> None:
    if key not in data.tables:
        known = ", ".join(data.sources + data.aggregates) or "none"
        raise SpacyWeakError(Errors.E600.format(key=key, known=known))


def classify_key(data: CorpusData, key: str, source_keys: Sequence[str] | None = None) -> dict[str, Any]:
    """The class codes behind :func:`breakdown_data`: the entity tables of ``key`` (``pred``) and
    gold (``gold``) on the scored documents, a class index per span (into ``PRED_CLASSES`` /
    ``GOLD_CLASSES``) and the index of each span's partner in the other table (-1: none)."""
    _require_gold(data)
    _require_key(data, key)
    docs = data.has_gold & data.ran[key]
    pred = entity_table(data, data.tables[key], docs)
    gold = entity_table(data, data.gold, docs)
    ip, ig = overlap_pairs(pred, gold)
    p_cls, p_partner = _classify(pred, gold, ip, ig, True)
    p_cls[p_cls < 0] = _P_SPUR
    jg = np.argsort(ig, kind="stable")
    g_cls, g_partner = _classify(gold, pred, ig[jg], ip[jg], False)
    missed = g_cls < 0
    if missed.any():
        others = [k for k in (data.sources if source_keys is None else source_keys) if k != key and k in data.tables]
        voted = np.zeros(len(gold), dtype=bool)
        for k in others:
            t = entity_table(data, data.tables[k], docs)
            ia, _ = overlap_pairs(gold, t)
            voted[ia] = True
        g_cls[missed] = np.where(voted[missed], _G_MISSED_VOTED, _G_MISSED_NO_VOTE)
    return {"docs": docs, "pred": pred, "gold": gold, "pred_class": p_cls, "pred_partner": p_partner,
            "gold_class": g_cls, "gold_partner": g_partner}


def nested_mask(c: dict[str, Any]) -> np.ndarray:
    """Predicted spans that are *nested matches*: too short, and the key also marks their gold
    partner exactly ("cancer" inside "breast cancer" when "breast cancer" matched too). They are
    a by-product of overlapping matches, not a wrong edge."""
    cls, partner = c["pred_class"], c["pred_partner"]
    short = cls == PRED_CLASSES.index("too_short")
    has = partner >= 0
    ok = np.zeros(len(cls), dtype=bool)
    idx = np.flatnonzero(short & has)
    if len(idx):
        ok[idx] = c["gold_class"][partner[idx]] == GOLD_CLASSES.index("exact")
    return ok


def _add_nested(side: dict[str, Any], c: dict[str, Any], data: CorpusData) -> None:
    """``nested`` (of the too-short spans) and ``boundary_real = boundary - nested``."""
    nested = nested_mask(c)
    labels = c["pred"].label
    side["total"]["nested"] = int(nested.sum())
    side["total"]["boundary_real"] = side["total"]["boundary"] - side["total"]["nested"]
    for name, row in side["per_label"].items():
        lab = data.labels.index(name)
        row["nested"] = int((nested & (labels == lab)).sum())
        row["boundary_real"] = row["boundary"] - row["nested"]


def breakdown_data(
    data: CorpusData,
    key: str,
    *,
    source_keys: Sequence[str] | None = None,
    n_examples: int = 10,
    classified: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Error breakdown of ``key`` (a source or an aggregate of ``data``) against gold.

    Returns ``{"key", "kind", "docs", "pred": {"total": {n, exact, too_long, too_short, shifted,
    boundary, wrong_label, spurious, nested, boundary_real}, "per_label": {...}, "examples": {class: [{text, gold?, count}]}},
    "gold": {... with missed_no_vote / missed_voted instead of spurious}}``.
    ``source_keys``: the sources whose votes tell ``missed_voted`` from ``missed_no_vote``
    (default: every span-level source of ``data``; the key itself never counts).
    Raises ``[E600]`` for an unknown key, ``[E601]`` without gold.
    """
    c = classified if classified is not None else classify_key(data, key, source_keys)
    words = _Words(data)
    pred, gold = c["pred"], c["gold"]
    out: dict[str, Any] = {
        "key": key,
        "kind": "aggregate" if key in data.aggregates else "source",
        "docs": int(c["docs"].sum()),
        "pred": _counts(c["pred_class"], pred.label, PRED_CLASSES, data),
        "gold": _counts(c["gold_class"], gold.label, GOLD_CLASSES, data),
    }
    _add_nested(out["pred"], c, data)
    out["pred"]["examples"] = _examples(pred, gold, c["pred_class"], c["pred_partner"], PRED_CLASSES, data, words, True, n_examples)
    out["gold"]["examples"] = _examples(gold, pred, c["gold_class"], c["gold_partner"], GOLD_CLASSES, data, words, False, n_examples)
    return out


def breakdown_all(
    data: CorpusData, keys: Sequence[str] | None = None, *, n_examples: int = 10
) -> dict[str, Any]:
    """:func:`breakdown_data` for every key (default: aggregates, then sources), or
    ``{"skipped": "no gold"}`` when the corpus has no gold."""
    if data.gold is None or data.has_gold is None or not data.has_gold.any():
        return {"skipped": "no gold"}
    keys = list(data.aggregates) + list(data.sources) if keys is None else list(keys)
    return {"keys": {k: breakdown_data(data, k, n_examples=n_examples) for k in keys}}


def error_breakdown(
    docs: CorpusData | Iterable[Doc],
    key: str,
    *,
    gold_key: str | None = "gold",
    gold_docs: Iterable[Doc] | None = None,
    source_keys: Sequence[str] | None = None,
    n_examples: int = 10,
) -> dict[str, Any]:
    """Error breakdown of the span key ``key`` (``"ents"`` for ``doc.ents``) against gold.

    docs: annotated Docs, or a :class:`CorpusData` already collected.
    gold_key: the span key of the gold mentions inside ``docs`` (``"ents"``: ``doc.ents``);
        with ``gold_docs`` (reference Docs aligned by order, possibly tokenised differently:
        their spans are projected with spaCy's alignment), the key in those.
    source_keys: sources whose votes tell ``missed_voted`` from ``missed_no_vote``.
    """
    if not isinstance(docs, CorpusData):
        docs = collect_for_key(docs, key, gold_docs=gold_docs, gold_key=gold_key)
    return breakdown_data(docs, key, source_keys=source_keys, n_examples=n_examples)


def collect_for_key(
    docs: Iterable[Doc],
    key: str,
    *,
    gold_docs: Iterable[Doc] | None = None,
    gold_key: str | None = "gold",
) -> CorpusData:
    """:func:`collect` the Docs so that ``key`` has a table: ``"ents"`` (``doc.ents``), or a span
    group that is neither a source nor an aggregate, is read as the prediction (an aggregate)."""
    docs = list(docs)
    gold_docs = list(gold_docs) if gold_docs is not None else None
    aggregates = [key] if key == ENTS_KEY else None
    data = collect(docs, gold_docs=gold_docs, gold_key=gold_key, aggregates=aggregates)
    if key not in data.tables and any(key in d.spans for d in docs):
        data = collect(docs, gold_docs=gold_docs, gold_key=gold_key, aggregates=[key])
    return data


__all__ = [
    "BOUNDARY_CLASSES",
    "GOLD_CLASSES",
    "PRED_CLASSES",
    "breakdown_all",
    "breakdown_data",
    "classify_key",
    "collect_for_key",
    "entity_table",
    "error_breakdown",
    "overlap_pairs",
]
