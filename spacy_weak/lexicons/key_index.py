"""Key indices of a compiled lexicon while it is built: short keys in a dict, medium keys as
words of the Aho-Corasick automaton, long keys in a :class:`~.long_keys.LongKeyTable` with
their first ``ANCHOR_LEN`` characters (the anchor) as an automaton word (see
:mod:`spacy_weak.lexicons.compiled`); every key in one UTF-8 blob.
"""
from array import array
from typing import Any, Dict, List, Optional
from zlib import crc32

import numpy

from ..errors import Errors, SpacyWeakError
from .entries import _gather_bytes
from .long_keys import dedupe, make_slots

# Keys this short (in normalised characters) are looked up per token window in a dict instead
# of living in the automaton: in running text they would otherwise match inside most words
# (2-3 letter abbreviations are 85% of the automaton's raw matches on PubMed abstracts).
SHORT_KEY_MAX = 3
# Keys longer than this are found through their first ANCHOR_LEN characters (see above).
ANCHOR_LEN = 12


def _ahocorasick():
    import ahocorasick  # late: factories must import cheaply

    return ahocorasick


class _KeyIndex:
    """Assigns key indices while building: short keys -> dict, medium keys -> automaton words,
    long keys -> the blob + their anchor (first ANCHOR_LEN characters) as an automaton word.

    Every new key's UTF-8 bytes go to ``blob``. A long key is not looked up while reading: each
    of its records gets a new index, and :meth:`dedupe` (after the last record) merges the
    repeated ones, numbering the keys in order of first appearance as if they had been merged
    at once (no ``str`` object per long key is kept)."""

    def __init__(self) -> None:
        ac = _ahocorasick()
        self.automaton = ac.Automaton(ac.STORE_INTS)
        self.short: Dict[str, int] = {}
        self.key_len = array("i")
        self.blob = bytearray()  # every key, UTF-8, in index order
        self.key_off = array("q", [0])
        self.anchor_key = array("i")  # per anchor: the medium key it is, or -1
        self.anchor_len = array("i")
        self.long_id = array("i")  # per long key: its index, its anchor, its CRC
        self.long_anchor = array("i")
        self.long_crc = array("I")
        self.remap: Optional[numpy.ndarray] = None  # index while reading -> final index (dedupe)

    @classmethod
    def from_keys(cls, keys: List[str]) -> "_KeyIndex":
        index = cls()
        for i, key in enumerate(keys):
            if index.index(key) != i:
                raise SpacyWeakError(Errors.E009.format(path="(keys)", problem=f"key {i} is a duplicate"))
        if len(index.dedupe()) != len(keys):  # a repeated long key
            raise SpacyWeakError(Errors.E009.format(path="(keys)", problem="a long key is a duplicate"))
        return index

    def index(self, key: str) -> int:
        n = len(key)
        if n <= SHORT_KEY_MAX:
            k = self.short.get(key)
            if k is None:
                k = self.short[key] = self._new(n, key.encode("utf8"))
            return k
        if n > ANCHOR_LEN:
            b = key.encode("utf8")
            k = self._new(n, b)
            self.long_id.append(k)
            self.long_anchor.append(self._anchor(key[:ANCHOR_LEN]))
            self.long_crc.append(crc32(b))
            return k
        a = self._anchor(key)
        k = self.anchor_key[a]
        if k < 0:
            k = self.anchor_key[a] = self._new(n, key.encode("utf8"))
        return k

    def _new(self, n: int, b: bytes) -> int:
        self.key_len.append(n)
        self.blob += b
        self.key_off.append(len(self.blob))
        return len(self.key_len) - 1

    def _anchor(self, anchor: str) -> int:
        a = self.automaton.get(anchor, -1)
        if a < 0:
            a = len(self.anchor_key)
            self.automaton.add_word(anchor, a)
            self.anchor_key.append(-1)
            self.anchor_len.append(len(anchor))
        return a

    def dedupe(self) -> numpy.ndarray:
        """Merge the repeated long keys; returns (and keeps as ``remap``) the map from the
        indices :meth:`index` returned to the final ones. Call once, after the last key."""
        n = len(self.key_len)
        ids = numpy.frombuffer(self.long_id, dtype=numpy.int32)
        key_len = numpy.frombuffer(self.key_len, dtype=numpy.int32)
        canon_of = numpy.arange(n, dtype=numpy.int64)
        if len(ids):
            canon_of[ids] = dedupe(self.blob, self.key_off, numpy.frombuffer(self.long_crc, dtype=numpy.uint32),
                                   key_len[ids], ids)
        keep = canon_of == numpy.arange(n)
        if keep.all():
            self.remap = canon_of
            return canon_of
        new_id = numpy.cumsum(keep) - 1
        remap = new_id[canon_of]
        kept = numpy.flatnonzero(keep)
        off = numpy.frombuffer(self.key_off, dtype=numpy.int64)
        new_off = _compact(self.blob, off[kept], off[kept + 1] - off[kept])
        del off
        self.key_off = _array("q", new_off)
        self.key_len = _array("i", key_len[kept])
        first = keep[ids]  # the long keys' first occurrences
        self.long_id = _array("i", remap[ids[first]])
        self.long_anchor = _array("i", numpy.frombuffer(self.long_anchor, dtype=numpy.int32)[first])
        self.long_crc = _array("I", numpy.frombuffer(self.long_crc, dtype=numpy.uint32)[first])
        ak = numpy.frombuffer(self.anchor_key, dtype=numpy.int32)
        self.anchor_key = _array("i", numpy.where(ak >= 0, remap[numpy.maximum(ak, 0)], -1))
        self.short = {key: int(remap[k]) for key, k in self.short.items()}
        self.remap = remap
        return remap

    def finish(self) -> Dict[str, Any]:
        """Make the automaton; the anchor tables (CSR of the long keys' lengths per anchor); the
        key blob and the long keys' table. After :meth:`dedupe`."""
        if self.remap is None:
            self.dedupe()
        if len(self.automaton):
            self.automaton.make_automaton()
        n_anchors = len(self.anchor_key)
        la = numpy.frombuffer(self.long_anchor, dtype=numpy.int32).astype(numpy.int64)
        ids = numpy.frombuffer(self.long_id, dtype=numpy.int32)
        ll = numpy.frombuffer(self.key_len, dtype=numpy.int32)[ids].astype(numpy.int64)
        pairs = numpy.unique((la << 32) | ll) if len(la) else numpy.zeros(0, dtype=numpy.int64)
        anchors = pairs >> 32
        key_off = numpy.frombuffer(self.key_off, dtype=numpy.int64).copy()
        slots = make_slots(numpy.frombuffer(self.long_crc, dtype=numpy.uint32), ids)
        return {
            "automaton": self.automaton,
            "key_len": numpy.frombuffer(self.key_len, dtype=numpy.int32).copy(),
            "anchor_key": numpy.frombuffer(self.anchor_key, dtype=numpy.int32).copy(),
            "anchor_len": numpy.frombuffer(self.anchor_len, dtype=numpy.int32).copy(),
            "anchor_lptr": numpy.searchsorted(anchors, numpy.arange(n_anchors + 1)).astype(numpy.int64),
            "anchor_lens": (pairs & 0xFFFFFFFF).astype(numpy.int32),
            "short_keys": self.short,
            "key_blob": self.blob,  # a bytearray (bytes() would copy it)
            "key_off": key_off,
            "long_slots": slots,
        }


