"""bench/quality.py --arms at tiny sizes: every end-model key, recall seen/unseen, wall time, shipped pipeline."""
import json
import warnings
from pathlib import Path

import pytest
import spacy
import srsly

from spacy_weak.corpora.readers import read_corpus
from spacy_weak.training.vectors import FloretSettings, VectorsRun

from . import load_bench

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "corpora" / "bc5cdr_sample.PubTator.txt"


@pytest.fixture(scope="module")
def vectors(tmp_path_factory):
    out = tmp_path_factory.mktemp("vectors") / "vec"
    nlp = spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": "spacy_weak.biomedical_tokenizer.v1"}}})
    settings = FloretSettings(dim=8, epoch=1, min_count=1, bucket=500, minn=3, maxn=4)
    VectorsRun(out, [SAMPLE], settings).run(lambda p: read_corpus(p, nlp))
    return out / "model"


def _pool(path: Path, texts):
    path.write_text("".join(json.dumps({"id": str(i), "text": t}) + "\n" for i, t in enumerate(texts)), encoding="utf8")
    return path


@pytest.mark.slow
def test_arms_write_every_key(tmp_path, vectors):
    quality = load_bench("quality")
    docs = list(read_corpus(SAMPLE, spacy.blank("en")))
    # the pool: other text, plus one evaluation document verbatim (W302: left out)
    pool = _pool(tmp_path / "pool.jsonl", [d.text.replace("the", "a") for d in docs[:6]] + [docs[25].text])
    terms = tmp_path / "terms.tsv"
    terms.write_text("aspirin\tChemical\tDB00945\nlithium carbonate\tChemical\tDB14509\n"
                     "Myocardial Infarction\tDisease\tMESH:D009203\nhepatitis\tDisease\tMESH:D006505\n", encoding="utf8")
    out = tmp_path / "q.json"
    argv = ["--corpus", str(ROOT / "corpora"), "--split", "dev", "--fit-splits", "train",
            "--split-file", "dev=bc5cdr_sample.PubTator.txt", "--split-file", "train=bc5cdr_sample.PubTator.txt",
            "--config", str(ROOT / "configs" / "sample.cfg"), "--lexicon", f"lexicon={ROOT / 'corpora' / 'lexicon'}",
            "--labels", "Chemical,Disease", "--json", str(out), "--workdir", str(tmp_path / "work"),
            "--arms", "ner_best,ner_gold_vectors,shipped_pipeline", "--train-steps", "3",
            "--folds", "2", "--fold-steps", "2", "--vectors", str(vectors), "--vectors-dim", "8",
            "--pool", str(pool), "--pool-min-confidence", "0", "--augment-rate", "0.5", "--augment-lexicon", str(terms),
            "--best", "vectors,augment,pool"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = quality.main(argv)
    assert any("[W302]" in str(w.message) for w in caught)
    saved = srsly.read_json(out)
    for key in ("ner_best", "ner_gold_vectors", "shipped_pipeline"):
        for field in ("p", "r", "f1", "recall_seen", "recall_unseen", "wall_s"):
            assert field in saved[key], (key, field)
        assert 0.0 <= saved[key]["recall_unseen"] <= 1.0
    assert saved["arms"]["pool"]["annotated"] == 6  # the evaluation document was left out
    shipped = spacy.load(result["shipped_pipeline"]["path"])
    assert "model_oof" in shipped.pipe_names
    doc = shipped("Naloxone reverses the antihypertensive effect of clonidine.")
    assert doc.spans["model_oof"].attrs["abstain_outside"] is True


@pytest.mark.slow
def test_best_with_suspect_outside_and_a_teacher_round(tmp_path):
    quality = load_bench("quality")
    out = tmp_path / "q.json"
    argv = ["--corpus", str(ROOT / "corpora"), "--split", "dev", "--fit-splits", "train",
            "--split-file", "dev=bc5cdr_sample.PubTator.txt", "--split-file", "train=bc5cdr_sample.PubTator.txt",
            "--config", str(ROOT / "configs" / "sample.cfg"), "--lexicon", f"lexicon={ROOT / 'corpora' / 'lexicon'}",
            "--labels", "Chemical,Disease", "--json", str(out), "--workdir", str(tmp_path / "work"),
            "--arms", "ner_best", "--best", "suspect,teacher", "--train-steps", "3", "--teacher-min-prob", "0.5"]
    older = {"p": 0.5, "r": 0.5, "f1": 0.5, "recall_seen": 0.9, "recall_unseen": 0.1, "code": "older",
             "per_label": {label: {"p": 0.5, "r": 0.5, "f1": 0.5} for label in ("Chemical", "Disease")}}
    srsly.write_json(out, {"ner": older, "self_training": dict(older, code="an earlier session")})
    quality.main(argv)
    saved = srsly.read_json(out)
    assert saved["ner"] == older  # an earlier run's arm is kept
    for key in ("ner_best", "ner_best_teacher"):
        assert {"p", "r", "f1", "recall_seen", "recall_unseen", "wall_s", "code"} <= set(saved[key])
    assert saved["arms"]["teacher"]["docs"] > 0
    assert saved["arms"]["suspect_policy"]["missing_tokens"] > 0
    student = spacy.load(tmp_path / "work" / "ner_best" / "model" / "model-best")
    assert student.pipe_names == ["tok2vec", "ner"]


def test_arms_check_vectors_dimension_before_training(tmp_path, vectors):
    quality = load_bench("quality")
    argv = ["--corpus", str(ROOT / "corpora"), "--split", "dev", "--fit-splits", "dev",
            "--split-file", "dev=bc5cdr_sample.PubTator.txt", "--config", str(ROOT / "configs" / "sample.cfg"),
            "--lexicon", f"lexicon={ROOT / 'corpora' / 'lexicon'}", "--limit", "4", "--workdir", str(tmp_path / "w"),
            "--arms", "ner_vectors", "--vectors", str(vectors), "--vectors-dim", "300"]
    from spacy_weak.errors import SpacyWeakError

    with pytest.raises(SpacyWeakError, match=r"\[E317\]"):
        quality.main(argv)
    assert not (tmp_path / "w" / "ner_vectors").exists()


def test_resumed_arms_run_keeps_the_arms_of_the_json():
    arms = load_bench("_arms")
    previous = {"ner": {"f1": 0.7, "code": "abc"}, "ner_best": {"f1": 0.1, "code": "old"}, "hmm": {"f1": 0.8}}
    result = {"ner_best": {"f1": 0.9, "code": "new"}, "hmm": {"f1": 0.8}}
    merged = arms.merge_previous(result, previous, ["ner_best"])
    assert merged["ner"] == {"f1": 0.7, "code": "abc"}  # kept, with its code version
    assert merged["ner_best"]["code"] == "new"  # rerun: replaced
    assert merged["kept_from_previous_json"] == ["ner"]
    assert arms.merge_previous({"x": 1}, None, ["ner"]) == {"x": 1}
