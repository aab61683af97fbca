"""``spacy-weak analyze`` on DocBin shards with gold, writing JSON, Markdown and HTML."""
import pytest
import spacy
import srsly
from spacy.tokens import Span
from typer.testing import CliRunner

from spacy_weak.cli import _load_commands, app
from tests.evaluation.corpora import make_span_corpus
from tests.evaluation.corpora import write_docbin as _write

runner = CliRunner()


@pytest.fixture
def nlp():
    return spacy.blank("en")


def test_analyze_shards_with_gold_key(nlp, tmp_path):
    _load_commands()
    docs = make_span_corpus(nlp)
    shards = tmp_path / "annotated"
    shards.mkdir()
    _write(docs[:1], shards / "000.spacy")
    _write(docs[1:], shards / "001.spacy")
    out_json, out_md, out_html = tmp_path / "a.json", tmp_path / "a.md", tmp_path / "a.html"
    result = runner.invoke(
        app,
        ["analyze", str(shards), "--gold-key", "gold", "--json", str(out_json), "--markdown", str(out_md),
         "--html", str(out_html)],
    )
    assert result.exit_code == 0, result.output
    assert "Sources (token level unless marked span)" in result.output
    data = srsly.read_json(out_json)
    assert data["corpus"]["n_docs"] == 2
    assert data["scores"]["gold"]["a"]["span"]["micro"]["f"] == 0.5
    assert "## Proxy gap" in out_md.read_text(encoding="utf8")
    assert '<section class="doc"' in out_html.read_text(encoding="utf8")


def test_analyze_gold_docbin_sources_and_aggregates(nlp, tmp_path):
    _load_commands()
    docs = make_span_corpus(nlp)
    gold = []
    for doc in docs:
        g = nlp(doc.text)
        g.ents = [Span(g, s.start, s.end, s.label_) for s in doc.spans["gold"]]
        gold.append(g)
        del doc.spans["gold"]
    _write(docs, tmp_path / "in.spacy")
    _write(gold, tmp_path / "gold.spacy")
    out_json = tmp_path / "a.json"
    result = runner.invoke(
        app,
        ["analyze", str(tmp_path / "in.spacy"), "--gold", str(tmp_path / "gold.spacy"), "--sources", "a,b",
         "--aggregates", "silver", "--json", str(out_json), "--quiet"],
    )
    assert result.exit_code == 0, result.output
    data = srsly.read_json(out_json)
    assert data["corpus"]["sources"] == ["a", "b"]
    assert data["corpus"]["aggregates"] == ["silver"]
    assert data["scores"]["gold"]["silver"]["span"]["micro"]["f"] == 0.5


def test_analyze_missing_input_is_a_coded_error(tmp_path):
    _load_commands()
    result = runner.invoke(app, ["analyze", str(tmp_path / "nope.spacy")])
    assert result.exit_code == 1
    assert "E150" in result.output


def test_analyze_help():
    _load_commands()
    result = runner.invoke(app, ["analyze", "--help"])
    assert result.exit_code == 0
    assert "--gold-key" in result.output and "--html" in result.output


def test_analyze_shows_the_hmms_source_dependencies(nlp, tmp_path):
    _load_commands()
    docs = make_span_corpus(nlp)
    for doc in docs:
        doc.spans["a_copy"] = list(doc.spans["a"])
    hmm = nlp.add_pipe("weak_hmm", config={"sources": ["a", "a_copy", "b"], "labels": ["Chemical", "Disease"], "n_iter": 3})
    with pytest.warns(UserWarning, match="W105.*a, a_copy"):
        hmm.fit(docs)
    # (two tiny documents: b may be linked too; the copy always is)
    assert any({"a", "a_copy"} <= set(g) for g in hmm.dependency_report()["groups"])
    assert "a_copy" in hmm.source_report()["a"]["Chemical"]["group"]
    hmm.to_disk(tmp_path / "hmm")
    _write(docs, tmp_path / "in.spacy")
    result = runner.invoke(app, ["analyze", str(tmp_path / "in.spacy"), "--gold-key", "gold", "--hmm", str(tmp_path / "hmm")])
    assert result.exit_code == 0, result.output
    assert "Source dependencies learned by the HMM" in result.output
    assert "groups: a, a_copy" in result.output and "a_copy" in result.output
