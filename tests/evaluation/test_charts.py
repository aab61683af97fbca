"""The report's charts (inline SVG by matplotlib) and the document-level report sections."""
import re

import numpy as np
import pytest
from spacy.tokens import Span

from spacy_weak.evaluation import report
from spacy_weak.evaluation.analysis import analyze
from spacy_weak.evaluation.charts import agreement_matrix, calibration_bins, report_charts
from spacy_weak.spans import set_source_spans

pytest.importorskip("matplotlib")


def test_agreement_matrix_and_calibration_bins_by_hand():
    votes = np.array([[1, 1, 0], [1, 2, 2], [0, 2, 2], [4, 0, 0]])
    m = agreement_matrix(votes)
    assert m[0, 1] == pytest.approx(0.5)  # both vote on rows 0, 1: agree on row 0
    assert m[1, 2] == pytest.approx(1.0)
    assert m[0, 2] == pytest.approx(0.0)  # row 1 only: 1 vs 2
    assert np.isnan(agreement_matrix(np.array([[1, 0], [0, 2]]))[0, 1])  # never together
    assert m[0, 0] == 1.0
    bins = calibration_bins(np.array([0.05, 0.95, 0.92, 0.55]), np.array([False, True, False, True]))
    assert bins == [(0.05, 0.0, 1), (0.55, 1.0, 1), (pytest.approx(0.935), 0.5, 2)]


def test_span_report_charts_and_negative_only_sources(span_docs):
    # a source that only votes "not an entity"
    d1 = span_docs[0]
    set_source_spans(d1, "neg", [Span(d1, 4, 5, "O")])
    result = analyze(span_docs, gold_key="gold")
    charts = {c.key: c for c in report_charts(result)}
    assert set(charts) == {"sources", "agreement", "calibration", "proxy_gap"}
    for chart in charts.values():
        assert chart.svg.startswith("<svg") and chart.svg.rstrip().endswith("</svg>")
        assert "<metadata>" not in chart.svg
    assert report_charts(result)[0].svg == charts["sources"].svg  # deterministic
    sources = next(t for t in report.report_tables(result) if t.title.startswith("Sources"))
    neg = next(r for r in sources.rows if r[0] == "neg")
    assert neg[sources.headers.index("Span R")] is None and neg[sources.headers.index("Span P")] is None
    per_label = next(t for t in report.report_tables(result) if t.title == "Scores vs gold per label")
    assert "neg" not in {r[0] for r in per_label.rows}
    page = report.to_html(result)
    assert page.count("<svg") == 4 and 'data-chart="calibration"' in page
    assert 'title="Empirical accuracy' in page  # column headers explained on hover
    # document renderings: a row per source only where it has spans (d2 has none: listed in one line)
    assert "No span here from" in page


def test_doc_level_report_scores_every_aggregate_side_by_side(doc_corpus):
    docs, gold = doc_corpus
    for doc in docs:  # a second aggregator, as weak_doc_em / weak_doc_vote keep their probabilities
        spam = doc.cats["spam"]
        group = doc.spans.setdefault("em", [])
        group.attrs.update({"aggregator": "em", "level": "doc", "cats": {"spam": 1 - spam, "ham": spam}})
    report_doc = {"lf1": {"spam": {"p_for_given_true": 0.8, "p_for_given_false": 0.1},
                          "ham": {"p_for_given_true": 0.0, "p_for_given_false": 0.0}},
                  "lf2": {"spam": {"p_for_given_true": 0.4, "p_for_given_false": 0.4},
                          "ham": {"p_for_given_true": 0.6, "p_for_given_false": 0.6}}}
    result = analyze(docs, gold_docs=gold, doc_model_report=report_doc)
    dl = result.doc_level
    assert set(dl["aggregates"]) == {"cats", "em"}
    assert dl["aggregates"]["cats"]["accuracy"] == pytest.approx(0.75)  # d3 wrong
    assert dl["aggregates"]["em"]["accuracy"] == pytest.approx(0.25)  # the inverse probabilities: only d3 right
    assert dl["misclassified"]["aggregate"] == "em" and len(dl["misclassified"]["docs"]) == 3
    # priors from em's mean probabilities: spam (.4+.1+.7+.4)/4 = .4
    assert {r["source"]: r["learned_acc"] for r in dl["sources"]}["lf1"] == pytest.approx(
        0.4 * 0.8 / (0.4 * 0.8 + 0.6 * 0.1))
    assert dl["most_conflicted"][0]["doc"] == 0 and "spam: lf1" in dl["most_conflicted"][0]["votes"]
    titles = [t.title for t in report.report_tables(result)]
    assert "Document aggregates vs gold" in titles and "Most conflicted documents" in titles
    assert not any(t.startswith("Sources") or t.startswith("Scores vs gold") for t in titles)  # no span sections
    page = report.to_html(result)
    assert '<section class="doc"' not in page and "Learned acc." in page
    assert {m for m in re.findall(r'data-chart="(\w+)"', page)} == {"sources", "agreement", "doc_aggregates",
                                                                    "calibration"}
