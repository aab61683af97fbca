"""weak_boundary: coordination forms, trim_negative; weak_span_filter."""
import pytest
import spacy
from spacy.tokens import Doc, Span

from spacy_weak.errors import SpacyWeakError
from spacy_weak.spans import set_source_spans


def _run(words, spans, **cfg):
    nlp = spacy.blank("en")
    doc = Doc(nlp.vocab, words=words)
    set_source_spans(doc, "src", [Span(doc, s, e, label=lab) for s, e, lab in spans])
    pipe = nlp.add_pipe("weak_boundary", config={"sources": ["src"], **cfg})
    pipe(doc)
    return [(s.start, s.end, s.label_) for s in doc.spans["weak_boundary"]]


def test_coordination_forms():
    words = "breast , ovarian and prostate cancer".split()
    assert _run(words, [(4, 6, "Disease")], patterns=["coordination"]) == [(2, 6, "Disease")]
    assert _run(words, [(4, 6, "Disease")], patterns=["coordination_comma"]) == [(0, 6, "Disease")]
    words = "cardio and nephrotoxicity".split()
    assert _run(words, [(2, 3, "Disease")], patterns=["coordination"]) == []  # one token: not by default
    assert _run(words, [(2, 3, "Disease")], patterns=["coordination_one_token"]) == [(0, 3, "Disease")]
    assert _run("renal / hepatic failure".split(), [(2, 4, "Disease")], patterns=["coordination_slash"]) == [(0, 4, "Disease")]
    assert _run("hepato - and nephrotoxicity".split(), [(3, 4, "Disease")], patterns=["coordination_hyphen"]) == [(0, 4, "Disease")]


def test_trim_negative_votes_o_on_the_trimmed_word():
    words = "severe acute hepatitis today".split()
    assert _run(words, [(0, 3, "Disease")], trim_left=["severe", "acute"]) == [(2, 3, "Disease")]
    assert _run(words, [(0, 3, "Disease")], trim_left=["severe", "acute"], trim_negative=True) == [
        (0, 1, "O"), (1, 2, "O"), (2, 3, "Disease")]
    from spacy_weak.annotators.boundary import BoundaryAnnotator

    with pytest.raises(SpacyWeakError, match=r"\[E074\]"):
        BoundaryAnnotator(spacy.blank("en").vocab, trim_left=["severe"], trim_negative="yes")


def test_span_filter_drops_texts_and_shapes():
    nlp = spacy.blank("en")
    doc = Doc(nlp.vocab, words="ALS and Baseline insulin levels".split())
    set_source_spans(doc, "gaz", [Span(doc, 0, 1, label="Disease"), Span(doc, 3, 4, label="Chemical")])
    set_source_spans(doc, "broad", [Span(doc, 2, 3, label="Chemical"), Span(doc, 3, 4, label="Chemical")])
    pipe = nlp.add_pipe("weak_span_filter", config={"terms": {"broad": ["baseline"]}, "shapes": {"gaz": ["acronym"]}})
    pipe(doc)
    assert [s.text for s in doc.spans["gaz"]] == ["insulin"]
    assert [s.text for s in doc.spans["broad"]] == ["insulin"]
    with pytest.raises(SpacyWeakError, match=r"\[E075\]"):
        nlp.add_pipe("weak_span_filter", name="bad", config={"shapes": {"gaz": ["nope"]}})
