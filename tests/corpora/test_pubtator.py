import warnings

import pytest
import spacy
from spacy.tokens import DocBin

from spacy_weak.corpora import ReadStats, get_doc_id, sample_path
from spacy_weak.corpora.pubtator import parse_pubtator, read_pubtator, write_pubtator
from spacy_weak.errors import SpacyWeakError

TITLE = "Naloxone reverses the antihypertensive effect of clonidine."
ABSTRACT = "In rats, clonidine lowered blood pressure; naloxone reversed hypotension."
TEXT = TITLE + " " + ABSTRACT


def mention(pmid, word, label, kb_id, text=TEXT, nth=0):
    start = -1
    for _ in range(nth + 1):
        start = text.index(word, start + 1)
    return f"{pmid}\t{start}\t{start + len(word)}\t{word}\t{label}\t{kb_id}"


@pytest.fixture(scope="module")
def nlp():
    return spacy.blank("en")


@pytest.fixture
def pubtator_file(tmp_path):
    lines = [
        f"227508|t|{TITLE}",
        f"227508|a|{ABSTRACT}",
        mention("227508", "Naloxone", "Chemical", "D009270"),
        mention("227508", "clonidine", "Chemical", "D003000"),
        mention("227508", "hypotension", "Disease", "D007022"),
        "227508\tCID\tD009270\tD007022",
        "",
        "42|t|A title only.",
        "",
    ]
    path = tmp_path / "sample.PubTator.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_parse_text_is_title_space_abstract(pubtator_file):
    records = list(parse_pubtator(pubtator_file))
    assert [r.pmid for r in records] == ["227508", "42"]
    assert records[0].text == TEXT
    assert records[1].text == "A title only."
    assert [(m.label, m.kb_id, m.line) for m in records[0].mentions] == [
        ("Chemical", "D009270", 3),
        ("Chemical", "D003000", 4),
        ("Disease", "D007022", 5),
    ]


def test_read_gold_spans_ents_and_doc_id(pubtator_file, nlp):
    stats = ReadStats()
    docs = list(read_pubtator(pubtator_file, nlp, stats=stats))
    doc = docs[0]
    assert doc.text == TEXT
    gold = doc.spans["gold"]
    assert [(s.text, s.label_, s.kb_id_) for s in gold] == [
        ("Naloxone", "Chemical", "D009270"),
        ("clonidine", "Chemical", "D003000"),
        ("hypotension", "Disease", "D007022"),
    ]
    assert [(e.text, e.label_, e.kb_id_) for e in doc.ents] == [(s.text, s.label_, s.kb_id_) for s in gold]
    assert all(t.ent_iob_ in ("B", "I", "O") for t in doc)  # fully annotated: no missing tags
    assert get_doc_id(doc) == "227508"
    assert get_doc_id(docs[1]) == "42" and len(docs[1].spans["gold"]) == 0
    assert stats.docs == 2 and stats.entities == {"Chemical": 2, "Disease": 1}
    assert stats.exact == 3 and stats.fixed == stats.dropped == 0


def test_doc_id_and_gold_survive_docbin_without_user_data(pubtator_file, nlp):
    docs = list(read_pubtator(pubtator_file, nlp))
    data = DocBin(store_user_data=False, docs=docs).to_bytes()
    back = list(DocBin().from_bytes(data).get_docs(nlp.vocab))
    assert [get_doc_id(d) for d in back] == ["227508", "42"]
    assert [(s.text, s.kb_id_) for s in back[0].spans["gold"]] == [(s.text, s.kb_id_) for s in docs[0].spans["gold"]]
    assert back[0].spans["gold"].attrs["title_end"] == len(TITLE)


def test_label_map_and_keep_only(pubtator_file, nlp):
    stats = ReadStats()
    docs = list(read_pubtator(pubtator_file, nlp, label_map={"Chemical": "Drug"}, labels=["Drug"], stats=stats))
    assert [s.label_ for s in docs[0].spans["gold"]] == ["Drug", "Drug"]
    assert stats.excluded == {"Disease": 1}
    stats = ReadStats()
    docs = list(read_pubtator(pubtator_file, nlp, label_map={"Disease": None}, stats=stats))
    assert [s.label_ for s in docs[0].spans["gold"]] == ["Chemical", "Chemical"]
    assert stats.excluded == {"Disease": 1}


