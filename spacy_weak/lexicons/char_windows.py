"""The character-level window search of a compiled lexicon (``CompiledLexicon.find_windows``):
every token-aligned window of normalised text hashed in bulk with numpy, the few whose hash is in
a bitmap of the automaton's words and short keys looked up exactly. Kept beside the token-window
matcher (:mod:`.token_windows`) to compare with it (``weak_gazetteer``'s ``matcher = "chars"``).
"""
from typing import List, Tuple

import numpy

from .key_index import ANCHOR_LEN, SHORT_KEY_MAX

# window hashing (find_windows): sum of code point * B**(t + 1) over the window (mod 2**64); its
# top bits index the bitmap (multiplicative hashing: a finaliser bought ~0.1% fewer false hits)
_POW = numpy.cumprod(numpy.full(ANCHOR_LEN, 0x9E3779B97F4A7C15, dtype=numpy.uint64), dtype=numpy.uint64)
_W_RANGE = numpy.arange(ANCHOR_LEN, dtype=numpy.int64)[None, :]
_PAD = "\0" * ANCHOR_LEN


def find_windows(
    lex, ntext: str, starts: numpy.ndarray, ends: numpy.ndarray, limits: numpy.ndarray
) -> List[Tuple[int, int, int]]:
    """Token-aligned matches ``(start_token, end_token, key)`` in normalised text, vectorised.

    The same matches as :meth:`CompiledLexicon.find` for texts whose every token boundary has a position
    (``starts``/``ends`` strictly increasing, no -1), without running the automaton over
    the text: every window from a token start to a token end of at most ``ANCHOR_LEN``
    characters (a short or medium key) and every ``ANCHOR_LEN``-character window at a
    token start (a long key's anchor) is hashed in bulk with numpy; a bitmap of the hashes
    of the automaton's words and the short keys leaves the few windows worth an exact
    look-up. ``limits[i]``: where the text of token ``i``'s document ends (several
    documents may share ``ntext``, separated by ``ANCHOR_LEN`` NUL characters).
    """
    n = len(starts)
    if not n or not lex.n_terms:
        return []
    bits, shift = window_filter(lex)
    codes = numpy.frombuffer((ntext + _PAD).encode("utf-32-le"), dtype=numpy.uint32)
    # prefix hashes of the ANCHOR_LEN characters at each token start: h[i, L - 1] is the
    # hash of ntext[starts[i]:starts[i] + L]
    h = numpy.cumsum(codes[starts[:, None] + _W_RANGE].astype(numpy.uint64) * _POW, axis=1)
    # windows token i .. token j (j = i + d) of at most ANCHOR_LEN characters
    tok = numpy.arange(n)
    counts = numpy.searchsorted(ends, starts + ANCHOR_LEN, side="right") - tok
    numpy.maximum(counts, 0, out=counts)
    rows = numpy.repeat(tok, counts)
    cols = numpy.arange(len(rows)) - numpy.repeat(numpy.cumsum(counts) - counts, counts)
    lw = ends[rows + cols] - starts[rows]
    hw = h[rows, lw - 1]
    idx = hw >> shift
    keep = (bits[idx >> 3] >> (idx & 7).astype(numpy.uint8)) & 1
    sel = numpy.flatnonzero(keep)
    hits: List[Tuple[int, int, int]] = []
    append = hits.append
    if len(sel):
        short = lex.short_keys
        get = lex.automaton.get
        anchor_key = lex._anchor_key
        has_automaton = len(lex.automaton) > 0
        for i, d, length, s in zip(
            rows[sel].tolist(), cols[sel].tolist(), lw[sel].tolist(), starts[rows[sel]].tolist()
        ):
            key = ntext[s : s + length]
            if length <= SHORT_KEY_MAX:
                k = short.get(key)
                if k is not None:
                    append((i, i + d + 1, k))
            elif has_automaton:
                a = get(key, -1)
                if a >= 0:
                    k = anchor_key[a]
                    if k >= 0:
                        append((i, i + d + 1, k))
    if lex.long_keys:
        # ANCHOR_LEN-character windows at token starts: a long key's anchor
        cand = numpy.flatnonzero(starts + ANCHOR_LEN <= limits)
        if len(cand):
            ha = h[cand, ANCHOR_LEN - 1]
            idx = ha >> shift
            keep = (bits[idx >> 3] >> (idx & 7).astype(numpy.uint8)) & 1
            cand = cand[keep.astype(bool)]
        if len(cand):
            get = lex.automaton.get
            anchors = numpy.fromiter(
                (get(ntext[s : s + ANCHOR_LEN], -1) for s in starts[cand].tolist()), dtype=numpy.int64, count=len(cand)
            )
            found = anchors >= 0
            cand, anchors = cand[found], anchors[found]
            lo, hi = lex.anchor_lptr[anchors], lex.anchor_lptr[anchors + 1]
            counts = hi - lo
            total = int(counts.sum())
            if total:
                # every (anchor, long key length) pair: the window's end must be a token end
                rep = numpy.repeat(numpy.arange(len(cand)), counts)
                pos = numpy.arange(total) - numpy.repeat(numpy.cumsum(counts) - counts, counts) + lo[rep]
                ti = cand[rep]
                s_all = starts[ti]
                e_all = s_all + lex.anchor_lens[pos]
                te = numpy.searchsorted(ends, e_all)
                ok = (e_all <= limits[ti]) & (te < n)
                ok[ok] = ends[te[ok]] == e_all[ok]
                long_keys = lex.long_keys
                for i, s, e, t in zip(ti[ok].tolist(), s_all[ok].tolist(), e_all[ok].tolist(), te[ok].tolist()):
                    k = long_keys.get(ntext[s:e])
                    if k is not None:
                        append((i, t + 1, k))
    return hits


def window_filter(lex) -> Tuple[numpy.ndarray, int]:
    """The bitmap of the window hashes of every automaton word and short key (built on first use)."""
    f = lex._filter
    if f is None:
        keys = list(lex.automaton.keys()) if len(lex.automaton) else []
        keys.extend(lex.short_keys)
        log_bits = min(max(16, int(len(keys) * 64).bit_length()), 27)  # ~64 bits per key, <= 16 MB
        bits = numpy.zeros(1 << (log_bits - 3), dtype=numpy.uint8)
        shift = numpy.uint64(64 - log_bits)
        for i in range(0, len(keys), 100_000):
            chunk = keys[i : i + 100_000]
            codes = numpy.frombuffer(
                "".join(k.ljust(ANCHOR_LEN, "\0") for k in chunk).encode("utf-32-le"), dtype=numpy.uint32
            ).reshape(len(chunk), ANCHOR_LEN)
            idx = (codes.astype(numpy.uint64) * _POW).sum(axis=1, dtype=numpy.uint64) >> shift
            numpy.bitwise_or.at(bits, idx >> 3, (1 << (idx & 7)).astype(numpy.uint8))
        f = lex._filter = (bits, shift)
    return f
