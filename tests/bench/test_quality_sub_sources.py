"""bench/quality.py scores a gazetteer's sub-sources (split_shapes groups) beside the source."""
import spacy
from spacy.tokens import Doc, Span

from spacy_weak.corpora.align import set_gold
from spacy_weak.spans import set_source_spans

from . import load_bench


def test_sub_sources_scored_apart():
    quality = load_bench("quality")
    nlp = spacy.blank("en")
    doc = Doc(nlp.vocab, words="ALS and breast cancer".split())
    set_gold(doc, [Span(doc, 2, 4, label="Disease")])
    set_source_spans(doc, "gaz", [Span(doc, 2, 4, label="Disease")])
    set_source_spans(doc, "gaz_acronym", [Span(doc, 0, 1, label="Disease")])
    out = quality.sub_source_scores([doc], ["gaz"], ["Disease"])
    assert list(out) == ["gaz_acronym"]
    assert out["gaz_acronym"]["p"] == 0.0 and out["gaz_acronym"]["per_label"]["Disease"]["f1"] == 0.0
