import warnings

import pytest
import spacy
from spacy.tokens import DocBin

from spacy_weak.corpora.tabular_text import (
    detect_delimiter,
    expand_paths,
    read_tabular_records,
    read_tabular_text,
    tabular_to_docbin,
)
from spacy_weak.errors import SpacyWeakError

# the YouTube spam format: COMMENT_ID,AUTHOR,DATE,CONTENT,label (1 = spam)
YOUTUBE = (
    "COMMENT_ID,AUTHOR,DATE,CONTENT,label\n"
    'a1,Ann,2013-11-07,"Huh, anyway check out this channel: kobyoshi02",1\n'
    "a2,Bob,2013-11-08,i love this song\ufeff,0\n"
    'a3,Cy,2013-11-09,"two\nlines, quoted",0\n'
    "a4,Dee,2013-11-10,Subscribe to my channel,1\n"
)


@pytest.fixture
def nlp():
    return spacy.blank("en")


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_youtube_format_gold_cats(nlp, tmp_path):
    path = write(tmp_path, "yt.csv", YOUTUBE)
    docs = list(
        read_tabular_text(
            nlp, path, text_column="CONTENT", label_column="label", id_column="COMMENT_ID",
            label_map={"1": "SPAM", "0": "HAM"},
        )
    )
    assert [d.text for d in docs] == [
        "Huh, anyway check out this channel: kobyoshi02", "i love this song\ufeff", "two\nlines, quoted",
        "Subscribe to my channel",
    ]
    assert [d.cats for d in docs] == [
        {"HAM": 0.0, "SPAM": 1.0}, {"HAM": 1.0, "SPAM": 0.0}, {"HAM": 1.0, "SPAM": 0.0}, {"HAM": 0.0, "SPAM": 1.0},
    ]
    # physical start line of each record, multi-line quoted field counted
    assert [d.user_data["tabular"]["line"] for d in docs] == [2, 3, 4, 6]
    assert docs[0].user_data["tabular"]["id"] == "a1"


def test_tsv_autodetect_and_labels_from_data(nlp, tmp_path):
    path = write(tmp_path, "news.tsv", "label\ttext\nsport\tA goal, late.\npolitics\tVote; now\n")
    assert detect_delimiter(path) == "\t"
    docs = list(read_tabular_text(nlp, path))
    assert [d.cats for d in docs] == [{"politics": 0.0, "sport": 1.0}, {"politics": 1.0, "sport": 0.0}]


def test_semicolon_and_explicit_delimiter(nlp, tmp_path):
    path = write(tmp_path, "x.txt", "Text;Label\nbonjour, monde;pos\n")
    assert detect_delimiter(path) == ";"
    # column names are matched case-insensitively when unambiguous
    docs = list(read_tabular_text(nlp, path, delimiter=";"))
    assert docs[0].text == "bonjour, monde" and docs[0].cats == {"pos": 1.0}


def test_multilabel(nlp, tmp_path):
    path = write(tmp_path, "m.csv", 'text,labels\n"a b","X|Y"\nc,Y\nd,\n')
    docs = list(
        read_tabular_text(nlp, path, label_column="labels", label_separator="|", exclusive=False, labels=["X", "Y", "Z"])
    )
    assert [d.cats for d in docs] == [
        {"X": 1.0, "Y": 1.0, "Z": 0.0}, {"X": 0.0, "Y": 1.0, "Z": 0.0}, {"X": 0.0, "Y": 0.0, "Z": 0.0},
    ]


def test_unlabelled_corpus(nlp, tmp_path):
    path = write(tmp_path, "u.csv", "text\nhello\nworld\n")
    docs = list(read_tabular_text(nlp, path, label_column=None))
    assert [d.text for d in docs] == ["hello", "world"] and all(d.cats == {} for d in docs)


