import numpy as np
import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span
from spacy.training import Example

from spacy_weak.aggregation.hmm_component import HMMAggregator
from spacy_weak.aggregation.vote_component import VoteAggregator
from spacy_weak.errors import SpacyWeakError
from spacy_weak.spans import set_source_spans, span_probs

from .synth import LABELS, entity_prf, make_corpus, token_source_truth


@pytest.fixture(scope="module")
def nlp():
    return spacy.blank("en")


@pytest.fixture(scope="module")
def corpus(nlp):
    return make_corpus(nlp.vocab, n_docs=250, seed=0)


@pytest.fixture(scope="module")
def fitted(nlp, corpus):
    # pure EM (no anchoring to the majority vote): the sources here are independent given
    # the truth, so EM recovers their error rates
    return HMMAggregator(nlp.vocab, n_iter=30, anchor_strength=0.0).fit(iter(corpus))


def test_default_settings_beat_majority_vote(nlp, corpus):
    hmm = HMMAggregator(nlp.vocab).fit(corpus)
    assert hmm.cfg["anchor_strength"] == 5.0
    hmm_f1 = entity_prf(_pred(hmm.predict(corpus)), corpus)["f1"]
    mv_f1 = entity_prf(_pred(VoteAggregator(nlp.vocab).predict(corpus)), corpus)["f1"]
    assert hmm_f1 > mv_f1 + 0.1, (hmm_f1, mv_f1)
    h = np.array(hmm.history)
    assert np.all(np.diff(h) >= -1e-7 * np.abs(h[:-1]))


def _pred(results):
    return [spans for spans, _, _ in results]


def test_synthetic_recovery_beats_majority_vote(corpus, fitted, nlp):
    hmm_f1 = entity_prf(_pred(fitted.predict(corpus)), corpus)["f1"]
    for level in ("token", "span"):
        mv = VoteAggregator(nlp.vocab, level=level)
        mv_f1 = entity_prf(_pred(mv.predict(corpus)), corpus)["f1"]
        assert hmm_f1 > mv_f1 + 0.1, (hmm_f1, mv_f1)
    assert hmm_f1 > 0.8


def test_learned_accuracies_close_to_truth(corpus, fitted):
    report = fitted.source_report()
    assert set(report) == {"broad", "confident_bad", "mid", "neg", "precise", "precise_copy"}
    for source in ("broad", "confident_bad", "mid", "precise", "precise_copy"):
        for label in LABELS:
            truth = token_source_truth(corpus, source, label)
            learned = report[source][label]
            assert abs(learned["precision"] - truth["precision"]) < 0.08, (source, label, learned, truth)
            assert abs(learned["recall"] - truth["recall"]) < 0.08, (source, label, learned, truth)
    # the confident-but-bad source is recognised as bad, the precise one as precise
    assert report["confident_bad"]["CHEM"]["precision"] < 0.5 < report["precise"]["CHEM"]["precision"]
    assert report["neg"]["O"]["precision"] > 0.95
    assert report["neg"]["CHEM"]["precision"] is None


def test_history_non_decreasing(fitted):
    h = np.array(fitted.history)
    assert len(h) >= 2 and np.all(np.diff(h) >= -1e-7 * np.abs(h[:-1]))


def test_outputs_on_docs(nlp, corpus, fitted):
    docs = [fitted(d) for d in corpus[:20]]
    for doc in docs:
        group = doc.spans["silver"]
        probs = span_probs(group)
        assert len(probs) == len(group) == len(group.attrs["sources"])
        assert all(0.0 < p <= 1.0 for p in probs)
        assert [(e.start, e.end, e.label_) for e in doc.ents] == [(s.start, s.end, s.label_) for s in group]
        for span, voters in zip(group, group.attrs["sources"]):
            for v in voters:
                assert any(s.label_ == span.label_ and s.start < span.end and span.start < s.end for s in doc.spans[v])


