"""The keys of a compiled lexicon as one UTF-8 blob, and the long keys' look-up table.

Every key (normalised term) is stored once, in key-index order, in ``key_blob`` with
``key_off`` (key ``k`` is ``key_blob[key_off[k]:key_off[k + 1]]``). The long keys (more than
``ANCHOR_LEN`` characters, the bulk of a big lexicon) are looked up in a :class:`LongKeyTable`
over that blob: their CRC-32 (of the UTF-8 bytes) in buckets (a CSR table: ``ptr``, then the
CRCs and key indices of each bucket), checked against the blob. A dict of a million long keys
costs about 150 MB (the ``str`` objects, the ``int`` values, the table); this about 45 MB, and
it is stored and loaded as arrays.
"""
from array import array
from typing import Dict, Iterator, List, Optional, Tuple
from zlib import crc32

import numpy

# recent look-ups (hits and misses) remembered, then forgotten all at once: running text asks
# for the same windows again and again (half the long-key look-ups of BC5CDR with a million
# terms), and a dict hit costs a sixth of a table probe
CACHE_SIZE = 32_768


class LongKeyTable:
    """Dict-like ``key -> key index`` of the long keys (``get``, ``in``, ``len``, iteration)."""

    def __init__(self, key_blob: bytes, key_off: array, crc: numpy.ndarray, keys: numpy.ndarray, ptr: numpy.ndarray) -> None:
        self.key_blob = key_blob
        self._key_off = key_off
        # numpy tables (stored) and memoryviews of them (indexed from Python)
        self.crc = numpy.ascontiguousarray(crc, dtype=numpy.uint32)
        self.keys = numpy.ascontiguousarray(keys, dtype=numpy.int32)
        self.ptr = numpy.ascontiguousarray(ptr, dtype=numpy.int64)
        self._crc = memoryview(self.crc)
        self._keys = memoryview(self.keys)
        self._ptr = memoryview(self.ptr)
        self._mask = len(self.ptr) - 2  # buckets: a power of two
        self._cache: Dict[str, int] = {}

    @classmethod
    def build(cls, key_blob: bytes, key_off: array, crc: numpy.ndarray, keys: numpy.ndarray) -> "LongKeyTable":
        """The table of the long keys ``keys`` (key indices) with their CRCs ``crc``."""
        n = len(keys)
        n_buckets = 1 << max(4, int(n).bit_length())  # at least n buckets: about one key each
        crc = numpy.asarray(crc, dtype=numpy.uint32)
        bucket = crc.astype(numpy.int64) & (n_buckets - 1)
        order = numpy.argsort(bucket, kind="stable")
        ptr = numpy.searchsorted(bucket[order], numpy.arange(n_buckets + 1)).astype(numpy.int64)
        return cls(key_blob, key_off, crc[order], numpy.asarray(keys, dtype=numpy.int32)[order], ptr)

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
        i = c & self._mask
        ptr = self._ptr
        lo, hi = ptr[i], ptr[i + 1]
        if lo == hi:
            return -1
        crcs, keys, off, blob = self._crc, self._keys, self._key_off, self.key_blob
        for j in range(lo, hi):
            if crcs[j] == c:
                k = keys[j]
                if blob[off[k] : off[k + 1]] == b:
                    return k
        return -1

    def __contains__(self, key) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __len__(self) -> int:
        return len(self.keys)

    def __iter__(self) -> Iterator[str]:
        return (key for key, _ in self.items())

    def items(self) -> Iterator[Tuple[str, int]]:
        off, blob = self._key_off, self.key_blob
        for k in sorted(self.keys.tolist()):
            yield blob[off[k] : off[k + 1]].decode("utf8"), k


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