def test_misaligned_spans_fixed_or_dropped_and_counted(tmp_path, nlp):
    text = "Na+-K+ pump and xenon-133 uptake."
    lines = [
        f"7|t|{text}",
        f"7\t{text.index('xenon')}\t{text.index('xenon') + 5}\txenon\tChemical\tX",
        f"7\t{text.index('pump')}\t{text.index('pump') + 4}\tpump\tOther\tY",
    ]
    path = tmp_path / "m.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    stats = ReadStats()
    doc = next(iter(read_pubtator(path, nlp, stats=stats)))
    assert [s.text for s in doc.spans["gold"]] == ["pump", "xenon-133"]
    assert (stats.exact, stats.fixed, stats.dropped) == (1, 1, 0)
    assert "xenon-133" in stats.examples[0] and "m.txt:2" in stats.examples[0]
    stats = ReadStats()
    with pytest.warns(UserWarning, match=r"W200.*1 of 2 gold spans"):
        doc = list(read_pubtator(path, nlp, alignment_mode="contract", stats=stats))[0]
    assert [s.text for s in doc.spans["gold"]] == ["pump"]
    assert (stats.exact, stats.fixed, stats.dropped) == (1, 0, 1)
    with pytest.warns(UserWarning, match="W200"):
        list(read_pubtator(path, nlp, alignment_mode="strict"))
    with pytest.raises(SpacyWeakError, match="E212"):
        list(read_pubtator(path, nlp, alignment_mode="loose"))


@pytest.mark.parametrize(
    "lines,code,line",
    [
        ([f"1|t|{TITLE}", "1\t0\t8\tNaloxonX\tChemical\tD1"], "E203", 2),
        ([f"1|t|{TITLE}", "1\t0\t999\tNaloxone\tChemical\tD1"], "E204", 2),
        ([f"1|t|{TITLE}", "1\t0\t8\tNaloxone"], "E202", 2),
        ([f"1|t|{TITLE}", "1\tx\ty\tNaloxone\tChemical\tD1"], "E202", 2),
        ([f"1|t|{TITLE}", "2\t0\t8\tNaloxone\tChemical\tD1"], "E205", 2),
        (["1\t0\t8\tNaloxone\tChemical\tD1"], "E205", 1),
        ([f"1|t|{TITLE}", "just some text"], "E202", 2),
        ([f"1|t|{TITLE}", f"1|a|{ABSTRACT}", f"1|a|{ABSTRACT}"], "E202", 3),
    ],
)
def test_bad_pubtator_lines_name_file_and_line(tmp_path, nlp, lines, code, line):
    path = tmp_path / "bad.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SpacyWeakError, match=rf"{code}.*bad.txt line {line}"):
        list(read_pubtator(path, nlp))


def test_not_utf8_names_line(tmp_path, nlp):
    path = tmp_path / "latin1.txt"
    path.write_bytes(f"1|t|{TITLE}\n".encode() + "2|t|Caf\u00e9\n".encode("latin-1"))
    with pytest.raises(SpacyWeakError, match=r"E201.*latin1.txt line 2"):
        list(read_pubtator(path, nlp))


def test_missing_file(tmp_path, nlp):
    with pytest.raises(SpacyWeakError, match="E200"):
        list(read_pubtator(tmp_path / "nope.txt", nlp))


def test_bom_and_crlf(tmp_path, nlp):
    path = tmp_path / "crlf.txt"
    text = f"1|t|{TITLE}\r\n1|a|{ABSTRACT}\r\n" + mention("1", "naloxone", "Chemical", "D1") + "\r\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    doc = next(iter(read_pubtator(path, nlp)))
    assert doc.text == TEXT
    assert [s.text for s in doc.spans["gold"]] == ["naloxone"]
    assert get_doc_id(doc) == "1"


def test_duplicate_pmid_warns(tmp_path, nlp):
    path = tmp_path / "dup.txt"
    path.write_text("5|t|One.\n\n5|t|Two.\n", encoding="utf-8")
    with pytest.warns(UserWarning, match=r"W205.*dup.txt line 3"):
        docs = list(read_pubtator(path, nlp))
    assert len(docs) == 2


def test_write_pubtator_round_trip(pubtator_file, nlp, tmp_path):
    docs = list(read_pubtator(pubtator_file, nlp))
    out = tmp_path / "out.txt"
    assert write_pubtator(docs, out) == 2
    again = list(read_pubtator(out, nlp))
    assert [d.text for d in again] == [d.text for d in docs]
    assert [[(s.start_char, s.end_char, s.label_, s.kb_id_) for s in d.spans["gold"]] for d in again] == [
        [(s.start_char, s.end_char, s.label_, s.kb_id_) for s in d.spans["gold"]] for d in docs
    ]


def test_embedded_sample_counts(nlp):
    stats = ReadStats()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the sample aligns exactly: no warning
        docs = list(read_pubtator(sample_path(), nlp, stats=stats))
    assert len(docs) == 40
    assert stats.entities == {"Chemical": 326, "Disease": 283}
    assert stats.fixed == stats.dropped == 0
    assert get_doc_id(docs[0]) == "227508"
