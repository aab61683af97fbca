import pytest
import spacy

from spacy_weak.errors import SpacyWeakError
from spacy_weak.registry import LabelMap


def test_renames_drops_and_keeps_unknown_by_default():
    lm = LabelMap({"CHEM": "Chemical", "DIS": "Disease", "GENE": None, "MISC": ""})
    assert [lm(x) for x in ["CHEM", "DIS", "GENE", "MISC", "Other"]] == ["Chemical", "Disease", None, None, "Other"]


def test_unknown_drop_and_error():
    assert LabelMap({"CHEM": "Chemical"}, unknown="drop")("Other") is None
    lm = LabelMap({"CHEM": "Chemical", "DIS": "Disease"}, unknown="error")
    with pytest.raises(SpacyWeakError, match=r"E052.*'Other'.*Known labels: CHEM, DIS"):
        lm("Other")


def test_targets_checked_against_labels():
    LabelMap({"CHEM": "Chemical", "NUM": "O", "X": None}, labels=["Chemical", "Disease"])
    with pytest.raises(SpacyWeakError, match=r"E051.*'GENE' to 'Gene'.*Chemical, Disease"):
        LabelMap({"GENE": "Gene"}, labels=["Chemical", "Disease"])


def test_invalid_arguments():
    with pytest.raises(SpacyWeakError, match="E050.*unknown"):
        LabelMap({}, unknown="ignore")
    with pytest.raises(SpacyWeakError, match="E050.*mapping"):
        LabelMap({"CHEM": 3})
    with pytest.raises(SpacyWeakError, match="E050.*mapping"):
        LabelMap(["CHEM"])


def test_registered_maker_resolves_from_config():
    from thinc.api import Config

    cfg = Config().from_str(
        """
[label_map]
@misc = "spacy_weak.label_map.v1"
mapping = {"CHEM": "Chemical", "GENE": null}
labels = ["Chemical"]
unknown = "drop"
"""
    )
    lm = spacy.registry.resolve(cfg)["label_map"]
    assert isinstance(lm, LabelMap)
    assert (lm("CHEM"), lm("GENE"), lm("DIS")) == ("Chemical", None, None)
    assert lm.to_dict() == {"mapping": {"CHEM": "Chemical", "GENE": None}, "labels": ["Chemical"], "unknown": "drop"}


def test_every_source_applies_it_and_counts_drops():
    nlp = spacy.blank("en")
    lm = {"@misc": "spacy_weak.label_map.v1", "mapping": {"C": "Chemical", "X": None}}
    rx = nlp.add_pipe("weak_regex", config={"patterns": [{"label": "C", "pattern": "aspirin"},
                                                         {"label": "X", "pattern": "rats"}], "label_map": lm})
    doc = nlp("aspirin in rats")
    assert [(s.text, s.label_) for s in doc.spans["weak_regex"]] == [("aspirin", "Chemical")]
    assert rx.stats["dropped_by_label_map"] == 1
