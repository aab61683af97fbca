"""`spacy train` accepts a silver DocBin written by the HMM aggregator as is."""
import pytest
import spacy
from spacy.tokens import DocBin

from .test_components import _pipeline

TEXTS = [
    "Patients received morphine and cocaine was detected.",
    "The nicotine patch reduced craving in smokers.",
    "No drug was given to the control group.",
    "Caffeine and ketamine interact in rats.",
] * 6


@pytest.mark.slow
def test_spacy_train_one_epoch_on_silver(tmp_path):
    from spacy.cli.init_config import init_config
    from spacy.cli.train import train

    nlp = _pipeline()
    nlp.get_pipe("weak_hmm").fit(nlp.pipe(TEXTS, disable=["weak_hmm"]))
    docs = list(nlp.pipe(TEXTS))
    assert sum(len(d.ents) for d in docs) > 0
    DocBin(docs=docs).to_disk(tmp_path / "silver.spacy")

    config = init_config(lang="en", pipeline=["ner"], optimize="efficiency")
    config_path = tmp_path / "ner.cfg"
    config.to_disk(config_path)
    overrides = {
        "paths.train": str(tmp_path / "silver.spacy"),
        "paths.dev": str(tmp_path / "silver.spacy"),
        "training.max_epochs": 1,
        "training.max_steps": 20,
        "training.eval_frequency": 10,
        "components.tok2vec.model.embed.width": 32,
        "components.tok2vec.model.encode.width": 32,
        "components.tok2vec.model.encode.depth": 1,
    }
    train(config_path, tmp_path / "out", overrides=overrides)
    trained = spacy.load(tmp_path / "out" / "model-last")
    assert "CHEM" in trained.get_pipe("ner").labels
