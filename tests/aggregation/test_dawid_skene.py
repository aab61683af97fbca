import numpy as np
import pytest
import spacy
from spacy.tokens import Doc, DocBin

from spacy_weak.aggregation.doc_components import DocEMAggregator, DocVoteAggregator
from spacy_weak.aggregation.dawid_skene import ABSTAIN, AGAINST, FOR, MISSING, DawidSkene, doc_majority
from spacy_weak.spans import set_doc_votes


def _multiclass_votes(rng, n_docs=600):
    """3 classes, 4 sources; the last always votes and is right only 45% of the time."""
    truth = rng.integers(0, 3, size=n_docs)
    acc = [0.9, 0.8, 0.7, 0.45]
    cover = [0.6, 0.7, 0.6, 1.0]
    V = np.full((n_docs, 4, 3), ABSTAIN, dtype=np.int8)
    for s in range(4):
        for d in range(n_docs):
            if rng.random() < cover[s]:
                c = truth[d] if rng.random() < acc[s] else rng.choice([x for x in range(3) if x != truth[d]])
                V[d, s, c] = FOR
    missing = rng.random(n_docs) < 0.2
    V[missing, 0, :] = MISSING
    return V, truth, acc, cover


def test_doc_majority():
    V = np.array([[[FOR, ABSTAIN], [FOR, ABSTAIN], [ABSTAIN, FOR]], [[MISSING] * 2] * 3], dtype=np.int8)
    np.testing.assert_allclose(doc_majority(V, False), [[2 / 3, 1 / 3], [0.5, 0.5]])
    V2 = np.array([[[FOR], [AGAINST], [FOR]], [[ABSTAIN], [MISSING], [ABSTAIN]]], dtype=np.int8)
    np.testing.assert_allclose(doc_majority(V2, True), [[2 / 3], [0.0]])


def test_dawid_skene_multiclass_recovers_and_beats_vote():
    rng = np.random.default_rng(0)
    V, truth, acc, cover = _multiclass_votes(rng)
    model = DawidSkene(4, 3, n_iter=100, tol=-np.inf).fit(V)
    h = np.array(model.history)
    assert np.all(np.diff(h) >= -1e-7 * np.abs(h[:-1]))
    em_acc = (model.predict_proba(V).argmax(1) == truth).mean()
    mv_acc = (doc_majority(V, False).argmax(1) == truth).mean()
    assert em_acc > mv_acc + 0.03 and em_acc > 0.75
    # learned P(vote for the true class | class) ~ coverage * accuracy
    for s, (a, c) in enumerate(zip(acc, cover)):
        learned = np.mean([model.theta[s, k, k, FOR] for k in range(3)])
        assert abs(learned - a * c) < 0.15
    np.testing.assert_allclose(model.predict_proba(V).sum(1), 1.0)


def test_dawid_skene_multilabel():
    rng = np.random.default_rng(1)
    n = 500
    truth = rng.random((n, 2)) < [0.3, 0.6]
    V = np.full((n, 3, 2), ABSTAIN, dtype=np.int8)
    for s, (tpr, fpr) in enumerate([(0.8, 0.05), (0.6, 0.1), (0.9, 0.6)]):
        fire = np.where(truth, rng.random((n, 2)) < tpr, rng.random((n, 2)) < fpr)
        V[:, s, :][fire] = FOR
    V[:, 1, :][~truth & (rng.random((n, 2)) < 0.5)] = AGAINST
    model = DawidSkene(3, 2, multilabel=True, n_iter=100).fit(V)
    P = model.predict_proba(V)
    assert P.shape == (n, 2) and np.all((P >= 0) & (P <= 1))
    assert ((P > 0.5) == truth).mean() > ((doc_majority(V, True) > 0.5) == truth).mean()
    fixed = DawidSkene(3, 2, multilabel=True, class_priors=[0.3, 0.6]).fit(V)
    np.testing.assert_allclose(fixed.priors[:, 1], [0.3, 0.6])


def _docs(nlp, rng, n=200):
    docs, truth = [], []
    for i in range(n):
        doc = Doc(nlp.vocab, words=["w"] * 3)
        y = "spam" if rng.random() < 0.4 else "ham"
        truth.append(y)
        other = "ham" if y == "spam" else "spam"
        set_doc_votes(doc, "kw_good", {y: 1} if rng.random() < 0.7 else {})
        set_doc_votes(doc, "kw_noisy", {(y if rng.random() < 0.6 else other): 1})
        if i % 4:
            set_doc_votes(doc, "kw_sometimes", {y: 1} if rng.random() < 0.9 else {other: 1})
        docs.append(doc)
    return docs, truth