def test_folder_and_glob(nlp, tmp_path):
    write(tmp_path, "b.csv", "text,label\nsecond,1\n")
    write(tmp_path, "a.csv", "text,label\nfirst,0\n")
    assert [p.name for p in expand_paths(tmp_path)] == ["a.csv", "b.csv"]
    assert [p.name for p in expand_paths(str(tmp_path / "*.csv"))] == ["a.csv", "b.csv"]
    assert [d.text for d in read_tabular_text(nlp, tmp_path)] == ["first", "second"]


def test_label_map_drop_skip_keep(tmp_path):
    path = write(tmp_path, "l.csv", "text,label\na,1\nb,2\nc,0\n")
    recs = list(read_tabular_records(path, label_map={"1": "POS", "0": None}, unknown_label="skip"))
    assert [(r.text, r.labels) for r in recs] == [("a", ["POS"]), ("c", [])]
    recs = list(read_tabular_records(path, label_map={"1": "POS"}, unknown_label="keep"))
    assert [r.labels for r in recs] == [["POS"], ["2"], ["0"]]


def test_docbin_roundtrip(nlp, tmp_path):
    path = write(tmp_path, "yt.csv", YOUTUBE)
    out = tmp_path / "out" / "train.spacy"
    n = tabular_to_docbin(nlp, path, out, text_column="CONTENT", label_map={"1": "SPAM", "0": "HAM"})
    assert n == 4
    docs = list(DocBin().from_disk(out).get_docs(nlp.vocab))
    assert docs[3].cats == {"HAM": 0.0, "SPAM": 1.0}


# ------------------------------------------------------------------ errors


def test_missing_file(nlp, tmp_path):
    with pytest.raises(SpacyWeakError, match=r"E230.*nope\.csv"):
        list(read_tabular_text(nlp, tmp_path / "nope.csv"))


def test_missing_column_names_file_and_header(nlp, tmp_path):
    path = write(tmp_path, "yt.csv", YOUTUBE)
    with pytest.raises(SpacyWeakError, match=r"E231.*'text'.*yt\.csv.*'CONTENT'"):
        list(read_tabular_text(nlp, path))


def test_bad_row_names_file_line(nlp, tmp_path):
    path = write(tmp_path, "bad.csv", "text,label\nok,1\ntoo,many,fields,0\n")
    with pytest.raises(SpacyWeakError, match=r"E232.*bad\.csv line 3.*4 fields"):
        list(read_tabular_text(nlp, path))


def test_unclosed_quote_is_an_error(nlp, tmp_path):
    path = write(tmp_path, "q.csv", 'text,label\nok,1\n"never closed,0\n')
    with pytest.raises(SpacyWeakError, match=r"E232.*q\.csv line 3"):
        list(read_tabular_text(nlp, path, delimiter=","))


