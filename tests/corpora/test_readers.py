import pytest
import spacy
from spacy.tokens import DocBin

from spacy_weak.corpora import detect_format, read_corpus, sample_path
from spacy_weak.errors import SpacyWeakError


def test_detect_format(tmp_path):
    (tmp_path / "p.txt").write_text("\ufeff123|t|Title\n123|a|Abstract\n", encoding="utf-8")
    (tmp_path / "b.xml").write_text("<?xml version='1.0'?><collection/>", encoding="utf-8")
    (tmp_path / "i.tsv").write_text("Aspirin\tB-Chemical\n", encoding="utf-8")
    (tmp_path / "c.conll").write_text("-DOCSTART- -X- O O\n", encoding="utf-8")
    (tmp_path / "x.txt").write_text("just prose here\n", encoding="utf-8")
    DocBin().to_disk(tmp_path / "d.spacy")
    assert detect_format(tmp_path / "p.txt") == "pubtator"
    assert detect_format(sample_path()) == "pubtator"
    assert detect_format(tmp_path / "b.xml") == "bioc"
    assert detect_format(tmp_path / "i.tsv") == "iob"
    assert detect_format(tmp_path / "c.conll") == "iob"
    assert detect_format(tmp_path / "d.spacy") == "docbin"
    assert detect_format(tmp_path) == "docbin"
    with pytest.raises(SpacyWeakError, match="E214"):
        detect_format(tmp_path / "x.txt")
    with pytest.raises(SpacyWeakError, match="E200"):
        detect_format(tmp_path / "missing.txt")


def test_read_corpus_dispatch(tmp_path):
    nlp = spacy.blank("en")
    docs = list(read_corpus(sample_path(), nlp, labels=["Disease"]))
    assert len(docs) == 40 and {s.label_ for d in docs for s in d.spans["gold"]} == {"Disease"}
    DocBin(docs=docs[:3]).to_disk(tmp_path / "d.spacy")
    assert [d.text for d in read_corpus(tmp_path / "d.spacy", nlp)] == [d.text for d in docs[:3]]
    with pytest.raises(SpacyWeakError, match="E212"):
        read_corpus(sample_path(), nlp, format="csv")


@pytest.mark.parametrize("fmt,content", [("pubtator", ""), ("bioc", "<collection></collection>"), ("iob", "\n\n")])
def test_empty_corpus_warns(tmp_path, fmt, content):
    path = tmp_path / "empty.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.warns(UserWarning, match=r"W207.*empty.txt"):
        assert list(read_corpus(path, spacy.blank("en"), format=fmt)) == []
