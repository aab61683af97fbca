"""Key indices of a compiled lexicon while it is built: short keys in a dict, medium keys as
words of the Aho-Corasick automaton, long keys in a dict with their first ``ANCHOR_LEN``
characters (the anchor) as an automaton word (see :mod:`spacy_weak.lexicons.compiled`).
"""
from array import array
from typing import Any, Dict, List

import numpy

from ..errors import Errors, SpacyWeakError

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
    long keys -> dict + their anchor (first ANCHOR_LEN characters) as an automaton word."""

    def __init__(self) -> None:
        ac = _ahocorasick()
        self.automaton = ac.Automaton(ac.STORE_INTS)
        self.short: Dict[str, int] = {}
        self.long: Dict[str, int] = {}
        self.key_len = array("i")
        self.anchor_key = array("i")  # per anchor: the medium key it is, or -1
        self.anchor_len = array("i")
        self.long_anchor = array("i")  # per long key: its anchor
        self.long_len = array("i")

    @classmethod
    def from_keys(cls, keys: List[str]) -> "_KeyIndex":
        index = cls()
        for i, key in enumerate(keys):
            if index.index(key) != i:
                raise SpacyWeakError(Errors.E009.format(path="(keys)", problem=f"key {i} is a duplicate"))
        return index

    def index(self, key: str) -> int:
        n = len(key)
        if n <= SHORT_KEY_MAX:
            k = self.short.get(key)
            if k is None:
                k = self.short[key] = self._new(n)
            return k
        if n > ANCHOR_LEN:
            k = self.long.get(key)
            if k is None:
                k = self.long[key] = self._new(n)
                self.long_anchor.append(self._anchor(key[:ANCHOR_LEN]))
                self.long_len.append(n)
            return k
        a = self._anchor(key)
        k = self.anchor_key[a]
        if k < 0:
            k = self.anchor_key[a] = self._new(n)
        return k

    def _new(self, n: int) -> int:
        self.key_len.append(n)
        return len(self.key_len) - 1

    def _anchor(self, anchor: str) -> int:
        a = self.automaton.get(anchor, -1)
        if a < 0:
            a = len(self.anchor_key)
            self.automaton.add_word(anchor, a)
            self.anchor_key.append(-1)
            self.anchor_len.append(len(anchor))
        return a

    def finish(self) -> Dict[str, Any]:
        """Make the automaton; the anchor tables (CSR of the long keys' lengths per anchor)."""
        if len(self.automaton):
            self.automaton.make_automaton()
        n_anchors = len(self.anchor_key)
        la = numpy.frombuffer(self.long_anchor, dtype=numpy.int32).astype(numpy.int64)
        ll = numpy.frombuffer(self.long_len, dtype=numpy.int32).astype(numpy.int64)
        pairs = numpy.unique((la << 32) | ll) if len(la) else numpy.zeros(0, dtype=numpy.int64)
        anchors = pairs >> 32
        return {
            "automaton": self.automaton,
            "key_len": numpy.frombuffer(self.key_len, dtype=numpy.int32).copy(),
            "anchor_key": numpy.frombuffer(self.anchor_key, dtype=numpy.int32).copy(),
            "anchor_len": numpy.frombuffer(self.anchor_len, dtype=numpy.int32).copy(),
            "anchor_lptr": numpy.searchsorted(anchors, numpy.arange(n_anchors + 1)).astype(numpy.int64),
            "anchor_lens": (pairs & 0xFFFFFFFF).astype(numpy.int32),
            "short_keys": self.short,
            "long_keys": self.long,
        }
