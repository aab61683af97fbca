"""bench/label_model_v2.py on a tiny synthetic corpus: equal post-processing, error counts,
duplicate sources (the helpers of bench/quality.py's issue-12 keys)."""
import pytest
import spacy
from spacy.tokens import Span

from spacy_weak.corpora.align import set_gold
from tests.aggregation.synth import LABELS, make_corpus

from . import load_bench


@pytest.fixture(scope="module")
def v2():
    return load_bench("label_model_v2")


def _score(pairs, labels):
    tp = fp = fn = 0
    for pred, gold in pairs:
        tp += len(pred & gold)
        fp += len(pred - gold)
        fn += len(gold - pred)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"p": p, "r": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


@pytest.fixture(scope="module")
def setup():
    nlp = spacy.blank("en")
    docs = make_corpus(nlp.vocab, n_docs=60, seed=7, copies={})
    for doc in docs:
        set_gold(doc, [Span(doc, e.start, e.end, label=e.label_) for e in doc.ents])
    sources = ["precise", "broad", "confident_bad", "mid", "neg"]
    vote = nlp.add_pipe("weak_vote", config={"sources": sources, "labels": LABELS, "spans_key": "mv", "annotate_ents": False})
    hmm = nlp.add_pipe("weak_hmm", config={"sources": sources, "labels": LABELS, "n_iter": 5, "merge_adjacent": True})
    hmm.fit(docs)
    docs = [hmm(vote(d)) for d in docs]
    gold = [{(s.start, s.end, s.label_) for s in d.spans["gold"]} for d in docs]
    return nlp, docs, gold, vote, hmm


def test_merge_variants_and_errors(v2, setup):
    nlp, docs, gold, vote, hmm = setup
    out = v2.merge_variants(vote, hmm, docs, gold, _score, LABELS)
    assert set(out) == {"majority_vote_merged", "hmm_unmerged"}
    assert vote.cfg["merge_adjacent"] is False and hmm.cfg["merge_adjacent"] is True  # restored
    errors = v2.error_counts(docs, "silver", hmm.sources)
    assert errors["boundary"] == errors["boundary_pred"] + errors["boundary_gold"]
    n_pred = sum(len(d.spans["silver"]) for d in docs)
    assert errors["exact"] + errors["boundary_pred"] + errors["spurious"] + errors["wrong_label_pred"] == n_pred


def test_duplicate_source_changes_nothing_with_dependencies(v2, setup):
    nlp, docs, gold, vote, hmm = setup
    base = _score(zip([{(s.start, s.end, s.label_) for s in d.spans["silver"]} for d in docs], gold), LABELS)["f1"]
    out = v2.duplicate_source(hmm, docs, docs, gold, _score, LABELS, ["broad", "confident_bad"], base)
    assert out["per_source"] == {"broad": 0.0, "confident_bad": 0.0}
    assert out["two_copies_delta_f1"] == 0.0 and out["dependencies"] is True
    assert not any(k.endswith("__copy0") for d in docs for k in d.spans)  # copies removed
    assert hmm.sources == ("precise", "broad", "confident_bad", "mid", "neg")
    with pytest.raises(SystemExit):
        v2.candidates_from("nope", hmm.sources)
    assert v2.candidates_from("all", hmm.sources) == list(hmm.sources)
