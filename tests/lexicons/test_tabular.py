import gzip

import pytest

from spacy_weak.errors import SpacyWeakError
from spacy_weak.lexicons.records import LexiconRecord, LexiconSummary
from spacy_weak.lexicons.tabular import iter_jsonl, iter_tsv, write_jsonl, write_tsv


def test_tsv_two_and_three_columns(tmp_path):
    path = tmp_path / "lex.tsv"
    path.write_text("term\tlabel\tid\n# comment\naspirin\tChemical\tD001241\n\nlung cancer\tDisease\n \tDisease\n", encoding="utf8")
    summary = LexiconSummary()
    assert list(iter_tsv(path, summary=summary)) == [
        LexiconRecord("aspirin", "Chemical", "D001241"),
        LexiconRecord("lung cancer", "Disease", ""),
    ]
    assert summary.read == 3 and summary.dropped == {"empty_term": 1} and summary.kept == {"Chemical": 1, "Disease": 1}


def test_tsv_gzip_and_default_label(tmp_path):
    path = tmp_path / "lex.tsv.gz"
    with gzip.open(path, "wt", encoding="utf8") as fh:
        fh.write("aspirin\nibuprofen\tDrug\n")
    assert [tuple(r) for r in iter_tsv(path, label="Chemical")] == [("aspirin", "Chemical", ""), ("ibuprofen", "Drug", "")]


@pytest.mark.parametrize("line,found", [("aspirin Chemical", 1), ("a\tb\tc\td", 4)])
def test_tsv_bad_line_names_file_and_line(tmp_path, line, found):
    path = tmp_path / "lex.tsv"
    path.write_text(f"ok\tChemical\n{line}\n", encoding="utf8")
    with pytest.raises(SpacyWeakError, match=rf"\[E004\] .*lex\.tsv line 2: .* found {found} field"):
        list(iter_tsv(path))


def test_jsonl(tmp_path):
    path = tmp_path / "lex.jsonl"
    path.write_text('{"term": "aspirin", "label": "Chemical", "id": "D1"}\n\n{"term": "fever", "label": "Disease"}\n', encoding="utf8")
    assert list(iter_jsonl(path)) == [LexiconRecord("aspirin", "Chemical", "D1"), LexiconRecord("fever", "Disease", "")]


@pytest.mark.parametrize(
    "line,problem",
    [("{bad json", "invalid JSON"), ('["aspirin", "Chemical"]', "found a JSON list"), ('{"label": "Chemical"}', "missing key 'term'"),
     ('{"term": "aspirin"}', "missing key 'label'")],
)
def test_jsonl_bad_line_names_file_and_line(tmp_path, line, problem):
    path = tmp_path / "lex.jsonl"
    path.write_text('{"term": "a", "label": "B"}\n' + line + "\n", encoding="utf8")
    with pytest.raises(SpacyWeakError, match=r"\[E005\] .*lex\.jsonl line 2: " + problem):
        list(iter_jsonl(path))


def test_missing_file(tmp_path):
    with pytest.raises(SpacyWeakError, match=r"\[E001\]"):
        list(iter_tsv(tmp_path / "nope.tsv"))


def test_write_round_trip(tmp_path):
    records = [("as\tpirin", "Chemical", "D1"), ("fever", "Disease", "")]
    write_tsv(tmp_path / "a.tsv", records)
    write_jsonl(tmp_path / "a.jsonl", records)
    assert [tuple(r) for r in iter_tsv(tmp_path / "a.tsv")] == [("as pirin", "Chemical", "D1"), ("fever", "Disease", "")]
    assert [tuple(r) for r in iter_jsonl(tmp_path / "a.jsonl")] == records


def test_bom_and_bad_bytes_name_the_line(tmp_path):
    path = tmp_path / "bom.tsv"
    path.write_bytes("\ufeffterm\tlabel\naspirin\tChemical\n".encode("utf8"))
    assert [r.term for r in iter_tsv(path)] == ["aspirin"]
    bad = tmp_path / "bad.tsv"
    bad.write_bytes(b"aspirin\tChemical\nibupro\xe9ne\tChemical\n")
    with pytest.raises(SpacyWeakError, match=r"\[E011\] .*bad\.tsv line 2: not valid UTF-8"):
        list(iter_tsv(bad))
