"""spacy-weak vectors: floret on corpus text, spacy init vectors --mode floret, resumable; dimension checks."""
import pytest
import spacy

from spacy_weak.errors import SpacyWeakError
from spacy_weak.training.trainer import variant_config
from spacy_weak.training.vectors import FloretSettings, VectorsRun, check_vectors, config_vectors

TEXTS = ["aspirin caused headache in the patients .", "morphine and heparin reduced the fever .",
         "lithium induced nephrogenic diabetes insipidus ."] * 30
SETTINGS = FloretSettings(dim=8, epoch=1, min_count=1, bucket=300, minn=3, maxn=4)


@pytest.fixture(autouse=True)
def _inputs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("corpus.txt", "c", "x"):
        (tmp_path / name).write_text("\n".join(TEXTS), encoding="utf8")


def _docs(nlp):
    return lambda path: (nlp.make_doc(t) for t in TEXTS)


def test_vectors_run_resume_and_check(tmp_path):
    nlp = spacy.blank("en")
    run = VectorsRun(tmp_path / "vec", ["corpus.txt"], SETTINGS)
    stamp = run.run(_docs(nlp))
    assert stamp["model"]["dim"] == 8 and stamp["text_counts"]["docs"] == len(TEXTS)
    vec = spacy.load(tmp_path / "vec" / "model").vocab.vectors
    assert vec.mode == "floret" and vec.shape[1] == 8
    first = (tmp_path / "vec" / "vectors.floret").read_bytes()
    # a run killed after floret: the spaCy vectors are made again, the same
    import shutil

    shutil.rmtree(tmp_path / "vec" / "model")
    calls = []
    VectorsRun(tmp_path / "vec", ["corpus.txt"], SETTINGS).run(lambda p: calls.append(p) or iter(()))
    assert calls == []  # the text stage was not redone
    assert (tmp_path / "vec" / "vectors.floret").read_bytes() == first
    assert check_vectors(tmp_path / "vec" / "model", 8) == 8
    with pytest.raises(SpacyWeakError, match=r"\[E317\].*8 dimensions.*300"):
        check_vectors(tmp_path / "vec" / "model", 300)
    with pytest.raises(SpacyWeakError, match=r"\[E319\]"):
        VectorsRun(tmp_path / "vec", ["corpus.txt"], FloretSettings(dim=16, epoch=1, min_count=1, bucket=300)).check()


def test_deterministic_with_one_thread(tmp_path):
    nlp = spacy.blank("en")
    for name in ("a", "b"):
        VectorsRun(tmp_path / name, ["c"], SETTINGS).run(_docs(nlp))
    assert (tmp_path / "a" / "vectors.floret").read_bytes() == (tmp_path / "b" / "vectors.floret").read_bytes()


def test_bad_vectors_and_empty_text(tmp_path):
    with pytest.raises(SpacyWeakError, match=r"\[E318\]"):
        check_vectors(tmp_path, 8)
    with pytest.raises(SpacyWeakError, match=r"\[E320\]"):
        VectorsRun(tmp_path / "v", ["x"], SETTINGS).run(lambda p: iter([spacy.blank("en").make_doc("  ")]))
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "mine.txt").write_text("x")
    with pytest.raises(SpacyWeakError, match=r"\[E319\]"):
        VectorsRun(tmp_path / "busy", ["x"], SETTINGS).check()


def test_variant_config_turns_on_static_vectors(tmp_path):
    from pathlib import Path

    nlp = spacy.blank("en")
    VectorsRun(tmp_path / "vec", ["c"], SETTINGS).run(_docs(nlp))
    base = Path(__file__).resolve().parents[2] / "configs" / "ner_silver.cfg"
    out = variant_config(base, tmp_path / "v.cfg", vectors=tmp_path / "vec" / "model", vectors_dim=8,
                         augmenter={"@augmenters": "spacy_weak.lexicon_swap.v1", "lexicon": ["x.tsv"], "rate": 0.3})
    from spacy.util import load_config

    cfg = load_config(out, interpolate=False)
    assert cfg["components"]["tok2vec"]["model"]["embed"]["include_static_vectors"] is True
    assert cfg["corpora"]["train"]["augmenter"]["rate"] == 0.3
    assert config_vectors(out) == str(tmp_path / "vec" / "model")
    with pytest.raises(SpacyWeakError, match=r"\[E317\]"):
        variant_config(base, tmp_path / "w.cfg", vectors=tmp_path / "vec" / "model", vectors_dim=100)
    assert not (tmp_path / "w.cfg").exists()
