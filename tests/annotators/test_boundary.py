"""weak_boundary: widen / trim other sources' spans, patterns, own votes, validation, serialisation."""
import pytest
import spacy
from spacy.tokens import Span

from spacy_weak.errors import SpacyWeakError
from spacy_weak.spans import set_aggregate, set_source_spans

TEXT = "hereditary breast and ovarian cancer , diabetes type 2 and X-linked agammaglobulinemia , acute hepatitis ."


@pytest.fixture
def nlp():
    return spacy.blank("en")


def annotated(nlp):
    d = nlp.make_doc(TEXT)
    # tokens: 0 hereditary 1 breast 2 and 3 ovarian 4 cancer 5 , 6 diabetes 7 type 8 2 9 and 10 X 11 - 12 linked
    #         13 agammaglobulinemia 14 , 15 acute 16 hepatitis 17 .
    set_source_spans(d, "gaz", [Span(d, 3, 5, "Disease", kb_id="D1"), Span(d, 6, 7, "Disease"),
                                Span(d, 13, 14, "Disease"), Span(d, 15, 17, "Disease"), Span(d, 0, 1, "O")])
    set_aggregate(d, "silver", [Span(d, 3, 5, "Disease")], [0.9], [["gaz"]], aggregator="weak_hmm")
    return d


def spans(doc, key="weak_boundary"):
    return [(s.text, s.label_, s.kb_id_) for s in doc.spans[key]]


def test_patterns_and_word_lists(nlp):
    pipe = nlp.add_pipe("weak_boundary", config={"widen_left": ["Hereditary"], "trim_left": ["acute"],
                                                 "patterns": ["coordination", "type_n", "x_linked"]})
    doc = pipe(annotated(nlp))
    assert spans(doc) == [
        ("hereditary breast and ovarian cancer", "Disease", "D1"),  # coordination, then 'hereditary'
        ("diabetes type 2", "Disease", ""),
        ("X-linked agammaglobulinemia", "Disease", ""),
        ("hepatitis", "Disease", ""),
    ]
    assert pipe.stats["adjusted"] == 4


def test_only_changed_spans_are_votes_and_labels_filter(nlp):
    pipe = nlp.add_pipe("weak_boundary", config={"patterns": ["type_n"], "labels": ["Chemical"]})
    doc = pipe(annotated(nlp))
    assert spans(doc) == []  # no Chemical span; the aggregate is never a source
    pipe2 = nlp.add_pipe("weak_boundary", name="b2", config={"patterns": ["type_n"]})
    assert spans(pipe2(annotated(nlp)), "b2") == [("diabetes type 2", "Disease", "")]


def test_coordination_needs_an_unlabelled_word_and_two_tokens(nlp):
    d = nlp.make_doc("headache and nausea and breast and ovarian cancer")
    set_source_spans(d, "s", [Span(d, 0, 1, "Disease"), Span(d, 2, 3, "Disease"), Span(d, 6, 8, "Disease")])
    pipe = nlp.add_pipe("weak_boundary", config={"patterns": ["coordination"]})
    assert spans(pipe(d)) == [("breast and ovarian cancer", "Disease", "")]  # not 'headache and nausea'


def test_validation(nlp):
    from spacy_weak.annotators.boundary import BoundaryAnnotator

    for config in ({"patterns": ["nope"]}, {"max_widen": 0}, {"patterns": [], "widen_left": []},
                   {"trim_right": [""]}):
        with pytest.raises(SpacyWeakError, match=r"\[E074\]"):
            spacy.blank("en").add_pipe("weak_boundary", config=config)
    with pytest.raises(SpacyWeakError, match=r"\[E074\].*widen_left"):
        BoundaryAnnotator(nlp.vocab, widen_left="hereditary")  # a string, not a list


def test_serialisation_and_config(nlp, tmp_path):
    nlp.add_pipe("weak_boundary", config={"widen_left": ["hereditary"], "max_widen": 2, "patterns": ["coordination"]})
    nlp.to_disk(tmp_path / "p")
    loaded = spacy.load(tmp_path / "p")
    pipe = loaded.get_pipe("weak_boundary")
    assert pipe.widen_left == ["hereditary"] and pipe.max_widen == 2
    assert spans(pipe(annotated(loaded)))[0][0] == "hereditary breast and ovarian cancer"


def test_label_model_reads_its_votes(nlp):
    """Its group is a source like any other: the HMM fits with it and it can win."""
    nlp.add_pipe("weak_boundary", config={"patterns": ["coordination"]})
    docs = [nlp.get_pipe("weak_boundary")(annotated(nlp)) for _ in range(4)]
    hmm = nlp.add_pipe("weak_hmm", config={"sources": ["gaz", "weak_boundary"], "n_iter": 3})
    hmm.fit(docs)
    assert "weak_boundary" in hmm.source_report()
