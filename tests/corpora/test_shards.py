import json

import pytest
import spacy
from spacy.tokens import Doc, DocBin, Span

from spacy_weak.corpora import ShardWriter, count_docs, read_docs, set_gold
from spacy_weak.corpora.shards import docbin_files, input_fingerprint, read_manifest
from spacy_weak.errors import SpacyWeakError


@pytest.fixture(scope="module")
def nlp():
    return spacy.blank("en")


def make_docs(nlp, n):
    docs = []
    for i in range(n):
        doc = nlp.make_doc(f"Aspirin helps patient {i} .")
        set_gold(doc, [Span(doc, 0, 1, label="Chemical", kb_id=f"D{i}")], doc_id=str(i))
        docs.append(doc)
    return docs


def sig(docs):
    return [(d.text, [(s.start, s.end, s.label_, s.kb_id_) for s in d.spans["gold"]], dict(d.spans["gold"].attrs)) for d in docs]


def write_all(out, docs, **kwargs):
    with ShardWriter(out, settings={"run": 1}, shard_size=10, **kwargs) as writer:
        for doc in docs:
            writer.add(doc)
        writer.finish(summary={"documents": writer.n_written})
    return writer


def test_shards_manifest_and_reading(nlp, tmp_path):
    docs = make_docs(nlp, 25)
    writer = write_all(tmp_path / "out", docs, count_fn=lambda d: {"gold": len(d.spans["gold"])})
    assert [p.name for p in writer.files] == ["shard-00000.spacy", "shard-00001.spacy", "shard-00002.spacy"]
    manifest = read_manifest(tmp_path / "out")
    assert manifest["complete"] and manifest["docs"] == 25
    assert [s["docs"] for s in manifest["shards"]] == [10, 10, 5]
    assert writer.counts == {"gold": 25}
    assert manifest["summary"] == {"documents": 25}
    assert sig(read_docs(tmp_path / "out", nlp.vocab)) == sig(docs)
    assert count_docs(tmp_path / "out") == 25
    # a list of sources, and a single .spacy file
    assert len(list(read_docs([tmp_path / "out", writer.files[0]], nlp.vocab))) == 35
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "manifest.json", "shard-00000.spacy", "shard-00001.spacy", "shard-00002.spacy",
    ]


def test_resume_after_crash_is_identical(nlp, tmp_path):
    docs = make_docs(nlp, 37)
    write_all(tmp_path / "ref", docs)

    def crashing(limit):
        for i, doc in enumerate(docs):
            if i == limit:
                raise KeyboardInterrupt
            yield doc

    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        with ShardWriter(out, settings={"run": 1}, shard_size=10) as writer:
            writer.add_all(crashing(23))
    assert read_manifest(out)["docs"] == 20 and not read_manifest(out)["complete"]
    # what a kill -9 between a shard's rename and the manifest update leaves behind:
    # the manifest names the shard as pending, the shard is there; plus the
    # writer's temporary manifest, and a file of someone else that is left alone
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["pending"] = "shard-00002.spacy"
    (out / "manifest.json").write_text(json.dumps(manifest))
    DocBin(docs=docs[20:30]).to_disk(out / "shard-00002.spacy")
    (out / ".manifest.json.tmp").write_bytes(b"partial")
    (out / ".shard-00003.spacy.abc123.tmp").write_bytes(b"not ours")
    writer = ShardWriter(out, settings={"run": 1}, shard_size=10)
    assert writer.n_done == 20 and writer.resumed and not writer.complete
    assert sorted(p.name for p in out.iterdir()) == [
        ".shard-00003.spacy.abc123.tmp", "manifest.json", "shard-00000.spacy", "shard-00001.spacy",
    ]
    assert (out / ".shard-00003.spacy.abc123.tmp").read_bytes() == b"not ours"
    for doc in docs[writer.n_done :]:
        writer.add(doc)
    writer.finish(summary={"documents": writer.n_written})
    assert sig(read_docs(out, nlp.vocab)) == sig(read_docs(tmp_path / "ref", nlp.vocab))
    assert read_manifest(out) == read_manifest(tmp_path / "ref")
    for a, b in zip(docbin_files(out), docbin_files(tmp_path / "ref")):
        assert a.read_bytes() == b.read_bytes()


def test_settings_mismatch_refused_when_unfinished(nlp, tmp_path):
    with ShardWriter(tmp_path / "o", settings={"run": 1}, shard_size=2) as writer:
        writer.add_all(make_docs(nlp, 5))  # not finished
    with pytest.raises(SpacyWeakError, match=r"E250.*unfinished.*run: 1 there, 2 now"):
        ShardWriter(tmp_path / "o", settings={"run": 2}, shard_size=2)
    with pytest.raises(SpacyWeakError, match="E250.*shard_size"):
        ShardWriter(tmp_path / "o", settings={"run": 1}, shard_size=3)
    writer = ShardWriter(tmp_path / "o", settings={"run": 2}, shard_size=2, overwrite=True)
    assert writer.n_done == 0 and not writer.complete
    assert [p.name for p in (tmp_path / "o").iterdir()] == ["manifest.json"]


