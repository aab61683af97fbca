"""The keys of a compiled lexicon as one UTF-8 blob, and the long keys' look-up table.

Every key (normalised term) is stored once, in key-index order, in ``key_blob`` with
``key_off`` (key ``k`` is ``key_blob[key_off[k]:key_off[k + 1]]``). The long keys (more than
``ANCHOR_LEN`` characters, the bulk of a big lexicon) are looked up in a :class:`LongKeyTable`
over that blob: their CRC-32 (of the UTF-8 bytes) and key index in an open-addressing table,
checked against the blob. A dict of a million long keys
costs about 150 MB (the ``str`` objects, the ``int`` values, the table); this about 45 MB, and
it is stored and loaded as arrays.
"""
from array import array
from typing import Dict, Iterator, List, Optional, Tuple
from zlib import crc32

import numpy

# recent look-ups (hits and misses) remembered, then forgotten all at once: running text asks
# for the same windows again and again (half the long-key look-ups of BC5CDR with a million
# terms), and a dict hit costs a fraction of a table probe
CACHE_SIZE = 32_768


class LongKeyTable:
    """Dict-like ``key -> key index`` of the long keys (``get``, ``in``, ``len``, iteration).

    An open-addressing table (linear probing) of ``uint64`` slots ``crc << 32 | (index + 1)``
    (0: empty), at most half full; a slot whose CRC matches is checked against the key's bytes."""

    def __init__(self, key_blob: bytes, key_off: array, slots: numpy.ndarray) -> None:
        self.key_blob = key_blob
        self._key_off = key_off
        self.slots = numpy.ascontiguousarray(slots, dtype=numpy.uint64)  # stored with the tables
        if len(self.slots) < 2 or len(self.slots) & (len(self.slots) - 1):
            raise ValueError("the long keys' table size is not a power of two")
        self._slots = memoryview(self.slots)  # indexed from Python
        self._mask = len(self.slots) - 1
        self._n = int(numpy.count_nonzero(self.slots))
        self._cache: Dict[str, int] = {}

    @classmethod
    def build(cls, key_blob: bytes, key_off: array, crc: numpy.ndarray, keys: numpy.ndarray) -> "LongKeyTable":
        """The table of the long keys ``keys`` (key indices) with their CRCs ``crc``."""
        return cls(key_blob, key_off, make_slots(crc, keys))

    @property
    def keys(self) -> numpy.ndarray:
        """The long keys' indices (ascending)."""
        used = self.slots[self.slots != 0]
        return numpy.sort((used & numpy.uint64(0xFFFFFFFF)).astype(numpy.int64) - 1)

    def get(self, key: str, default=None):
        k = self._cache.get(key)
        if k is None:
            cache = self._cache
            if len(cache) >= CACHE_SIZE:
                cache.clear()
            k = cache[key] = self._find(key)
        return default if k < 0 else k

    def _find(self, key: str) -> int:
        """The key's index, or -1 (the table itself)."""
        b = key.encode("utf8")
        c = crc32(b)
        slots, mask = self._slots, self._mask
        i = c & mask
        v = slots[i]
        while v:
            if v >> 32 == c:
                k = (v & 0xFFFFFFFF) - 1
                off = self._key_off
                if self.key_blob[off[k] : off[k + 1]] == b:
                    return k
            i = (i + 1) & mask
            v = slots[i]
        return -1

    def __contains__(self, key) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __len__(self) -> int:
        return self._n

    def __iter__(self) -> Iterator[str]:
        return (key for key, _ in self.items())

    def items(self) -> Iterator[Tuple[str, int]]:
        off, blob = self._key_off, self.key_blob
        for k in self.keys.tolist():
            yield blob[off[k] : off[k + 1]].decode("utf8"), k


def make_slots(crc: numpy.ndarray, keys: numpy.ndarray) -> numpy.ndarray:
    """The open-addressing slots of the keys ``keys`` with CRCs ``crc`` (at most half full),
    filled in rounds (numpy): each pending key takes its slot if empty (the first of several
    asking for one slot wins), the others move one slot on. A key only ever passes occupied
    slots, so probing from its CRC's slot finds it before an empty one (the layout may differ
    from one-by-one insertion's; it is the same on every run)."""
    n = len(keys)
    size = 1 << max(4, int(2 * n).bit_length())
    mask = size - 1
    slots = numpy.zeros(size, dtype=numpy.uint64)
    crc = numpy.asarray(crc, dtype=numpy.uint64)
    vals = (crc << numpy.uint64(32)) | (numpy.asarray(keys, dtype=numpy.uint64) + numpy.uint64(1))
    pos = (crc & numpy.uint64(mask)).astype(numpy.int64)
    pending = numpy.arange(n)
    while len(pending):
        p = pos[pending]
        free = numpy.flatnonzero(slots[p] == 0)
        taken, first = numpy.unique(p[free], return_index=True)
        winners = free[first]
        slots[taken] = vals[pending[winners]]
        moving = numpy.ones(len(pending), dtype=bool)
        moving[winners] = False
        pending = pending[moving]
        pos[pending] = (pos[pending] + 1) & mask
    return slots


def dedupe(blob: bytes, off: array, crc: numpy.ndarray, lens: numpy.ndarray, ids: numpy.ndarray) -> numpy.ndarray:
    """``canon``: for each id of ``ids`` (ascending; ``crc``/``lens`` its key's CRC and length,
    its bytes ``blob[off[id]:off[id + 1]]``), the first id with the same bytes."""
    canon = ids.copy()
    if len(ids) < 2:
        return canon
    order = numpy.lexsort((ids, lens, crc))  # equal (crc, length): together, first id first
    c, ln = crc[order], lens[order]
    same = (c[1:] == c[:-1]) & (ln[1:] == ln[:-1])
    if not same.any():
        return canon
    # runs of equal (crc, length): compare their bytes exactly (a CRC collision is not a duplicate)
    starts = numpy.flatnonzero(numpy.diff(numpy.concatenate(([False], same, [False])).astype(numpy.int8)) == 1)
    ends = numpy.flatnonzero(numpy.diff(numpy.concatenate(([False], same, [False])).astype(numpy.int8)) == -1) + 1
    for s, e in zip(starts.tolist(), ends.tolist()):
        first: Dict[bytes, int] = {}
        for pos in order[s:e].tolist():
            i = int(ids[pos])
            b = bytes(blob[off[i] : off[i + 1]])
            j = first.setdefault(b, i)
            if j != i:
                canon[pos] = j
    return canon


def decode_keys(key_blob: bytes, key_off, ks: Optional[List[int]] = None) -> List[str]:
    """The keys ``ks`` (default: all, in order) as strings."""
    off = key_off.tolist() if isinstance(key_off, numpy.ndarray) else key_off
    if ks is None:
        ks = range(len(off) - 1)
    return [key_blob[off[k] : off[k + 1]].decode("utf8") for k in ks]
