import spacy
from spacy.tokens import DocBin, Span

from spacy_weak.spans import (
    get_doc_votes,
    resolve_sources,
    set_aggregate,
    set_doc_votes,
    set_source_spans,
    source_ran,
    span_probs,
)


def roundtrip(nlp, doc):
    db = DocBin()  # no store_user_data: conventions must not need it
    db.add(doc)
    return list(DocBin().from_bytes(db.to_bytes()).get_docs(nlp.vocab))[0]


def test_source_groups_and_doc_votes_survive_docbin():
    nlp = spacy.blank("en")
    doc = nlp("Aspirin causes headache in rats .")
    set_source_spans(doc, "gaz", [Span(doc, 2, 3, "Disease"), Span(doc, 0, 1, "Chemical", kb_id="D001241")])
    set_source_spans(doc, "silent", [])
    set_doc_votes(doc, "lf", {"SPAM": 1, "HAM": 0})
    set_doc_votes(doc, "abstain", {})
    doc2 = roundtrip(nlp, doc)
    assert [(s.start, s.label_, s.kb_id_) for s in doc2.spans["gaz"]] == [(0, "Chemical", "D001241"), (2, "Disease", "")]
    assert source_ran(doc2, "silent") and not source_ran(doc2, "never")
    assert get_doc_votes(doc2, "lf") == {"SPAM": 1, "HAM": 0}
    assert get_doc_votes(doc2, "abstain") == {}
    assert get_doc_votes(doc2, "never") is None


def test_aggregate_probs_aligned_and_survive_docbin():
    nlp = spacy.blank("en")
    doc = nlp("Aspirin causes headache in rats .")
    spans = [Span(doc, 2, 3, "Disease"), Span(doc, 0, 1, "Chemical")]
    set_aggregate(doc, "silver", spans, [0.6, 0.9], [["b"], ["a", "c"]], aggregator="weak_hmm")
    doc2 = roundtrip(nlp, doc)
    group = doc2.spans["silver"]
    assert [s.label_ for s in group] == ["Chemical", "Disease"]
    assert span_probs(group) == [0.9, 0.6]
    assert group.attrs["sources"] == [["a", "c"], ["b"]]


def test_resolve_sources_globs_keep_order_without_duplicates():
    available = ["gaz_chem", "gaz_dis", "rx_suffix", "silver"]
    assert resolve_sources(["rx_*", "gaz_*", "gaz_dis"], available) == ["rx_suffix", "gaz_chem", "gaz_dis"]
    assert resolve_sources("explicit", available) == ["explicit"]


def test_resolve_sources_remembered_results_are_fresh_lists():
    available = ["gaz_b", "gaz_a", "rx"]
    first = resolve_sources(["gaz_*"], available)
    first.append("mutated")
    assert resolve_sources(["gaz_*"], list(reversed(available))) == ["gaz_a", "gaz_b"]


def test_set_aggregate_equals_the_per_span_sort_on_random_input():
    """The aggregate's order, probabilities and sorted voter lists (each distinct voter set
    sorted once) equal sorting every span's voters; every span gets its own list."""
    import random

    import spacy
    from spacy.tokens import Span

    from spacy_weak.spans import set_aggregate

    rng = random.Random(5)
    nlp = spacy.blank("en")
    doc = nlp(" ".join(f"w{i}" for i in range(40)))
    names = ["gaz", "abbrev", "chem_words", "Zeta", "b"]
    for _ in range(20):
        spans, probs, voters = [], [], []
        for _ in range(rng.randint(0, 15)):
            s = rng.randint(0, 38)
            spans.append(Span(doc, s, rng.randint(s + 1, 40), label=rng.choice(["A", "B"])))
            probs.append(rng.random())
            voters.append(rng.sample(names, rng.randint(0, 3)))
        voters = [list(v) for v in voters]
        group = set_aggregate(doc, "agg", spans, probs, voters, aggregator="x")
        order = sorted(range(len(spans)), key=lambda i: (spans[i].start, spans[i].end, spans[i].label_))
        assert [(s.start, s.end, s.label_) for s in group] == [
            (spans[i].start, spans[i].end, spans[i].label_) for i in order]
        assert group.attrs["probs"] == [float(probs[i]) for i in order]
        assert group.attrs["sources"] == [sorted(str(s) for s in voters[i]) for i in order]
        lists = group.attrs["sources"]
        assert len({id(x) for x in lists}) == len(lists)
