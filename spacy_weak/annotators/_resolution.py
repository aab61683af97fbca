"""The gazetteer's hits to span rows, in bulk: per lexicon key, the labels and concept ids its
spans carry, resolved once and kept as arrays.

A hit ``(start, end, key)`` becomes one span per ``(label, kb_id)`` pair of its key (after the
label map and the ``ambiguous`` policy: :meth:`Gazetteer._resolve`). Each distinct resolution
gets an id (*rid*) whose pairs are consecutive rows of ``label`` / ``kb_id`` hash arrays; a key
whose entries are all case-insensitive has one rid, a key with case-sensitive entries one rid
per original text (resolved per hit, in Python: only short terms have such entries).
"""
from typing import Callable, Dict, List, Tuple

import numpy

MAX_RIDS = 200_000  # resolutions kept (all cleared when full)


class ResolvedRows:
    def __init__(self, n_keys: int) -> None:
        self.n_keys = n_keys
        self.clear()

    def clear(self) -> None:
        self.key_rid = numpy.full(self.n_keys, -1, dtype=numpy.int32)  # -1 unknown, -2 case-sensitive
        self.cased_rid: Dict[Tuple[int, object], int] = {}  # (key, ORTH or text) -> rid
        self._first: List[int] = []
        self._n: List[int] = []
        self._unmapped: List[int] = []
        self._dropped: List[int] = []
        self._label: List[int] = []
        self._kb: List[int] = []
        self._arrays = None

    def _add(self, r) -> int:
        pairs, unmapped, dropped = r
        rid = len(self._first)
        self._first.append(len(self._label))
        self._n.append(0 if dropped else len(pairs))
        self._unmapped.append(unmapped)
        self._dropped.append(int(dropped))
        if not dropped:
            for label, kb, _, _ in pairs:
                self._label.append(label)
                self._kb.append(kb)
        self._arrays = None
        return rid

    def arrays(self):
        if self._arrays is None:
            self._arrays = (
                numpy.asarray(self._first, dtype=numpy.int64),
                numpy.asarray(self._n, dtype=numpy.int64),
                numpy.asarray(self._unmapped, dtype=numpy.int64),
                numpy.asarray(self._dropped, dtype=numpy.int64),
                numpy.asarray(self._label, dtype=numpy.uint64),
                numpy.asarray(self._kb, dtype=numpy.uint64),
            )
        return self._arrays

    def rids(self, keys: numpy.ndarray, resolve: Callable[[int, int], Tuple[object, bool]],
             first_orth: numpy.ndarray, single: numpy.ndarray, original: Callable[[int], str]) -> numpy.ndarray:
        """The rid of each hit (``keys``: its key). ``resolve(hit, key)`` returns ``(r, cased)``:
        the key's resolution at that hit (``Gazetteer._resolve``'s triple) and whether the key
        has case-sensitive entries; then ``r`` holds for that hit's original text only, and the
        rid is kept per ``(key, text)``: the text is the ORTH of a one-token hit (``single``,
        ``first_orth``), else ``original(hit)``."""
        if len(self._first) >= MAX_RIDS:
            self.clear()
        rid = self.key_rid[keys]
        table = self.cased_rid

        def variants(hits: numpy.ndarray) -> list:
            """Per hit the text its case-sensitive resolution is kept under (ORTH or the text)."""
            return [o if one else original(h)
                    for h, o, one in zip(hits.tolist(), first_orth[hits].tolist(), single[hits].tolist())]

        todo = numpy.flatnonzero(rid == -1)
        if len(todo):
            _, first_hit = numpy.unique(keys[todo], return_index=True)
            firsts = todo[first_hit]
            for h, k, text in zip(firsts.tolist(), keys[firsts].tolist(), variants(firsts)):
                r, cased = resolve(h, k)
                if cased:
                    self.key_rid[k] = -2
                    table[(k, text)] = self._add(r)
                else:
                    self.key_rid[k] = self._add(r)
            rid = self.key_rid[keys]
        cased_hits = numpy.flatnonzero(rid == -2)
        for h, k, text in zip(cased_hits.tolist(), keys[cased_hits].tolist(), variants(cased_hits)):
            r = table.get((k, text))
            if r is None:
                r = table[(k, text)] = self._add(resolve(h, k)[0])
            rid[h] = r
        return rid

    def expand(self, starts: numpy.ndarray, ends: numpy.ndarray, rid: numpy.ndarray):
        """Per span row: ``(starts, ends, labels, kb_ids)`` and per hit the number of rows; plus
        the unmapped entries and dropped hits counted."""
        first, n, unmapped, dropped, label, kb = self.arrays()
        per_hit = n[rid]
        total = int(per_hit.sum())
        offsets = numpy.cumsum(per_hit) - per_hit
        rows = numpy.repeat(first[rid] - offsets, per_hit) + numpy.arange(total, dtype=numpy.int64)
        return (numpy.repeat(starts, per_hit), numpy.repeat(ends, per_hit), label[rows], kb[rows], per_hit,
                int(unmapped[rid].sum()), int(dropped[rid].sum()))


def spans_in_bulk(gaz, docs, arrays, hits, out: list) -> None:
    """The spans of a batch's hits ``(starts, ends, keys, bounds)`` (``TokenWindowMatcher.match_flat``)
    into ``out[d]`` per document: labels and concept ids by key from the gazetteer's
    :class:`ResolvedRows` (``gaz._resolve_key``: one key's resolution); the docs share ``gaz``'s vocab."""
    from spacy.tokens import Span

    hs, he, hk, bounds = hits
    rows = gaz._rows
    if rows is None or rows.n_keys != gaz.lexicon.n_terms:
        rows = gaz._rows = ResolvedRows(gaz.lexicon.n_terms)
    doc_of = numpy.searchsorted(bounds, numpy.arange(len(hk)), side="right") - 1

    def where(h: int):
        di = int(doc_of[h])
        return docs[di], arrays[di][:, 0], int(hs[h]), int(he[h])

    def resolve(h: int, k: int):
        return gaz._resolve_key(k, *where(h))

    def original(h: int) -> str:
        doc, orths, ts, te = where(h)
        return doc.vocab.strings[int(orths[ts])] if te == ts + 1 else doc[ts:te].text

    doc_at = numpy.concatenate(([0], numpy.cumsum([len(a) for a in arrays])))
    orth_all = numpy.concatenate([a[:, 0] for a in arrays])
    first_orth = orth_all[doc_at[doc_of] + hs]
    rid = rows.rids(hk, resolve, first_orth, he - hs == 1, original)
    starts, ends, labels, kbs, per_hit, unmapped, dropped = rows.expand(hs, he, rid)
    if unmapped:
        gaz.stats["unmapped_label"] += unmapped
    if dropped:
        gaz.stats["ambiguous_dropped"] += dropped
    row_bounds = numpy.concatenate(([0], numpy.cumsum(per_hit)))[bounds].tolist()
    starts, ends, labels, kbs = starts.tolist(), ends.tolist(), labels.tolist(), kbs.tolist()
    for di in range(len(docs)):
        lo, hi = row_bounds[di], row_bounds[di + 1]
        if lo != hi:
            doc = docs[di]
            out[di] = [Span(doc, a, b, label=lab, kb_id=kb)
                       for a, b, lab, kb in zip(starts[lo:hi], ends[lo:hi], labels[lo:hi], kbs[lo:hi])]


__all__ = ["ResolvedRows", "spans_in_bulk"]
