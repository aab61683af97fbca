"""Report writers: JSON (srsly), Markdown, terminal tables and the self-contained HTML."""
import re

import pytest
import srsly

from spacy_weak.evaluation import report
from spacy_weak.evaluation.analysis import analyze


@pytest.fixture
def result(span_docs):
    return analyze(span_docs, gold_key="gold", hmm_report={"a": {"Chemical": {"precision": 0.9, "recall": 0.8}}})


def test_json_round_trip(result, tmp_path):
    path = tmp_path / "out" / "analysis.json"
    report.write_json(result, path)
    data = srsly.read_json(path)
    assert data["corpus"]["n_docs"] == 2
    assert data["corpus"]["sources"] == ["a", "b", "c"]
    assert {row["source"] for row in data["sources"]} == {"a", "b", "c"}
    assert data["scores"]["gold"]["a"]["span"]["micro"]["f"] == pytest.approx(0.5)
    assert data["hmm"][0]["hmm_precision"] == 0.9
    assert data["documents"]["most_conflict"][0]["doc"] == 0


def test_markdown_tables(result, tmp_path):
    text = report.to_markdown(result)
    assert "## Sources (token level unless marked span)" in text
    assert "| Source | Polarity | Spans | Ran |" in text
    assert "| a | Chemical, Disease | 2 | 1.000 | 0.500 | 0.333 |" in text
    assert "## Proxy gap (silver vs gold)" in text
    assert "## HMM: learned vs empirical (token level)" in text
    path = tmp_path / "r.md"
    report.write_markdown(result, path)
    assert path.read_text(encoding="utf8") == text


def test_every_table_has_consistent_rows(result, doc_corpus):
    docs, gold = doc_corpus
    doc_model = {"lf1": {"spam": {"p_for_given_true": 0.5, "p_for_given_false": 0.01}}}
    tables = report.report_tables(result) + report.report_tables(analyze(docs, gold_docs=gold, doc_model_report=doc_model))
    titles = [t.title for t in tables]
    assert "Document model: learned vs empirical" in titles
    assert "Document-level sources" in titles and "Confusion matrix: lf2" in titles and "doc.cats vs gold" in titles
    for table in tables:
        assert table.rows, table.title
        assert all(len(row) == len(table.headers) for row in table.rows), table.title


def test_print_tables(result, capsys):
    report.print_tables(result)
    out = capsys.readouterr().out
    assert "Sources (token level unless marked span)" in out
    assert "Emp. Acc." in out


def test_html_is_self_contained_and_renders_documents(result, tmp_path):
    page = report.to_html(result)
    assert page.startswith("<!DOCTYPE html>")
    # no network resources: no script files, stylesheets, fonts or images fetched from anywhere;
    # the one inline script sorts tables; url() only points inside the page (SVG clip paths)
    assert not re.search(r"<link|@import|src=|url\((?!#)", page, flags=re.I)
    assert page.count("<script") == 1 and "<script>" in page
    # the only URLs are XML namespace names of the inline SVG charts (identifiers, never fetched)
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert page.count('<table class="report"') >= 4
    assert '<section class="doc" data-doc="0">' in page
    # displaCy span renderings for gold, the aggregate, the conflicts row and each source
    assert page.count('class="spans"') + page.count('class="entities"') >= 6
    assert "CONFLICT" in page
    assert 'class="wrong"' in page  # token table marks the disagreement with gold
    path = tmp_path / "report.html"
    report.write_html(result, path)
    assert path.read_text(encoding="utf8") == page


def test_html_without_gold_or_aggregates(span_docs):
    for doc in span_docs:
        doc.spans.pop("silver", None)
        doc.spans.pop("gold", None)
    page = report.to_html(analyze(span_docs, sources=["a", "b", "c"]))
    assert '<section class="doc"' in page
    assert "Scores vs gold" not in page


def test_format_helpers():
    assert report.fmt(None) == "–"
    assert report.fmt(0.12345) == "0.123"
    assert report.fmt(3) == "3"
    assert report.fmt(["A", "B"]) == "A, B"


def test_report_says_so_when_its_charts_are_off(span_docs, monkeypatch):
    # issue 27: without matplotlib the report silently had no charts
    from spacy_weak.evaluation import charts

    monkeypatch.setattr(charts, "matplotlib_available", lambda: False)
    page = report.to_html(analyze(span_docs, gold_key="gold"))
    assert 'id="charts-off"' in page and "Charts are off" in page and 'pip install -e ".[report]"' in page
    assert '(off: <a href="#charts-off">matplotlib missing</a>)' in page  # in the table of contents too
    assert "<svg" not in page
