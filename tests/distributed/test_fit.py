"""Distributed fit: the same HMM / Dawid-Skene parameters as one process (within 1e-6)."""
import numpy as np
import pytest
import spacy
from spacy.tokens import DocBin, Span

from spacy_weak.distributed import fit as dask_fit
from spacy_weak.errors import SpacyWeakError
from spacy_weak.spans import set_doc_votes, set_source_spans

N_DOCS = 120
PER_SHARD = 25  # 5 shards, the last one short


def synthetic_docs(seed=0, n=N_DOCS):
    """Docs with noisy span sources (two labels, "O" votes, overlaps, a source
    missing from some docs, a source only in late shards) and doc-level votes."""
    rng = np.random.default_rng(seed)
    nlp = spacy.blank("en")
    docs = []
    for d in range(n):
        words = [f"w{rng.integers(50)}" for _ in range(int(rng.integers(0 if d == 7 else 3, 30)))]
        doc = spacy.tokens.Doc(nlp.vocab, words=words)
        truth = []
        i = 0
        while i < len(doc) - 2:
            if rng.random() < 0.15:
                n_tok = int(rng.integers(1, 3))
                truth.append((i, i + n_tok, "CHEM" if rng.random() < 0.6 else "DIS"))
                i += n_tok + 1
            else:
                i += 1
        for s, (recall, noise) in enumerate([(0.9, 0.05), (0.6, 0.2), (0.5, 0.01), (0.8, 0.3)]):
            if s == 3 and d % 4 == 0:
                continue  # missing source
            spans = []
            for a, b, label in truth:
                if rng.random() < recall:
                    lab = label if rng.random() > noise else ("DIS" if label == "CHEM" else "CHEM")
                    spans.append(Span(doc, a, b, label=lab))
            if len(doc) > 3 and rng.random() < 0.3:
                a = int(rng.integers(0, len(doc) - 2))
                spans.append(Span(doc, a, a + 2, label="O" if s == 2 else "CHEM"))  # may overlap
            set_source_spans(doc, f"src_{s}", spans)
        if d >= 60:
            set_source_spans(doc, "late", [Span(doc, a, b, label=lab) for a, b, lab in truth[:1]])
        for k in range(3):
            if rng.random() < 0.8:
                truth_pos = bool(truth) and truth[0][2] == "CHEM"
                vote = truth_pos if rng.random() < 0.8 - 0.1 * k else not truth_pos
                set_doc_votes(doc, f"kw_{k}", {"chem": int(vote), "dis": int(not vote)} if k != 2 else {"chem": int(vote)})
        docs.append(doc)
    return docs


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    base = tmp_path_factory.mktemp("fit")
    out = base / "shards"
    out.mkdir()
    docs = synthetic_docs()
    for k in range(0, len(docs), PER_SHARD):
        DocBin(docs=docs[k : k + PER_SHARD], store_user_data=True).to_disk(out / f"shard-{k // PER_SHARD:05d}.spacy")
    return out


def read_all(path):
    from spacy_weak.corpora.shards import read_docs

    return list(read_docs(path, spacy.blank("en").vocab))


HMM_CONFIGS = [
    {"n_iter": 8},
    {"n_iter": 6, "learn_transitions": True, "scheme": "IO", "labels": ["DIS", "CHEM"], "sources": ["src_0", "src_*", "late"]},
]


@pytest.mark.parametrize("config", HMM_CONFIGS)
def test_cluster_hmm_fit_equals_single_process(client, shards, config):
    def pipeline():
        nlp = spacy.blank("en")
        nlp.add_pipe("weak_hmm", config=dict(config, tol=1e-6))
        return nlp

    single = pipeline()
    one = single.get_pipe("weak_hmm").fit(read_all(shards))
    dist = pipeline()
    two = dask_fit(client, dist, "weak_hmm", [shards])
    assert two.sources_ == one.sources_ and two.labels_ == one.labels_
    assert "late" in two.sources_
    a, b = one._hmm_state, two._hmm_state
    for key in ("startprob", "transmat", "emissionprob"):
        np.testing.assert_allclose(np.asarray(b[key]), np.asarray(a[key]), rtol=0, atol=1e-6)
    assert len(two.history) == len(one.history) >= 2
    np.testing.assert_allclose(two.history, one.history, rtol=1e-9)
    np.testing.assert_allclose(two.emission_counts_, one.emission_counts_, rtol=1e-7, atol=1e-6)
    assert (two.n_docs_fit, two.n_tokens_fit) == (one.n_docs_fit, one.n_tokens_fit)
    assert two.overlaps_resolved == one.overlaps_resolved and two.unknown_labels == one.unknown_labels
    # the fitted pipelines annotate identically (spans, entities, probabilities)
    docs_a = list(single.pipe(read_all(shards)))
    docs_b = list(dist.pipe(read_all(shards)))
    for x, y in zip(docs_a, docs_b):
        assert [(s.start, s.end, s.label_) for s in x.spans["silver"]] == [(s.start, s.end, s.label_) for s in y.spans["silver"]]
        assert [(e.start, e.end, e.label_) for e in x.ents] == [(e.start, e.end, e.label_) for e in y.ents]
        np.testing.assert_allclose(x.spans["silver"].attrs.get("probs", []), y.spans["silver"].attrs.get("probs", []), atol=1e-6)


