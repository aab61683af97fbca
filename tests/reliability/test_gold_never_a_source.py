"""Class 1 of issue 26: gold (and any evaluation group) is never a source unless named explicitly."""
from pathlib import Path

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.tokens import Span, SpanGroup

from spacy_weak.aggregation.observations import ObservationCollector, available_sources
from spacy_weak.corpora.pubtator import read_pubtator
from spacy_weak.matrix import label_matrix
from spacy_weak.spans import resolve_source_groups, set_doc_votes, set_source_spans

from ..bench import load_bench

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "corpora" / "bc5cdr_sample.PubTator.txt"


@pytest.fixture(scope="module")
def quality():
    return load_bench("quality")


def _strip_gold(doc):
    copy = doc.copy()
    del copy.spans["gold"]
    copy.ents = []
    return copy


def _attach_gold(doc, gold_doc):
    doc.spans["gold"] = SpanGroup(doc, name="gold", attrs=dict(gold_doc.spans["gold"].attrs),
                                  spans=[Span(doc, s.start, s.end, label=s.label_) for s in gold_doc.spans["gold"]])
    return doc


def test_bench_scores_do_not_depend_on_when_gold_is_attached(quality):
    """bench/quality.py's pipeline (sources incl. weak_abbreviations, weak_doc_consistency and
    weak_boundary with their default sources ["*"], majority vote, HMM) on the corpora/ sample:
    every score is the same whether gold is in the docs during annotation or attached only to score."""
    nlp = quality.build_nlp(ROOT / "configs" / "sample.cfg", {"lexicon": str(ROOT / "corpora" / "lexicon")}, {})
    for factory in ("weak_abbreviations", "weak_doc_consistency", "weak_boundary"):  # default sources ["*"]
        nlp.add_pipe(factory, name=f"star_{factory}", before="mv")
    labels = ["Chemical", "Disease"]
    gold_docs = list(read_pubtator(SAMPLE, nlp, labels=labels))
    sources = [n for n in nlp.pipe_names if n not in ("mv", "hmm")]
    results = []
    for with_gold in (True, False):
        docs = [d.copy() if with_gold else _strip_gold(d) for d in gold_docs]
        annotated = quality.run_pipe(nlp, sources, docs)
        nlp.get_pipe("hmm").fit(annotated)
        out = quality.run_pipe(nlp, ["mv", "hmm"], annotated)
        if not with_gold:
            out = [_attach_gold(d, g) for d, g in zip(out, gold_docs)]
        scores = {k: quality.score(quality.source_pairs(out, k, labels), labels) for k in [*sources, "mv", "silver"]}
        spans = {k: [[(s.start, s.end, s.label_) for s in d.spans.get(k, [])] for d in out] for k in [*sources, "silver"]}
        results.append((scores, spans))
    assert results[0][1] == results[1][1]
    assert results[0][0] == results[1][0]
    assert results[0][0]["silver"]["f1"] > 0  # a real run, not an empty one


@pytest.mark.parametrize("factory", ["weak_boundary", "weak_abbreviations", "weak_doc_consistency"])
def test_a_doc_whose_only_group_is_gold_gets_no_votes(factory):
    nlp = spacy.blank("en")
    nlp.add_pipe(factory, name="derived")
    doc = nlp.make_doc("Patients with hereditary spastic paraplegia ( HSP ) . HSP is rare ; hereditary spastic paraplegia .")
    doc.spans["gold"] = [Span(doc, 2, 5, label="Disease"), Span(doc, 6, 7, label="Disease")]
    as_source = doc.copy()
    set_source_spans(as_source, "src", [Span(as_source, s.start, s.end, label=s.label_) for s in doc.spans["gold"]])
    del as_source.spans["gold"]
    votes = [(s.start, s.end, s.label_) for s in nlp.get_pipe("derived")(as_source).spans["derived"]]
    if factory != "weak_boundary":
        assert votes  # the same spans in a source group do get votes
    doc = nlp.get_pipe("derived")(doc)
    assert len(doc.spans.get("derived", [])) == 0
    # named explicitly, gold is a source like any other
    nlp2 = spacy.blank("en")
    nlp2.add_pipe(factory, name="derived", config={"sources": ["gold"]})
    doc2 = nlp2.get_pipe("derived")(doc)
    assert [(s.start, s.end, s.label_) for s in doc2.spans["derived"]] == votes


KEY = st.text(alphabet="abcdefgh_*", min_size=1, max_size=6).filter(lambda k: not any(c in k for c in "*"))


NLP = spacy.blank("en")


@settings(max_examples=40, deadline=None)
@given(
    source_keys=st.sets(KEY, min_size=0, max_size=4),
    gold_keys=st.sets(KEY, min_size=1, max_size=3),
    mark=st.sampled_from(["attr", "reviewed", "name"]),
    patterns=st.lists(st.sampled_from(["*", "a*", "*_*", "?*", "[ab]*"]), min_size=1, max_size=3),
)
def test_no_glob_selects_an_evaluation_group(source_keys, gold_keys, mark, patterns):
    """Whatever the key names and globs: the glob never selects gold (marked by attrs["gold"],
    attrs["reviewed_by"] or the key "gold"); naming it does. Checked on every resolver."""
    doc = NLP.make_doc("one two three four")
    if mark == "name":
        gold_keys = {"gold"}
    gold_keys = gold_keys - source_keys
    if not gold_keys:
        return
    for k in source_keys:
        set_source_spans(doc, k, [Span(doc, 0, 1, label="X")])
    for k in gold_keys:
        attrs = {"gold": True} if mark == "attr" else {"reviewed_by": ["ann"]} if mark == "reviewed" else {}
        doc.spans[k] = SpanGroup(doc, name=k, attrs=attrs, spans=[Span(doc, 1, 2, label="X")])
    selected = set(resolve_source_groups(patterns, doc.spans))
    assert not selected & gold_keys
    assert not set(available_sources(doc)) & gold_keys
    collector = ObservationCollector(patterns, ["X"])
    collector.add(doc)
    assert not set(collector.finalize()[2]) & gold_keys
    g = sorted(gold_keys)[0]
    assert g in resolve_source_groups([*patterns, g], doc.spans)
    collector = ObservationCollector([g], ["X"])
    collector.add(doc)
    assert collector.finalize()[2] == [g]


def test_label_matrix_leaves_gold_out():
    nlp = spacy.blank("en")
    doc = nlp.make_doc("one two three")
    set_source_spans(doc, "src", [Span(doc, 0, 1, label="X")])
    doc.spans["gold"] = SpanGroup(doc, name="gold", attrs={"gold": True}, spans=[Span(doc, 1, 2, label="X")])
    assert label_matrix([doc], sources=["*"]).sources == ["src"]
    doc.spans["gold_cats"] = SpanGroup(doc, name="gold_cats", attrs={"gold": True, "level": "doc", "doc_votes": {"A": 1}})
    set_doc_votes(doc, "kw", {"A": 1})
    assert label_matrix([doc], sources=["*"], level="doc").sources == ["kw"]
