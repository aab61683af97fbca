import zipfile
from pathlib import Path

import pytest
import spacy

from spacy_weak.corpora import ReadStats, get_doc_id
from spacy_weak.corpora.bioc import read_bioc
from spacy_weak.corpora.pubtator import read_pubtator
from spacy_weak.errors import SpacyWeakError

# ../shared/data beside the repository (the development data; CI has it too)
EVAL_ZIP = Path(__file__).resolve().parents[3] / "shared" / "data" / "bc5cdr" / "BC5CDR_Evaluation-0.0.3.zip"
GOLD = "BC5CDR_Evaluation-0.0.3/data/gold/"


@pytest.fixture(scope="module")
def nlp():
    return spacy.blank("en")


def bioc(tmp_path, documents: str) -> Path:
    path = tmp_path / "c.xml"
    path.write_text(
        "<?xml version='1.0' encoding='UTF-8'?><!DOCTYPE collection SYSTEM 'BioC.dtd'>"
        f"<collection><source>test</source>{documents}</collection>",
        encoding="utf-8",
    )
    return path


def annotation(ann_id, label, locations, text, extra=""):
    locs = "".join(f"<location offset='{o}' length='{n}'/>" for o, n in locations)
    return (
        f"<annotation id='{ann_id}'><infon key='type'>{label}</infon><infon key='MESH'>M{ann_id}</infon>{extra}"
        f"{locs}<text>{text}</text></annotation>"
    )


DOC = (
    "<document><id>9</id>"
    "<passage><infon key='type'>title</infon><offset>0</offset><text>Renal and hepatic failure.</text>"
    + annotation(0, "Disease", [(0, 5), (18, 7)], "Renal failure")
    + annotation(1, "Disease", [(10, 15)], "hepatic failure")
    + "</passage><passage><infon key='type'>abstract</infon><offset>27</offset><text>Cisplatin caused it.</text>"
    + annotation(2, "Chemical", [(27, 9)], "Cisplatin")
    + "</passage></document>"
)


def test_passages_offsets_ids_and_labels(tmp_path, nlp):
    stats = ReadStats()
    with pytest.warns(UserWarning, match="W204"):
        docs = list(read_bioc(bioc(tmp_path, DOC), nlp, stats=stats))
    doc = docs[0]
    assert doc.text == "Renal and hepatic failure. Cisplatin caused it."
    assert get_doc_id(doc) == "9"
    assert [(s.text, s.label_, s.kb_id_) for s in doc.spans["gold"]] == [
        ("hepatic failure", "Disease", "M1"),
        ("Cisplatin", "Chemical", "M2"),
    ]
    assert stats.discontinuous == 1 and stats.skipped == {"discontinuous": 1}


@pytest.mark.parametrize(
    "mode,expected",
    [("cover", ["Renal and hepatic failure", "hepatic failure"]), ("split", ["Renal", "hepatic failure", "failure"])],
)
def test_discontinuous_modes(tmp_path, nlp, mode, expected):
    with pytest.warns(UserWarning, match="W202"):  # overlapping gold: all in the span group, longest in ents
        docs = list(read_bioc(bioc(tmp_path, DOC), nlp, discontinuous=mode, labels=["Disease"]))
    assert [s.text for s in docs[0].spans["gold"]] == expected


def test_sentence_level_passages(tmp_path, nlp):
    xml = (
        "<document><id>s1</id><passage><offset>0</offset>"
        "<sentence><offset>0</offset><text>Aspirin works.</text>"
        + annotation(0, "Chemical", [(0, 7)], "Aspirin")
        + "</sentence><sentence><offset>15</offset><text>Fever fell.</text></sentence></passage></document>"
    )
    doc = list(read_bioc(bioc(tmp_path, xml), nlp))[0]
    assert doc.text == "Aspirin works. Fever fell."
    assert [s.text for s in doc.spans["gold"]] == ["Aspirin"]


def test_annotation_text_mismatch_is_an_error(tmp_path, nlp):
    xml = DOC.replace("<text>Cisplatin</text>", "<text>Carboplatin</text>")
    with pytest.raises(SpacyWeakError, match=r"E209.*document '9', annotation '2'"):
        list(read_bioc(bioc(tmp_path, xml), nlp))


def test_invalid_xml_names_line(tmp_path, nlp):
    path = tmp_path / "bad.xml"
    path.write_text("<collection>\n<document><id>1</id>\n<passage></document>\n</collection>", encoding="utf-8")
    with pytest.raises(SpacyWeakError, match=r"E206.*bad.xml: invalid XML at line 3"):
        list(read_bioc(path, nlp))


def test_bad_offset_and_overlap(tmp_path, nlp):
    xml = "<document><id>1</id><passage><offset>x</offset><text>A.</text></passage></document>"
    with pytest.raises(SpacyWeakError, match="E208"):
        list(read_bioc(bioc(tmp_path, xml), nlp))
    xml = (
        "<document><id>1</id><passage><offset>0</offset><text>Abc def.</text></passage>"
        "<passage><offset>3</offset><text>Ghi.</text></passage></document>"
    )
    with pytest.raises(SpacyWeakError, match="E207"):
        list(read_bioc(bioc(tmp_path, xml), nlp))


@pytest.mark.skipif(not EVAL_ZIP.exists(), reason="BC5CDR evaluation kit not available")
@pytest.mark.filterwarnings("ignore:.*W202")
def test_real_bc5cdr_sample_equals_pubtator(tmp_path, nlp):
    """The official kit's 50-document gold sample: BioC and PubTator give the same Docs."""
    with zipfile.ZipFile(EVAL_ZIP) as zf:
        zf.extract(GOLD + "CDR_sample.gold.BioC.xml", tmp_path)
        zf.extract(GOLD + "CDR_sample.gold.PubTator", tmp_path)
    b_stats, p_stats = ReadStats(), ReadStats()
    with pytest.warns(UserWarning, match="W206"):  # 5 documents have passage offsets counted on escaped XML
        from_bioc = list(read_bioc(tmp_path / GOLD / "CDR_sample.gold.BioC.xml", nlp, stats=b_stats))
    from_pubtator = list(read_pubtator(tmp_path / GOLD / "CDR_sample.gold.PubTator", nlp, stats=p_stats))
    assert len(from_bioc) == len(from_pubtator) == 50

    def sig(doc):
        return get_doc_id(doc), doc.text, [(s.start, s.end, s.label_, s.kb_id_) for s in doc.spans["gold"]]

    assert [sig(d) for d in from_bioc] == [sig(d) for d in from_pubtator]
    assert b_stats.entities == p_stats.entities == {"Chemical": 510, "Disease": 424}
    assert b_stats.skipped == {"individual mention": 11, "passage offsets ignored": 5}
