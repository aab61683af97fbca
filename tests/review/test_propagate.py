import spacy
from spacy.tokens import Doc, Span

from spacy_weak.review.propagate import PROPAGATED_KEY, annotate, review_lexicon
from spacy_weak.spans import set_aggregate, set_source_spans


def _doc(nlp, words, silver, human=None):
    doc = Doc(nlp.vocab, words=words)
    spans = [Span(doc, s, e, label=lab) for s, e, lab in silver]
    set_aggregate(doc, "silver", spans, [0.9] * len(spans), [[]] * len(spans), aggregator="t")
    if human is not None:
        set_source_spans(doc, "human", [Span(doc, s, e, label=lab) for s, e, lab in human])
    return doc


def test_reviewed_decisions_reach_other_documents():
    nlp = spacy.blank("en")
    reviewed = _doc(nlp, ["F344", "rats", "got", "Aspirin", "Sulfate"], silver=[(0, 1, "CHEM"), (3, 4, "CHEM")],
                    human=[(3, 5, "CHEM"), (0, 1, "O"), (1, 2, "O"), (2, 3, "O")])
    other = _doc(nlp, ["aspirin", "sulfate", "in", "f344", "rats"], silver=[])
    assert review_lexicon([reviewed, other], [0]) == {("aspirin", "sulfate"): "CHEM"}
    lexicon = review_lexicon([reviewed, other], [0], negatives=True)
    assert lexicon[("aspirin", "sulfate")] == "CHEM"
    assert lexicon[("f344",)] == "O"  # a silver span the reviewer rejected
    assert lexicon[("aspirin",)] == "O"  # the silver span had the wrong boundary
    assert annotate([other], lexicon) == 2
    got = [(s.start, s.end, s.label_) for s in other.spans[PROPAGATED_KEY]]
    assert got == [(0, 2, "CHEM"), (3, 4, "O")]  # longest match first
