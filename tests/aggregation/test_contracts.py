"""The aggregator contracts: which components are label models, and the sharded fit's hook
run through an in-process backend (no Dask): the same parameters as ``fit(docs)``."""
import numpy as np
import pytest
import spacy
from spacy.tokens import DocBin

from spacy_weak.aggregation.contracts import LabelModel, ShardFittable, is_fittable, is_label_model
from spacy_weak.aggregation.doc_components import DocAggregator
from spacy_weak.aggregation.sharded_fit import sum_parts
from spacy_weak.aggregation.span_base import SpanAggregator

from ..distributed.test_fit import synthetic_docs


class InProcessShards:
    """The ``Shards`` contract without a cluster: each task runs when submitted."""

    def __init__(self, files):
        self.files = [str(f) for f in files]
        self.submitted = 0

    def submit(self, fn, *args):
        self.submitted += 1
        return fn(*args)

    def gather_one(self, handle, *, what):
        return handle

    def tree_sum(self, handles, fn):
        return fn(*handles)


@pytest.fixture(scope="module")
def shard_files(tmp_path_factory):
    out = tmp_path_factory.mktemp("shards")
    docs = synthetic_docs(n=40)
    files = []
    for k in range(0, len(docs), 15):
        path = out / f"shard-{k // 15:05d}.spacy"
        DocBin(docs=docs[k : k + 15], store_user_data=True).to_disk(path)
        files.append(path)
    return files


def _read(files):
    from spacy_weak.corpora.shards import read_docs

    return list(read_docs([str(f) for f in files], spacy.blank("en").vocab))


def test_components_declare_their_contracts():
    nlp = spacy.blank("en")
    vote, hmm = nlp.add_pipe("weak_vote"), nlp.add_pipe("weak_hmm")
    doc_vote, doc_em = nlp.add_pipe("weak_doc_vote"), nlp.add_pipe("weak_doc_em")
    assert isinstance(vote, SpanAggregator) and isinstance(hmm, SpanAggregator)
    assert isinstance(doc_vote, DocAggregator) and isinstance(doc_em, DocAggregator)
    assert isinstance(hmm, ShardFittable) and isinstance(doc_em, ShardFittable)
    assert not isinstance(vote, LabelModel) and not is_fittable(vote) and not is_fittable(doc_vote)
    assert is_fittable(hmm) and not is_label_model(hmm)  # not fitted yet


def test_hmm_fit_sharded_in_process_equals_fit(shard_files):
    nlp_a, nlp_b = spacy.blank("en"), spacy.blank("en")
    one = nlp_a.add_pipe("weak_hmm", config={"n_iter": 3, "tol": 1e-6}).fit(_read(shard_files))
    two = nlp_b.add_pipe("weak_hmm", config={"n_iter": 3, "tol": 1e-6})
    shards = InProcessShards(shard_files)
    two.fit_sharded(shards)
    assert shards.submitted > len(shard_files)
    assert two.sources_ == one.sources_ and two.labels_ == one.labels_ and is_label_model(two)
    for key in ("startprob", "transmat", "emissionprob"):
        np.testing.assert_allclose(np.asarray(two._hmm_state[key]), np.asarray(one._hmm_state[key]), rtol=0, atol=1e-6)
    np.testing.assert_allclose(two.emission_counts_, one.emission_counts_, rtol=1e-7, atol=1e-6)  # the source report's counts
    assert sorted(two.source_report()) == sorted(one.source_report())


def test_doc_em_fit_sharded_in_process_equals_fit(shard_files):
    one = spacy.blank("en").add_pipe("weak_doc_em", config={"n_iter": 20, "tol": 1e-8}).fit(_read(shard_files))
    two = spacy.blank("en").add_pipe("weak_doc_em", config={"n_iter": 20, "tol": 1e-8})
    two.fit_sharded(InProcessShards(shard_files))
    assert two.sources_ == one.sources_ and two.labels_ == one.labels_
    np.testing.assert_allclose(two.model_.theta, one.model_.theta, rtol=0, atol=1e-6)
    np.testing.assert_allclose(two.history, one.history, rtol=1e-9)


def test_sum_parts_sums_nested_results_and_skips_empty_shards():
    a = (np.ones(2), {"x": 1.0})
    b = (np.full(2, 2.0), {"x": 2.0})
    total = sum_parts(a, None, b)
    np.testing.assert_array_equal(total[0], [3.0, 3.0])
    assert total[1] == {"x": 3.0} and sum_parts(None, None) is None
