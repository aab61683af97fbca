"""Bad inputs of the label model v2 (identical sources, all-abstaining documents) and
``merge_adjacent`` on majority vote."""
import pytest
import spacy
from spacy.tokens import Doc, Span

from spacy_weak.aggregation.vote_component import merge_adjacent_spans
from spacy_weak.spans import set_source_spans


def _doc(nlp, words, groups):
    doc = Doc(nlp.vocab, words=words)
    for key, spans in groups.items():
        set_source_spans(doc, key, [Span(doc, s, e, label=l) for s, e, l in spans])
    return doc


@pytest.fixture
def nlp():
    return spacy.blank("en")


def test_every_source_abstaining_is_reported_not_dropped_silently(nlp):
    words = "aspirin causes ulcers in some patients".split()
    fit_docs = [_doc(nlp, words, {"a": [(0, 1, "Chem")], "b": [(0, 1, "Chem"), (2, 3, "Dis")]}) for _ in range(3)]
    hmm = nlp.add_pipe("weak_hmm", config={"sources": ["a", "b"], "labels": ["Chem", "Dis"], "n_iter": 3})
    hmm.fit(fit_docs)
    quiet = _doc(nlp, words, {"a": [], "b": []})
    voted = _doc(nlp, words, {"a": [(0, 1, "Chem")], "b": []})
    with pytest.warns(UserWarning, match=r"W106.*in 1 of 2 document.*first positions: 0.*a, b"):
        out = list(hmm.pipe([quiet, voted]))
    assert len(out[0].spans["silver"]) == 0 and len(out[1].spans["silver"]) == 1


def test_identical_sources_warning_names_them(nlp):
    docs = [_doc(nlp, ["x", "y", "z"], {"a": [(0, 1, "L")], "a2": [(0, 1, "L")], "b": [(1, 2, "L")]})]
    hmm = nlp.add_pipe("weak_hmm", config={"sources": ["a", "a2", "b"], "labels": ["L"], "n_iter": 2})
    with pytest.warns(UserWarning, match=r"W105.*sources a, a2 are identical"):
        hmm.fit(docs)


def test_bad_dependency_threshold_in_config(nlp):
    from spacy_weak.errors import SpacyWeakError

    with pytest.raises(SpacyWeakError, match=r"E110.*dependency_threshold"):
        nlp.add_pipe("weak_hmm", config={"dependency_threshold": 1.5})


def test_vote_merge_adjacent_token_and_span_level(nlp):
    words = "puromycin aminonucleoside nephrosis".split()
    doc = _doc(nlp, words, {"gaz": [(0, 1, "Chem")], "suffix": [(1, 2, "Chem")]})
    plain = nlp.add_pipe("weak_vote", name="plain", config={"spans_key": "plain", "annotate_ents": False})
    merged = nlp.add_pipe("weak_vote", name="merged", config={"spans_key": "merged", "merge_adjacent": True, "annotate_ents": False})
    span_level = nlp.add_pipe(
        "weak_vote", name="spanlevel", config={"spans_key": "spanlevel", "level": "span", "merge_adjacent": True, "annotate_ents": False}
    )
    for pipe in (plain, merged, span_level):
        doc = pipe(doc)
    assert [(s.start, s.end) for s in doc.spans["plain"]] == [(0, 1), (1, 2)]
    assert [(s.start, s.end) for s in doc.spans["merged"]] == [(0, 2)]
    assert [(s.start, s.end) for s in doc.spans["spanlevel"]] == [(0, 2)]
    assert sorted(doc.spans["spanlevel"].attrs["sources"][0]) == ["gaz", "suffix"]


def test_merge_adjacent_spans_keeps_labels_apart():
    kept = [(0, 1, "A", 0.9, ["s"]), (1, 2, "B", 0.8, ["t"]), (2, 3, "B", 0.5, ["u"]), (4, 5, "B", 1.0, ["u"])]
    assert merge_adjacent_spans(kept) == [
        (0, 1, "A", 0.9, ["s"]), (1, 3, "B", 0.5, ["t", "u"]), (4, 5, "B", 1.0, ["u"])
    ]
