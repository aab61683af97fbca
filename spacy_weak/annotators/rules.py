"""Generic, registered labelling-function makers for ``weak_function``.

Token-level rules are much faster than the equivalent regular expressions
(a suffix alternation with ``\\b\\w*(?:...)`` backtracks on every word):
``str.endswith`` over a tuple, set look-ups. Each rule decides per token *type*
(its ORTH or LOWER hash from ``doc.to_array``), once per type (:class:`_PerType`),
so a document costs one array and one dict look-up per token, no ``Token`` objects.

    [components.chem_stems]
    factory = "weak_function"

    [components.chem_stems.function]
    @misc = "spacy_weak.token_suffixes.v1"
    label = "Chemical"
    suffixes = ["caine", "azepam", "statin"]
    min_length = 6
"""
from typing import Any, Callable, Dict, Iterator, List, Sequence, Tuple

from spacy.attrs import IS_ALPHA, LOWER, ORTH
from spacy.tokens import Doc
from spacy.util import SimpleFrozenList, registry

Rule = Callable[[Doc], Iterator[Tuple[int, int, str]]]
TYPE_CACHE_SIZE = 500_000  # token types whose value a rule keeps (cleared when full)


class _PerType:
    """A rule's value per token type: ``fn(*values of the attrs)`` cached by the first attr's hash
    (e.g. ORTH, with LOWER passed too; the first ``n_strings`` attrs are passed as their strings,
    the others as their integer values). :meth:`values` gives the values of a document's tokens."""

    def __init__(self, attrs: Sequence[int], fn: Callable[..., Any], n_strings: int = -1) -> None:
        self.attrs = list(attrs)
        self.fn = fn
        self.n_strings = len(self.attrs) if n_strings < 0 else n_strings
        self.cache: Dict[int, Any] = {}

    def values(self, doc: Doc) -> List[Any]:
        if not len(doc):
            return []
        arr = doc.to_array(self.attrs).reshape(len(doc), len(self.attrs))
        keys = arr[:, 0].tolist()
        get = self.cache.__getitem__
        try:
            return list(map(get, keys))
        except KeyError:
            pass
        cache = self.cache
        if len(cache) + len(keys) > TYPE_CACHE_SIZE:
            cache.clear()
        strings = doc.vocab.strings
        k = self.n_strings
        for row in arr.tolist():
            if row[0] not in cache:
                cache[row[0]] = self.fn(*[strings[v] for v in row[:k]], *row[k:])
        return list(map(get, keys))


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

    def matches(text: str) -> bool:  # text: the token's lower-cased text
        if len(text) < min_length or not text.endswith(ends) or text in excluded:
            return False
        return not alpha_only or text.replace("-", "").isalpha()

    per_type = _PerType([LOWER], matches)

    def token_suffixes(doc: Doc) -> Iterator[Tuple[int, int, str]]:
        for i, hit in enumerate(per_type.values(doc)):
            if hit:
                yield i, i + 1, label

    return token_suffixes


@registry.misc("spacy_weak.token_words.v1")
def make_token_words(label: str, words: List[str], case_sensitive: bool = False) -> Rule:
    """Label single tokens that are one of ``words`` (e.g. element names, negatives)."""
    vocab = frozenset(words) if case_sensitive else _lower_set(words)
    per_type = _PerType([ORTH if case_sensitive else LOWER], vocab.__contains__)

    def token_words(doc: Doc) -> Iterator[Tuple[int, int, str]]:
        for i, hit in enumerate(per_type.values(doc)):
            if hit:
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

    def kind(lower: str, is_alpha: int) -> Tuple[bool, bool]:
        """(is a head, is a modifier) of a token type (``is_alpha``: its IS_ALPHA flag)."""
        modifier = (
            bool(is_alpha)
            and len(lower) >= 3
            and (lower in mods or (bool(mod_ends) and lower.endswith(mod_ends)))
        )
        return lower in head_set, modifier

    per_type = _PerType([ORTH, LOWER, IS_ALPHA], lambda orth, lower, is_alpha: kind(lower, is_alpha), n_strings=2)

    def head_phrases(doc: Doc) -> Iterator[Tuple[int, int, str]]:
        kinds = per_type.values(doc)
        for i, (head, _) in enumerate(kinds):
            if not head:
                continue
            start = i
            while start > 0 and i - start < max_modifiers and kinds[start - 1][1]:
                start -= 1
            if i - start >= min_modifiers:
                yield start, i + 1, label

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

    def kind(text: str, lower: str) -> Tuple[bool, bool, bool, bool]:
        """(a number, a unit, a number with its unit, "/") of a token type."""
        number = is_number(text)
        digits = len(text) - len(text.lstrip("0123456789.,"))
        glued = not number and 0 < digits < len(text) and text[digits:] in unit_set
        return number, text in unit_set or lower in unit_lower, glued, text == "/"

    per_type = _PerType([ORTH, LOWER], kind)

    def numbers_with_units(doc: Doc) -> Iterator[Tuple[int, int, str]]:
        kinds = per_type.values(doc)
        n = len(kinds)
        for i, (number, _, glued, _) in enumerate(kinds):
            end = None
            if number:
                if i + 1 < n and kinds[i + 1][1]:
                    end = i + 2
            elif glued:
                end = i + 1
            if end is None:
                continue
            # compound units split by the tokenizer: "mg / kg", "mg / kg / day"
            while end + 1 < n and kinds[end][3] and kinds[end + 1][1]:
                end += 2
            yield i, end, label

    return numbers_with_units
