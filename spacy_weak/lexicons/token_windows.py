"""Lexicon matching over spaCy's token arrays: window look-ups by token-type hashes.

The gazetteer's matches are the token windows ``doc[a:b]`` whose *normalised* text (the
tokens' normalised texts, each followed by its whitespace, the last one without) is a key of
the :class:`~spacy_weak.lexicons.compiled.CompiledLexicon`. This module finds them without
building any text: every token *type* (ORTH hash and trailing-space flag, spaCy's own
``doc.to_array([ORTH, SPACY])``) is normalised once and cached with

* the polynomial hash and length of its normalised text, alone and followed by its space;
* the key it is on its own (exact, looked up once per type), or -1;
* whether its text followed by its space is the start of some key (a bitmap of the hashes of
  every key's every prefix).

The polynomial hash ``H(s) = sum(ord(s[j]) * B**(j + 1)) mod 2**64`` composes:
``H(s + t) = H(s) + B**len(s) * H(t)``. A window grows one token at a time, in bulk over the
whole batch (numpy): all tokens start a window, a window is extended only while its text so
far is a key prefix (bitmap), and a window whose text hashes into the bitmap of key hashes is
looked up in a sorted table of the keys' fingerprints (hash and length, :class:`_KeyTable`),
all candidates of a batch at once. The bitmaps only ever let through too many windows, never
too few. A fingerprint two keys share, and any window of ``EXACT_MAX_LEN`` characters or more,
is checked against the lexicon's text (``CompiledLexicon.key_index`` on the window's string);
otherwise a window is a key when its 64-bit hash and its length are a key's (spaCy identifies
strings by a 64-bit hash too). The matches are those of the character-level window search
(``CompiledLexicon.find_windows``) and of the Aho-Corasick automaton (``CompiledLexicon.find``):
the tests compare all three, and ``bench/compare_sources.py`` on BC5CDR.

A document with a token whose normalisation changes its length (NFKC expansions etc.) or an
empty token is not handled here (``match`` reports it; the caller runs the automaton on it).
"""
import io
import logging
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import numpy
import srsly

from ..io import write_bytes_atomic
from .compiled import CompiledLexicon

logger = logging.getLogger(__name__)

_B = numpy.uint64(0x9E3779B97F4A7C15)  # the base (odd: invertible mod 2**64)
_MIX = numpy.uint64(0xFF51AFD7ED558CCD)  # bitmap index: top bits of (H ^ length * _LEN) * _MIX
_LEN = numpy.uint64(0xC4CEB9FE1A85EC53)
MAX_PREFIX_BITS = 29  # the prefix bitmap: at most 2**29 bits (64 MB)
MAX_KEY_BITS = 27
EXACT_MAX_LEN = 1024  # windows this long or longer: checked against the text
TABLES_FORMAT = "spacy_weak.token_windows.v1"  # the stored key tables (TokenWindowMatcher.to_disk)
_TABLES = ("key_bits", "prefix_bits", "exact_fp", "exact_key")
TYPE_CACHE_SIZE = 500_000  # token types cached (cleared when full)
_ROWS = 65_536  # keys hashed per chunk while building the bitmaps ...
_CELLS = 2_000_000  # ... and at most this many characters (padded) per chunk


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


class _Bitmap:
    """A one-hash bitmap over ``(hash, length)`` pairs (false positives, never false negatives)."""

    def __init__(self, n_items: int, max_bits: int) -> None:
        log_bits = min(max(16, int(max(n_items, 1) * 16).bit_length()), max_bits)
        self.bits = numpy.zeros(1 << (log_bits - 3), dtype=numpy.uint8)
        self.shift = numpy.uint64(64 - log_bits)

    def _index(self, h: numpy.ndarray, lens: numpy.ndarray) -> numpy.ndarray:
        return ((h ^ (lens.astype(numpy.uint64) * _LEN)) * _MIX) >> self.shift

    @classmethod
    def from_bits(cls, bits: numpy.ndarray, shift: int) -> "_Bitmap":
        if bits.dtype != numpy.uint8 or bits.ndim != 1 or (len(bits) << 3) != 1 << (64 - shift):
            raise ValueError(f"a bitmap of {len(bits)} bytes with shift {shift}")
        out = cls.__new__(cls)
        out.bits = bits
        out.shift = numpy.uint64(shift)
        return out

    def add(self, h: numpy.ndarray, lens: numpy.ndarray) -> None:
        idx = self._index(h, lens)
        numpy.bitwise_or.at(self.bits, idx >> numpy.uint64(3), (1 << (idx & numpy.uint64(7))).astype(numpy.uint8))

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

    def lookup(self, h: numpy.ndarray, lens: numpy.ndarray) -> numpy.ndarray:
        """The key of each ``(hash, length)``: -1 none, -2 to check against the text."""
        fp = self.fingerprint(h, lens)
        if not len(self.fp):
            return numpy.full(len(fp), -1, dtype=numpy.int64)
        at = numpy.minimum(numpy.searchsorted(self.fp, fp), len(self.fp) - 1)
        out = numpy.where(self.fp[at] == fp, self.key[at], -1).astype(numpy.int64)
        out[(lens >= EXACT_MAX_LEN) & (out != -1)] = -2
        return out