def test_complete_run_with_other_settings_is_replaced(nlp, tmp_path):
    write_all(tmp_path / "o", make_docs(nlp, 25))
    with pytest.warns(UserWarning, match=r"W251.*run differs"):
        writer = ShardWriter(tmp_path / "o", settings={"run": 2}, shard_size=10)
    assert writer.n_done == 0 and not writer.complete
    assert [p.name for p in (tmp_path / "o").iterdir()] == ["manifest.json"]
    assert read_manifest(tmp_path / "o")["settings"] == {"run": 2}


def test_complete_run_takes_no_more_docs(nlp, tmp_path):
    write_all(tmp_path / "o", make_docs(nlp, 3))
    writer = ShardWriter(tmp_path / "o", settings={"run": 1}, shard_size=10)
    assert writer.complete and writer.n_done == 3
    with pytest.raises(SpacyWeakError, match="E254"):
        writer.add(make_docs(nlp, 1)[0])


def test_bad_directories(nlp, tmp_path):
    (tmp_path / "a").mkdir()
    DocBin(docs=make_docs(nlp, 2)).to_disk(tmp_path / "a" / "shard-00000.spacy")
    with pytest.raises(SpacyWeakError, match="E251"):
        ShardWriter(tmp_path / "a", shard_size=10)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "manifest.json").write_text("{not json")
    with pytest.raises(SpacyWeakError, match="E252"):
        ShardWriter(tmp_path / "b", shard_size=10)
    write_all(tmp_path / "c", make_docs(nlp, 12))
    (tmp_path / "c" / "shard-00000.spacy").unlink()
    with pytest.raises(SpacyWeakError, match="E253"):
        ShardWriter(tmp_path / "c", settings={"run": 1}, shard_size=10)
    with pytest.raises(SpacyWeakError, match="E257"):
        ShardWriter(tmp_path / "d", shard_size=0)
    (tmp_path / "e").mkdir()
    with pytest.raises(SpacyWeakError, match="E216"):
        list(read_docs(tmp_path / "e", nlp.vocab))
    with pytest.raises(SpacyWeakError, match="E200"):
        list(read_docs(tmp_path / "nope", nlp.vocab))


def test_truncated_docbin(nlp, tmp_path):
    path = tmp_path / "x.spacy"
    DocBin(docs=make_docs(nlp, 5)).to_disk(path)
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(SpacyWeakError, match=r"E215.*x.spacy"):
        list(read_docs(path, nlp.vocab))


def test_reading_incomplete_run_warns(nlp, tmp_path):
    with ShardWriter(tmp_path / "o", shard_size=2) as writer:
        writer.add_all(make_docs(nlp, 5))
    with pytest.warns(UserWarning, match=r"W201.*4 documents so far"):
        assert len(list(read_docs(tmp_path / "o", nlp.vocab))) == 4


def test_docbin_from_another_vocab(nlp, tmp_path):
    other = spacy.blank("en")
    path = tmp_path / "o.spacy"
    DocBin(docs=[Doc(other.vocab, words=["Zyzzyvaxol", "works"])]).to_disk(path)
    doc = next(read_docs(path, nlp.vocab))
    assert doc.text == "Zyzzyvaxol works " and doc.vocab is nlp.vocab


def test_input_fingerprint_follows_content_not_mtime(tmp_path):
    path = tmp_path / "in.txt"
    path.write_text("ab")
    first = input_fingerprint(path)
    path.write_text("ab")  # rewritten identically (new mtime)
    assert input_fingerprint(path) == first
    path.write_text("ac")
    assert input_fingerprint(path) != first
    assert json.loads(json.dumps(first)) == first


def test_shards_written_elsewhere_are_reserved_then_recorded(tmp_path):
    """reserve/record (what the Dask apply does): reserved shards are pending in the
    manifest; after a kill the next run deletes them (its own files) and resumes."""
    from spacy_weak.io import write_bytes_atomic

    nlp = spacy.blank("en")
    out = tmp_path / "out"

    def shard_bytes(texts):
        db = DocBin()
        for t in texts:
            db.add(nlp(t))
        return db.to_bytes()

    writer = ShardWriter(out, settings={"a": 1}, shard_size=2)
    paths = [writer.reserve(k) for k in (0, 1, 2)]
    assert read_manifest(out)["pending"] == ["shard-00000.spacy", "shard-00001.spacy", "shard-00002.spacy"]
    write_bytes_atomic(paths[1], shard_bytes(["c", "d"]))  # out of order
    with pytest.raises(SpacyWeakError, match="E253"):
        writer.record("shard-00001.spacy", 2, {})  # not the next shard
    write_bytes_atomic(paths[0], shard_bytes(["a", "b"]))
    writer.record("shard-00000.spacy", 2, {"docs": 2})
    writer.record("shard-00001.spacy", 2, {"docs": 2})
    write_bytes_atomic(paths[2], shard_bytes(["e"]))
    manifest = read_manifest(out)
    assert manifest["docs"] == 4 and manifest["pending"] == ["shard-00002.spacy"]
    with pytest.raises(SpacyWeakError, match="E253"):
        writer.finish()  # a reserved shard was never recorded
    writer.close()  # as after kill -9: shard 2 is on disk, pending
    with ShardWriter(out, settings={"a": 1}, shard_size=2) as again:
        assert again.n_done == 4
        assert not (out / "shard-00002.spacy").exists()  # pending: deleted, it will be redone
        again.add(nlp("e"))
        again.finish()
    assert [d.text for d in read_docs(out, nlp.vocab)] == ["a", "b", "c", "d", "e"]
    assert read_manifest(out)["pending"] is None
