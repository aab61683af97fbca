import shutil

import pytest

from spacy_weak.errors import SpacyWeakError
from spacy_weak.lexicons.records import LexiconSummary
from spacy_weak.lexicons.rrf import STANDARD_COLUMNS, iter_rrf, rrf_columns

CHEM = {"CHEM": "Chemical"}


def test_columns_from_mrfiles(umls_meta):
    assert rrf_columns(umls_meta, "MRCONSO.RRF") == STANDARD_COLUMNS["MRCONSO.RRF"]
    assert rrf_columns(umls_meta, "MRSTY.RRF") == ["CUI", "TUI", "STN", "STY", "ATUI", "CVF"]


def test_real_fixture_records(umls_meta):
    # last line of MRCONSO.RRF has no newline; every line ends with a trailing '|'
    summary = LexiconSummary()
    records = list(iter_rrf(umls_meta, semantic_map=CHEM, summary=summary))
    assert [(r.term, r.label, r.id) for r in records] == [
        ("(131)I-Macroaggregated Albumin", "Chemical", "C0000005"),
        ("(131)I-MAA", "Chemical", "C0000005"),
        ("1,2-Dipalmitoylphosphatidylcholine", "Chemical", "C0000039"),
    ]
    assert summary.read == 3 and summary.kept == {"Chemical": 3} and not summary.dropped


def test_label_by_tui_and_name(umls_meta):
    # C0000005 is T116 (amino acid); C0000039 is T109 + T121
    records = list(iter_rrf(umls_meta, semantic_map={"T121": "Drug", "Amino Acid, Peptide, or Protein": "Protein"}))
    assert {(r.id, r.label) for r in records} == {("C0000005", "Protein"), ("C0000039", "Drug")}


def test_concept_with_two_labels_gives_two_records(umls_meta):
    records = list(iter_rrf(umls_meta, semantic_map={"T109": "Organic", "T121": "Drug"}))
    assert sorted(r.label for r in records if r.id == "C0000039") == ["Drug", "Organic"]


def test_unmapped_types_are_counted(umls_meta):
    summary = LexiconSummary()
    records = list(iter_rrf(umls_meta, semantic_map={"T121": "Drug"}, summary=summary))
    assert [r.id for r in records] == ["C0000039"]
    assert summary.dropped["unmapped_semantic_type"] == 2


def test_default_map_is_semantic_groups(umls_meta):
    assert {r.label for r in iter_rrf(umls_meta)} == {"CHEM"}


def test_language_filter(umls_meta):
    summary = LexiconSummary()
    assert list(iter_rrf(umls_meta, semantic_map=CHEM, language="FRE", summary=summary)) == []
    assert summary.dropped["language"] == 3
    assert len(list(iter_rrf(umls_meta, semantic_map=CHEM, language=None))) == 3


def test_source_filters(umls_meta):
    summary = LexiconSummary()
    assert list(iter_rrf(umls_meta, semantic_map=CHEM, sources=["SNOMEDCT_US"], summary=summary)) == []
    assert summary.dropped["source_not_included"] == 3
    summary = LexiconSummary()
    assert list(iter_rrf(umls_meta, semantic_map=CHEM, exclude_sources=["MSH"], summary=summary)) == []
    assert summary.dropped["source_excluded"] == 3
    assert len(list(iter_rrf(umls_meta, semantic_map=CHEM, sources=["MSH"]))) == 3


def test_suppress_filter(umls_meta, tmp_path):
    meta = tmp_path / "META"
    shutil.copytree(umls_meta, meta)
    conso = (meta / "MRCONSO.RRF").read_text(encoding="utf8").split("\n")
    # mark the second atom obsolete (SUPPRESS is column 17)
    fields = conso[1].split("|")
    fields[16] = "O"
    conso[1] = "|".join(fields)
    (meta / "MRCONSO.RRF").write_text("\n".join(conso), encoding="utf8")
    summary = LexiconSummary()
    terms = [r.term for r in iter_rrf(meta, semantic_map=CHEM, summary=summary)]
    assert "(131)I-MAA" not in terms and len(terms) == 2
    assert summary.dropped["suppressed"] == 1
    assert len(list(iter_rrf(meta, semantic_map=CHEM, suppress=[]))) == 3


def test_standard_columns_without_mrfiles(umls_meta, tmp_path):
    meta = tmp_path / "META"
    meta.mkdir()
    for name in ("MRCONSO.RRF", "MRSTY.RRF"):
        shutil.copy(umls_meta / name, meta / name)
    assert len(list(iter_rrf(meta, semantic_map=CHEM))) == 3


def test_wrong_column_count_names_file_and_line(umls_meta, tmp_path):
    meta = tmp_path / "META"
    shutil.copytree(umls_meta, meta)
    lines = (meta / "MRCONSO.RRF").read_text(encoding="utf8").split("\n")
    lines[2] = lines[2].replace("|MSH|", "|MSH|extra|")
    (meta / "MRCONSO.RRF").write_text("\n".join(lines), encoding="utf8")
    with pytest.raises(SpacyWeakError, match=r"\[E002\].*MRCONSO\.RRF line 3: expected 18 .* found 19"):
        list(iter_rrf(meta, semantic_map=CHEM))


def test_missing_files(tmp_path):
    with pytest.raises(SpacyWeakError, match=r"\[E001\]"):
        list(iter_rrf(tmp_path, semantic_map=CHEM))
    (tmp_path / "MRCONSO.RRF").write_text("", encoding="utf8")
    with pytest.raises(SpacyWeakError, match=r"\[E001\].*MRSTY\.RRF"):
        list(iter_rrf(tmp_path, semantic_map=CHEM))


def test_unknown_semantic_type_in_map(umls_meta):
    with pytest.raises(SpacyWeakError, match=r"\[E003\].*'Disease or Syndrom'.*Did you mean: 'Disease or Syndrome'"):
        list(iter_rrf(umls_meta, semantic_map={"Disease or Syndrom": "Disease"}))


def test_sample_lexicon_reads(sample_lexicon, sample_semantic_map):
    summary = LexiconSummary()
    records = list(iter_rrf(sample_lexicon, semantic_map=str(sample_semantic_map), summary=summary))
    assert summary.read == 3000 and not summary.dropped
    assert {r.label for r in records} == {"Chemical", "Disease"}
    assert all(r.id.startswith("C9") for r in records)


def test_bom_and_bad_bytes(umls_meta, tmp_path):
    meta = tmp_path / "META"
    shutil.copytree(umls_meta, meta)
    conso = (meta / "MRCONSO.RRF").read_bytes()
    (meta / "MRCONSO.RRF").write_bytes("\ufeff".encode("utf8") + conso)
    assert len(list(iter_rrf(meta, semantic_map=CHEM))) == 3
    lines = conso.split(b"\n")
    lines[1] = lines[1].replace(b"MAA", b"M\xe9A")
    (meta / "MRCONSO.RRF").write_bytes(b"\n".join(lines))
    with pytest.raises(SpacyWeakError, match=r"\[E011\] .*MRCONSO\.RRF line 2: not valid UTF-8"):
        list(iter_rrf(meta, semantic_map=CHEM))
