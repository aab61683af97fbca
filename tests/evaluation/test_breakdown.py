"""The error breakdown on a corpus with known answers, and against an independent count."""
import random

import pytest
import spacy
from spacy.tokens import Span

from spacy_weak.errors import SpacyWeakError
from spacy_weak.evaluation.breakdown import (
    GOLD_CLASSES,
    PRED_CLASSES,
    breakdown_all,
    breakdown_data,
    error_breakdown,
)
from spacy_weak.evaluation.data import collect
from spacy_weak.spans import set_aggregate, set_source_spans


def make_corpus(nlp):
    """d1 'patients with hereditary breast cancer and ovarian cancer took aspirin daily .'
         gold: Disease[2,5) Disease[6,8) Chemical[9,10)
         a: Disease[3,5) too_short, Disease[6,8) exact, Disease[9,10) wrong label, Disease[0,1) spurious
         b: Chemical[9,11) too_long, Disease[1,3) shifted, O[10,11) (not an entity)
         silver: Disease[3,5) too_short, Chemical[9,10) exact
       d2 'fever was treated with heparin .'  gold: Disease[0,1) Chemical[4,5)
         a: ran, nothing; b: Chemical[4,5) exact; silver: ran, nothing
       d3 'cough again .' no gold at all; a: Disease[0,1) (not scored)
    """
    d1 = nlp("patients with hereditary breast cancer and ovarian cancer took aspirin daily .")
    d1.spans["gold"] = [Span(d1, 2, 5, "Disease"), Span(d1, 6, 8, "Disease"), Span(d1, 9, 10, "Chemical")]
    set_source_spans(d1, "a", [Span(d1, 3, 5, "Disease"), Span(d1, 6, 8, "Disease"), Span(d1, 9, 10, "Disease"),
                               Span(d1, 0, 1, "Disease")])
    set_source_spans(d1, "b", [Span(d1, 9, 11, "Chemical"), Span(d1, 1, 3, "Disease"), Span(d1, 10, 11, "O")])
    set_aggregate(d1, "silver", [Span(d1, 3, 5, "Disease"), Span(d1, 9, 10, "Chemical")], [0.9, 0.8], [["a"], ["a", "b"]],
                  aggregator="weak_hmm")
    d2 = nlp("fever was treated with heparin .")
    d2.spans["gold"] = [Span(d2, 0, 1, "Disease"), Span(d2, 4, 5, "Chemical")]
    set_source_spans(d2, "a", [])
    set_source_spans(d2, "b", [Span(d2, 4, 5, "Chemical")])
    set_aggregate(d2, "silver", [], [], [], aggregator="weak_hmm")
    d3 = nlp("cough again .")
    set_source_spans(d3, "a", [Span(d3, 0, 1, "Disease")])
    return [d1, d2, d3]


@pytest.fixture
def docs():
    return make_corpus(spacy.blank("en"))


def _count(row, classes):
    return {c: row[c] for c in classes}


EXPECTED = {
    "a": ({"exact": 1, "too_long": 0, "too_short": 1, "shifted": 0, "wrong_label": 1, "spurious": 1},
          {"exact": 1, "too_long": 0, "too_short": 1, "shifted": 0, "wrong_label": 1, "missed_no_vote": 1,
           "missed_voted": 1}),
    "b": ({"exact": 1, "too_long": 1, "too_short": 0, "shifted": 1, "wrong_label": 0, "spurious": 0},
          {"exact": 1, "too_long": 1, "too_short": 0, "shifted": 1, "wrong_label": 0, "missed_no_vote": 1,
           "missed_voted": 1}),
    "silver": ({"exact": 1, "too_long": 0, "too_short": 1, "shifted": 0, "wrong_label": 0, "spurious": 0},
               {"exact": 1, "too_long": 0, "too_short": 1, "shifted": 0, "wrong_label": 0, "missed_no_vote": 1,
                "missed_voted": 2}),
}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_known_answers(docs, key):
    out = error_breakdown(docs, key, gold_key="gold")
    pred, gold = EXPECTED[key]
    assert _count(out["pred"]["total"], PRED_CLASSES) == pred
    assert _count(out["gold"]["total"], GOLD_CLASSES) == gold
    assert out["docs"] == 2  # d3 has no gold
    assert out["kind"] == ("aggregate" if key == "silver" else "source")