_NORMALISED: dict = {}  # normaliser settings -> {ORTH: (normalised text, length kept)}
NORMALISED_CACHE_SIZE = 1_000_000  # token types per settings (cleared when full)


def _shared_normalisations(normalizer) -> dict:
    """The token types normalised so far with ``normalizer``'s settings, shared by every
    matcher of the process (the recipe's gazetteers normalise the same tokens alike)."""
    settings = tuple(sorted(normalizer.to_dict().items()))
    cache = _NORMALISED.get(settings)
    if cache is None or len(cache) > NORMALISED_CACHE_SIZE:
        cache = _NORMALISED[settings] = {}
    return cache


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


class TokenWindowMatcher:
    """Matches a :class:`CompiledLexicon` over batches of token arrays (see the module docstring)."""

    def __init__(self, lexicon: CompiledLexicon) -> None:
        self.lexicon = lexicon
        self._built = False
        self.max_len = 0
        self._pow = _powers(1)
        self._keys: Optional[_Bitmap] = None
        self._prefixes: Optional[_Bitmap] = None
        self._exact = _KeyTable()
        self._clear_types()

    # ------------------------------------------------------------ the key tables

    def build(self) -> "TokenWindowMatcher":
        """Build the key and prefix bitmaps now (else on the first :meth:`match`); returns self."""
        if not self._built:
            self._build()
        return self

    # ------------------------------------------------------------ stored key tables

    def to_disk(self, path: Path, keys_digest: str) -> None:
        """Write the key tables (bitmaps, fingerprint table) to the folder ``path``, for the
        lexicon whose ``keys.msgpack`` has the SHA-256 ``keys_digest``: :meth:`from_disk`
        then loads them instead of hashing every key again."""
        self.build()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        arrays = {"key_bits": self._keys.bits, "prefix_bits": self._prefixes.bits,
                  "exact_fp": self._exact.fp, "exact_key": self._exact.key}
        for name, array in arrays.items():
            buf = io.BytesIO()
            numpy.save(buf, array, allow_pickle=False)
            write_bytes_atomic(path / f"{name}.npy", buf.getvalue())
        meta = {"format": TABLES_FORMAT, "keys_digest": keys_digest, "max_len": self.max_len,
                "key_shift": int(self._keys.shift), "prefix_shift": int(self._prefixes.shift),
                "hash": [int(_B), int(_MIX), int(_LEN)]}
        write_bytes_atomic(path / "meta.json", srsly.json_dumps(meta, indent=2).encode("utf8"))

    @classmethod
    def from_disk(cls, lexicon: CompiledLexicon, path: Path, keys_digest: str) -> Optional["TokenWindowMatcher"]:
        """The matcher with the key tables stored in ``path``, or None when they are missing,
        unreadable, of another format or hash, or made for other keys (``keys_digest``): the
        caller builds them then."""
        path = Path(path)
        try:
            meta = srsly.read_json(path / "meta.json")
            if (meta.get("format") != TABLES_FORMAT or meta.get("keys_digest") != keys_digest
                    or meta.get("hash") != [int(_B), int(_MIX), int(_LEN)]):
                logger.info("%s: key tables of another lexicon or format: rebuilt", path)
                return None
            arrays = {name: numpy.load(path / f"{name}.npy", allow_pickle=False) for name in _TABLES}
            matcher = cls(lexicon)
            matcher.max_len = int(meta["max_len"])
            matcher._pow = _powers(matcher.max_len + 1)
            matcher._keys = _Bitmap.from_bits(arrays["key_bits"], int(meta["key_shift"]))
            matcher._prefixes = _Bitmap.from_bits(arrays["prefix_bits"], int(meta["prefix_shift"]))
            matcher._exact.fp = arrays["exact_fp"].astype(numpy.uint64, copy=False)
            matcher._exact.key = arrays["exact_key"].astype(numpy.int32, copy=False)
            if len(matcher._exact.fp) != len(matcher._exact.key):
                raise ValueError("fingerprint and key arrays of different lengths")
        except (OSError, ValueError, KeyError, TypeError) as err:
            logger.info("%s: key tables not loaded (%s): rebuilt", path, err)
            return None
        matcher._built = True
        return matcher

    def _build(self) -> None:
        keys = self.lexicon.keys_in_order()
        index = [i for i, k in enumerate(keys) if k]  # key indices, by length below
        keys = [keys[i] for i in index]
        self.max_len = max(map(len, keys), default=0)
        self._pow = _powers(self.max_len + 1)
        n_prefixes = sum(map(len, keys)) - len(keys)
        self._keys = _Bitmap(len(keys), MAX_KEY_BITS)
        self._prefixes = _Bitmap(n_prefixes, MAX_PREFIX_BITS)
        pow_ = self._pow
        # chunks of keys of similar length (padding to the chunk's longest)
        by_len = sorted(range(len(keys)), key=list(map(len, keys)).__getitem__)
        keys = [keys[x] for x in by_len]
        index = numpy.asarray(index, dtype=numpy.int64)[by_len] if keys else numpy.zeros(0, dtype=numpy.int64)
        del by_len
        fps: List[numpy.ndarray] = []
        i, n = 0, len(keys)
        while i < n:
            j = min(n, i + _ROWS)
            if len(keys[j - 1]) * (j - i) > _CELLS:
                j = min(j, i + max(1, _CELLS // len(keys[j - 1])))
            chunk = keys[i:j]
            i = j
            width = len(chunk[-1])
            lens = numpy.fromiter(map(len, chunk), dtype=numpy.int64, count=len(chunk))
            codes = numpy.frombuffer("".join(k.ljust(width, "\0") for k in chunk).encode("utf-32-le"), dtype=numpy.uint32)
            codes = codes.reshape(len(chunk), width).astype(numpy.uint64)
            prefix = numpy.cumsum(codes * pow_[1 : width + 1], axis=1, dtype=numpy.uint64)
            del codes
            full = prefix[numpy.arange(len(chunk)), lens - 1]
            self._keys.add(full, lens)
            fps.append(_KeyTable.fingerprint(full, lens))
            # every proper prefix (lengths 1 .. len - 1)
            plen = numpy.broadcast_to(numpy.arange(1, width + 1, dtype=numpy.int64), prefix.shape)
            proper = plen < lens[:, None]
            self._prefixes.add(prefix[proper], plen[proper])
            del prefix, plen, proper
        del keys
        self._exact.set(fps, [index])
        self._built = True

    # ------------------------------------------------------------ token types

    def _clear_types(self) -> None:
        self._n_types = 0
        self._table = _TypeTable()  # (ORTH, SPACY) -> slot
        self._text: List[str] = []  # slot -> normalised text (followed by its space when SPACY)
        self._bare: List[str] = []  # slot -> normalised text
        n = 1024
        self.t_key = numpy.full(n, -1, dtype=numpy.int64)  # the key the token alone is
        self.t_cont = numpy.zeros(n, dtype=bool)  # text + space is some key's prefix
        self.t_bad = numpy.zeros(n, dtype=bool)  # normalisation changes the length, or empty
        self.t_hb = numpy.zeros(n, dtype=numpy.uint64)
        self.t_lb = numpy.zeros(n, dtype=numpy.int64)
        self.t_hw = numpy.zeros(n, dtype=numpy.uint64)
        self.t_lw = numpy.zeros(n, dtype=numpy.int64)

    def _grow(self, size: int) -> None:
        for name in ("t_key", "t_cont", "t_bad", "t_hb", "t_lb", "t_hw", "t_lw"):
            old = getattr(self, name)
            if len(old) < size:
                new = numpy.empty(max(size, 2 * len(old)), dtype=old.dtype)
                new[: len(old)] = old
                setattr(self, name, new)

    def _add_types(self, types: List[Tuple[int, int]], strings) -> None:
        """Normalise and cache the token types ``(ORTH, SPACY)``."""
        lex = self.lexicon
        normalize = lex.normalizer.text
        first = len(self._bare)
        bare, text, bad = [], [], []
        seen = _shared_normalisations(lex.normalizer)  # ORTH -> (normalised, ok)
        for orth, space in types:
            got = seen.get(orth)
            if got is None:
                raw = strings[orth]
                norm, posmap = normalize(raw)
                got = seen[orth] = (norm, posmap is None and len(norm) == len(raw) and len(raw) > 0)
            norm, ok = got
            bare.append(norm)
            text.append(norm + " " if space else norm)
            bad.append(not ok)
        n = len(types)
        self._grow(first + n)
        sl = slice(first, first + n)
        hb, lb = _string_hashes(bare, self._pow_for(bare))
        hw, lw = _string_hashes(text, self._pow_for(text))
        self.t_hb[sl], self.t_lb[sl], self.t_hw[sl], self.t_lw[sl] = hb, lb, hw, lw
        bad_a = numpy.asarray(bad, dtype=bool)
        self.t_bad[sl] = bad_a
        # the key a type is on its own: the fingerprint table, the text where it cannot tell
        key = self._exact.lookup(hb, lb)
        key[bad_a | (lb == 0) | (lb > self.max_len)] = -1
        check = numpy.flatnonzero(key == -2)
        if len(check):
            key_index = lex.key_index
            key[check] = [key_index(bare[i]) for i in check.tolist()]
        self.t_key[sl] = key
        cont = (lw < self.max_len) & ~bad_a
        if cont.any():
            cont[cont] = self._prefixes(hw[cont], lw[cont])
        self.t_cont[sl] = cont
        self._bare.extend(bare)
        self._text.extend(text)
        self._n_types = first + n
        self._table.insert([t[0] for t in types], [t[1] for t in types], list(range(first, first + n)))

    def _pow_for(self, texts: List[str]) -> numpy.ndarray:
        longest = max(map(len, texts), default=0)
        return self._pow if longest + 1 < len(self._pow) else _powers(longest + 1)

    def slots(self, orth: numpy.ndarray, space: numpy.ndarray, strings) -> numpy.ndarray:
        """The cache slots of the token types ``(ORTH, SPACY)`` (``space`` as intp 0/1), adding the new ones."""
        found = self._table.lookup(orth, space)
        unknown = numpy.flatnonzero(found < 0)
        if not len(unknown):
            return found
        if self._n_types + len(unknown) > TYPE_CACHE_SIZE:
            self._clear_types()
            unknown = numpy.arange(len(orth))
        missing = list(dict.fromkeys(zip(orth[unknown].tolist(), space[unknown].tolist())))
        self._add_types(missing, strings)
        return self._table.lookup(orth, space)

    # ------------------------------------------------------------ matching

    def match(self, arrays: Sequence[numpy.ndarray], strings) -> Tuple[List[List[Tuple[int, int, int]]], List[int]]:
        """Per document (``doc.to_array([ORTH, SPACY])`` each, uint64): the hits
        ``(start_token, end_token, key)``; and the documents this matcher cannot handle (a token
        whose normalisation changes its length, or an empty one): their hits are left empty."""
        hs, he, hk, bounds, bad = self.match_flat(arrays, strings)
        hs_l, he_l, hk_l = hs.tolist(), he.tolist(), hk.tolist()
        out: List[List[Tuple[int, int, int]]] = [[] for _ in arrays]
        for d, (lo, hi) in enumerate(zip(bounds[:-1].tolist(), bounds[1:].tolist())):
            if lo != hi:
                out[d] = list(zip(hs_l[lo:hi], he_l[lo:hi], hk_l[lo:hi]))
        return out, bad

    def match_flat(self, arrays: Sequence[numpy.ndarray], strings):
        """:meth:`match` as arrays: ``(starts, ends, keys, bounds, bad_docs)``: the hits of
        document ``d`` are ``bounds[d]:bounds[d + 1]`` (token positions in the document, sorted
        by start, then end); ``bad_docs`` as in :meth:`match` (no hits here)."""
        n_docs = len(arrays)
        empty = numpy.zeros(0, dtype=numpy.int64)
        none = (empty, empty, empty, numpy.zeros(n_docs + 1, dtype=numpy.int64), [])
        lex = self.lexicon
        if not lex.n_terms:
            return none
        if not self._built:
            self._build()
        lens = numpy.fromiter(map(len, arrays), dtype=numpy.int64, count=n_docs)
        if not lens.sum():
            return none
        arr = numpy.concatenate([a for a in arrays if len(a)]) if len(arrays) > 1 else arrays[0]
        orth = arr[:, 0]
        slots = self.slots(orth, arr[:, 1].astype(numpy.intp), strings)
        doc_end_at = numpy.cumsum(lens)  # token index where each document ends
        doc_start_at = doc_end_at - lens
        bad_docs: List[int] = []
        tbad = self.t_bad[slots]
        if tbad.any():
            doc_of = numpy.repeat(numpy.arange(n_docs), lens)
            bad_docs = numpy.unique(doc_of[tbad]).tolist()
        # one-token windows: cached per type
        tkey = self.t_key[slots]
        single = numpy.flatnonzero(tkey >= 0)
        hit_s = [single]
        hit_e = [single + 1]
        hit_k = [tkey[single]]
        # windows of two or more tokens, grown in bulk while their text is a key prefix
        front = numpy.flatnonzero(self.t_cont[slots])
        if len(front):
            # per window: where its document ends (a window never crosses it)
            end_of = doc_end_at[numpy.searchsorted(doc_end_at, front, side="right")]
            keep = front + 1 < end_of
            front, end_of = front[keep], end_of[keep]
        if len(front):
            sl = slots[front]
            h = self.t_hw[sl]
            length = self.t_lw[sl]
            nxt = front + 1
            start = front
            key_bits, prefix_bits = self._keys, self._prefixes
            pow_, max_len = self._pow, self.max_len
            cand_s, cand_e, cand_h, cand_l = [], [], [], []
            while len(start):
                s2 = slots[nxt]
                lb = length + self.t_lb[s2]
                ok = lb <= max_len
                hb = h + self.t_hb[s2] * pow_[length]
                ok &= key_bits(hb, lb)
                if ok.any():
                    cand_s.append(start[ok])
                    cand_e.append(nxt[ok] + 1)
                    cand_h.append(hb[ok])
                    cand_l.append(lb[ok])
                lw = length + self.t_lw[s2]
                more = numpy.flatnonzero((lw < max_len) & (nxt + 1 < end_of))
                if not len(more):
                    break
                s2, lw, length = s2[more], lw[more], length[more]
                hw = h[more] + self.t_hw[s2] * pow_[length]
                more2 = prefix_bits(hw, lw)
                more = more[more2]
                start, nxt, end_of = start[more], nxt[more] + 1, end_of[more]
                h, length = hw[more2], lw[more2]
            if cand_s:
                cs = numpy.concatenate(cand_s)
                ce = numpy.concatenate(cand_e)
                ck = self._exact.lookup(numpy.concatenate(cand_h), numpy.concatenate(cand_l))
                check = numpy.flatnonzero(ck == -2)
                if len(check):  # two keys share the fingerprint, or a very long window: the text decides
                    key_index = lex.key_index
                    text, bare = self._text, self._bare
                    for c in check.tolist():
                        window_slots = slots[cs[c]:ce[c]].tolist()
                        ck[c] = key_index("".join([text[i] for i in window_slots[:-1]]) + bare[window_slots[-1]])
                found = ck >= 0
                hit_s.append(cs[found])
                hit_e.append(ce[found])
                hit_k.append(ck[found])
        hs = numpy.concatenate(hit_s)
        he = numpy.concatenate(hit_e)
        hk = numpy.concatenate(hit_k)
        if bad_docs:  # their hits are the automaton's (the caller's)
            doc_of_hit = numpy.searchsorted(doc_end_at, hs, side="right")
            keep = ~numpy.isin(doc_of_hit, bad_docs)
            hs, he, hk = hs[keep], he[keep], hk[keep]
        order = numpy.lexsort((he, hs))  # by (start, end): the spans' order in their group
        hs, he, hk = hs[order], he[order], hk[order]
        doc_of_hit = numpy.searchsorted(doc_end_at, hs, side="right")
        hs -= doc_start_at[doc_of_hit]
        he -= doc_start_at[doc_of_hit]
        bounds = numpy.searchsorted(doc_of_hit, numpy.arange(n_docs + 1))
        return hs, he, hk, bounds, bad_docs
