import pytest
import spacy
from spacy.tokens import Span

from spacy_weak.errors import SpacyWeakError
from spacy_weak.spans import set_aggregate, set_doc_votes, set_source_spans

TEXT = "Breast cancer and cocaine . Cocaine users get breast cancer , and BREAST CANCER and cocaine again ."
# tokens: 0 Breast 1 cancer 3 cocaine 5 Cocaine 8 breast 9 cancer 12 BREAST 13 CANCER 15 cocaine


@pytest.fixture
def nlp():
    return spacy.blank("en")


def labelled(nlp, component):
    doc = nlp(TEXT)
    set_source_spans(doc, "gaz", [Span(doc, 0, 2, "Disease"), Span(doc, 3, 4, "Chemical", kb_id="D003042")])
    set_source_spans(doc, "rx", [Span(doc, 5, 6, "Chemical"), Span(doc, 15, 16, "O")])
    return component(doc)


def spans(doc, key):
    return [(s.start, s.end, s.label_, s.kb_id_) for s in doc.spans[key]]


def test_propagates_majority_label_to_other_occurrences(nlp):
    cons = nlp.add_pipe("weak_doc_consistency", name="cons")
    doc = labelled(nlp, cons)
    # "breast cancer" at 8-10 and 12-14 (case-insensitive); every "cocaine" is already labelled
    assert spans(doc, "cons") == [(8, 10, "Disease", ""), (12, 14, "Disease", "")]
    assert doc.spans["cons"].attrs == {"source": "cons", "level": "span", "reads": ["*"]}


def test_kb_id_follows_the_label(nlp):
    cons = nlp.add_pipe("weak_doc_consistency", name="cons")
    doc = nlp(TEXT)
    set_source_spans(doc, "gaz", [Span(doc, 3, 4, "Chemical", kb_id="D003042")])
    cons(doc)
    assert spans(doc, "cons") == [(5, 6, "Chemical", "D003042"), (15, 16, "Chemical", "D003042")]


def test_labelled_positions_are_not_repeated_and_o_votes_count(nlp):
    cons = nlp.add_pipe("weak_doc_consistency", name="cons")
    doc = labelled(nlp, cons)
    starts = {s[0] for s in spans(doc, "cons")}
    assert not starts & {0, 3, 5, 15}
    # "cocaine" has votes Chemical (gaz at 3, rx at 5) and O (rx at 15): majority Chemical,
    # every occurrence is already labelled -> nothing for cocaine
    assert all(s[2] == "Disease" for s in spans(doc, "cons"))


def test_case_sensitive_and_min_votes(nlp):
    cons = nlp.add_pipe("weak_doc_consistency", name="cons", config={"case_sensitive": True})
    doc = labelled(nlp, cons)
    assert spans(doc, "cons") == []  # "Breast cancer" occurs once with this casing
    nlp2 = spacy.blank("en")
    cons2 = nlp2.add_pipe("weak_doc_consistency", name="cons", config={"min_votes": 2})
    doc = labelled(nlp2, cons2)
    assert spans(doc, "cons") == []  # "breast cancer" has one vote only


def test_ties_abstain_and_sources_filter(nlp):
    cons = nlp.add_pipe("weak_doc_consistency", name="cons", config={"sources": ["g*"]})
    doc = nlp(TEXT)
    set_source_spans(doc, "gaz", [Span(doc, 3, 4, "Chemical")])
    set_source_spans(doc, "gaz2", [Span(doc, 5, 6, "Disease")])
    set_source_spans(doc, "rx", [Span(doc, 0, 2, "Disease")])  # not a source: ignored
    cons(doc)
    assert spans(doc, "cons") == []
    assert cons.stats["ties"] == 1


def test_ignores_itself_aggregates_and_doc_level_groups(nlp):
    cons = nlp.add_pipe("weak_doc_consistency", name="cons")
    doc = nlp(TEXT)
    set_aggregate(doc, "silver", [Span(doc, 0, 2, "Disease")], [0.9], [["gaz"]], aggregator="hmm")
    set_doc_votes(doc, "lf", {"X": 1})
    set_source_spans(doc, "cons", [Span(doc, 3, 4, "Chemical")])  # an earlier run of itself
    cons(doc)
    assert spans(doc, "cons") == []


def test_label_map_min_length_and_config_errors(nlp):
    cons = nlp.add_pipe(
        "weak_doc_consistency", name="cons",
        config={"label_map": {"@misc": "spacy_weak.label_map.v1", "mapping": {"Disease": "DIS", "Chemical": None}}},
    )
    doc = labelled(nlp, cons)
    assert {s[2] for s in spans(doc, "cons")} == {"DIS"}
    with pytest.raises(SpacyWeakError, match="E050.*min_votes"):
        nlp.add_pipe("weak_doc_consistency", name="c2", config={"min_votes": 0})
    with pytest.raises(SpacyWeakError, match="E050.*sources"):
        nlp.add_pipe("weak_doc_consistency", name="c3", config={"sources": []})
    nlp3 = spacy.blank("en")
    short = nlp3.add_pipe("weak_doc_consistency", name="cons", config={"min_length": 14})
    doc = labelled(nlp3, short)
    assert spans(doc, "cons") == []  # "breast cancer" has 13 characters


def test_disk_roundtrip(nlp, tmp_path):
    nlp.add_pipe("weak_doc_consistency", name="cons", config={"min_votes": 1, "sources": ["gaz", "rx"]})
    nlp.to_disk(tmp_path / "p")
    nlp2 = spacy.load(tmp_path / "p")
    a = labelled(nlp, nlp.get_pipe("cons"))
    b = labelled(nlp2, nlp2.get_pipe("cons"))
    assert spans(a, "cons") == spans(b, "cons") != []


def test_nothing_left_to_add_is_not_a_w100(nlp):
    # issue 27: the demo's first line was W100 for `consistency`, which had nothing to add because the
    # sources it reads already label every occurrence; a source that reads the text itself still gets W100
    import warnings

    cons = nlp.add_pipe("weak_doc_consistency", name="cons", config={"sources": ["gaz"]})
    hmm = nlp.add_pipe("weak_hmm", config={"sources": ["gaz", "rx", "cons"], "labels": ["Chemical"], "n_iter": 3})
    docs = []
    for text in ["aspirin and aspirin again", "no aspirin here, only aspirin", "nothing at all"]:
        doc = nlp.make_doc(text)
        set_source_spans(doc, "gaz", [Span(doc, t.i, t.i + 1, "Chemical") for t in doc if t.text == "aspirin"])
        set_source_spans(doc, "rx", [])
        docs.append(cons(doc))
    assert not any(len(d.spans["cons"]) for d in docs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        hmm.fit(docs)
    w100 = [str(w.message) for w in caught if "[W100]" in str(w.message)]
    assert len(w100) == 1 and "source(s) rx produced" in w100[0]