def test_examples_and_per_label(docs):
    out = error_breakdown(docs, "a", gold_key="gold")
    ex = out["pred"]["examples"]
    assert ex["too_short"] == [{"text": "breast cancer", "gold": "hereditary breast cancer", "count": 1}]
    assert ex["spurious"] == [{"text": "patients", "count": 1}]
    assert ex["wrong_label"] == [{"text": "aspirin", "gold": "aspirin", "label": "Disease", "gold_label": "Chemical",
                                  "count": 1}]
    assert out["gold"]["examples"]["missed_no_vote"] == [{"text": "fever", "count": 1}]
    assert out["gold"]["examples"]["missed_voted"] == [{"text": "heparin", "count": 1}]
    assert out["pred"]["per_label"]["Disease"]["n"] == 4
    assert out["gold"]["per_label"]["Chemical"] == {
        "n": 2, "exact": 0, "too_long": 0, "too_short": 0, "shifted": 0, "wrong_label": 1, "missed_no_vote": 0,
        "missed_voted": 1, "boundary": 0,
    }
    assert out["pred"]["total"]["boundary"] == 1


# ---------------------------------------------------------------- independent count


def naive(docs, key, sources, gold_key="gold"):
    """The definitions of docs/diagnostics.md, written out span by span over Span objects."""
    pred_counts = {c: 0 for c in PRED_CLASSES}
    gold_counts = {c: 0 for c in GOLD_CLASSES}

    def ents(group):
        return sorted({(s.start, s.end, s.label_) for s in group if s.label_ != "O"})

    def overlaps(x, y):
        return x[0] < y[1] and y[0] < x[1]

    def fault(p, g):
        if p[0] <= g[0] and g[1] <= p[1]:
            return "too_long"
        if g[0] <= p[0] and p[1] <= g[1]:
            return "too_short"
        return "shifted"

    def best(x, ys):
        return max(ys, key=lambda y: (min(x[1], y[1]) - max(x[0], y[0]), -ys.index(y)))

    for doc in docs:
        if gold_key not in doc.spans or key not in doc.spans:
            continue
        pred, gold = ents(doc.spans[key]), ents(doc.spans[gold_key])
        votes = [v for k in sources if k != key and k in doc.spans for v in ents(doc.spans[k])]
        for p in pred:
            over = [g for g in gold if overlaps(p, g)]
            same = [g for g in over if g[2] == p[2]]
            if p in gold:
                pred_counts["exact"] += 1
            elif same:
                pred_counts[fault(p, best(p, same))] += 1
            elif over:
                pred_counts["wrong_label"] += 1
            else:
                pred_counts["spurious"] += 1
        for g in gold:
            over = [p for p in pred if overlaps(p, g)]
            same = [p for p in over if p[2] == g[2]]
            if g in pred:
                gold_counts["exact"] += 1
            elif same:
                gold_counts[fault(best(g, same), g)] += 1
            elif over:
                gold_counts["wrong_label"] += 1
            elif any(overlaps(v, g) for v in votes):
                gold_counts["missed_voted"] += 1
            else:
                gold_counts["missed_no_vote"] += 1
    return pred_counts, gold_counts