def test_undecodable_row(nlp, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(b"text,label\nok,1\ncaf\xe9,0\n")
    with pytest.raises(SpacyWeakError, match=r"E232.*latin\.csv.*utf-8"):
        list(read_tabular_text(nlp, path, delimiter=","))
    docs = list(read_tabular_text(nlp, path, delimiter=",", encoding="latin-1"))
    assert docs[1].text == "café"


def test_unknown_and_empty_label(nlp, tmp_path):
    path = write(tmp_path, "l.csv", "text,label\na,1\nb,7\n")
    with pytest.raises(SpacyWeakError, match=r"E234.*l\.csv line 3.*'7'"):
        list(read_tabular_text(nlp, path, label_map={"1": "POS", "0": "NEG"}))
    path = write(tmp_path, "e.csv", "text,label\na,1\nb,\n")
    with pytest.raises(SpacyWeakError, match=r"E233.*e\.csv line 3"):
        list(read_tabular_text(nlp, path))


def test_exclusive_needs_one_label(nlp, tmp_path):
    path = write(tmp_path, "m.csv", 'text,labels\n"a","X|Y"\n')
    with pytest.raises(SpacyWeakError, match=r"E237.*m\.csv line 2"):
        list(read_tabular_text(nlp, path, label_column="labels", label_separator="|"))


def test_empty_file_and_empty_text(nlp, tmp_path):
    with pytest.raises(SpacyWeakError, match="E235"):
        list(read_tabular_text(nlp, write(tmp_path, "empty.csv", "")))
    path = write(tmp_path, "t.csv", 'text,label\n"  ",1\nfine,0\n')
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        docs = list(read_tabular_text(nlp, path))
    assert [d.text for d in docs] == ["fine"]
    assert any("W230" in str(w.message) and "line 2" in str(w.message) for w in caught)


def test_bad_delimiter_option(nlp, tmp_path):
    with pytest.raises(SpacyWeakError, match="E236"):
        list(read_tabular_text(nlp, write(tmp_path, "x.csv", "text\na\n"), delimiter=",,"))


def test_registered_corpus_reader_trains_textcat(nlp, tmp_path):
    from spacy.util import registry

    path = write(tmp_path, "yt.csv", YOUTUBE)
    make = registry.readers.get("spacy_weak.TabularTextCorpus.v1")  # entry point, no import needed
    corpus = make(path=str(path), text_column="CONTENT", label_map={"1": "SPAM", "0": "HAM"}, limit=3)
    examples = list(corpus(nlp))
    assert len(examples) == 3
    assert examples[0].reference.cats == {"HAM": 0.0, "SPAM": 1.0} and examples[0].predicted.cats == {}
    textcat = nlp.add_pipe("textcat")
    nlp.initialize(lambda: corpus(nlp))
    assert sorted(textcat.labels) == ["HAM", "SPAM"]
    losses = nlp.update(list(corpus(nlp)))
    assert losses["textcat"] >= 0


def test_quoting_none_reads_quote_characters_as_text(nlp, tmp_path):
    path = write(tmp_path, "plain.tsv", 'text\tlabel\nHe said "hi\tHAM\n"quoted" start and end\tSPAM\n')
    with pytest.raises(SpacyWeakError, match="E232"):
        list(read_tabular_text(nlp, path, delimiter="\t"))
    docs = list(read_tabular_text(nlp, path, delimiter="\t", quoting="none"))
    assert [d.text for d in docs] == ['He said "hi', '"quoted" start and end']
    with pytest.raises(SpacyWeakError, match=r"E217.*quoting"):
        list(read_tabular_text(nlp, path, quoting="all"))


def test_headerless_file_columns_by_position(nlp, tmp_path):
    path = write(tmp_path, "nohead.tsv", "first text\tSPAM\nsecond text\tHAM\n")
    docs = list(read_tabular_text(nlp, path, header=False, text_column=0, label_column=1))
    assert [(d.text, d.cats) for d in docs] == [("first text", {"HAM": 0.0, "SPAM": 1.0}),
                                                ("second text", {"HAM": 1.0, "SPAM": 0.0})]
    assert [d.user_data["tabular"]["line"] for d in docs] == [1, 2]


def test_encoding_error_is_reported_on_its_own_line(nlp, tmp_path):
    # the bad byte is far past the first 8 KB block the text layer would decode ahead
    lines = [b"text,label"] + [b"row number %d,1" % i for i in range(2000)] + [b"caf\xe9,0", b"last,1"]
    path = tmp_path / "late.csv"
    path.write_bytes(b"\n".join(lines) + b"\n")
    with pytest.raises(SpacyWeakError, match=r"E232\] .*late\.csv line 2002:"):
        list(read_tabular_text(nlp, path, delimiter=","))


def test_duplicated_header_name_is_a_coded_error(nlp, tmp_path):
    path = write(tmp_path, "dup.csv", "text,label,text\na,1,b\n")
    with pytest.raises(SpacyWeakError, match=r"E218.*dup\.csv.*'text'.*1, 3"):
        list(read_tabular_text(nlp, path))
    ok = write(tmp_path, "dup_unused.csv", "text,label,x,x\na,1,b,c\n")
    assert [d.text for d in read_tabular_text(nlp, ok)] == ["a"]
