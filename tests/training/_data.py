"""Tiny synthetic silver docs for the training tests (no downloads, seconds to train)."""
from pathlib import Path

import spacy
from spacy.tokens import Doc

from spacy_weak.spans import set_aggregate, set_source_spans

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "ner_silver.cfg"
CHEMS = ["aspirin", "morphine", "cocaine", "lithium", "heparin", "caffeine"]
DISEASES = ["headache", "asthma", "nausea", "fever", "anemia", "gout"]


def make_docs(n: int = 12, *, with_silver: bool = True):
    """Docs ``"<chem> caused <disease> in the patients ."``; source ``src_chem`` votes the
    chemical, ``src_dis`` the disease (and, in every third doc, the verb: a false positive the
    label model overrules); the silver group holds both entities, the disease with prob 0.4."""
    nlp = spacy.blank("en")
    docs = []
    for i in range(n):
        chem, dis = CHEMS[i % len(CHEMS)], DISEASES[(i // 2) % len(DISEASES)]
        doc = Doc(nlp.vocab, words=[chem, "caused", dis, "in", "the", "patients", f"n{i}", "."])
        set_source_spans(doc, "src_chem", [doc.char_span(0, len(chem), label="Chemical")])
        dis_spans = [doc[2:3]]
        dis_spans[0].label_ = "Disease"
        if i % 3 == 0:
            verb = doc[1:2]
            verb.label_ = "Disease"
            dis_spans.append(verb)
        set_source_spans(doc, "src_dis", dis_spans)
        if with_silver:
            c, d = doc[0:1], doc[2:3]
            c.label_, d.label_ = "Chemical", "Disease"
            set_aggregate(doc, "silver", [c, d], [0.95, 0.4], [["src_chem"], ["src_dis"]], aggregator="hmm")
        docs.append(doc)
    return docs
