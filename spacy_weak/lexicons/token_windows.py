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
from typing import List, Optional, Sequence, Tuple

import numpy

from .compiled import CompiledLexicon
from .window_hashes import (  # noqa: F401  (_Bitmap, _TypeTable: imported from here by tests)
    _B, _LEN, _MIX, MAX_KEY_BITS, MAX_PREFIX_BITS, _add_keys, _Bitmap, _KeyTable, _powers,
    _string_hashes, _TypeTable,
)

TYPE_CACHE_SIZE = 500_000  # token types cached (cleared when full)
# the bitmaps' layout: stored with a compiled lexicon (``CompiledLexicon.token_bitmaps``) and
# reused only by a matcher of the same layout
BITMAPS_FORMAT = "poly64:%x:%x:%x:%d:%d:fp1" % (int(_B), int(_MIX), int(_LEN), MAX_PREFIX_BITS, MAX_KEY_BITS)
_CHUNK_CHARS = 262_144  # key characters hashed per chunk while building the bitmaps (~20 MB of temporaries)


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

    def _build(self) -> None:
        lex = self.lexicon
        lens = numpy.asarray(lex.key_len, dtype=numpy.int64)  # in characters
        self.max_len = int(lens.max()) if len(lens) else 0
        self._pow = _powers(self.max_len + 1)
        n_chars = int(lens.sum())
        n_keys = int(numpy.count_nonzero(lens))
        stored = getattr(lex, "token_bitmaps", None)
        if stored and stored.get("format") == BITMAPS_FORMAT and stored.get("max_len") == self.max_len:
            # built before (and saved with the lexicon): the same bits and fingerprints, without
            # hashing every key again
            try:
                self._keys = _Bitmap(n_keys, MAX_KEY_BITS, stored["keys"])
                self._prefixes = _Bitmap(n_chars - n_keys, MAX_PREFIX_BITS, stored["prefixes"])
                self._exact.load(stored["exact_fp"], stored["exact_key"], n_keys)
                self._built = True
                return
            except (KeyError, ValueError):
                pass
        self._keys = _Bitmap(n_keys, MAX_KEY_BITS)
        self._prefixes = _Bitmap(n_chars - n_keys, MAX_PREFIX_BITS)
        # the keys straight from the lexicon's UTF-8 blob (no str object per key), in chunks of
        # about _CHUNK_CHARS characters hashed flat (no padding)
        blob, off = lex.key_blob, lex.key_off
        ends = numpy.cumsum(lens)
        cuts = numpy.searchsorted(ends, numpy.arange(_CHUNK_CHARS, n_chars, _CHUNK_CHARS), side="right")
        bounds = [0] + sorted(set(cuts.tolist())) + [len(lens)]
        fps: List[numpy.ndarray] = []
        index: List[numpy.ndarray] = []
        for i, j in zip(bounds[:-1], bounds[1:]):
            if j > i:
                chunk = lens[i:j]
                keys_at = numpy.arange(i, j, dtype=numpy.int64)
                text = blob[int(off[i]) : int(off[j])].decode("utf8")
                if not chunk.all():  # (no compiled lexicon has an empty key)
                    keys_at = keys_at[chunk > 0]
                    chunk = chunk[chunk > 0]
                full = _add_keys(self._keys, self._prefixes, text, chunk, self._pow)
                fps.append(_KeyTable.fingerprint(full, chunk))
                index.append(keys_at)
        self._exact.set(fps, index)
        self._built = True
        lex.token_bitmaps = {"format": BITMAPS_FORMAT, "max_len": self.max_len, "keys": self._keys.bits,
                             "prefixes": self._prefixes.bits, "exact_fp": self._exact.fp, "exact_key": self._exact.key}

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
