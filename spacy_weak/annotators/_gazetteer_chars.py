"""The gazetteer's character-level window search (``gaz.matcher = "chars"``), kept to compare
the token-window matcher against: a batch's normalised text from per-token-type normalisations
(cached by ORTH and SPACY), token boundaries from the cached lengths, and
``CompiledLexicon.find_windows`` over it. Same spans as the token windows and the automaton
(``tests/lexicons/test_token_windows.py``)."""
from bisect import bisect_right
from typing import Dict, List, Optional, Sequence, Tuple

import numpy
from spacy.attrs import ORTH, SPACY
from spacy.strings import StringStore
from spacy.tokens import Doc, Span

from ..lexicons.compiled import _PAD

TOKEN_CACHE_SIZE = 500_000  # normalised token texts kept (cleared when full)
_NO_SPACE = numpy.zeros(1, dtype=numpy.uint64)


class CharWindowSearch:
    """The character-level path of one :class:`~.gazetteer.Gazetteer` (its lexicon, spans and automaton)."""

    def __init__(self, gaz) -> None:
        self.gaz = gaz
        self.cache: Dict[int, Optional[str]] = {}  # ORTH -> normalised text (None: its length changes)
        self.cache_ws: Dict[int, Optional[str]] = {}  # see token_parts

    def match_batch(self, docs: Sequence[Doc], check: bool = False) -> List[List[Span]]:
        """The character-level window search (``CompiledLexicon.find_windows``), kept to compare
        against: ``check``: look for length-changing tokens per document (done again with it when
        the batch has one)."""
        lex = self.gaz.lexicon
        out: List[List[Span]] = [[] for _ in docs]
        if lex is None or not lex.n_terms:
            return out
        parts: List[str] = []  # the batch's normalised tokens, each document followed by _PAD
        spaces_l: List[numpy.ndarray] = []
        fast: List[Tuple[int, int, numpy.ndarray]] = []  # (doc index, its first token in the batch, ORTH/SPACY)
        n_tok = 0
        for di, doc in enumerate(docs):
            if not len(doc):
                continue
            arr = doc.to_array([ORTH, SPACY])  # uint64 (ORTH values are hashes)
            doc_parts = self.token_parts(arr, doc.vocab.strings)
            if check and None in doc_parts:
                # a token whose normalisation changes its length: the automaton
                out[di] = self.gaz._spans(doc, arr[:, 0].tolist(), self.gaz._find_slow(doc, None))
                continue
            parts += doc_parts
            parts.append(_PAD)
            spaces_l.append(arr[:, 1])
            spaces_l.append(_NO_SPACE)
            fast.append((di, n_tok, arr))
            n_tok += len(arr)
        if not fast:
            return out
        # token boundaries from the cached lengths (the normalised text keeps the original's offsets)
        try:
            lens = numpy.fromiter(map(len, parts), dtype=numpy.int64, count=len(parts))
        except TypeError:  # a None: a length-changing normalisation in some document
            return self.match_batch(docs, check=True)
        ends = numpy.cumsum(lens)
        starts = ends - lens
        ends -= numpy.concatenate(spaces_l).astype(numpy.int64)
        n_docs = len(fast)
        doc_len = numpy.fromiter((len(f[2]) + 1 for f in fast), dtype=numpy.int64, count=n_docs)
        pad_at = numpy.cumsum(doc_len) - 1  # the _PAD pseudo-token after each document
        limits = numpy.repeat(starts[pad_at], doc_len)  # where each token's document ends
        real = numpy.ones(len(parts), dtype=bool)
        real[pad_at] = False
        starts, ends, limits = starts[real], ends[real], limits[real]
        if not (ends > starts).all():
            # an empty token: no strictly increasing boundaries, each document on its own
            if n_docs > 1:
                return [self.match_batch([doc])[0] for doc in docs]
            di, _, arr = fast[0]
            out[di] = self.gaz._spans(docs[di], arr[:, 0].tolist(), self.gaz._find_slow(docs[di], "".join(parts[:-1])))
            return out
        hits = lex.find_windows("".join(parts), starts, ends, limits)
        if not hits:
            return out
        per_doc: List[List[Tuple[int, int, int]]] = [[] for _ in fast]
        if n_docs == 1:
            per_doc[0] = hits
        else:
            firsts = [f[1] for f in fast]
            for ts, te, k in hits:
                b = bisect_right(firsts, ts) - 1
                first = firsts[b]
                per_doc[b].append((ts - first, te - first, k))
        for (di, _, arr), doc_hits in zip(fast, per_doc):
            if doc_hits:
                out[di] = self.gaz._spans(docs[di], arr[:, 0].tolist(), doc_hits)
        return out

    def token_parts(self, arr: numpy.ndarray, strings: StringStore) -> List[Optional[str]]:
        """The normalised text of each token, with its trailing space, from per-token
        normalisations cached by ORTH and SPACY (no Token objects, no ``doc.text``).

        None for a token whose normalisation changes its length (the caller then normalises
        ``doc.text`` with a position map).
        """
        # one dict for both: ORTH ^ 0 -> the normalised text, ORTH ^ 1 -> with its trailing space
        # (an ORTH equal to another's ^ 1 is caught in _cache_tokens and takes the slow path)
        get = self.cache_ws.__getitem__
        keys = (arr[:, 0] ^ arr[:, 1]).tolist()
        try:
            parts = list(map(get, keys))
        except KeyError:
            self.cache_tokens(set(arr[:, 0].tolist()), strings)
            parts = list(map(get, keys))
        return parts

    def cache_tokens(self, orths: set, strings: StringStore) -> None:
        """Normalise and cache the token types of ``orths`` not cached yet."""
        cache, cache_ws = self.cache, self.cache_ws
        missing = orths.difference(cache)
        if len(cache) + len(missing) > TOKEN_CACHE_SIZE:
            cache.clear()
            cache_ws.clear()
            missing = orths
        normalize = self.gaz.lexicon.normalizer.text
        for orth in missing:
            text = strings[orth]
            norm, posmap = normalize(text)
            ok = posmap is None and len(norm) == len(text)
            cache[orth] = norm if ok else None
            if orth in cache_ws or (orth ^ 1) in cache_ws:
                # two ORTH hashes differing in the last bit only: both through the slow path
                cache_ws[orth] = cache_ws[orth ^ 1] = None
            elif ok:
                cache_ws[orth] = norm
                cache_ws[orth ^ 1] = norm + " "
            else:
                cache_ws[orth] = cache_ws[orth ^ 1] = None


__all__ = ["CharWindowSearch"]
