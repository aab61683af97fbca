import pytest
import spacy

from spacy_weak.corpora import detect_format, read_corpus
from spacy_weak.corpora.formats import (
    CONVERT_FORMATS,
    FORMAT_TABLE,
    FORMATS,
    convert_reader_options,
    format_help,
    get_format,
)
from spacy_weak.errors import SpacyWeakError


def test_the_table_drives_the_format_lists():
    assert FORMATS == ("auto", *FORMAT_TABLE)
    assert {"docbin", "pubtator", "bioc", "iob", "jsonl", "table", "text"} == set(FORMAT_TABLE)
    assert CONVERT_FORMATS == ("pubtator", "bioc", "iob")
    assert format_help(convert=True) == "pubtator (PubTator), bioc (BioC XML) or iob (CoNLL/IOB)"
    assert format_help(auto=True).startswith("auto, docbin (") and "table (CSV/TSV" in format_help()
    with pytest.raises(SpacyWeakError, match=r"E212.*'table'.*pubtator, bioc, iob"):
        get_format("table", CONVERT_FORMATS)


def test_convert_options_per_format():
    values = dict(label_map="A=B,C=", labels="B", alignment_mode="strict", discontinuous="cover", fix=True,
                  sentences_per_doc=None)
    common = {"label_map": {"A": "B", "C": None}, "labels": ["B"]}
    assert convert_reader_options("pubtator", **values) == dict(common, alignment_mode="strict")
    assert convert_reader_options("bioc", **values) == dict(common, alignment_mode="strict", discontinuous="cover")
    assert convert_reader_options("iob", **values) == dict(common, mode="fix")
    assert convert_reader_options("iob", **dict(values, sentences_per_doc=3, fix=False, labels=None)) == {
        "label_map": {"A": "B", "C": None}, "labels": None, "mode": "strict", "sentences_per_doc": 3}
    with pytest.raises(SpacyWeakError, match="E258"):
        convert_reader_options("pubtator", label_map="A")
    with pytest.raises(SpacyWeakError, match="E212"):
        convert_reader_options("brat")


def test_tables_and_plain_text_are_read_corpus_formats(tmp_path):
    nlp = spacy.blank("en")
    table = tmp_path / "t.csv"
    table.write_text("text,label\ngood film,POS\nbad film,NEG\n", encoding="utf-8")
    assert detect_format(table) == "table"
    docs = list(read_corpus(table, nlp))
    assert [(d.text, d.cats) for d in docs] == [("good film", {"NEG": 0.0, "POS": 1.0}), ("bad film", {"NEG": 1.0, "POS": 0.0})]
    assert [d.text for d in read_corpus(table, nlp, format="table", label_column=None)] == ["good film", "bad film"]
    tsv_iob = tmp_path / "i.tsv"
    tsv_iob.write_text("Aspirin\tB-Chemical\n", encoding="utf-8")
    assert detect_format(tsv_iob) == "iob"  # the content is sniffed before the name
    text = tmp_path / "notes.txt"
    text.write_text("first note\n\nsecond note\n", encoding="utf-8")
    with pytest.raises(SpacyWeakError, match=r"E214.*text"):  # plain text is never guessed
        detect_format(text)
    docs = list(read_corpus(text, nlp, format="text"))
    assert [(d.text, d.user_data["meta"]) for d in docs] == [
        ("first note", {"path": "notes.txt", "line": 1}), ("second note", {"path": "notes.txt", "line": 3})]
