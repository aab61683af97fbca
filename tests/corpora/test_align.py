import pytest
import spacy
from spacy.tokens import DocBin, Span

from spacy_weak.corpora import ReadStats, get_doc_id, set_gold
from spacy_weak.corpora.align import LabelFilter, align_char_span
from spacy_weak.errors import SpacyWeakError


@pytest.fixture(scope="module")
def nlp():
    return spacy.blank("en")


def test_exact_expand_contract_strict(nlp):
    doc = nlp.make_doc("Na+-K+ pump uses xenon-133 gas.")
    start = doc.text.index("xenon")
    stats = ReadStats()
    assert align_char_span(doc, 0, 6, label="C", stats=stats).text == "Na+-K+"
    assert align_char_span(doc, start, start + 5, label="C", stats=stats).text == "xenon-133"
    assert align_char_span(doc, start, start + 5, label="C", alignment_mode="contract", stats=stats) is None
    assert align_char_span(doc, start - 1, start + 5, label="C", alignment_mode="contract", stats=stats) is None
    assert align_char_span(doc, start, start + 5, label="C", alignment_mode="strict", stats=stats) is None
    span = align_char_span(doc, 7, start + 3, label="C", alignment_mode="contract", kb_id="K1", stats=stats)
    assert span.text == "pump uses" and span.kb_id_ == "K1"
    assert (stats.exact, stats.fixed, stats.dropped) == (1, 2, 3)
    assert len(stats.examples) == 5
    with pytest.raises(SpacyWeakError, match="E212"):
        align_char_span(doc, 0, 1, label="C", alignment_mode="nearest")


def test_set_gold_overlaps_duplicates_and_doc_id(nlp):
    doc = nlp.make_doc("acute renal failure was seen")
    spans = [
        Span(doc, 0, 3, label="Disease"),
        Span(doc, 1, 3, label="Disease"),
        Span(doc, 1, 3, label="Disease"),
        Span(doc, 4, 5, label="Other"),
    ]
    stats = ReadStats()
    group = set_gold(doc, spans, doc_id=17, stats=stats)
    assert [(s.text, s.label_) for s in group] == [
        ("acute renal failure", "Disease"), ("renal failure", "Disease"), ("seen", "Other"),
    ]
    assert [e.text for e in doc.ents] == ["acute renal failure", "seen"]
    assert doc[3].ent_iob_ == "O"
    assert (stats.not_in_ents, stats.merged, stats.docs) == (1, 1, 1)
    assert get_doc_id(doc) == "17"
    back = next(DocBin(docs=[doc]).from_bytes(DocBin(docs=[doc]).to_bytes()).get_docs(nlp.vocab))
    assert get_doc_id(back) == "17" and len(back.spans["gold"]) == 3


def test_label_filter():
    stats = ReadStats()
    f = LabelFilter({"SomeType": "Disease", "Drop": None}, labels=["Disease", "Chemical"])
    assert [f(x, stats) for x in ["SomeType", "Chemical", "Drop", "Gene"]] == ["Disease", "Chemical", None, None]
    assert stats.excluded == {"Drop": 1, "Gene": 1}


def test_stats_since_and_dict():
    stats = ReadStats(docs=2, fixed=1)
    before = stats.snapshot()
    stats.docs += 3
    stats.entities["A"] += 2
    part = stats.since(before)
    assert part.docs == 3 and part.fixed == 0 and part.entities == {"A": 2}
    d = stats.to_dict()
    assert d["misaligned"] == 1 and d["entities"] == {"A": 2}
