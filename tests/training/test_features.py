import subprocess
import sys

import pytest
import spacy
from spacy.tokens import Doc, DocBin, Span

from spacy_weak.errors import SpacyWeakError
from spacy_weak.spans import NEGATIVE_LABEL, set_source_spans
from spacy_weak.training.features import NO_VOTE, TokenFeatures, make_token_features  # noqa: F401 (registers)
from spacy_weak.training.trainer import variant_config

from ._data import CHEMS, CONFIG, DISEASES


def test_votes_become_token_tags():
    nlp = spacy.blank("en")
    doc = Doc(nlp.vocab, words=["acute", "renal", "failure", "after", "cisplatin", "."])
    set_source_spans(doc, "lex", [Span(doc, 1, 3, label="Disease"), Span(doc, 4, 5, label="Chemical")])
    set_source_spans(doc, "rule", [Span(doc, 0, 3, label="Disease"), Span(doc, 3, 4, label=NEGATIVE_LABEL)])
    doc.spans["gold"] = [Span(doc, 0, 3, label="Disease")]  # evaluation groups are never read
    nlp.add_pipe("weak_token_features")(doc)
    assert [t.tag_ for t in doc] == ["B-Disease:1", "B-Disease:1|I-Disease:1", "I-Disease:2", "B-O:1",
                                     "B-Chemical:1", NO_VOTE]
    only = TokenFeatures(nlp, "f", sources=["lex"], max_count=1)
    assert only.features(doc)[2] == "I-Disease:1" and only.features(doc)[0] == NO_VOTE


@pytest.mark.parametrize("config", [{"sources": "lex"}, {"sources": [""]}, {"max_count": 0}, {"max_count": True}])
def test_bad_parameters_are_coded_errors_at_build_time(config):
    with pytest.raises(SpacyWeakError, match="E323"):
        spacy.blank("en").add_pipe("weak_token_features", config=config)


def _sources_pipeline(path):
    """A saved pipeline with two dictionary sources: the 'recipe' the NER reads the votes of."""
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_gazetteer", name="gaz_chem")
    nlp.add_pipe("weak_gazetteer", name="gaz_dis")
    nlp.get_pipe("gaz_chem").initialize(lexicon=[{"term": t, "label": "Chemical"} for t in CHEMS])
    nlp.get_pipe("gaz_dis").initialize(lexicon=[{"term": t, "label": "Disease"} for t in DISEASES])
    nlp.to_disk(path)
    return nlp