def test_robustness(nlp):
    docs = []
    empty = Doc(nlp.vocab, words=[])
    set_source_spans(empty, "a", [])
    docs.append(empty)
    no_spans = Doc(nlp.vocab, words=["x", "y", "z"])  # no source group at all
    docs.append(no_spans)
    for i in range(30):
        doc = Doc(nlp.vocab, words=[f"w{j}" for j in range(12)])
        set_source_spans(doc, "a", [Span(doc, 1, 3, label="CHEM")])
        set_source_spans(doc, "never", [])  # zero spans in the whole corpus
        if i % 3:  # "b" missing in a third of the docs
            set_source_spans(doc, "b", [Span(doc, 1, 3, label="CHEM"), Span(doc, 6, 7, label="RARE")])
        docs.append(doc)
    with pytest.warns(UserWarning, match="W100"):
        hmm = HMMAggregator(nlp.vocab).fit(docs)
    assert hmm.labels == ("CHEM", "RARE") and "never" in hmm.sources
    assert all(np.isfinite(hmm.history))
    with pytest.warns(UserWarning, match="W103"):  # the doc where no source ran
        out = list(hmm.pipe(docs, batch_size=7))
    for doc in out:
        spans = list(doc.spans["silver"])
        assert all(np.isfinite(span_probs(doc.spans["silver"])))
        assert len(doc.ents) == len(spans)
    for post in hmm.predict_proba(docs):
        assert np.all(np.isfinite(post))
    assert [(s.start, s.end, s.label_) for s in docs[3].spans["silver"]] == [(1, 3, "CHEM"), (6, 7, "RARE")]
    assert len(docs[0].spans["silver"]) == 0 and len(docs[1].ents) == 0


def test_docs_without_fitted_sources_get_no_span(nlp, fitted):
    doc = Doc(nlp.vocab, words=["a", "b", "c"])
    set_source_spans(doc, "other", [Span(doc, 0, 1, label="CHEM")])
    doc.ents = [Span(doc, 2, 3, label="KEEP")]
    with pytest.warns(UserWarning, match=r"\[W103\].*other"):
        fitted(doc)
    assert len(doc.spans["silver"]) == 0
    assert [(e.start, e.label_) for e in doc.ents] == [(2, "KEEP")]  # left as it was


def test_unknown_weight_warns(nlp, corpus):
    with pytest.warns(UserWarning, match=r"\[W104\].*typo"):
        HMMAggregator(nlp.vocab, n_iter=1, weights={"typo": 2.0}).fit(corpus[:10])


def test_truncated_model_is_a_coded_error(nlp, fitted, tmp_path):
    fitted.to_disk(tmp_path / "hmm")
    model = tmp_path / "hmm" / "model"
    model.write_bytes(model.read_bytes()[:50])
    with pytest.raises(SpacyWeakError, match=r"\[E108\]"):
        HMMAggregator(nlp.vocab).from_disk(tmp_path / "hmm")


def test_not_fitted_and_bad_config(nlp):
    hmm = HMMAggregator(nlp.vocab)
    with pytest.raises(SpacyWeakError, match="E103"):
        hmm.predict([Doc(nlp.vocab, words=["a"])])
    with pytest.raises(SpacyWeakError, match="E100"):
        HMMAggregator(nlp.vocab, span_prob="median")
    with pytest.raises(SpacyWeakError, match="E101"):
        HMMAggregator(nlp.vocab, sources=["nope*"]).fit([Doc(nlp.vocab, words=["a"])])


def test_serialisation_identical_output(nlp, corpus, fitted, tmp_path):
    fitted.to_disk(tmp_path / "hmm")
    assert not list((tmp_path / "hmm").glob("*.pkl"))
    loaded = HMMAggregator(nlp.vocab).from_disk(tmp_path / "hmm")
    assert loaded.source_report() == fitted.source_report()
    assert loaded.predict(corpus[:30]) == fitted.predict(corpus[:30])
    again = HMMAggregator(nlp.vocab).from_bytes(fitted.to_bytes())
    assert again.predict(corpus[:30]) == fitted.predict(corpus[:30])


