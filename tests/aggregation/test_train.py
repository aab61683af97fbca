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


SPAM = ["check out my channel", "subscribe to my channel please", "free money at my site", "visit my site now"]
HAM = ["i love this song", "great video thanks", "this song is so good", "the best video ever"]


def test_spacy_train_textcat_on_silver_doc_em(tmp_path):
    """Silver cats from weak_doc_em (default cats_output = "hard") train a textcat as is ([E851]
    would refuse probabilities); the probabilities survive the DocBin round trip."""
    from spacy.cli.init_config import init_config
    from spacy.cli.train import train

    from spacy_weak.aggregation.doc_components import cats_probs

    nlp = spacy.blank("en")
    nlp.add_pipe("weak_doc_keywords", name="kw_spam", config={"label": "SPAM", "keywords": ["channel", "subscribe", "site"]})
    nlp.add_pipe("weak_doc_keywords", name="kw_money", config={"label": "SPAM", "keywords": ["free", "money"]})
    nlp.add_pipe("weak_doc_keywords", name="kw_ham", config={"label": "HAM", "keywords": ["song", "video", "love"]})
    em = nlp.add_pipe("weak_doc_em", name="em", config={"sources": ["kw_*"], "labels": ["HAM", "SPAM"]})
    texts = (SPAM + HAM) * 4
    with nlp.select_pipes(disable=["em"]):
        em.fit(nlp.pipe(texts))
    docs = list(nlp.pipe(texts))
    assert all(set(d.cats.values()) == {0.0, 1.0} for d in docs)
    assert [max(d.cats, key=d.cats.get) for d in docs[:8]] == ["SPAM"] * 4 + ["HAM"] * 4
    DocBin(docs=docs).to_disk(tmp_path / "silver.spacy")
    back = list(DocBin().from_disk(tmp_path / "silver.spacy").get_docs(nlp.vocab))
    assert [cats_probs(d, "em") for d in back] == [cats_probs(d, "em") for d in docs]
    assert 0.5 < cats_probs(back[0], "em")["SPAM"] <= 1.0

    config = init_config(lang="en", pipeline=["textcat"], optimize="efficiency")
    config_path = tmp_path / "textcat.cfg"
    config.to_disk(config_path)
    overrides = {
        "paths.train": str(tmp_path / "silver.spacy"),
        "paths.dev": str(tmp_path / "silver.spacy"),
        "training.max_epochs": 2,
        "training.max_steps": 10,
        "training.eval_frequency": 5,
    }
    train(config_path, tmp_path / "out", overrides=overrides)
    trained = spacy.load(tmp_path / "out" / "model-last")
    assert set(trained.get_pipe("textcat").labels) == {"HAM", "SPAM"}
