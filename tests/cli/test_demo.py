import pytest
from spacy.tokens import DocBin
from typer.testing import CliRunner

from spacy_weak.cli import _load_commands, app
from spacy_weak.cli.demo import REPO
from spacy_weak.runs.demo import run_demo
from spacy_weak.corpora import sample_path
from spacy_weak.spans import span_probs


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return run_demo(out, config=REPO / "configs" / "sample.cfg", lexicon=REPO / "corpora" / "lexicon", corpus=sample_path())


def test_demo_writes_silver_docbin_with_ents_and_probs(demo):
    import spacy

    nlp = spacy.load(demo["silver"].parent / "pipeline")
    docs = list(DocBin().from_disk(demo["silver"]).get_docs(nlp.vocab))
    assert len(docs) == 40
    assert sum(len(d.ents) for d in docs) > 100
    for doc in docs:
        probs = span_probs(doc.spans["silver"])
        assert len(probs) == len(doc.spans["silver"])
        assert all(0.0 <= p <= 1.0 for p in probs)
        assert {e.label_ for e in doc.ents} <= {"Chemical", "Disease"}


def test_demo_silver_is_better_than_nothing(demo):
    # the sample has gold: the silver labels must match a real share of it
    tp = gold = 0
    for doc in demo["docs"]:
        g = {(s.start, s.end, s.label_) for s in doc.spans["gold"]}
        p = {(e.start, e.end, e.label_) for e in doc.ents}
        tp += len(g & p)
        gold += len(g)
    assert tp / gold > 0.5


def test_demo_cli_prints_summary(tmp_path):
    import warnings

    _load_commands()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = CliRunner().invoke(app, ["demo", "--output", str(tmp_path / "out")])
    # the demo does not warn about its own recipe (issue 27: W100 for `consistency`, which only
    # adds to the sources it reads and had nothing left to add in the 40 abstracts)
    assert not [str(w.message) for w in caught if str(w.message).startswith("[W")]
    assert result.exit_code == 0, result.output
    assert "Spans per source and label" in result.output
    assert "gaz_umls" in result.output
    assert (tmp_path / "out" / "silver.spacy").exists()
    lines = result.output.replace(str(tmp_path), "OUT").replace(str(REPO), "REPO").splitlines()
    assert len(lines) < 60 and max(len(line) for line in lines) <= 100
    assert "W102" not in result.output  # no "left unfitted" warning before the HMM is fitted
    assert "spacy train" in lines[-3] + lines[-2] and "ner_silver.cfg" in result.output
    # model selection on held-out silver, not on the documents the NER is trained on
    train_line = next(line for line in lines if "--paths.dev" in line)
    assert "--paths.dev OUT/out/dev.spacy" in train_line and "--paths.train OUT/out/train.spacy" in train_line
    text = "\n".join(lines)
    assert "export-training OUT/out/silver.spacy -o OUT/out/train.spacy" in text
    assert "--dev-output OUT/out/dev.spacy" in text
    # the saved config holds no absolute path of this machine
    config = (tmp_path / "out" / "pipeline" / "config.cfg").read_text(encoding="utf8")
    assert str(tmp_path) not in config and str(REPO) not in config


def test_demo_missing_lexicon_is_coded_error(tmp_path):
    _load_commands()
    result = CliRunner().invoke(app, ["demo", "--lexicon", str(tmp_path / "nope"), "--output", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "[E260]" in result.output
