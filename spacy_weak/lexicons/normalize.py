"""Normalisation shared by lexicon terms and document text.

The gazetteer runs its automaton over *normalised* text and must map every
match back to character offsets of the original text. Normalisation is
therefore defined character by character (more exactly: per *segment*, a
starter character followed by its combining marks), so that a position map
exists:

1. NFKC (``normalize_unicode``): compatibility forms fold ("ﬁ" -> "fi",
   full-width letters -> ASCII);
2. lower case (unless ``case_sensitive``);
3. hyphen / whitespace folding (``fold_hyphens``): every dash or hyphen
   variant and every whitespace character becomes one ASCII space, so
   "non-small-cell", "non small cell" and "non‐small‐cell" are the same key.

Terms are additionally stripped and runs of spaces collapsed to one.

Fast path: for ASCII text (most biomedical abstracts), or text that is
already NFKC-normalised and whose lower-casing keeps its length, the
normalised text has the same length as the original and no position map is
built. Otherwise a per-segment position map is returned (``None`` entries are
``-1``: a normalised position inside an expansion, where no match may begin
or end).
"""
import unicodedata
from typing import Dict, Optional, Tuple

import numpy

# Dashes and hyphens folded to a space (U+00AD soft hyphen is invisible and left alone).
HYPHENS = (
    "-"  # hyphen-minus
    "\u2010\u2011\u2012\u2013\u2014\u2015"  # hyphen, non-breaking hyphen, figure dash, en dash, em dash, bar
    "\u2043\u2212\ufe58\ufe63\uff0d"  # hyphen bullet, minus sign, small em dash, small hyphen, full-width
)


def _fold_table() -> Dict[int, str]:
    table = {ord(ch): " " for ch in HYPHENS}
    for cp in range(0x3000 + 1):
        ch = chr(cp)
        if ch.isspace() and ch != " ":
            table[cp] = " "
    return table


FOLD_TABLE = _fold_table()


class Normalizer:
    """Normalises terms (:meth:`key`, :meth:`cased`) and texts (:meth:`text`) identically."""

    def __init__(self, *, case_sensitive: bool = False, normalize_unicode: bool = True, fold_hyphens: bool = True):
        self.case_sensitive = bool(case_sensitive)
        self.normalize_unicode = bool(normalize_unicode)
        self.fold_hyphens = bool(fold_hyphens)

    # ---------------------------------------------------------------- terms

    def key(self, term: str) -> str:
        """The automaton key of a term (lower-cased unless case-sensitive)."""
        return self._term(term, lower=not self.case_sensitive)

    def cased(self, term: str) -> str:
        """The term normalised without lower-casing (for case-sensitive short terms)."""
        return self._term(term, lower=False)

    def _term(self, term: str, *, lower: bool) -> str:
        if term.isascii():
            out = term.lower() if lower else term
            if self.fold_hyphens:
                # ASCII fast path: hyphens -> space, every whitespace run -> one space, stripped
                return " ".join(out.replace("-", " ").split())
            return out.strip()
        out = self._normalize(term, lower=lower)[0]
        if self.fold_hyphens:
            return " ".join(out.split())
        return out.strip()

    # ---------------------------------------------------------------- texts

    def text(self, text: str, *, lower: Optional[bool] = None) -> Tuple[str, Optional[numpy.ndarray]]:
        """``(normalised, posmap)``; ``posmap`` is None when lengths are preserved.

        Otherwise ``posmap[i]`` is the original offset of normalised position ``i``
        (``len(normalised) + 1`` entries) or -1 where no match may start or end.
        """
        return self._normalize(text, lower=(not self.case_sensitive) if lower is None else lower)

    def _normalize(self, text: str, *, lower: bool) -> Tuple[str, Optional[numpy.ndarray]]:
        if text.isascii() or not self.normalize_unicode or unicodedata.is_normalized("NFKC", text):
            out = text.lower() if lower else text
            if len(out) == len(text):
                return (out.translate(FOLD_TABLE) if self.fold_hyphens else out), None
        return self._normalize_segments(text, lower=lower)

    def _normalize_segments(self, text: str, *, lower: bool) -> Tuple[str, numpy.ndarray]:
        pieces = []
        posmap = []
        n = len(text)
        i = 0
        while i < n:
            j = i + 1
            while j < n and unicodedata.combining(text[j]):
                j += 1
            seg = text[i:j]
            if self.normalize_unicode:
                seg = unicodedata.normalize("NFKC", seg)
            if lower:
                seg = seg.lower()
            if self.fold_hyphens:
                seg = seg.translate(FOLD_TABLE)
            if seg:
                pieces.append(seg)
                posmap.append(i)
                posmap.extend([-1] * (len(seg) - 1))
            i = j
        posmap.append(n)
        return "".join(pieces), numpy.asarray(posmap, dtype=numpy.int64)

    def to_dict(self) -> Dict[str, bool]:
        return {
            "case_sensitive": self.case_sensitive,
            "normalize_unicode": self.normalize_unicode,
            "fold_hyphens": self.fold_hyphens,
        }