def _compact(blob: bytearray, starts: numpy.ndarray, lens: numpy.ndarray, chunk: int = 16_384) -> numpy.ndarray:
    """Keep only the byte ranges ``starts``/``lens`` (ascending, disjoint) of ``blob``, in place
    (no second copy of the blob); returns their new offsets."""
    offsets = numpy.zeros(len(lens) + 1, dtype=numpy.int64)
    numpy.cumsum(lens, out=offsets[1:])
    buf = numpy.frombuffer(blob, dtype=numpy.uint8)
    for i in range(0, len(lens), chunk):
        # a chunk's bytes move down (new offsets <= old ones), never over bytes still to be read
        part, _ = _gather_bytes(buf, starts[i : i + chunk], lens[i : i + chunk], chunk)
        buf[int(offsets[i]) : int(offsets[i]) + len(part)] = numpy.frombuffer(part, dtype=numpy.uint8)
    del buf
    del blob[int(offsets[-1]) :]
    return offsets


def _array(code: str, values: numpy.ndarray) -> array:
    out = array(code)
    out.frombytes(numpy.ascontiguousarray(values, dtype=_TYPES[code]).view(numpy.uint8))
    return out


_TYPES = {"i": numpy.int32, "I": numpy.uint32, "q": numpy.int64}
