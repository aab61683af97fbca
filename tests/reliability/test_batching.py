"""Class 10 of issue 15: per-document results do not depend on batching.

The same documents through the same fitted aggregator give bit-identical span
probabilities with batch sizes 1, 3 and 128 (and in any batch company), so a run
resumed after ``kill -9`` (whose batches start elsewhere) is byte-identical.
"""
import random

import pytest
import spacy
from spacy.tokens import DocBin, Span

from spacy_weak.spans import set_source_spans


def make_corpus(nlp, n=60, seed=1):
    rng = random.Random(seed)
    words = ["aspirin", "causes", "headache", "and", "the", "ibuprofen", "pain", "migraine", "today", "with"]
    docs = []
    for _ in range(n):
        doc = nlp.make_doc(" ".join(rng.choice(words) for _ in range(rng.randint(1, 25))))
        for key, rate in (("a", 0.5), ("b", 0.3), ("c", 0.7)):
            spans = []
            t = 0
            while t < len(doc):
                if rng.random() < rate * 0.3:
                    end = min(len(doc), t + rng.randint(1, 3))
                    spans.append(Span(doc, t, end, label=rng.choice(["Chemical", "Disease"])))
                    t = end
                t += 1
            set_source_spans(doc, key, spans, source=key)
        docs.append(doc)
    return docs


def signature(docs, key="silver"):
    return [
        (doc.text, [(s.start, s.end, s.label_) for s in doc.spans[key]], list(doc.spans[key].attrs.get("probs", [])))
        for doc in docs
    ]


@pytest.mark.parametrize("factory,config", [
    ("weak_hmm", {"n_iter": 5}),
    ("weak_hmm", {"n_iter": 5, "span_prob": "min"}),
    ("weak_hmm", {"n_iter": 5, "scheme": "IO", "merge_adjacent": True}),
    ("weak_vote", {}),
])
def test_span_probabilities_bit_identical_across_batch_sizes(factory, config):
    nlp = spacy.blank("en")
    docs = make_corpus(nlp)
    agg = nlp.add_pipe(factory, config=config)
    if hasattr(agg, "fit"):
        agg.fit(docs)
    results = {}
    for batch_size in (1, 3, 128):
        copies = [d.copy() for d in docs]
        results[batch_size] = signature(list(agg.pipe(copies, batch_size=batch_size)))
    assert results[1] == results[3] == results[128]
    assert any(sig[2] for sig in results[1])  # there are probabilities to compare
    # a document's result does not depend on its batch company either
    rotated = [d.copy() for d in docs[7:] + docs[:7]]
    again = signature(list(agg.pipe(rotated, batch_size=5)))
    assert again[-7:] + again[:-7] == results[1]


def test_apply_output_identical_across_batch_sizes(tmp_path):
    from spacy_weak.runs.apply import apply_pipeline
    from spacy_weak.corpora.shards import docbin_files

    nlp = spacy.blank("en")
    docs = make_corpus(nlp, n=40)
    nlp.add_pipe("weak_hmm", config={"n_iter": 3}).fit(docs)
    nlp.to_disk(tmp_path / "model")
    DocBin(docs=docs, store_user_data=True).to_disk(tmp_path / "in.spacy")
    outs = []
    for batch_size in (1, 3, 128):
        out = tmp_path / f"out{batch_size}"
        apply_pipeline(tmp_path / "model", tmp_path / "in.spacy", out, batch_size=batch_size, shard_size=7, show_progress=False)
        outs.append([p.read_bytes() for p in docbin_files(out)])
    assert outs[0] == outs[1] == outs[2]


def test_interrupted_and_resumed_hmm_run_is_byte_identical(tmp_path, monkeypatch):
    """A run interrupted mid-shard and resumed (so its batches start elsewhere) writes
    the same bytes as an uninterrupted one."""
    import spacy_weak.runs.apply as apply_mod
    from spacy_weak.runs.apply import apply_pipeline
    from spacy_weak.corpora.shards import docbin_files, read_manifest

    nlp = spacy.blank("en")
    docs = make_corpus(nlp, n=30, seed=3)
    nlp.add_pipe("weak_hmm", config={"n_iter": 3}).fit(docs)
    nlp.to_disk(tmp_path / "model")
    DocBin(docs=docs, store_user_data=True).to_disk(tmp_path / "in.spacy")
    apply_pipeline(tmp_path / "model", tmp_path / "in.spacy", tmp_path / "ref", batch_size=8, shard_size=3, show_progress=False)

    original = apply_mod.read_corpus

    def crashing(*args, **kwargs):
        for i, doc in enumerate(original(*args, **kwargs)):
            if i == 13:
                raise KeyboardInterrupt
            yield doc

    monkeypatch.setattr(apply_mod, "read_corpus", crashing)
    with pytest.raises(KeyboardInterrupt):
        apply_pipeline(tmp_path / "model", tmp_path / "in.spacy", tmp_path / "run", batch_size=8, shard_size=3, show_progress=False)
    assert 0 < read_manifest(tmp_path / "run")["docs"] < 30
    monkeypatch.setattr(apply_mod, "read_corpus", original)
    summary = apply_pipeline(tmp_path / "model", tmp_path / "in.spacy", tmp_path / "run", batch_size=8, shard_size=3, show_progress=False)
    assert summary["resumed_from"] % 8 != 0  # the resumed run's batches start elsewhere
    assert [p.read_bytes() for p in docbin_files(tmp_path / "run")] == [p.read_bytes() for p in docbin_files(tmp_path / "ref")]
