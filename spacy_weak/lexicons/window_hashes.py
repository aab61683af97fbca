"""The token-window matcher's hashing and tables (:mod:`.token_windows`): the polynomial hash
of normalised texts, the one-hash bitmaps of keys and key prefixes, the sorted table of key
fingerprints, and the open-addressing table of token types, each filled and looked up in bulk
with numpy."""
from typing import List, Optional, Sequence, Tuple

import numpy

_B = numpy.uint64(0x9E3779B97F4A7C15)  # the base (odd: invertible mod 2**64)
_MIX = numpy.uint64(0xFF51AFD7ED558CCD)  # bitmap index: top bits of (H ^ length * _LEN) * _MIX
_LEN = numpy.uint64(0xC4CEB9FE1A85EC53)
MAX_PREFIX_BITS = 29  # the prefix bitmap: at most 2**29 bits (64 MB)
MAX_KEY_BITS = 27
EXACT_MAX_LEN = 1024  # windows this long or longer: checked against the text


def _powers(n: int) -> numpy.ndarray:
    """``B**0 .. B**n`` mod 2**64."""
    out = numpy.empty(n + 1, dtype=numpy.uint64)
    out[0] = 1
    if n:
        out[1:] = numpy.cumprod(numpy.full(n, _B, dtype=numpy.uint64), dtype=numpy.uint64)
    return out


def _string_hashes(texts: Sequence[str], pow_: numpy.ndarray) -> Tuple[numpy.ndarray, numpy.ndarray]:
    """``(H, len)`` of each string (as :func:`_powers`' hash)."""
    n = len(texts)
    lens = numpy.fromiter(map(len, texts), dtype=numpy.int64, count=n)
    if not n:
        return numpy.zeros(0, dtype=numpy.uint64), lens
    codes = numpy.frombuffer("".join(texts).encode("utf-32-le"), dtype=numpy.uint32).astype(numpy.uint64)
    ends = numpy.cumsum(lens)
    starts = ends - lens
    pos = numpy.arange(len(codes), dtype=numpy.int64) - numpy.repeat(starts, lens)
    terms = codes * pow_[pos + 1]
    csum = numpy.concatenate(([numpy.uint64(0)], numpy.cumsum(terms, dtype=numpy.uint64)))
    return csum[ends] - csum[starts], lens


def _add_keys(keys: "_Bitmap", prefixes: "_Bitmap", text: str, lens: numpy.ndarray, pow_: numpy.ndarray) -> numpy.ndarray:
    """Add keys (``text``: their concatenation, ``lens``: their lengths) to ``keys`` and their
    proper prefixes to ``prefixes`` (hashed flat: a key's prefix hashes are the running sums of
    code * B**(position + 1) from its first character); returns the keys' own hashes."""
    codes = numpy.frombuffer(text.encode("utf-32-le"), dtype=numpy.uint32)
    n = len(codes)
    starts = numpy.cumsum(lens) - lens
    pos = numpy.arange(n, dtype=numpy.int64) - numpy.repeat(starts, lens)  # position within its key
    terms = codes.astype(numpy.uint64) * pow_[pos + 1]
    del codes
    prefix = numpy.cumsum(terms, dtype=numpy.uint64)
    prefix -= numpy.repeat(prefix[starts] - terms[starts], lens)  # minus the sum before the key
    del terms
    last = starts + lens - 1
    full = prefix[last]
    keys.add(full, lens)
    proper = numpy.ones(n, dtype=bool)
    proper[last] = False  # every proper prefix (lengths 1 .. len - 1)
    pos += 1
    prefixes.add(prefix[proper], pos[proper])
    return full


