"""The unlabelled pool: JSONL(.gz) through the corpus reader, checks, overlap with evaluation text, selection."""
import gzip
import json
import warnings

import pytest
import spacy

from spacy_weak.corpora.readers import detect_format, read_corpus
from spacy_weak.errors import SpacyWeakError
from spacy_weak.training.pool import check_pool, drop_evaluation_docs, select_pool

from ._data import make_docs


def _write(path, texts, gz=False):
    data = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts)).encode("utf8")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def test_jsonl_gz_is_read_by_the_corpus_reader(tmp_path):
    pool = _write(tmp_path / "pool.jsonl.gz", ["Aspirin helps.", "Gout hurts."], gz=True)
    assert detect_format(pool) == "jsonl"
    docs = list(read_corpus(pool, spacy.blank("en")))
    assert [d.text for d in docs] == ["Aspirin helps.", "Gout hurts."]
    assert docs[1].user_data["meta"]["id"] == 1
    assert check_pool(pool)["checked_docs"] == 2


def test_apply_annotates_the_pool_sharded_and_resumable(tmp_path):
    from spacy_weak.runs.apply import apply_pipeline

    nlp = spacy.blank("en")
    nlp.add_pipe("weak_regex", config={"patterns": [{"label": "Chemical", "pattern": "[Aa]spirin"}]})
    pool = _write(tmp_path / "pool.jsonl", [f"Aspirin {i} helps." for i in range(5)])
    summary = apply_pipeline("regex", pool, tmp_path / "out", nlp=nlp, shard_size=2, show_progress=False)
    assert summary["documents"] == 5
    again = apply_pipeline("regex", pool, tmp_path / "out", nlp=nlp, shard_size=2, show_progress=False)
    assert again["resumed_from"] == 5


@pytest.mark.parametrize("content,problem", [
    (None, "no such file"), (b"", "no document"), (b"\n\n", "no document"), (b"not json\n", "line 1 is not JSON"),
    (b'{"body": "x"}\n', "line 1 is not an object with a string field 'text'"), (b"[1, 2]\n", "line 1 is not an object"),
])
def test_bad_pools_are_e316(tmp_path, content, problem):
    path = tmp_path / "pool.jsonl"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SpacyWeakError, match=r"\[E316\]") as err:
        check_pool(path)
    assert problem in str(err.value) and "pool.jsonl" in str(err.value)
    other = tmp_path / "pool.txt"
    other.write_text("text\n")
    with pytest.raises(SpacyWeakError, match=r"\[E316\].*jsonl"):
        check_pool(other)


def test_evaluation_documents_are_warned_about_and_left_out():
    nlp = spacy.blank("en")
    pool = [nlp.make_doc(t) for t in ["Other text.", "The  evaluation\nabstract.", "More text."]]
    evaluation = [nlp.make_doc("the evaluation abstract.")]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        kept = drop_evaluation_docs(pool, evaluation, path="pool.jsonl", what="test")
    assert [d.text for d in kept] == ["Other text.", "More text."]
    assert any("[W302]" in str(w.message) and "pool.jsonl" in str(w.message) for w in caught)


def test_select_pool_confident_docs_seeded():
    docs = make_docs(12)  # silver probs 0.95 and 0.4 in every doc
    assert select_pool(docs, min_confidence=0.5) == []
    chosen = select_pool(docs, min_confidence=0.3, n=5, seed=1)
    assert len(chosen) == 5 and chosen == select_pool(docs, min_confidence=0.3, n=5, seed=1)
    with pytest.raises(SpacyWeakError, match=r"\[E300\]"):
        select_pool(docs, min_confidence=2)
