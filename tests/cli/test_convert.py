import pytest
import spacy
from typer.testing import CliRunner

from spacy_weak.cli import _load_commands, app
from spacy_weak.corpora.convert import convert_corpus, parse_label_map
from spacy_weak.corpora import get_doc_id, read_docs, sample_path
from spacy_weak.corpora.shards import ShardWriter, docbin_files, read_manifest

_load_commands()
runner = CliRunner()


def test_convert_pubtator_cli_prints_counts(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["convert", "pubtator", str(sample_path()), str(out), "--shard-size", "16"], env={"CI": "1"}
    )
    assert result.exit_code == 0, result.output
    assert "Wrote 40 documents" in result.output
    assert "Chemical: 326 gold spans" in result.output and "Disease: 283 gold spans" in result.output
    assert "misaligned spans: 0 (fixed 0, dropped 0) of 609" in result.output
    assert [s["docs"] for s in read_manifest(out)["shards"]] == [16, 16, 8]
    docs = list(read_docs(out, spacy.blank("en").vocab))
    assert get_doc_id(docs[0]) == "227508" and len(docs[0].ents) > 0


def test_convert_label_map_and_labels(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["convert", "pubtator", str(sample_path()), str(out), "--label-map", "Disease=Condition", "--labels", "Condition"],
    )
    assert result.exit_code == 0, result.output
    assert "Condition: 283 gold spans" in result.output
    assert "excluded by the label map: Chemical x326" in result.output


def test_convert_iob_strict_error_and_fix(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("a\tO\nb\tI-Disease\n\nc\tB-Chemical\n", encoding="utf-8")
    result = runner.invoke(app, ["convert", "iob", str(path), str(tmp_path / "o1")])
    assert result.exit_code == 1
    assert "E213" in result.output and "bad.tsv line 2" in result.output
    with pytest.warns(UserWarning, match="W203"):
        result = runner.invoke(app, ["convert", "iob", str(path), str(tmp_path / "o2"), "--fix"])
    assert result.exit_code == 0, result.output
    assert "IOB tags repaired: 1" in result.output and "Wrote 2 documents" in result.output


def test_convert_bad_options(tmp_path):
    result = runner.invoke(app, ["convert", "pubtator", str(sample_path()), str(tmp_path / "o"), "--label-map", "Disease"])
    assert result.exit_code == 1 and "E258" in result.output
    result = runner.invoke(app, ["convert", "csv", str(sample_path()), str(tmp_path / "o")])
    assert result.exit_code == 1 and "E212" in result.output
    result = runner.invoke(app, ["convert", "pubtator", str(tmp_path / "none.txt"), str(tmp_path / "o")])
    assert result.exit_code == 1 and "E200" in result.output
    assert parse_label_map("A=B, C=") == {"A": "B", "C": None}


def test_convert_resumes_after_crash(tmp_path, monkeypatch):
    ref = tmp_path / "ref"
    ref_summary = convert_corpus("pubtator", sample_path(), ref, shard_size=8, show_progress=False)
    out = tmp_path / "out"
    original = ShardWriter.add
    calls = {"n": 0}

    def crash_after_19(self, doc):
        calls["n"] += 1
        if calls["n"] > 19:
            raise KeyboardInterrupt
        original(self, doc)

    monkeypatch.setattr(ShardWriter, "add", crash_after_19)
    with pytest.raises(KeyboardInterrupt):
        convert_corpus("pubtator", sample_path(), out, shard_size=8, show_progress=False)
    monkeypatch.setattr(ShardWriter, "add", original)
    assert read_manifest(out)["docs"] == 16
    summary = convert_corpus("pubtator", sample_path(), out, shard_size=8, show_progress=False)
    assert summary["resumed_from"] == 16
    for key in ("documents", "entities", "misaligned_fixed", "misaligned_dropped", "spans_total"):
        assert summary[key] == ref_summary[key]
    assert read_manifest(out) == read_manifest(ref)
    assert [p.read_bytes() for p in docbin_files(out)] == [p.read_bytes() for p in docbin_files(ref)]
    with pytest.warns(UserWarning, match="W251"):  # complete run, other options: replaced
        again = convert_corpus("pubtator", sample_path(), out, shard_size=8, show_progress=False, labels=["Disease"])
    assert again["entities"] == {"Disease": 283} and again["resumed_from"] == 0


def test_convert_with_pipeline_tokenizer(tmp_path):
    text = "Doxorubicin (DOX)-induced cardiotoxicity."
    start = text.index("DOX)")
    path = tmp_path / "t.txt"
    path.write_text(f"1|t|{text}\n1\t{start}\t{start + 3}\tDOX\tChemical\tD004317\n", encoding="utf-8")
    blank = convert_corpus("pubtator", path, tmp_path / "blank", show_progress=False)
    assert blank["misaligned_fixed"] == 1
    result = runner.invoke(
        app,
        ["convert", "pubtator", str(path), str(tmp_path / "bio"), "--tokenizer", "spacy_weak.biomedical_tokenizer.v1"],
    )
    assert result.exit_code == 0, result.output
    assert "misaligned spans: 0 (fixed 0, dropped 0) of 1" in result.output
    doc = next(read_docs(tmp_path / "bio", spacy.blank("en").vocab))
    assert [s.text for s in doc.spans["gold"]] == ["DOX"]
    bad = runner.invoke(app, ["convert", "pubtator", str(path), str(tmp_path / "x"), "--tokenizer", "no.such.tokenizer.v1"])
    assert bad.exit_code == 1 and "E259" in bad.output