class _Bitmap:
    """A one-hash bitmap over ``(hash, length)`` pairs (false positives, never false negatives)."""

    def __init__(self, n_items: int, max_bits: int, bits: Optional[numpy.ndarray] = None) -> None:
        log_bits = min(max(16, int(max(n_items, 1) * 16).bit_length()), max_bits)
        if bits is not None and len(bits) != 1 << (log_bits - 3):
            raise ValueError("bitmap of the wrong size")
        self.bits = numpy.zeros(1 << (log_bits - 3), dtype=numpy.uint8) if bits is None else bits
        self.shift = numpy.uint64(64 - log_bits)

    def _index(self, h: numpy.ndarray, lens: numpy.ndarray) -> numpy.ndarray:
        return ((h ^ (lens.astype(numpy.uint64) * _LEN)) * _MIX) >> self.shift

    def add(self, h: numpy.ndarray, lens: numpy.ndarray) -> None:
        idx = self._index(h, lens)
        byte = (idx >> numpy.uint64(3)).astype(numpy.intp)
        bit = (idx & numpy.uint64(7)).astype(numpy.uint8)
        del idx
        bits = self.bits
        # one bit position at a time: a fancy-indexed ``|=`` with repeated bytes then sets the
        # same bit in each (read-modify-write per position; ``bitwise_or.at`` is 5x slower)
        for b in range(8):
            sel = byte[bit == b]
            if len(sel):
                bits[sel] |= numpy.uint8(1 << b)

    def __call__(self, h: numpy.ndarray, lens: numpy.ndarray) -> numpy.ndarray:
        idx = self._index(h, lens)
        return ((self.bits[idx >> numpy.uint64(3)] >> (idx & numpy.uint64(7)).astype(numpy.uint8)) & 1).astype(bool)


class _KeyTable:
    """The lexicon's keys by ``(hash, length)``: a sorted array of fingerprints and the key
    each is. Two keys with one fingerprint are marked (-2): a window with it is checked
    against the lexicon's text. Windows of ``EXACT_MAX_LEN`` characters or more are checked
    too (polynomial hashes mod 2**64 have known colliding pairs only far longer)."""

    def __init__(self) -> None:
        self.fp = numpy.zeros(0, dtype=numpy.uint64)
        self.key = numpy.zeros(0, dtype=numpy.int32)

    @staticmethod
    def fingerprint(h: numpy.ndarray, lens: numpy.ndarray) -> numpy.ndarray:
        return (h ^ (lens.astype(numpy.uint64) * _LEN)) * _MIX

    def set(self, fps: List[numpy.ndarray], keys: List[numpy.ndarray]) -> None:
        fp = numpy.concatenate(fps) if fps else numpy.zeros(0, dtype=numpy.uint64)
        key = numpy.concatenate(keys).astype(numpy.int32) if keys else numpy.zeros(0, dtype=numpy.int32)
        order = numpy.argsort(fp, kind="stable")
        fp, key = fp[order], key[order]
        if len(fp) > 1:
            same = fp[1:] == fp[:-1]
            if same.any():
                dup = numpy.zeros(len(fp), dtype=bool)
                dup[1:] |= same
                dup[:-1] |= same
                key[dup] = -2
                keep = numpy.ones(len(fp), dtype=bool)
                keep[1:] = ~same
                fp, key = fp[keep], key[keep]
        self.fp, self.key = fp, key

    def load(self, fp: numpy.ndarray, key: numpy.ndarray, n_keys: int) -> None:
        """Use a table stored before (:meth:`set`'s arrays); ValueError if it cannot be one."""
        if fp.dtype != numpy.uint64 or key.dtype != numpy.int32 or fp.ndim != 1 or fp.shape != key.shape or len(fp) > n_keys:
            raise ValueError("not a fingerprint table of these keys")
        self.fp, self.key = fp, key

    def lookup(self, h: numpy.ndarray, lens: numpy.ndarray) -> numpy.ndarray:
        """The key of each ``(hash, length)``: -1 none, -2 to check against the text."""
        fp = self.fingerprint(h, lens)
        if not len(self.fp):
            return numpy.full(len(fp), -1, dtype=numpy.int64)
        at = numpy.minimum(numpy.searchsorted(self.fp, fp), len(self.fp) - 1)
        out = numpy.where(self.fp[at] == fp, self.key[at], -1).astype(numpy.int64)
        out[(lens >= EXACT_MAX_LEN) & (out != -1)] = -2
        return out


