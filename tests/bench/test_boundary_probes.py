"""bench/boundary_probes.py on hand-built docs: scoring, rules learned from reviewed docs,
widening, and the candidate EM (the issue-12 probes)."""
import pytest
import spacy
from spacy.tokens import Span

from . import load_bench


@pytest.fixture(scope="module")
def probes():
    return load_bench("boundary_probes")


def _doc(nlp, text, gold, ents, sources):
    doc = nlp(text)
    doc.spans["gold"] = [Span(doc, a, b, label=lab) for a, b, lab in gold]
    doc.ents = [Span(doc, a, b, label=lab) for a, b, lab in ents]
    for key, spans in sources.items():
        doc.spans[key] = [Span(doc, a, b, label=lab) for a, b, lab in spans]
    return doc


def test_prf_counts_strict_matches(probes):
    nlp = spacy.blank("en")
    doc = _doc(nlp, "severe renal failure after aspirin", [(1, 3, "Disease"), (4, 5, "Chemical")], [(0, 3, "Disease")], {})
    s = probes.prf([doc], [[(0, 3, "Disease"), (4, 5, "Chemical")]])
    assert (s["p"], s["r"]) == (0.5, 0.5)


def test_rules_learned_from_reviews_trim_and_widen(probes):
    nlp = spacy.blank("en")
    # reviewed: "severe" is left out by the reviewer twice; "renal" is taken in twice
    reviewed = [
        _doc(nlp, "severe hypotension was seen", [(1, 2, "Disease")], [(0, 2, "Disease")], {}),
        _doc(nlp, "severe anemia was seen", [(1, 2, "Disease")], [(0, 2, "Disease")], {}),
        _doc(nlp, "renal failure was seen", [(0, 2, "Disease")], [(1, 2, "Disease")], {}),
        _doc(nlp, "renal injury was seen", [(0, 2, "Disease")], [(1, 2, "Disease")], {}),
    ]
    rules = probes.learn_review_rules(reviewed, min_count=2, share=0.6)
    assert rules == {("trim_left", "severe", "Disease"), ("widen_left", "renal", "Disease")}
    new = _doc(nlp, "severe colitis and renal damage", [], [(0, 2, "Disease"), (4, 5, "Disease")], {})
    assert probes.apply_review_rules(new, rules) == [(1, 2, "Disease"), (3, 5, "Disease")]
    assert probes.learn_review_rules(reviewed, min_count=3, share=0.6) == set()


def test_widen_stops_at_other_entities(probes):
    nlp = spacy.blank("en")
    doc = _doc(nlp, "aspirin acute hepatitis", [], [(0, 1, "Chemical"), (1, 3, "Disease")], {})
    out = probes.widen(doc, lambda d, a, label: True, lambda d, b, label: False)
    assert out == [(0, 1, "Chemical"), (1, 3, "Disease")]


def test_candidate_em_picks_among_proposed_spans(probes):
    nlp = spacy.blank("en")
    docs = [
        _doc(nlp, f"acute renal failure case {i}", [(0, 3, "Disease")], [(0, 3, "Disease")],
             {"a": [(1, 3, "Disease")], "b": [(1, 3, "Disease")]})
        for i in range(5)
    ]
    spans, p_hmm = probes.candidate_em(docs)
    # two agreeing sources outvote the HMM's longer span: the self-consistency the probe measures
    assert spans == [[(1, 3, "Disease")]] * 5
    assert p_hmm < 0.5