def test_deterministic_fit(nlp, corpus):
    a = HMMAggregator(nlp.vocab, n_iter=5, seed=3).fit(corpus[:60])
    b = HMMAggregator(nlp.vocab, n_iter=5, seed=3).fit(corpus[:60])
    assert a.to_bytes() == b.to_bytes()


def test_docbin_round_trip_of_silver(nlp, corpus, fitted):
    docs = [fitted(d.copy()) for d in corpus[:15]]
    data = DocBin(docs=docs).to_bytes()  # no store_user_data needed
    back = list(DocBin().from_bytes(data).get_docs(nlp.vocab))
    for a, b in zip(docs, back):
        assert [(s.start, s.end, s.label_) for s in a.spans["silver"]] == [
            (s.start, s.end, s.label_) for s in b.spans["silver"]
        ]
        assert span_probs(b.spans["silver"]) == span_probs(a.spans["silver"])
        assert b.spans["silver"].attrs["sources"] == a.spans["silver"].attrs["sources"]
        assert [(e.start, e.end, e.label_) for e in b.ents] == [(e.start, e.end, e.label_) for e in a.ents]


@Language.component("test_agg_fake_source")
def _fake_source(doc):
    spans = [Span(doc, t.i, t.i + 1, label="CHEM") for t in doc if t.text.endswith("ine")]
    return set_source_spans(doc, "fake", spans).doc


@Language.component("test_agg_fake_negative")
def _fake_negative(doc):
    return set_source_spans(doc, "neg", [Span(doc, t.i, t.i + 1, label="O") for t in doc if t.is_stop]).doc


def _pipeline():
    nlp = spacy.blank("en")
    nlp.add_pipe("test_agg_fake_source")
    nlp.add_pipe("test_agg_fake_negative")
    nlp.add_pipe("weak_hmm", config={"labels": ["CHEM"], "n_iter": 5})
    return nlp


TEXTS = ["Aspirin and morphine were given.", "The cocaine was seized.", "Nothing here at all."] * 5


def test_initialize_runs_preceding_components_and_pipe_n_process(tmp_path):
    nlp = _pipeline()
    examples = [Example(nlp.make_doc(t), nlp.make_doc(t)) for t in TEXTS]
    nlp.initialize(lambda: examples)
    hmm = nlp.get_pipe("weak_hmm")
    assert hmm.is_fitted and hmm.sources == ("fake", "neg")
    # the raw examples were not modified
    assert not examples[0].predicted.spans
    single = [[(e.text, e.label_) for e in nlp(t).ents] for t in TEXTS]
    assert single[0] == [("morphine", "CHEM")]
    multi = [[(e.text, e.label_) for e in d.ents] for d in nlp.pipe(TEXTS, n_process=2, batch_size=4)]
    assert multi == single
    nlp.to_disk(tmp_path / "pipe")
    reloaded = spacy.load(tmp_path / "pipe")
    assert [[(e.text, e.label_) for e in d.ents] for d in reloaded.pipe(TEXTS)] == single
    assert [span_probs(d.spans["silver"]) for d in reloaded.pipe(TEXTS)] == [
        span_probs(d.spans["silver"]) for d in nlp.pipe(TEXTS)
    ]


def test_initialize_without_sources_warns_and_stays_unfitted():
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_hmm")
    with pytest.warns(UserWarning, match="W102"):
        nlp.initialize()
    assert not nlp.get_pipe("weak_hmm").is_fitted


def test_vote_component_from_config():
    nlp = spacy.blank("en")
    nlp.add_pipe("test_agg_fake_source")
    nlp.add_pipe("weak_vote", config={"weights": {"fake": 2.0}})
    doc = nlp("Take morphine now")
    assert [(e.text, e.label_) for e in doc.ents] == [("morphine", "CHEM")]
    assert doc.spans["silver"].attrs["sources"] == [["fake"]]
    nlp2 = spacy.blank("en")
    nlp2.add_pipe("test_agg_fake_source")
    nlp2.add_pipe("weak_vote", config={"level": "span"})
    assert [(e.text, e.label_) for e in nlp2("Take morphine now").ents] == [("morphine", "CHEM")]


