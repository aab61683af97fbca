"""Generic, registered labelling-function makers for ``weak_function``.

Token-level rules are much faster than the equivalent regular expressions
(a suffix alternation with ``\\b\\w*(?:...)`` backtracks on every word):
``str.endswith`` over a tuple, set look-ups, one pass over the tokens.

    [components.chem_stems]
    factory = "weak_function"

    [components.chem_stems.function]
    @misc = "spacy_weak.token_suffixes.v1"
    label = "Chemical"
    suffixes = ["caine", "azepam", "statin"]
    min_length = 6
"""
from typing import Any, Callable, Dict, Iterator, List, Sequence, Tuple

import numpy as np
from spacy.attrs import LOWER, ORTH
from spacy.tokens import Doc
from spacy.util import SimpleFrozenList, registry

Rule = Callable[[Doc], Iterator[Tuple[int, int, str]]]

CACHE_MAX = 1 << 21  # decisions remembered per rule (string hashes); forgotten when full


class HashDecisions:
    """``decide(text)`` of the tokens of a doc, looked up by string hash (``doc.to_array``:
    no ``Token`` objects). A decision depends on the string only, so each distinct word is
    decided once and remembered: in a sorted key array (one ``searchsorted`` per doc) and
    a dict of recent words, merged into the array in batches."""

    def __init__(self, decide: Callable[[str], Any]) -> None:
        self.decide = decide
        self.keys = np.empty(0, dtype=np.uint64)
        self.values = np.empty(0, dtype=np.int8)
        self.recent: Dict[int, int] = {}

    def __call__(self, doc: Doc, keys: np.ndarray) -> np.ndarray:
        """The decisions (int8) of ``keys``, string hashes of ``doc``'s tokens."""
        out = np.zeros(len(keys), dtype=np.int8)
        if len(self.keys):
            pos = np.searchsorted(self.keys, keys)
            np.minimum(pos, len(self.keys) - 1, out=pos)
            known = self.keys[pos] == keys
            out[known] = self.values[pos[known]]
            missing = np.flatnonzero(~known)
        else:
            missing = np.arange(len(keys))
        if len(missing):
            strings, recent, decide = doc.vocab.strings, self.recent, self.decide
            for i, key in zip(missing.tolist(), keys[missing].tolist()):
                value = recent.get(key)
                if value is None:
                    value = recent[key] = int(decide(strings[key]))
                out[i] = value
            if len(recent) > max(256, len(self.keys) // 64):
                self._merge()
        return out

    def _merge(self) -> None:
        n = len(self.recent)
        keys = np.fromiter(self.recent.keys(), dtype=np.uint64, count=n)
        values = np.fromiter(self.recent.values(), dtype=np.int8, count=n)
        order = np.argsort(keys)
        keys, values = keys[order], values[order]
        if len(self.keys) + n <= CACHE_MAX:
            # two sorted runs: a stable sort (timsort) merges them in linear time
            keys = np.concatenate([self.keys, keys])
            values = np.concatenate([self.values, values])
            order = np.argsort(keys, kind="stable")
            keys, values = keys[order], values[order]
        self.keys, self.values, self.recent = keys, values, {}


def _hits(doc: Doc, attr: int, decisions: HashDecisions) -> List[int]:
    """Indices of the tokens whose ``attr`` string is accepted."""
    if not len(doc):
        return []
    return np.flatnonzero(decisions(doc, doc.to_array(attr))).tolist()


def _lower_set(words: Sequence[str]) -> frozenset:
    return frozenset(w.lower() for w in words)


@registry.misc("spacy_weak.token_suffixes.v1")
def make_token_suffixes(
    label: str,
    suffixes: List[str],
    min_length: int = 5,
    exclude: List[str] = SimpleFrozenList(),
    alpha_only: bool = True,
) -> Rule:
    """Label single tokens whose lower-cased text ends with one of ``suffixes``.

    Tokens shorter than ``min_length`` characters, non-alphabetic tokens
    (with ``alpha_only``; hyphens inside a word are allowed) and the words in
    ``exclude`` are skipped.
    """
    ends = tuple(s.lower() for s in suffixes)
    excluded = _lower_set(exclude)

    def accept(text: str) -> bool:
        if len(text) < min_length or not text.endswith(ends) or text in excluded:
            return False
        return not alpha_only or text.replace("-", "").isalpha()

    decisions = HashDecisions(accept)

    def token_suffixes(doc: Doc) -> Iterator[Tuple[int, int, str]]:
        for i in _hits(doc, LOWER, decisions):
            yield i, i + 1, label

    return token_suffixes


@registry.misc("spacy_weak.token_words.v1")
def make_token_words(label: str, words: List[str], case_sensitive: bool = False) -> Rule:
    """Label single tokens that are one of ``words`` (e.g. element names, negatives)."""
    vocab = frozenset(words) if case_sensitive else _lower_set(words)
    attr = ORTH if case_sensitive else LOWER
    decisions = HashDecisions(vocab.__contains__)

    def token_words(doc: Doc) -> Iterator[Tuple[int, int, str]]:
        for i in _hits(doc, attr, decisions):
            yield i, i + 1, label

    return token_words


@registry.misc("spacy_weak.head_phrases.v1")
def make_head_phrases(
    label: str,
    heads: List[str],
    modifiers: List[str] = SimpleFrozenList(),
    modifier_suffixes: List[str] = SimpleFrozenList(),
    max_modifiers: int = 3,
    min_modifiers: int = 1,
) -> Rule:
    """Label phrases ``modifier{min,max} head``: e.g. "acute renal failure".

    A modifier is a lower-case alphabetic token in ``modifiers`` or ending with
    one of ``modifier_suffixes`` (e.g. "al", "ic", "ous"). The span is the
    longest run of modifiers (at most ``max_modifiers``) before the head.
    """
    head_set = _lower_set(heads)
    mods = _lower_set(modifiers)
    mod_ends = tuple(s.lower() for s in modifier_suffixes)

    def is_modifier(tok) -> bool:
        text = tok.lower_
        if not tok.is_alpha or len(text) < 3:
            return False
        return text in mods or (bool(mod_ends) and text.endswith(mod_ends))

    decisions = HashDecisions(head_set.__contains__)

    def head_phrases(doc: Doc) -> Iterator[Tuple[int, int, str]]:
        for i in _hits(doc, LOWER, decisions):
            start = i
            while start > 0 and i - start < max_modifiers and is_modifier(doc[start - 1]):
                start -= 1
            if i - start >= min_modifiers:
                yield start, i + 1, label

    return head_phrases


KIND, UNIT, SLASH = 3, 4, 8  # bits of numbers_with_units' per-token code


@registry.misc("spacy_weak.numbers_with_units.v1")
def make_numbers_with_units(units: List[str], label: str = "O") -> Rule:
    """Label ``<number> <unit>`` (two tokens) or ``<number><unit>`` (one token) as ``label``.

    Meant as a negative rule: doses and measurements are not entities.
    """
    unit_set = frozenset(units)
    unit_lower = _lower_set(units)

    def is_number(text: str) -> bool:
        return text.replace(".", "", 1).replace(",", "", 1).isdigit()

    def kind(text: str) -> int:
        """1: a number; 2: a number with its unit in one token ("5mg"); 0: neither."""
        if is_number(text):
            return 1
        digits = len(text) - len(text.lstrip("0123456789.,"))
        return 2 if 0 < digits < len(text) and text[digits:] in unit_set else 0

    def code(text: str) -> int:
        """Everything the rule asks of a token, from its text alone: ``kind`` (bits 0-1),
        a unit (bit 2: the text, or its lower-case form, is one) and ``"/"`` (bit 3)."""
        unit = text in unit_set or text.lower() in unit_lower
        return kind(text) | (UNIT if unit else 0) | (SLASH if text == "/" else 0)

    codes = HashDecisions(code)  # one look-up per token (ORTH), not one per question

    def numbers_with_units(doc: Doc) -> Iterator[Tuple[int, int, str]]:
        n = len(doc)
        if not n:
            return
        code_of = codes(doc, doc.to_array(ORTH))
        starts = np.flatnonzero(code_of & KIND).tolist()
        if not starts:
            return
        code_of = code_of.tolist()

        def is_unit(i: int) -> bool:
            return i < n and bool(code_of[i] & UNIT)

        for i in starts:
            if code_of[i] & KIND == 1:
                if not is_unit(i + 1):
                    continue
                end = i + 2
            else:
                end = i + 1
            # compound units split by the tokenizer: "mg / kg", "mg / kg / day"
            while end + 1 < n and code_of[end] & SLASH and is_unit(end + 1):
                end += 2
            yield i, end, label

    return numbers_with_units
