import gzip

import pytest

from spacy_weak.errors import SpacyWeakError
from spacy_weak.lexicons.open_vocab import convert, read_ctd_diseases, read_disease_ontology, read_drugbank
from spacy_weak.lexicons.records import LexiconSummary
from spacy_weak.lexicons.tabular import iter_jsonl, iter_tsv

OBO = """format-version: 1.2

[Term]
id: DOID:0001816
name: angiosarcoma
synonym: "hemangiosarcoma" EXACT []
synonym: "angiosarcoma" EXACT []
synonym: "blood vessel cancer" RELATED []

[Term]
id: DOID:9999
name: old thing
is_obsolete: true

[Typedef]
id: has_part
name: has part
"""

CTD = """# Comparative Toxicogenomics Database
# Fields:
# DiseaseName\tDiseaseID\tAltDiseaseIDs\tDefinition\tParentIDs\tTreeNumbers\tParentTreeNumbers\tSynonyms\tSlimMappings
#
Aortic Aneurysm\tMESH:D001014\t\t\t\t\t\tAneurysm, Aortic|Aortic Aneurysms\tCardiovascular disease
"""

DRUGBANK = (
    "DrugBank ID,Accession Numbers,Common name,Name,CAS,UNII,Synonyms,Standard InChI Key\n"
    'DB00001,BIOD00024,Lepirudin,lepirudin,1,2,Hirudin variant-1 | Lepirudin recombinant,\n'
    'DB00945,APRD00264,Acetylsalicylic acid,acetylsalicylic acid,1,2,"Aspirin | ASA | Aspirin",BSYNRYMUTXBXSQ\n'
)


def test_disease_ontology(tmp_path):
    path = tmp_path / "doid.obo"
    path.write_text(OBO, encoding="utf8")
    summary = LexiconSummary()
    records = list(read_disease_ontology(path, summary=summary))
    assert [tuple(r) for r in records] == [("angiosarcoma", "Disease", "DOID:0001816"), ("hemangiosarcoma", "Disease", "DOID:0001816")]
    assert summary.dropped == {"obsolete_term": 1, "synonym_not_exact": 1, "duplicate_name": 1}


def test_ctd(tmp_path):
    path = tmp_path / "CTD_diseases.tsv.gz"
    with gzip.open(path, "wt", encoding="utf8") as fh:
        fh.write(CTD)
    assert [r.term for r in read_ctd_diseases(path)] == ["Aortic Aneurysm", "Aneurysm, Aortic", "Aortic Aneurysms"]
    assert {r.id for r in read_ctd_diseases(path)} == {"MESH:D001014"}


def test_drugbank(tmp_path):
    path = tmp_path / "drugbank.csv"
    path.write_text(DRUGBANK, encoding="utf8")
    summary = LexiconSummary()
    records = list(read_drugbank(path, summary=summary))
    assert [r.term for r in records if r.id == "DB00945"] == ["Acetylsalicylic acid", "Aspirin", "ASA"]
    assert summary.read == 2 and summary.dropped == {"duplicate_name": 1} and summary.kept == {"Chemical": 6}
    (tmp_path / "bad.csv").write_text("id,name\n1,x\n", encoding="utf8")
    with pytest.raises(SpacyWeakError, match=r"\[E011\].*bad\.csv line 1"):
        list(read_drugbank(tmp_path / "bad.csv"))


def test_convert_writes_tsv_and_jsonl(tmp_path):
    path = tmp_path / "drugbank.csv"
    path.write_text(DRUGBANK, encoding="utf8")
    summary = convert("drugbank", path, tmp_path / "out.tsv", label="Drug")
    assert summary.kept == {"Drug": 6}
    assert len(list(iter_tsv(tmp_path / "out.tsv"))) == 6
    convert("drugbank", path, tmp_path / "out.jsonl")
    assert {r.label for r in iter_jsonl(tmp_path / "out.jsonl")} == {"Chemical"}
    with pytest.raises(SpacyWeakError, match=r"\[E007\]"):
        convert("mesh", path, tmp_path / "x.tsv")