@pytest.mark.parametrize("multilabel", [False, True])
def test_cluster_dawid_skene_fit_equals_single_process(client, shards, multilabel):
    def pipeline():
        nlp = spacy.blank("en")
        nlp.add_pipe("weak_doc_em", config={"multilabel": multilabel, "n_iter": 20, "tol": 1e-8})
        return nlp

    one = pipeline().get_pipe("weak_doc_em").fit(read_all(shards))
    two = dask_fit(client, pipeline(), "weak_doc_em", [shards])
    assert two.sources_ == one.sources_ == ["kw_0", "kw_1", "kw_2"]
    assert two.labels_ == one.labels_
    np.testing.assert_allclose(two.model_.theta, one.model_.theta, rtol=0, atol=1e-6)
    np.testing.assert_allclose(two.model_.priors, one.model_.priors, rtol=0, atol=1e-6)
    assert len(two.history) == len(one.history) >= 2
    np.testing.assert_allclose(two.history, one.history, rtol=1e-9)


def test_cluster_fit_refuses_other_components(client, shards):
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_vote")
    with pytest.raises(SpacyWeakError, match="E457"):
        dask_fit(client, nlp, "weak_vote", [shards])


@pytest.fixture(scope="module")
def dup_shards(tmp_path_factory):
    """The synthetic docs plus an exact copy of src_0 (dependency weights 1/2, so the
    dependency refit runs) and reviews (a clamp source on every 5th doc)."""
    out = tmp_path_factory.mktemp("fit_dup") / "shards"
    out.mkdir()
    docs = synthetic_docs(seed=1)
    for d, doc in enumerate(docs):
        set_source_spans(doc, "copy_0", [Span(doc, s.start, s.end, label=s.label_) for s in doc.spans["src_0"]])
        if d % 5 == 0:
            set_source_spans(doc, "review", [Span(doc, s.start, s.end, label=s.label_) for s in doc.spans["src_2"]])
    for k in range(0, len(docs), PER_SHARD):
        DocBin(docs=docs[k : k + PER_SHARD], store_user_data=True).to_disk(out / f"shard-{k // PER_SHARD:05d}.spacy")
    return out


@pytest.mark.parametrize(
    "config",
    [
        {"n_iter": 6, "sources": ["src_*", "copy_0", "late", "absent"]},
        {"n_iter": 5, "scheme": "IO", "clamp_sources": ["review"], "clamp_learn": False},
        {"n_iter": 5, "clamp_sources": ["review"], "clamp_learn": True, "learn_transitions": True},
        {"n_iter": 5, "clamp_sources": ["review"], "clamp_learn": True, "learn_transitions": True, "review_weight": 0.4},
    ],
    ids=["duplicate-and-missing", "clamp-io", "clamp-learn", "clamp-learn-weighted"],
)
def test_cluster_fit_with_dependencies_and_clamps_equals_single_process(client, dup_shards, config):
    """Dependencies on (the default): the same redundancy, weights < 1 for the copies,
    the same refit, dependencies_ and warnings (W105 copies, W107 missing) as one process."""
    import warnings

    def fitted(fit):
        nlp = spacy.blank("en")
        nlp.add_pipe("weak_hmm", config=dict(config, tol=1e-6))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            proc = fit(nlp)
        codes = sorted({str(w.message).split("]")[0].lstrip("[") for w in caught if str(w.message).startswith("[W")})
        return proc, codes

    one, codes_one = fitted(lambda nlp: nlp.get_pipe("weak_hmm").fit(read_all(dup_shards)))
    two, codes_two = fitted(lambda nlp: dask_fit(client, nlp, "weak_hmm", [dup_shards]))
    assert one.cfg["dependencies"] and "W105" in codes_one
    assert codes_two == codes_one
    if "absent" in config.get("sources", []):
        assert "W107" in codes_one and "absent" not in two.sources_
    assert two.sources_ == one.sources_ and two.labels_ == one.labels_
    weights = {name: row["weight"] for name, row in one.dependencies_["sources"].items()}
    assert weights["copy_0"] < 1 and weights["src_0"] < 1  # the refit path ran
    assert two.dependencies_ == one.dependencies_
    a, b = one._hmm_state, two._hmm_state
    for key in a:
        if isinstance(a[key], list) and a[key] and not isinstance(a[key][0], str):
            np.testing.assert_allclose(np.asarray(b[key], dtype=float), np.asarray(a[key], dtype=float), rtol=0, atol=1e-6, err_msg=key)
        else:
            assert b[key] == a[key], key
    assert len(two.history) == len(one.history) >= 2
    np.testing.assert_allclose(two.history, one.history, rtol=1e-9)
    np.testing.assert_allclose(two.emission_counts_, one.emission_counts_, rtol=1e-7, atol=1e-6)
