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
from typing import Callable, Iterator, List, Sequence, Tuple

from spacy.tokens import Doc
from spacy.util import SimpleFrozenList, registry

Rule = Callable[[Doc], Iterator[Tuple[int, int, str]]]


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

    def token_suffixes(doc: Doc) -> Iterator[Tuple[int, int, str]]:
        for tok in doc:
            text = tok.lower_
            if len(text) < min_length or not text.endswith(ends) or text in excluded:
                continue
            if alpha_only and not text.replace("-", "").isalpha():
                continue
            yield tok.i, tok.i + 1, label

    return token_suffixes


@registry.misc("spacy_weak.token_words.v1")
def make_token_words(label: str, words: List[str], case_sensitive: bool = False) -> Rule:
    """Label single tokens that are one of ``words`` (e.g. element names, negatives)."""
    if case_sensitive:
        vocab = frozenset(words)

        def token_words(doc: Doc) -> Iterator[Tuple[int, int, str]]:
            for tok in doc:
                if tok.text in vocab:
                    yield tok.i, tok.i + 1, label

    else:
        vocab = _lower_set(words)

        def token_words(doc: Doc) -> Iterator[Tuple[int, int, str]]:
            for tok in doc:
                if tok.lower_ in vocab:
                    yield tok.i, tok.i + 1, label

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

    def head_phrases(doc: Doc) -> Iterator[Tuple[int, int, str]]:
        for tok in doc:
            if tok.lower_ not in head_set:
                continue
            start = tok.i
            while start > 0 and tok.i - start < max_modifiers and is_modifier(doc[start - 1]):
                start -= 1
            if tok.i - start >= min_modifiers:
                yield start, tok.i + 1, label

    return head_phrases


@registry.misc("spacy_weak.numbers_with_units.v1")
def make_numbers_with_units(units: List[str], label: str = "O") -> Rule:
    """Label ``<number> <unit>`` (two tokens) or ``<number><unit>`` (one token) as ``label``.

    Meant as a negative rule: doses and measurements are not entities.
    """
    unit_set = frozenset(units)
    unit_lower = _lower_set(units)

    def is_number(text: str) -> bool:
        return text.replace(".", "", 1).replace(",", "", 1).isdigit()

    def is_unit(doc: Doc, i: int) -> bool:
        return i < len(doc) and (doc[i].text in unit_set or doc[i].lower_ in unit_lower)

    def numbers_with_units(doc: Doc) -> Iterator[Tuple[int, int, str]]:
        n = len(doc)
        for tok in doc:
            text = tok.text
            end = None
            if is_number(text):
                if is_unit(doc, tok.i + 1):
                    end = tok.i + 2
            else:
                digits = len(text) - len(text.lstrip("0123456789.,"))
                if 0 < digits < len(text) and text[digits:] in unit_set:
                    end = tok.i + 1
            if end is None:
                continue
            # compound units split by the tokenizer: "mg / kg", "mg / kg / day"
            while end + 1 < n and doc[end].text == "/" and is_unit(doc, end + 1):
                end += 2
            yield tok.i, end, label

    return numbers_with_units
