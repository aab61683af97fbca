"""The entry tables of a compiled lexicon: records (term, label, concept id) grouped by
(key, label, cased form) into entries, their concept ids joined into one UTF-8 blob + offsets.
"""
from array import array
from typing import Any, Dict, Tuple

import numpy

from ..errors import Errors, SpacyWeakError
from .records import LexiconSummary


def _coerce_record(rec: Any, index: int) -> Tuple[str, str, str]:
    """``(term, label, id)`` of a tuple/list/dict record, or ``[E012]`` naming the record."""
    if isinstance(rec, dict):
        if "term" not in rec or "label" not in rec:
            raise SpacyWeakError(Errors.E012.format(index=index, record=repr(rec)[:200], problem="missing 'term' or 'label'"))
        term, label, cid = rec["term"], rec["label"], rec.get("id")
    elif isinstance(rec, (tuple, list)) and 2 <= len(rec) <= 3:
        term, label = rec[0], rec[1]
        cid = rec[2] if len(rec) == 3 else ""
    else:
        raise SpacyWeakError(Errors.E012.format(index=index, record=repr(rec)[:200], problem="expected 2 or 3 fields"))
    if not isinstance(term, str) or not isinstance(label, str):
        raise SpacyWeakError(
            Errors.E012.format(index=index, record=repr(rec)[:200], problem="term and label must be strings")
        )
    return term, label, "" if cid is None else str(cid)


def _finalize(rk, rl, rc, rec_kb: "RecordIds", n_keys: int, summary: LexiconSummary) -> Dict[str, Any]:
    """Group records by (key, label, cased form) into entries; join their concept ids."""
    n = len(rk)
    if n == 0:
        return {
            "entry_ptr": numpy.zeros(1, dtype=numpy.int64),
            "entry_label": numpy.zeros(0, dtype=numpy.int32),
            "entry_cased": numpy.zeros(0, dtype=numpy.int32),
            "kb_blob": b"",
            "kb_offsets": numpy.zeros(1, dtype=numpy.int64),
        }
    # int32 indices where they fit (a million records: tens of MB less at the build's peak);
    # lexsort is stable, so records of one (key, label, cased form) stay in lexicon order
    idx_t = numpy.int32 if n < 2**31 - 1 else numpy.int64
    order = numpy.lexsort((rc, rl, rk)).astype(idx_t)
    new = numpy.zeros(n, dtype=bool)
    new[0] = True
    for col in (rk, rl, rc):
        sorted_col = col[order]
        new[1:] |= sorted_col[1:] != sorted_col[:-1]
        del sorted_col
    gstart = numpy.flatnonzero(new).astype(idx_t)
    del new
    sizes = numpy.diff(numpy.append(gstart, idx_t(n)))
    g_first = order[gstart]  # each group's first record
    g_key, g_label, g_cased = rk[g_first], rl[g_first], rc[g_first]
    # entries: by key, then by first appearance in the lexicon
    eorder = numpy.lexsort((g_first, g_key)).astype(idx_t)
    e_key = g_key[eorder]
    del g_key
    entry_ptr = numpy.searchsorted(e_key, numpy.arange(n_keys + 1), side="left").astype(numpy.int64)
    rec_of_entry = g_first[eorder]
    del g_first
    multi = numpy.flatnonzero(sizes > 1)
    # concept ids per entry: a single record's id as it is (without copying the list when the
    # records are already in entry order, e.g. one record per term), several joined (sorted, unique)
    duplicates = 0
    if not len(multi) and len(rec_of_entry) == n and bool((rec_of_entry == numpy.arange(n, dtype=idx_t)).all()):
        # one record per entry, in order: the records' blob is the entries' blob
        blob, kb_offsets = bytes(rec_kb.blob), numpy.frombuffer(rec_kb.offsets, dtype=numpy.int64).copy()
    else:
        # each entry's id bytes: its record's bytes in the records' blob, or (several records)
        # their ids joined, appended after it; gathered in chunks (no str object per entry)
        rec_off = numpy.frombuffer(rec_kb.offsets, dtype=numpy.int64)
        src_start = rec_off[rec_of_entry]
        src_len = rec_off[rec_of_entry + 1] - src_start
        del rec_of_entry
        extra = bytearray()
        if len(multi):
            entry_of_group = numpy.empty(len(eorder), dtype=idx_t)
            entry_of_group[eorder] = numpy.arange(len(eorder), dtype=idx_t)
            base = len(rec_kb.blob)
            for gi in multi.tolist():
                s = int(gstart[gi])
                ids = {rec_kb[j] for j in order[s : s + int(sizes[gi])].tolist()}
                duplicates += int(sizes[gi]) - len(ids)
                ids.discard("")
                joined = "|".join(sorted(ids)).encode("utf8")
                e = int(entry_of_group[gi])
                src_start[e] = base + len(extra)
                src_len[e] = len(joined)
                extra += joined
        if extra:
            rec_kb.blob += extra  # in place: no second copy of the records' ids
        blob, kb_offsets = _gather_bytes(rec_kb.blob, src_start, src_len)
        del src_start, src_len, extra
    if duplicates:
        summary.drop("duplicate", duplicates)
    del order
    # ambiguous: keys whose entries carry more than one distinct label
    e_label = g_label[eorder].astype(numpy.int32)
    if len(e_key) > 1:
        same = (e_key[1:] == e_key[:-1]) & (e_label[1:] != e_label[:-1])
        summary.ambiguous = int(len(numpy.unique(e_key[1:][same])))
    summary.entries = int(len(e_key))
    return {
        "entry_ptr": entry_ptr,
        "entry_label": e_label,
        "entry_cased": g_cased[eorder].astype(numpy.int32),
        "kb_blob": blob,
        "kb_offsets": kb_offsets,
    }


class RecordIds:
    """The concept ids of the records read, as one UTF-8 blob + offsets (``ids[i]`` decodes one)."""

    def __init__(self, blob: bytearray, offsets: array) -> None:
        self.blob = blob
        self.offsets = offsets

    def __getitem__(self, i: int) -> str:
        o = self.offsets
        return self.blob[o[i] : o[i + 1]].decode("utf8")


def _gather_bytes(source, starts: numpy.ndarray, lens: numpy.ndarray, chunk: int = 16_384) -> Tuple[bytes, numpy.ndarray]:
    """``(b"".join(source[s:s + n] for s, n in zip(starts, lens)), offsets)``, vectorised by chunks
    (small ones: the index arrays of a chunk take 32 bytes per byte gathered)."""
    src = numpy.frombuffer(source, dtype=numpy.uint8)
    offsets = numpy.zeros(len(lens) + 1, dtype=numpy.int64)
    numpy.cumsum(lens, out=offsets[1:])
    out = numpy.empty(int(offsets[-1]), dtype=numpy.uint8)
    for i in range(0, len(lens), chunk):
        st, ln = starts[i : i + chunk], lens[i : i + chunk]
        total = int(ln.sum())
        if not total:
            continue
        within = numpy.arange(total, dtype=numpy.int64) - numpy.repeat(numpy.cumsum(ln) - ln, ln)
        out[int(offsets[i]) : int(offsets[i]) + total] = src[numpy.repeat(st, ln) + within]
    return out.tobytes(), offsets
