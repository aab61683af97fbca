"""Diagnostics in the analysis and its reports; dead / redundant / inert sources."""
import spacy
from spacy.tokens import Span

from spacy_weak.evaluation import analyze, to_json, to_markdown
from spacy_weak.evaluation.data import collect
from spacy_weak.evaluation.diagnostics import diagnose, source_health
from spacy_weak.spans import set_doc_votes, set_source_spans

from .test_breakdown import make_corpus


def test_source_health():
    nlp = spacy.blank("en")
    d = nlp("aspirin causes headache in some rats")
    set_source_spans(d, "pos", [Span(d, 0, 1, "Chemical"), Span(d, 2, 3, "Disease")])
    set_source_spans(d, "copy", [Span(d, 0, 1, "Chemical")])  # every vote also cast by 'pos'
    set_source_spans(d, "dead", [])
    set_source_spans(d, "neg_meets", [Span(d, 2, 3, "O")])  # opposes 'pos' on 'headache'
    set_source_spans(d, "neg_inert", [Span(d, 5, 6, "O")])  # 'rats': nobody votes an entity there
    rows = {r["source"]: r for r in source_health(collect([d]))}
    assert rows["dead"]["dead"] and not rows["dead"]["never_ran"]
    assert rows["copy"]["redundant"] and rows["copy"]["subsumed_by"] == ["pos"]
    assert not rows["pos"]["redundant"] and rows["pos"]["duplicated"] == 0.5
    assert rows["neg_meets"]["negative_meets"] == 1.0 and not rows["neg_meets"]["inert_negative"]
    assert rows["neg_inert"]["inert_negative"] and rows["neg_inert"]["negative_meets"] == 0.0
    assert not rows["pos"]["inert_negative"]


def test_analysis_carries_diagnostics_into_every_report():
    result = analyze(make_corpus(spacy.blank("en")), gold_key="gold")
    diag = result.diagnostics
    assert diag["breakdown"]["keys"]["silver"]["pred"]["total"]["too_short"] == 1
    assert diag["boundary_words"]["keys"]["a"]["all"]["missing_left"][0]["word"] == "hereditary"
    docs = diag["error_documents"]["silver"]
    assert docs[0]["doc"] == 0 and docs[0]["errors"] == 3  # 1 too short pred; 1 too short + 1 missed gold
    assert docs[0]["drivers"] == ["a ×1"]
    assert to_json(result)["diagnostics"]["breakdown"]["keys"]["a"]["pred"]["total"]["spurious"] == 1
    md = to_markdown(result)
    for title in ("Error breakdown: predicted spans", "Error breakdown: gold mentions", "Most frequent errors",
                  "Boundary words", "Dead and redundant sources", "Documents with most errors (silver)"):
        assert f"## {title}" in md
    assert "hereditary ×1" in md


def test_no_gold_sections_are_skipped():
    docs = make_corpus(spacy.blank("en"))
    for d in docs:
        d.spans.pop("gold", None)
    result = analyze(docs)
    assert result.diagnostics["breakdown"] == {"skipped": "no gold"}
    assert "skipped: no gold" in to_markdown(result)
    assert result.diagnostics["source_health"]  # needs no gold


def test_misclassified_documents():
    nlp = spacy.blank("en")
    docs = []
    for text, votes, cats, gold in [
        ("a", {"spam": 1}, {"spam": 0.9, "ham": 0.1}, {"spam": 1.0, "ham": 0.0}),
        ("b", {"spam": 1}, {"spam": 0.8, "ham": 0.2}, {"spam": 0.0, "ham": 1.0}),
    ]:
        d = nlp(text)
        set_doc_votes(d, "lf", votes)
        d.cats = cats
        g = nlp(text)
        g.cats = gold
        docs.append((d, g))
    data = collect([d for d, _ in docs], gold_docs=[g for _, g in docs])
    mis = diagnose(data)["misclassified_documents"]
    assert mis["n"] == 1
    row = mis["documents"][0]
    assert (row["doc"], row["gold"], row["predicted"], row["drivers"]) == (1, "ham", "spam", ["lf"])
    assert row["against_gold"] == ["lf"]


def test_analyze_cli_diagnostics_flag(tmp_path):
    from spacy.tokens import DocBin
    from typer.testing import CliRunner

    from spacy_weak.cli import _load_commands, app

    _load_commands()
    db = DocBin()
    for d in make_corpus(spacy.blank("en")):
        db.add(d)
    db.to_disk(tmp_path / "d.spacy")
    runner = CliRunner()
    on = runner.invoke(app, ["analyze", str(tmp_path / "d.spacy"), "--gold-key", "gold"])
    assert on.exit_code == 0 and "Error breakdown: predicted spans" in on.output
    off = runner.invoke(app, ["analyze", str(tmp_path / "d.spacy"), "--gold-key", "gold", "--no-diagnostics"])
    assert off.exit_code == 0 and "Error breakdown" not in off.output