class _TypeTable:
    """An open-addressing hash table ``(ORTH, SPACY) -> slot`` looked up in bulk with numpy:
    cells keyed by the ORTH hash (linear probing; 0 marks an empty cell, so ORTH 0 itself lives
    in ``zero``), two values per cell (without / with a trailing space; -1: not cached)."""

    def __init__(self, log_size: int = 12) -> None:
        self.keys = numpy.zeros(1 << log_size, dtype=numpy.uint64)
        self.vals = numpy.full(2 << log_size, -1, dtype=numpy.int64)  # cell * 2 + SPACY
        self.shift = numpy.uint64(64 - log_size)
        self.mask = (1 << log_size) - 1
        self.n = 0
        self.zero = [-1, -1]

    def lookup(self, orth: numpy.ndarray, space: numpy.ndarray) -> numpy.ndarray:
        """The slot of each token type, -1 where not cached."""
        keys = self.keys
        idx = ((orth * _MIX) >> self.shift).astype(numpy.intp)
        cell = keys[idx]
        out = self.vals[idx * 2 + space]
        miss = numpy.flatnonzero(cell != orth)
        if len(miss):
            out[miss] = -1
            mask = self.mask
            todo, idx, o = miss, idx[miss], orth[miss]
            while len(todo):
                go_on = keys[idx] != 0  # another ORTH in the cell: probe the next one
                todo, idx, o = todo[go_on], (idx[go_on] + 1) & mask, o[go_on]
                cell = keys[idx]
                hit = cell == o
                if hit.any():
                    out[todo[hit]] = self.vals[idx[hit] * 2 + space[todo[hit]]]
                    todo, idx, o = todo[~hit], idx[~hit], o[~hit]
            if self.zero != [-1, -1]:
                at0 = numpy.flatnonzero(orth == 0)
                out[at0] = numpy.asarray(self.zero)[space[at0]]
        return out

    def insert(self, orths: List[int], spaces: List[int], slots: List[int]) -> None:
        if (self.n + len(orths)) * 2 > len(self.keys):
            old_keys, old_vals, zero = self.keys, self.vals, self.zero
            size = len(self.keys)
            while (self.n + len(orths)) * 2 > size:
                size *= 2
            self.__init__(size.bit_length() - 1)
            self.zero = zero
            used = numpy.flatnonzero(old_keys != 0)
            for sp in (0, 1):
                have = used[old_vals[used * 2 + sp] >= 0]
                self.insert(old_keys[have].tolist(), [sp] * len(have), old_vals[have * 2 + sp].tolist())
        keys, vals, mask = self.keys, self.vals, self.mask
        o = numpy.asarray(orths, dtype=numpy.uint64)
        sp = numpy.asarray(spaces, dtype=numpy.intp)
        sl = numpy.asarray(slots, dtype=numpy.int64)
        at0 = numpy.flatnonzero(o == 0)
        for j in at0.tolist():
            self.zero[int(sp[j])] = int(sl[j])
        if len(at0):
            keep = o != 0
            o, sp, sl = o[keep], sp[keep], sl[keep]
        # linear probing in bulk: each round, every pending type looks at its cell; a cell
        # holding its ORTH (or empty, then claimed by one of the types wanting it) takes it,
        # the others move on to the next cell
        idx = ((o * _MIX) >> self.shift).astype(numpy.intp)
        while len(o):
            cell = keys[idx]
            empty = cell == 0
            if empty.any():
                e = numpy.flatnonzero(empty)
                # one claimant per empty cell (the first); the rest find it taken below
                _, first = numpy.unique(idx[e], return_index=True)
                won = e[first]
                keys[idx[won]] = o[won]
                self.n += len(won)
                cell = keys[idx]
            done = cell == o
            vals[idx[done] * 2 + sp[done]] = sl[done]
            rest = ~done
            o, sp, sl, idx = o[rest], sp[rest], sl[rest], (idx[rest] + 1) & mask


__all__ = ["EXACT_MAX_LEN", "MAX_KEY_BITS", "MAX_PREFIX_BITS"]
