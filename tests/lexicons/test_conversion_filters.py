"""Conversion-time filters: tree branches, term shapes, spelling variants, each counted."""
import gzip

import pytest

from spacy_weak.errors import SpacyWeakError
from spacy_weak.lexicons.conversion_filters import (
    ConversionFilters,
    in_branches,
    spelling_variants,
)
from spacy_weak.lexicons.open_vocab import convert
from spacy_weak.lexicons.tabular import iter_tsv

HEADER = "# DiseaseName\tDiseaseID\tAltDiseaseIDs\tDefinition\tParentIDs\tTreeNumbers\tParentTreeNumbers\tSynonyms\tSlimMappings\n"
ROWS = [
    "Breast Neoplasms\tMESH:D001943\t\t\t\tC04.588.180|C17.800.090.500\t\tBreast Tumour|BRCA1|Mammary Cancer\t\n",
    "Chromosome 10 ring\tMESH:C538086\t\t\t\tC23.550.210.760/C538086\t\tRing 10\t\n",
    "Chromosome 10q23 Deletion Syndrome\tMESH:C567385\t\t\t\tC04.557.470.035.215/C567385|C23.550.210.050/C567385\t\t\t\n",
    "Anemia\tMESH:D000740\t\t\t\tC15.378.071\t\tAnaemia\t\n",
]


@pytest.fixture
def ctd(tmp_path):
    path = tmp_path / "CTD_diseases.tsv.gz"
    with gzip.open(path, "wt", encoding="utf8") as fh:
        fh.write(HEADER + "".join(ROWS))
    return path


@pytest.mark.parametrize(
    "term,variants",
    [("tumour", ["tumor"]), ("Tumors", ["Tumours"]), ("anemia", ["anaemia"]), ("Leukaemia", ["Leukemia"]),
     ("hemorrhagic cystitis", ["haemorrhagic cystitis"]), ("edema", ["oedema"]), ("diarrhoea", ["diarrhea"]),
     ("immunization", ["immunisation"]), ("sulfate", ["sulphate"]), ("fetal distress", ["foetal distress"]),
     ("exercise", []), ("hemisphere", []), ("breast cancer", [])],
)
def test_spelling_variants(term, variants):
    assert spelling_variants(term) == variants


def test_in_branches():
    assert in_branches(["C23.550.210.760/C538086"], ["C23.550.210"])
    assert not in_branches(["C23.550.2101"], ["C23.550.210"])  # a prefix only at a '.' boundary
    both = ["C04.557/C1", "C23.550.210.050/C1"]
    assert not in_branches(both, ["C23.550.210"], "all") and in_branches(both, ["C23.550.210"], "any")


def test_convert_with_filters_counts_everything(ctd, tmp_path):
    filters = ConversionFilters(drop_trees=["C23.550.210"], drop_shapes=["gene_symbol"], spelling_variants=True)
    summary = convert("ctd", ctd, tmp_path / "out.tsv", filters=filters)
    terms = [r.term for r in iter_tsv(tmp_path / "out.tsv")]
    assert "Chromosome 10 ring" not in terms and "Ring 10" not in terms  # whole branch: dropped
    assert "Chromosome 10q23 Deletion Syndrome" in terms  # also under C04: kept with tree_mode="all"
    assert "BRCA1" not in terms
    assert "Breast Tumor" in terms and "Anaemia" in terms
    assert terms.count("Anaemia") == 1 and terms.count("Anemia") == 1  # a variant already named: not added
    assert summary.dropped["tree_branch"] == 2
    assert summary.dropped["shape:gene_symbol"] == 1
    assert filters.added["spelling_variant"] == 1  # Breast Tumour -> Breast Tumor
    assert summary.n_kept == len(terms)


def test_bad_filters(ctd, tmp_path):
    with pytest.raises(SpacyWeakError, match=r"\[E022\]"):
        ConversionFilters(drop_trees=["chromosome"])
    with pytest.raises(SpacyWeakError, match=r"\[E021\]"):
        ConversionFilters(drop_shapes=["gene"])
    with pytest.raises(SpacyWeakError, match=r"\[E007\]"):
        ConversionFilters(tree_mode="some")
    with pytest.raises(SpacyWeakError, match=r"\[E023\]"):
        convert("doid", ctd, tmp_path / "x.tsv", filters=ConversionFilters(drop_trees=["C23"]))
