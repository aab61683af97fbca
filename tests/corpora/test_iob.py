import pytest
import spacy

from spacy_weak.corpora import ReadStats, get_doc_id
from spacy_weak.corpora.iob import read_iob
from spacy_weak.errors import SpacyWeakError


@pytest.fixture(scope="module")
def nlp():
    return spacy.blank("en")


def iob(tmp_path, text, name="c.tsv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


SENTENCES = "Naloxone\tB-Chemical\nreverses\tO\nhigh\tB-Disease\npressure\tI-Disease\n.\tO\n\nIt\tO\nworks\tO\n"


def test_one_doc_per_sentence_without_docstart(tmp_path, nlp):
    stats = ReadStats()
    docs = list(read_iob(iob(tmp_path, SENTENCES), nlp, stats=stats))
    assert [d.text for d in docs] == ["Naloxone reverses high pressure .", "It works"]
    assert [(e.text, e.label_) for e in docs[0].ents] == [("Naloxone", "Chemical"), ("high pressure", "Disease")]
    assert [(s.text, s.label_) for s in docs[0].spans["gold"]] == [(e.text, e.label_) for e in docs[0].ents]
    assert [get_doc_id(d) for d in docs] == ["c.tsv:1", "c.tsv:7"]
    assert stats.entities == {"Chemical": 1, "Disease": 1} and stats.docs == 2


def test_docstart_and_sentences_per_doc(tmp_path, nlp):
    text = "-DOCSTART- -X- O O\n\n" + SENTENCES + "\n-DOCSTART- -X- O O\n\nFever\tB-Disease\n"
    docs = list(read_iob(iob(tmp_path, text), nlp))
    assert [d.text for d in docs] == ["Naloxone reverses high pressure . It works", "Fever"]
    assert [t.is_sent_start for t in docs[0]] == [True, False, False, False, False, True, False]
    docs = list(read_iob(iob(tmp_path, SENTENCES + "\nA\tO\n"), nlp, sentences_per_doc=2))
    assert [len(list(d.sents)) for d in docs] == [2, 1]
    docs = list(read_iob(iob(tmp_path, text), nlp, doc_boundary="sentence"))
    assert len(docs) == 3


def test_whitespace_columns_and_bioes(tmp_path, nlp):
    text = "EU NNP B-NP S-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP B-MISC\ncall NN I-NP E-MISC\n"
    doc = list(read_iob(iob(tmp_path, text), nlp))[0]
    assert [(e.text, e.label_) for e in doc.ents] == [("EU", "ORG"), ("German call", "MISC")]


def test_i_after_o_strict_is_an_error_with_line(tmp_path, nlp):
    text = "a\tO\nb\tI-Disease\n"
    with pytest.raises(SpacyWeakError, match=r"E213.*bad.tsv line 2.*follows O"):
        list(read_iob(iob(tmp_path, text, "bad.tsv"), nlp))
    text = "a\tB-Chemical\nb\tI-Disease\n"
    with pytest.raises(SpacyWeakError, match=r"E213.*line 2.*'Chemical'"):
        list(read_iob(iob(tmp_path, text, "bad.tsv"), nlp))


def test_fix_mode_repairs_and_counts(tmp_path, nlp):
    text = "a\tO\nb\tI-Disease\nc\tI-Disease\nd\tB-Chemical\ne\tI-Disease\n"
    stats = ReadStats()
    with pytest.warns(UserWarning, match=r"W203.*2 invalid IOB transitions"):
        doc = list(read_iob(iob(tmp_path, text), nlp, mode="fix", stats=stats))[0]
    assert [(e.text, e.label_) for e in doc.ents] == [("b c", "Disease"), ("d", "Chemical"), ("e", "Disease")]
    assert stats.repaired_tags == 2


@pytest.mark.parametrize(
    "text,code",
    [("a\tX-Disease\n", "E211"), ("a\tB-\n", "E211"), ("lonely\n", "E210"), ("a\tO\n\tO\n", "E210")],
)
def test_bad_lines(tmp_path, nlp, text, code):
    with pytest.raises(SpacyWeakError, match=rf"{code}.*c.tsv line"):
        list(read_iob(iob(tmp_path, text), nlp))


def test_label_map(tmp_path, nlp):
    stats = ReadStats()
    doc = list(read_iob(iob(tmp_path, SENTENCES), nlp, label_map={"Disease": None}, stats=stats))[0]
    assert [e.label_ for e in doc.ents] == ["Chemical"]
    assert stats.excluded == {"Disease": 1}
    with pytest.raises(SpacyWeakError, match="E212"):
        list(read_iob(iob(tmp_path, SENTENCES), nlp, mode="repair"))
