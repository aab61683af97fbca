"""Term-shape predicates."""
import pytest

from spacy_weak.errors import SpacyWeakError
from spacy_weak.lexicons.shapes import (
    is_acronym,
    is_gene_symbol,
    is_name,
    is_short_symbol,
    shape_predicate,
    term_shape,
)


@pytest.mark.parametrize("term", ["BRCA1", "TP53", "CDKN2A", "HLA-B27", "IL-6", "Brca1", "C9orf72", "APOE4"])
def test_gene_symbols(term):
    assert is_gene_symbol(term)
    assert term_shape(term) == "gene_symbol"


@pytest.mark.parametrize("term", ["breast cancer", "BRCA", "B12", "5-FU", "p", "tumour 1", "Parkinson", "ALS", ""])
def test_not_gene_symbols(term):
    assert not is_gene_symbol(term)


@pytest.mark.parametrize("term", ["ALS", "MS", "HIV", "NSAID", "NSAIDs"])
def test_acronyms(term):
    assert is_acronym(term) and term_shape(term) == "acronym"
    assert not is_short_symbol(term)


def test_other_shapes():
    assert not is_acronym("A") and not is_acronym("Als") and not is_acronym("ABCDEFG")
    assert is_short_symbol("Ca") and is_short_symbol("K+") and term_shape("pH") == "short_symbol"
    assert not is_short_symbol("lead")
    assert is_name("Parkinson") and is_name("Crohn's") and term_shape("Guillain Barre") == "name"
    assert not is_name("Parkinson disease") and not is_name("PARKINSON")
    assert term_shape("breast cancer") == "lower"
    assert term_shape("Non-Hodgkin lymphoma") == "other"


def test_unknown_shape_is_coded():
    assert shape_predicate("acronym")("ALS")
    with pytest.raises(SpacyWeakError, match=r"\[E021\].*'gene'"):
        shape_predicate("gene")
