import pytest
import spacy

from spacy_weak.runs.pipeline import load_pipeline
from spacy_weak.errors import SpacyWeakError, with_code_hint


def test_with_code_hint_only_for_missing_factories():
    assert "--code" not in with_code_hint(ValueError("bad value"))
    assert with_code_hint(ValueError("bad value")) == "ValueError: bad value"


def test_a_pipeline_with_an_unregistered_component_points_to_code(tmp_path):
    # a saved pipeline whose component lives in the user's rules.py: without --code, the error says so
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.to_disk(tmp_path / "model")
    cfg = (tmp_path / "model" / "config.cfg").read_text()
    (tmp_path / "model" / "config.cfg").write_text(cfg.replace('factory = "sentencizer"', 'factory = "my_rules_only"'))
    with pytest.raises(SpacyWeakError, match=r"(?s)E255.*pass that file with --code"):
        load_pipeline(tmp_path / "model")
