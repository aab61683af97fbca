"""Boundary words on the hand-built corpus of test_breakdown."""
import spacy

from spacy_weak.evaluation.boundary_words import boundary_words, boundary_words_all
from spacy_weak.evaluation.data import collect

from .test_breakdown import make_corpus


def _side(out, side, label="all"):
    rows = out["all"] if label == "all" else out["per_label"][label]
    return {r["word"]: (r["count"], r["one_word"], r["breaks"]) for r in rows[side]}


def test_boundary_words_known_answers():
    data = collect(make_corpus(spacy.blank("en")), gold_key="gold")
    a = boundary_words(data, "a")
    assert a["pairs"] == 1
    # 'breast cancer' predicted for 'hereditary breast cancer'
    assert _side(a, "missing_left") == {"hereditary": (1, 1, 0)}
    assert _side(a, "missing_left", "Disease") == {"hereditary": (1, 1, 0)}
    b = boundary_words(data, "b")
    assert b["pairs"] == 2
    # 'aspirin daily' for 'aspirin': extra right word 'daily'
    assert _side(b, "extra_right") == {"daily": (1, 1, 0)}
    # 'with hereditary' for 'hereditary breast cancer': extra left 'with', missing right 'breast' (2 words missing)
    assert _side(b, "extra_left") == {"with": (1, 1, 0)}
    assert _side(b, "missing_right") == {"breast": (1, 0, 0)}


def test_breaks_count_correct_edges():
    """Words at an edge that is already right are counted as what a rule would break."""
    nlp = spacy.blank("en")
    from spacy.tokens import Span

    from spacy_weak.spans import set_source_spans

    d = nlp("familial gout and familial fever and the familial cough")
    d.spans["gold"] = [Span(d, 0, 2, "Disease"), Span(d, 4, 5, "Disease"), Span(d, 7, 9, "Disease")]
    # 'gout' (missing 'familial'), 'fever' exact (a rule over 'familial' would break it), 'cough' missing it
    set_source_spans(d, "s", [Span(d, 1, 2, "Disease"), Span(d, 4, 5, "Disease"), Span(d, 8, 9, "Disease")])
    out = boundary_words(collect([d], gold_key="gold"), "s")
    assert _side(out, "missing_left")["familial"] == (2, 2, 1)


def test_no_gold_skipped():
    docs = make_corpus(spacy.blank("en"))
    for d in docs:
        d.spans.pop("gold", None)
    assert boundary_words_all(collect(docs)) == {"skipped": "no gold"}
