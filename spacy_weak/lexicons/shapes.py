"""Term-shape predicates: what a lexicon term *looks like*, independent of any corpus.

Open vocabularies list, among the synonyms of a disease or a chemical, strings that are
mostly something else in running text: gene symbols ("BRCA1" as a synonym of the
breast-cancer concept), acronyms and short symbols ("MS", "AD", "Ca"). These predicates
classify a term by its characters only, so a conversion filter (``spacy-weak lexicon
convert --drop-shape gene_symbol``) or a label-model feature can treat such terms apart.

Shapes (each a function ``str -> bool``; :func:`term_shape` gives the first that holds,
in this order):

``gene_symbol``
    one word (hyphens allowed) of 2-12 characters that starts with a capital letter and
    holds at least one digit and at least two letters, its letters all upper case or only
    the first one ("BRCA1", "TP53", "CDKN2A", "HLA-B27", "IL-6", "Brca1"), or a known
    gene-symbol pattern with "orf" ("C9orf72"). Disease names of the same shape
    ("COVID-19") are caught too: this is a shape, not a lookup.
``acronym``
    one word of 2-6 characters, all letters upper case, no digit ("ALS", "MS", "HIV",
    "NSAID"); a final lower-case "s" is allowed ("NSAIDs").
``short_symbol``
    at most 3 characters, not an acronym or gene symbol ("Ca", "Fe", "K+", "pH").
``name``
    one to three words, each a capitalised word ("Parkinson", "Crohn's", "Tourette"):
    eponyms and proper names.
``lower``
    every letter lower case ("breast cancer").
``other``
    anything else ("Non-Hodgkin lymphoma", "5-FU" ...).
"""
import re
from collections.abc import Callable

_GENE = re.compile(r"^[A-Z](?:[A-Z0-9]*|[a-z0-9]*)(?:-[A-Z0-9]+)*$")
_ORF = re.compile(r"^[A-Z0-9]+orf[0-9]+$")
_ACRONYM = re.compile(r"^[A-Z]{2,6}s?$")
_NAME_WORD = re.compile(r"^[A-Z][a-z]+(?:['\u2019]s)?$")


def is_gene_symbol(term: str) -> bool:
    """Gene-symbol shape: "BRCA1", "TP53", "HLA-B27", "IL-6", "Brca1", "C9orf72"."""
    t = term.strip()
    if not 2 <= len(t) <= 12 or " " in t:
        return False
    if _ORF.match(t):
        return True
    if not _GENE.match(t):
        return False
    n_digits = sum(ch.isdigit() for ch in t)
    n_letters = sum(ch.isalpha() for ch in t)
    return n_digits >= 1 and n_letters >= 2


def is_acronym(term: str) -> bool:
    """Acronym shape: 2-6 capital letters, optionally a plural "s" ("ALS", "NSAIDs")."""
    return bool(_ACRONYM.match(term.strip()))


def is_short_symbol(term: str) -> bool:
    """At most 3 characters that are neither an acronym nor a gene symbol ("Ca", "K+", "pH")."""
    t = term.strip()
    return 0 < len(t) <= 3 and not is_acronym(t) and not is_gene_symbol(t)


def is_name(term: str) -> bool:
    """One to three capitalised words ("Parkinson", "Crohn's", "Guillain Barre")."""
    words = term.strip().split()
    return 1 <= len(words) <= 3 and all(_NAME_WORD.match(w) for w in words)


def is_lower(term: str) -> bool:
    """Every letter lower case, at least one letter ("breast cancer")."""
    t = term.strip()
    return any(ch.isalpha() for ch in t) and t == t.lower()


SHAPES: dict[str, Callable[[str], bool]] = {
    "gene_symbol": is_gene_symbol,
    "acronym": is_acronym,
    "short_symbol": is_short_symbol,
    "name": is_name,
    "lower": is_lower,
}


def term_shape(term: str) -> str:
    """The first shape of :data:`SHAPES` that ``term`` has, else ``"other"``."""
    for name, predicate in SHAPES.items():
        if predicate(term):
            return name
    return "other"


def shape_predicate(name: str) -> Callable[[str], bool]:
    """The predicate of a shape name; ``[E021]`` for an unknown one."""
    from ..errors import Errors, SpacyWeakError

    try:
        return SHAPES[name]
    except KeyError:
        raise SpacyWeakError(Errors.E021.format(name=name, known=", ".join(SHAPES))) from None


__all__ = [
    "SHAPES",
    "is_acronym",
    "is_gene_symbol",
    "is_lower",
    "is_name",
    "is_short_symbol",
    "shape_predicate",
    "term_shape",
]