def test_options_learn_transitions_and_min_prob(nlp, corpus):
    mean = HMMAggregator(nlp.vocab, n_iter=5).fit(corpus[:80])
    low = HMMAggregator(nlp.vocab, n_iter=5, span_prob="min").fit(corpus[:80])
    res_mean, res_min = mean.predict(corpus[:20]), low.predict(corpus[:20])
    for (spans_a, probs_a, _), (spans_b, probs_b, _) in zip(res_mean, res_min):
        assert spans_a == spans_b
        assert all(b <= a + 1e-12 for a, b in zip(probs_a, probs_b))
    learned = HMMAggregator(nlp.vocab, n_iter=5, learn_transitions=True).fit(corpus[:80])
    h = np.array(learned.history)
    assert np.all(np.diff(h) >= -1e-7 * np.abs(h[:-1]))
    assert not np.allclose(learned.hmm_.transmat_, mean.hmm_.transmat_)
    for spans, probs, _ in learned.predict(corpus[:20]):
        assert all(0 < p <= 1 for p in probs)


def test_initialize_on_spaCy_dummy_example_stays_unfitted():
    nlp = _pipeline()  # sources run on spaCy's dummy "x y z" doc but produce no span
    with pytest.warns(UserWarning, match="W102"):
        nlp.initialize()
    assert not nlp.get_pipe("weak_hmm").is_fitted


def _adjacent_docs(nlp, n=40):
    """"alpha beta" is one entity: source a covers "alpha", source b covers "beta"."""
    docs = []
    for i in range(n):
        doc = Doc(nlp.vocab, words=["we", "gave", "alpha", "beta", "and", "gamma", "."])
        set_source_spans(doc, "a", [Span(doc, 2, 3, "CHEM"), Span(doc, 5, 6, "CHEM")])
        set_source_spans(doc, "b", [Span(doc, 3, 4, "CHEM")] + ([Span(doc, 5, 6, "CHEM")] if i % 2 else []))
        docs.append(doc)
    return docs


def test_merge_adjacent_joins_touching_entities_of_one_label(nlp):
    from spacy_weak.aggregation.span_base import merge_adjacent_states

    # states: O, B-X, I-X, B-Y, I-Y (labels X, Y); doc boundary after the 3rd token
    states = np.array([1, 1, 2, 1, 3, 3, 4, 1])
    out = merge_adjacent_states(states, np.array([3, 5]), 2)
    assert out.tolist() == [1, 2, 2, 1, 3, 4, 4, 1]
    docs = _adjacent_docs(nlp)
    plain = HMMAggregator(nlp.vocab, sources=["a", "b"]).fit(docs)
    merged = HMMAggregator(nlp.vocab, sources=["a", "b"], merge_adjacent=True).fit(docs)
    a, b = plain(docs[0].copy()), merged(docs[0].copy())
    assert [(s.start, s.end) for s in a.spans["silver"]] == [(2, 3), (3, 4), (5, 6)]
    assert [(s.start, s.end) for s in b.spans["silver"]] == [(2, 4), (5, 6)]
    assert [(e.start, e.end) for e in b.ents] == [(2, 4), (5, 6)]
    assert b.spans["silver"].attrs["sources"][0] == ["a", "b"]


def test_io_scheme(nlp):
    from spacy_weak.aggregation.span_base import io_symbols

    X = np.array([[-1, 0, 1, 2], [3, 4, 5, 0]], dtype=np.int8)
    assert io_symbols(X).tolist() == [[-1, 0, 1, 3], [3, 5, 5, 0]] and io_symbols(X).dtype == np.int8
    docs = _adjacent_docs(nlp)
    io = HMMAggregator(nlp.vocab, sources=["a", "b"], scheme="IO").fit(docs)
    out = io(docs[1].copy())
    assert [(s.start, s.end, s.label_) for s in out.spans["silver"]] == [(2, 4, "CHEM"), (5, 6, "CHEM")]
    assert all(0 < p <= 1 for p in out.spans["silver"].attrs["probs"])
    with pytest.raises(SpacyWeakError, match="E100"):
        HMMAggregator(nlp.vocab, scheme="BILUO")
