"""Per-term and per-concept precision, worst terms, stop-term and filtered-lexicon export."""
import pytest
import spacy
from spacy.tokens import Span

from spacy_weak.errors import SpacyWeakError
from spacy_weak.evaluation.data import collect
from spacy_weak.evaluation.term_precision import (
    filter_lexicon,
    sort_rows,
    term_precision,
    term_precision_all,
    worst_terms,
    write_stop_terms,
)
from spacy_weak.spans import set_source_spans


def gaz_corpus():
    """'ms' matches twice, marks nothing; 'cancer' once exact, once inside 'breast cancer'."""
    nlp = spacy.blank("en")
    d1 = nlp("MS was high . breast cancer and cancer .")
    d1.spans["gold"] = [Span(d1, 4, 6, "Disease"), Span(d1, 7, 8, "Disease")]
    set_source_spans(d1, "gaz", [Span(d1, 0, 1, "Disease", kb_id="C1"), Span(d1, 5, 6, "Disease", kb_id="C2"),
                                 Span(d1, 7, 8, "Disease", kb_id="C2")])
    d2 = nlp("ms again")
    d2.spans["gold"] = []
    set_source_spans(d2, "gaz", [Span(d2, 0, 1, "Disease", kb_id="C1")])
    return [d1, d2]


def test_terms_and_concepts():
    out = term_precision(gaz_corpus(), "gaz", gold_key="gold")
    terms = {r["term"]: r for r in out["terms"]}
    assert terms["ms"]["matches"] == 2 and terms["ms"]["wrong"] == 2 and terms["ms"]["precision"] == 0.0
    assert terms["cancer"]["exact"] == 1 and terms["cancer"]["boundary"] == 1
    assert terms["cancer"]["precision"] == 0.5 and terms["cancer"]["hit_rate"] == 1.0
    concepts = {r["concept"]: r for r in out["concepts"]}
    assert concepts["C1"]["matches"] == 2 and concepts["C1"]["terms"] == ["ms"]
    assert concepts["C2"]["exact"] == 1
    bad = worst_terms(out["terms"], min_matches=2, max_hit_rate=0.2)
    assert [r["term"] for r in bad] == ["ms"]
    assert [r["term"] for r in sort_rows(out["terms"], "precision")] == ["ms", "cancer"]
    assert term_precision_all(collect(gaz_corpus(), gold_key="gold"))["keys"]["gaz"][0]["term"] == "ms"


def test_exports(tmp_path):
    out = term_precision(gaz_corpus(), "gaz", gold_key="gold")
    bad = worst_terms(out["terms"])
    assert write_stop_terms(tmp_path / "stop.txt", bad) == 1
    assert (tmp_path / "stop.txt").read_text() == "ms\n"
    lex = tmp_path / "lex.tsv"
    lex.write_text("MS\tDisease\tC1\nbreast cancer\tDisease\tC3\nM-S\tDisease\tC1\n")
    counts = filter_lexicon(lex, tmp_path / "out.tsv", ["ms"])
    assert counts == {"read": 3, "dropped": 1, "kept": 2}  # 'M-S' normalises to 'm s', not 'ms'
    assert (tmp_path / "out.tsv").read_text().splitlines()[0] == "breast cancer\tDisease\tC3"


def test_bad_input():
    out = term_precision(gaz_corpus(), "gaz", gold_key="gold")
    with pytest.raises(SpacyWeakError, match=r"\[E604\]"):
        sort_rows(out["terms"], "best")
    with pytest.raises(SpacyWeakError, match=r"\[E605\]"):
        worst_terms(out["terms"], max_hit_rate=2)
    with pytest.raises(SpacyWeakError, match=r"\[E600\]"):
        term_precision(gaz_corpus(), "nope", gold_key="gold")