def test_config_puts_frozen_annotating_sources_in_front_and_the_ner_trains(tmp_path):
    from spacy.util import load_config

    _sources_pipeline(tmp_path / "sources")
    cfg_path = variant_config(CONFIG, tmp_path / "features.cfg", features_from=tmp_path / "sources",
                              feature_sources=["gaz_chem", "gaz_dis"], feature_dropout=0.2)
    cfg = load_config(cfg_path, interpolate=False)
    assert cfg["nlp"]["pipeline"] == ["gaz_chem", "gaz_dis", "vote_features", "tok2vec", "ner"]
    assert cfg["training"]["frozen_components"] == ["gaz_chem", "gaz_dis", "vote_features"]
    assert cfg["training"]["annotating_components"] == ["gaz_chem", "gaz_dis", "vote_features"]
    embed = cfg["components"]["tok2vec"]["model"]["embed"]
    assert embed["attrs"][-1] == "TAG" and len(embed["rows"]) == len(embed["attrs"])
    # a short real `spacy train`: the sources annotate the predicted docs, the NER learns from the TAG feature
    nlp = spacy.blank("en")
    docs = []
    for i in range(24):
        chem, dis = CHEMS[i % len(CHEMS)], DISEASES[(i // 2) % len(DISEASES)]
        doc = nlp(f"{chem} caused {dis} in patient {i} .")
        doc.ents = [Span(doc, 0, 1, label="Chemical"), Span(doc, 2, 3, label="Disease")]
        docs.append(doc)
    DocBin(docs=docs).to_disk(tmp_path / "train.spacy")
    code = tmp_path / "register.py"
    code.write_text("import spacy_weak.training.features  # noqa: F401\n")
    out = subprocess.run([sys.executable, "-m", "spacy", "train", str(cfg_path), "--output", str(tmp_path / "model"),
                          "--paths.train", str(tmp_path / "train.spacy"), "--paths.dev", str(tmp_path / "train.spacy"),
                          "--training.max_steps", "30", "--training.eval_frequency", "10", "--code", str(code)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    trained = spacy.load(tmp_path / "model" / "model-last")
    assert trained.pipe_names == ["gaz_chem", "gaz_dis", "vote_features", "tok2vec", "ner"]
    doc = trained("heparin caused gout in patient 99 .")
    assert doc[0].tag_ == "B-Chemical:1" and doc[2].tag_ == "B-Disease:1"  # the sources ran, no dropout at inference


def test_config_errors(tmp_path):
    with pytest.raises(SpacyWeakError, match="E305"):
        variant_config(CONFIG, tmp_path / "x.cfg", features_from=tmp_path / "nope", feature_sources=["a"])
    _sources_pipeline(tmp_path / "sources")
    with pytest.raises(SpacyWeakError, match="E305.*ner"):
        variant_config(CONFIG, tmp_path / "x.cfg", features_from=tmp_path / "sources", feature_sources=["ner"])
    assert not (tmp_path / "x.cfg").exists()


def test_vote_dropout_only_while_training():
    from spacy_weak.training.features import make_vote_dropout

    nlp = spacy.blank("en")
    words = []
    for i in range(40):
        words += [CHEMS[i % len(CHEMS)], "and", DISEASES[i % len(DISEASES)], "."]
    doc = Doc(nlp.vocab, words=words)
    set_source_spans(doc, "lex", [Span(doc, i, i + 1, label="Chemical") for i in range(0, len(doc), 4)]
                     + [Span(doc, i, i + 1, label="Disease") for i in range(2, len(doc), 4)])
    feats = nlp.add_pipe("weak_token_features", config={"dropout": 0.5})
    assert all(t.tag_ != NO_VOTE for t in feats(doc.copy()) if t.i % 2 == 0)  # not training: every vote kept
    make_vote_dropout()(nlp, {"step": 0, "epoch": 0})
    assert feats.training
    first = [t.tag_ for t in feats(doc.copy())]
    dropped = sum(1 for t in range(0, len(doc), 2) if first[t] == NO_VOTE)
    assert 20 <= dropped <= 60  # about half of the 80 voted runs
    assert [t.tag_ for t in feats(doc.copy())] != first  # a new draw per call (per training step)
    with pytest.raises(SpacyWeakError, match="E323.*dropout"):
        spacy.blank("en").add_pipe("weak_token_features", config={"dropout": 1.0})


def test_dropout_config_sets_the_training_callback(tmp_path):
    from spacy.util import load_config

    _sources_pipeline(tmp_path / "sources")
    path = variant_config(CONFIG, tmp_path / "d.cfg", features_from=tmp_path / "sources",
                          feature_sources=["gaz_chem"], feature_dropout=0.3)
    cfg = load_config(path, interpolate=False)
    assert cfg["training"]["before_update"] == {"@callbacks": "spacy_weak.vote_dropout.v1"}
    assert cfg["components"]["vote_features"]["dropout"] == 0.3


def test_source_components_of_a_saved_pipeline(tmp_path):
    from spacy_weak.training.features import source_components

    nlp = _sources_pipeline(tmp_path / "p")
    nlp.add_pipe("weak_hmm", name="hmm")
    nlp.to_disk(tmp_path / "p")
    assert source_components(tmp_path / "p") == ["gaz_chem", "gaz_dis"]
    with pytest.raises(SpacyWeakError, match="E305"):
        source_components(tmp_path / "nope")
