import numpy as np
import pytest
import spacy
import srsly
from spacy.tokens import Span

from spacy_weak.errors import SpacyWeakError
from spacy_weak.review.second_stage import (
    THRESHOLDS,
    DocInput,
    SecondStage,
    apply_stage,
    choose_stage,
    decode,
    fit_stage,
    gold_states,
    viterbi_bio,
)

LABELS = ["CHEM", "DIS"]


def test_decode_keeps_valid_bio_and_span_probabilities():
    probs = np.full((5, 5), 0.01)
    probs[0, 0] = probs[1, 2] = probs[2, 2] = probs[3, 3] = probs[4, 0] = 0.96  # O, I-CHEM, I-CHEM, B-DIS, O
    states = viterbi_bio(probs, 2)
    assert states[1] in (1, 0) and not (states[0] == 0 and states[1] == 2)  # no I after O
    spans = decode(probs, LABELS)
    assert [(s, e, lab) for s, e, lab, _ in spans] == [(1, 3, "CHEM"), (3, 4, "DIS")]
    assert all(0 < p <= 1 for *_, p in spans)
    assert decode(probs, LABELS, threshold=0.99) == []


def _synthetic(n_docs, seed, noise=False):
    """The label model misses every 'zolam' (a CHEM); the reviews know it."""
    rng = np.random.default_rng(seed)
    inputs, targets, golds = [], [], []
    for _ in range(n_docs):
        words = [str(w) for w in rng.choice(["the", "of", "zolam", "aspirin", "fever", "and"], size=20)]
        y = np.zeros(20, dtype=np.int64)
        post = np.full((20, 5), 0.01)
        post[:, 0] = 0.96
        for t, w in enumerate(words):
            if w == "aspirin":
                y[t] = 1
                post[t] = [0.01, 0.96, 0.01, 0.01, 0.01]
            elif w == "fever":
                y[t] = 3
                post[t] = [0.01, 0.01, 0.01, 0.96, 0.01]
            elif w == "zolam":
                y[t] = 1
        if noise:
            y = rng.choice([0, 1, 3], size=20)
        codes = np.zeros((20, 2), dtype=np.int64)
        inputs.append(DocInput(post, codes, words))
        targets.append(y)
        golds.append({(t, t + 1, LABELS[(s - 1) // 2]) for t, s in enumerate(y) if s})
    return inputs, targets, golds


def _base(inputs):
    return [{(s, e, lab) for s, e, lab, _ in decode(x.post, LABELS)} for x in inputs]


def test_second_stage_learns_what_the_label_model_misses_and_is_kept_cross_fitted():
    inputs, targets, golds = _synthetic(30, 0)
    choice = choose_stage(inputs, golds, targets, [1.0] * 30, LABELS, ["a", "b"], baseline=_base(inputs), folds=3)
    assert choice.stage is not None
    assert choice.table["f1_second_stage"] > choice.table["f1_label_model"] + 0.1
    assert choice.table["p_better"] >= 0.9
    # the entity threshold is chosen on the same cross-fitted predictions (0 unless one wins)
    assert [r["threshold"] for r in choice.table["thresholds"]] == list(THRESHOLDS)
    assert choice.stage.threshold == choice.table["threshold"] in (0.0, *THRESHOLDS)
    new, _, new_gold = _synthetic(5, 9)
    pred = [{(s, e, lab) for s, e, lab, _ in decode(choice.stage.state_probs(x), LABELS)} for x in new]
    assert pred == new_gold
    # serialised through JSON (srsly), the same probabilities
    back = SecondStage.from_dict(srsly.json_loads(srsly.json_dumps(choice.stage.to_dict())))
    np.testing.assert_allclose(back.state_probs(new[0]), choice.stage.state_probs(new[0]))
    assert back.threshold == choice.stage.threshold


def test_second_stage_is_rejected_when_the_reviews_teach_nothing():
    inputs, targets, golds = _synthetic(20, 1, noise=True)
    choice = choose_stage(inputs, golds, targets, [1.0] * 20, LABELS, [], baseline=golds, folds=4)
    assert choice.stage is None and "reason" in choice.table
    few = choose_stage(inputs[:1], golds[:1], targets[:1], [1.0], LABELS, [], baseline=golds[:1])
    assert few.stage is None and "too few" in few.table["reason"]


@pytest.mark.parametrize("bad", [0.0, float("nan"), float("inf"), -1.0])
def test_bad_weights_are_a_coded_error_naming_the_document(bad):
    inputs, targets, golds = _synthetic(6, 2)
    with pytest.raises(SpacyWeakError, match=r"E412.*#3"):
        choose_stage(inputs, golds, targets, [1.0, 1.0, 1.0, bad, 1.0, 1.0], LABELS, [], baseline=golds, folds=2)
    with pytest.raises(SpacyWeakError, match="E412"):
        fit_stage(inputs, targets, [bad] * 6, LABELS, [])


def test_apply_keeps_reviews_and_writes_probabilities():
    nlp = spacy.blank("en")
    inputs, targets, _ = _synthetic(8, 3)
    stage = fit_stage(inputs, targets, [1.0] * 8, LABELS, [])
    docs = [nlp.make_doc(" ".join(x.words)) for x in inputs[:2]]
    docs[0].spans["human"] = [Span(docs[0], 0, 1, label="DIS")]
    apply_stage(stage, docs, inputs[:2], "silver2", keep=["human"])
    assert [(s.start, s.end, s.label_) for s in docs[0].spans["silver2"]] == [(0, 1, "DIS")]
    assert docs[0].spans["silver2"].attrs["probs"] == [1.0]
    got = {(s.start, s.end, s.label_) for s in docs[1].spans["silver2"]}
    assert got == {(t, t + 1, LABELS[(s - 1) // 2]) for t, s in enumerate(targets[1]) if s}
    assert all(0.5 < p <= 1.0 for p in docs[1].spans["silver2"].attrs["probs"])
    assert list(gold_states(docs[0], "human", LABELS)) == [3] + [0] * 19


def test_stage_with_reviews_on_a_fitted_label_model_and_bad_reviews():
    from spacy_weak.aggregation.hmm_component import HMMAggregator
    from spacy_weak.review.second_stage import annotate_with_stage, doc_inputs, stage_with_reviews

    from ..aggregation.synth import LABELS as SYN
    from ..aggregation.synth import make_corpus
    from ..aggregation.test_clamp import _human

    nlp = spacy.blank("en")
    docs = make_corpus(nlp.vocab, n_docs=24, seed=4, doc_len=(10, 20))
    dev = []
    for i, d in enumerate(docs):
        d.user_data["doc_id"] = f"d{i}"
        if i < 6:
            _human(d, [(e.start, e.end, e.label_) for e in d.ents])
            c = d.copy()
            c.spans["gold"] = list(c.ents)
            dev.append(c)
    hmm = HMMAggregator(nlp.vocab, labels=SYN, n_iter=2, clamp_sources=["human"]).fit(docs)
    assert stage_with_reviews(hmm, docs, []).stage is None  # no reviews: today's silver
    choice = stage_with_reviews(hmm, docs, dev, folds=3)
    assert choice.table["reviewed_docs"] == 6 and "f1_second_stage" in choice.table
    inputs = doc_inputs(docs, hmm)
    assert inputs[0].codes.shape[1] == len(hmm.sources_) - 1  # the review is never a feature
    stage = fit_stage([inputs[i] for i in range(6)], [gold_states(d, "gold", SYN) for d in dev], [1.0] * 6, SYN,
                      [s for s in hmm.sources_ if s != "human"])
    out = annotate_with_stage(stage, hmm, docs[:8])
    key = hmm.cfg["spans_key"]
    assert {(s.start, s.end, s.label_) for s in out[0].spans[key]} == {(e.start, e.end, e.label_) for e in docs[0].ents}
    assert out[7].spans[key].attrs["aggregator"] == "weak_second_stage"
    stranger = nlp("not in the corpus")
    stranger.user_data["doc_id"] = "zz"
    with pytest.raises(SpacyWeakError, match=r"E413.*zz"):
        stage_with_reviews(hmm, docs, [stranger])
    other = nlp("another text")
    other.user_data["doc_id"] = "d1"
    with pytest.raises(SpacyWeakError, match=r"E414.*d1"):
        stage_with_reviews(hmm, docs, [other])