def test_doc_components(tmp_path):
    nlp = spacy.blank("en")
    rng = np.random.default_rng(2)
    docs, truth = _docs(nlp, rng)
    em = DocEMAggregator(nlp.vocab, sources=["kw_*"]).fit(iter(docs))
    assert em.labels == ("ham", "spam") and set(em.source_report()) == {"kw_good", "kw_noisy", "kw_sometimes"}
    vote = DocVoteAggregator(nlp.vocab)
    em_out = [em(d.copy()).cats for d in docs]
    vote_out = [vote(d.copy()).cats for d in docs]
    for cats in em_out:
        assert set(cats) == {"ham", "spam"} and cats["ham"] + cats["spam"] == pytest.approx(1.0)
    em_acc = np.mean([max(c, key=c.get) == y for c, y in zip(em_out, truth)])
    mv_acc = np.mean([max(c, key=c.get) == y for c, y in zip(vote_out, truth)])
    assert em_acc >= mv_acc and em_acc > 0.85
    em.to_disk(tmp_path / "em")
    again = DocEMAggregator(nlp.vocab).from_disk(tmp_path / "em")
    assert [again(d.copy()).cats for d in docs[:20]] == em_out[:20]
    # an unknown prior label is refused
    from spacy_weak.errors import SpacyWeakError

    with pytest.raises(SpacyWeakError, match="E107"):
        DocEMAggregator(nlp.vocab, class_priors={"eggs": 0.5}).fit(docs)


def test_doc_em_in_pipeline_multilabel():
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_doc_em", config={"multilabel": True, "labels": ["a", "b"]})
    docs = []
    for i in range(20):
        doc = nlp.make_doc("x y")
        set_doc_votes(doc, "s1", {"a": 1, "b": 0} if i % 2 else {"b": 1})
        set_doc_votes(doc, "s2", {"a": int(i % 2 == 1)})
        docs.append(doc)
    nlp.get_pipe("weak_doc_em").fit(docs)
    out = [d.cats for d in nlp.pipe(docs)]
    assert out[1]["a"] > 0.5 > out[0]["a"]


def test_doc_cats_hard_by_default_probabilities_in_span_group():
    from spacy_weak.aggregation.doc_components import cats_probs

    nlp = spacy.blank("en")
    rng = np.random.default_rng(3)
    docs, _ = _docs(nlp, rng, n=60)
    em = nlp.add_pipe("weak_doc_em", name="em", config={"sources": ["kw_*"]})
    vote = nlp.add_pipe("weak_doc_vote", name="vote", config={"sources": ["kw_*"], "spans_key": "mv"})
    em.fit(docs)
    out = [vote(em(d)) for d in docs]
    for doc in out:
        # 0/1 one-hot, what spacy's textcat accepts; the probabilities stay in the span groups
        assert sorted(doc.cats.values()) == [0.0, 1.0]
        p = cats_probs(doc, "em")
        assert set(p) == {"ham", "spam"} and p["ham"] + p["spam"] == pytest.approx(1.0)
        assert doc.spans["em"].attrs["aggregator"] == "em" and len(doc.spans["em"]) == 0
        assert cats_probs(doc, "mv") is not None and "vote" not in doc.spans
    assert any(0.0 < cats_probs(d, "em")["spam"] < 1.0 for d in out)
    # a later fit / vote ignores the aggregate groups (they are not sources)
    assert em.fit(out).sources_ == ["kw_good", "kw_noisy", "kw_sometimes"]
    # probabilities survive the DocBin round trip (no store_user_data needed)
    back = list(DocBin(docs=out).get_docs(nlp.vocab))
    assert [cats_probs(d, "em") for d in back] == [cats_probs(d, "em") for d in out]
    assert [d.cats for d in back] == [d.cats for d in out]
    # "probs" keeps the probabilities in doc.cats too
    soft = nlp.add_pipe("weak_doc_vote", name="soft", config={"sources": ["kw_*"], "cats_output": "probs"})
    doc = soft(docs[0].copy())
    assert doc.cats == cats_probs(doc, "soft")


def test_doc_cats_hard_multilabel_threshold_and_bad_option():
    from spacy_weak.aggregation.doc_components import hard_cats
    from spacy_weak.errors import SpacyWeakError

    assert hard_cats({"a": 0.7, "b": 0.2}, True) == {"a": 1.0, "b": 0.0}
    assert hard_cats({"a": 0.7, "b": 0.2}, True, threshold=0.1) == {"a": 1.0, "b": 1.0}
    assert hard_cats({"a": 0.5, "b": 0.5}, False) == {"a": 1.0, "b": 0.0}  # ties: first label
    nlp = spacy.blank("en")
    with pytest.raises(SpacyWeakError, match="E100"):
        nlp.add_pipe("weak_doc_em", config={"cats_output": "soft"})
    ml = nlp.add_pipe("weak_doc_vote", config={"multilabel": True, "labels": ["a", "b"], "threshold": 0.6})
    doc = nlp.make_doc("x")
    set_doc_votes(doc, "s1", {"a": 1, "b": 1})
    set_doc_votes(doc, "s2", {"a": 1, "b": 0})
    assert ml(doc).cats == {"a": 1.0, "b": 0.0}  # b: 1 of 2 votes = 0.5 < 0.6
