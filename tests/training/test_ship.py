"""The shipped pipeline: the trained NER as a source that abstains outside its spans, before the label model."""
import spacy
from spacy.tokens import Span

from spacy_weak.training.ship import add_model_source, save_shipped


def _ner(tmp_path):
    ner = spacy.blank("en")
    ruler = ner.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "Chemical", "pattern": "aspirin"}])
    ner.to_disk(tmp_path / "ner")
    return tmp_path / "ner"


def test_model_source_abstains_and_ships(tmp_path):
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_regex", name="gaz", config={"patterns": [{"label": "Disease", "pattern": "gout"}]})
    nlp.add_pipe("weak_vote", name="vote", config={"sources": ["gaz"], "labels": ["Chemical", "Disease"],
                                                   "spans_key": "mv", "annotate_ents": True})
    add_model_source(nlp, _ner(tmp_path), aggregator="vote", name="model_oof")
    assert nlp.pipe_names == ["gaz", "model_oof", "vote"]
    assert "model_oof" in nlp.get_pipe("vote").cfg["sources"]
    out = save_shipped(nlp, tmp_path / "shipped")
    shipped = spacy.load(out)
    doc = shipped("aspirin against gout")
    group = doc.spans["model_oof"]
    assert group.attrs["abstain_outside"] is True and [s.text for s in group] == ["aspirin"]
    assert {(e.text, e.label_) for e in doc.ents} == {("aspirin", "Chemical"), ("gout", "Disease")}
    assert not (tmp_path / ".shipped.tmp").exists()


def test_weak_model_default_does_not_abstain(tmp_path):
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_model", config={"model": str(_ner(tmp_path))})
    assert "abstain_outside" not in nlp("aspirin").spans["weak_model"].attrs
