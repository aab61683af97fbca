import pytest

from spacy_weak.errors import SpacyWeakError
from spacy_weak.lexicons.semantic_groups import GROUP_NAME, TUI_GROUP, SemanticMap, group_tuis, semantic_group


def test_semgroups_table():
    assert len(TUI_GROUP) == 127 and len(GROUP_NAME) == 15
    assert semantic_group("T047") == "DISO" and semantic_group("T121") == "CHEM" and semantic_group("T204") == "LIVB"
    assert len(group_tuis("CHEM")) == 20 and len(group_tuis("DISO")) == 12


def test_precedence_tui_over_name_over_group():
    smap = SemanticMap({"DISO": "Disorder", "Neoplastic Process": "Cancer", "T047": "Disease"})
    assert smap.label("T047") == "Disease"
    assert smap.label("T191") == "Cancer"
    assert smap.label("T184") == "Disorder"
    assert smap.label("T121") is None
    assert smap.labels == ["Cancer", "Disease", "Disorder"]


def test_group_name_and_drop():
    smap = SemanticMap({"Chemicals & Drugs": "Chemical", "T116": None})
    assert smap.label("T121") == "Chemical" and smap.label("T116") is None


def test_unknown_key_is_coded(tmp_path):
    with pytest.raises(SpacyWeakError, match=r"\[E003\].*'T999'"):
        SemanticMap({"T999": "X"})
    bad = tmp_path / "map.json"
    bad.write_text("{not json", encoding="utf8")
    with pytest.raises(SpacyWeakError, match=r"\[E010\]"):
        SemanticMap.from_file(bad)
    with pytest.raises(SpacyWeakError, match=r"\[E001\]"):
        SemanticMap.from_file(tmp_path / "missing.json")
