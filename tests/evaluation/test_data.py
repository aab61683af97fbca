"""Collecting a corpus into arrays; streaming DocBins (files, shard directories)."""
import pytest
from spacy.tokens import Span

from spacy_weak.errors import SpacyWeakError
from spacy_weak.evaluation.data import collect, ents_array, read_docbins

from .corpora import make_span_corpus
from .corpora import write_docbin as _write


def test_read_docbins_files_and_shard_directories(nlp, tmp_path):
    docs = make_span_corpus(nlp)
    (tmp_path / "shards").mkdir()
    _write(docs[:1], tmp_path / "shards" / "a.spacy")
    _write(docs[1:], tmp_path / "shards" / "b.spacy")
    read = list(read_docbins(tmp_path / "shards"))
    assert [d.text for d in read] == [d.text for d in docs]
    # span groups, attrs and probabilities survive
    assert read[0].spans["silver"].attrs["probs"] == [0.9, 0.6]
    assert len(list(read_docbins([tmp_path / "shards" / "a.spacy", tmp_path / "shards" / "b.spacy"]))) == 2


def test_read_docbins_errors(tmp_path):
    with pytest.raises(SpacyWeakError, match="E150"):
        list(read_docbins(tmp_path / "missing.spacy"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(SpacyWeakError, match="E216"):
        list(read_docbins(tmp_path / "empty"))
    bad = tmp_path / "bad.spacy"
    bad.write_bytes(b"not a docbin")
    with pytest.raises(SpacyWeakError, match="E215"):
        list(read_docbins(bad))


def test_ents_array_equals_doc_ents(nlp):
    doc = nlp("a b c d e f")
    assert ents_array(doc) is None  # no entity annotation at all
    doc.ents = [Span(doc, 0, 2, "X"), Span(doc, 2, 3, "Y"), Span(doc, 4, 6, "X")]
    assert ents_array(doc) == [(e.start, e.end, e.label_) for e in doc.ents]
    doc.ents = []
    assert ents_array(doc) == []


def test_doc_ents_as_aggregate_and_as_gold(nlp):
    docs = make_span_corpus(nlp)
    docs[0].ents = [Span(docs[0], 0, 1, "Chemical")]
    docs[1].ents = []
    data = collect(docs, gold_key="gold", aggregates=["silver", "ents"])
    assert data.aggregates == ["silver", "ents"]
    assert len(data.tables["ents"]) == 1
    data = collect(docs, gold_key="ents")
    assert len(data.gold) == 1 and data.has_gold.tolist() == [True, True]
    assert "gold" not in data.sources  # gold is never a source by default (issue 26)...
    assert "gold" in collect(docs, gold_key="ents", sources=["a", "gold"]).sources  # ... only when named


def test_words_are_kept_for_rendering(nlp):
    docs = make_span_corpus(nlp)
    data = collect(docs)
    words, spaces = data.words(0)
    assert words == [t.text for t in docs[0]]
    assert data.text(1) == docs[1].text


def test_unknown_requested_source_warns(nlp):
    docs = make_span_corpus(nlp)
    with pytest.warns(UserWarning, match="W151"):
        collect(docs, sources=["a", "nope"])


def test_probs_length_mismatch_warns(nlp):
    docs = make_span_corpus(nlp)
    docs[0].spans["silver"].attrs["probs"] = [0.5]
    with pytest.warns(UserWarning, match="W150"):
        data = collect(docs)
    assert data.tables["silver"].prob.tolist() == [1.0, 1.0]


def test_reader_gold_group_is_detected_and_never_a_source(nlp):
    """Corpus readers mark gold with attrs["gold"] = True and keep the doc id there."""
    docs = make_span_corpus(nlp)
    for k, doc in enumerate(docs):
        doc.spans["gold"].attrs.update({"gold": True, "doc_id": f"pmid{k}"})
    data = collect(docs)
    assert data.sources == ["a", "b", "c"]
    assert data.has_gold.tolist() == [True, True] and len(data.gold) == 2
    assert data.doc_ids == ["pmid0", "pmid1"]
    # with gold elsewhere the marked group is skipped, not analysed as a source
    with pytest.warns(UserWarning, match="W152"):  # no doc.ents annotation in these docs
        data = collect(docs, gold_key="ents")
    assert "gold" not in data.sources


def test_gold_ids_must_match(nlp):
    docs = make_span_corpus(nlp)
    gold = [nlp(d.text) for d in docs]
    for k, (doc, g) in enumerate(zip(docs, gold)):
        doc.spans["gold"].attrs["doc_id"] = f"id{k}"
        g.spans["gold"] = []
        g.spans["gold"].attrs.update({"gold": True, "doc_id": f"other{k}"})
    with pytest.raises(SpacyWeakError, match="E152"):
        collect(docs, gold_docs=gold)