def random_corpus(nlp, seed, n_docs=30):
    rng = random.Random(seed)
    labels = ["Chemical", "Disease", "O"]
    docs = []
    for _ in range(n_docs):
        n = rng.randint(1, 25)
        doc = nlp(" ".join(f"w{rng.randint(0, 9)}" for _ in range(n)))

        def spans(k, allow_o, n=n, doc=doc):
            out = []
            for _ in range(k):
                s = rng.randrange(n)
                e = min(n, s + rng.randint(1, 4))
                out.append(Span(doc, s, e, rng.choice(labels if allow_o else labels[:2])))
            return out

        doc.spans["gold"] = spans(rng.randint(0, 4), False)
        for key in ("s1", "s2", "s3"):
            if rng.random() < 0.9:
                set_source_spans(doc, key, spans(rng.randint(0, 5), True))
        agg = spans(rng.randint(0, 4), False)
        set_aggregate(doc, "agg", agg, [1.0] * len(agg), [[]] * len(agg), aggregator="weak_vote")
        docs.append(doc)
    return docs


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_agrees_with_independent_count(seed):
    docs = random_corpus(spacy.blank("en"), seed)
    data = collect(docs, gold_key="gold")
    result = breakdown_all(data)
    for key in ("agg", "s1", "s2", "s3"):
        pred, gold = naive(docs, key, ["s1", "s2", "s3"])
        out = result["keys"][key]
        assert _count(out["pred"]["total"], PRED_CLASSES) == pred, key
        assert _count(out["gold"]["total"], GOLD_CLASSES) == gold, key
        # each span in exactly one class; exact matches are the same from both sides
        assert sum(pred.values()) == out["pred"]["total"]["n"]
        assert sum(gold.values()) == out["gold"]["total"]["n"]
        assert pred["exact"] == gold["exact"]


# ---------------------------------------------------------------- bad input


def test_unknown_key_is_coded(docs):
    with pytest.raises(SpacyWeakError, match=r"\[E600\].*'nope'"):
        error_breakdown(docs, "nope", gold_key="gold")


def test_no_gold(docs):
    for d in docs:
        d.spans.pop("gold", None)
    data = collect(docs)
    assert breakdown_all(data) == {"skipped": "no gold"}
    with pytest.raises(SpacyWeakError, match=r"\[E601\]"):
        breakdown_data(data, "a")


def test_gold_docs_tokenised_differently(docs):
    """Gold in separate Docs with another tokenisation is projected onto the predictions' tokens."""
    nlp = spacy.blank("en")
    d = nlp("fever was treated with heparin .")
    set_source_spans(d, "a", [Span(d, 4, 5, "Chemical")])
    g = spacy.tokens.Doc(nlp.vocab, words=["fever", "was", "treated", "with", "hep", "arin", "."],
                         spaces=[True, True, True, True, False, True, False])
    g.ents = [Span(g, 4, 6, "Chemical")]
    out = error_breakdown([d], "a", gold_key=None, gold_docs=[g])
    assert out["pred"]["total"]["exact"] == 1


def test_plain_group_and_ents(docs):
    d = docs[0]
    d.spans["mine"] = [Span(d, 2, 5, "Disease")]
    out = error_breakdown(docs, "mine", gold_key="gold")
    assert out["pred"]["total"]["exact"] == 1
    d.ents = [Span(d, 9, 10, "Chemical")]
    out = error_breakdown([d], "ents", gold_key="gold")
    assert out["pred"]["total"]["exact"] == 1 and out["gold"]["total"]["n"] == 3


def test_nested_matches_counted_apart_from_boundary_errors():
    """'cancer' inside 'breast cancer' is a nested match when the source also marked 'breast
    cancer'; a lone 'cancer' in another mention is a real boundary error."""
    import spacy
    from spacy.tokens import Doc, Span

    from spacy_weak.corpora.align import set_gold
    from spacy_weak.evaluation.breakdown import error_breakdown
    from spacy_weak.spans import set_source_spans

    nlp = spacy.blank("en")
    doc = Doc(nlp.vocab, words="breast cancer and lung cancer here".split())
    set_gold(doc, [Span(doc, 0, 2, label="Disease"), Span(doc, 3, 5, label="Disease")])
    set_source_spans(doc, "gaz", [Span(doc, 0, 2, label="Disease"), Span(doc, 1, 2, label="Disease"),
                                  Span(doc, 4, 5, label="Disease")])
    out = error_breakdown([doc], "gaz")
    total = out["pred"]["total"]
    assert total["too_short"] == 2 and total["nested"] == 1 and total["boundary_real"] == 1
    assert out["pred"]["per_label"]["Disease"]["nested"] == 1
