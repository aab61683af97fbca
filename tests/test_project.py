"""The tiny `sample` workflow of project.yml, end to end (as explosion's projects test theirs)."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import srsly

REPO = Path(__file__).resolve().parent.parent


def _copy_project(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(REPO / "project.yml", project / "project.yml")
    for folder in ("configs", "corpora", "scripts"):
        shutil.copytree(REPO / folder, project / folder)
    return project


def _run(project, *command):
    run = subprocess.run([sys.executable, "-m", "spacy", "project", "run", *command[:1], str(project), *command[1:]],
                         capture_output=True, text=True, env={**os.environ, "CI": "true"})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return run


@pytest.mark.slow
def test_sample_workflow_runs_end_to_end(tmp_path):
    project = _copy_project(tmp_path)
    _run(project, "sample")
    _run(project, "sample-pool")
    for output in ("training/sample_label_model", "silver/sample", "metrics/sample_analysis.json", "reports/sample.html"):
        assert (project / output).exists(), output
    analysis = srsly.read_json(project / "metrics" / "sample_analysis.json")
    silver = analysis["scores"]["gold"]["silver"]["span"]["micro"]
    # silver labels on the sample against its gold: a real share is right
    assert silver["f"] > 0.6, silver
    # the training loop: cross-fit -> refit with the model as a source -> export -> train -> evaluate
    assert (project / "training/sample_crossfit/manifest.json").exists()
    assert all((project / f"training/sample_crossfit/fold_{i}.json").exists() for i in (0, 1))
    assert "model_oof" in srsly.read_json(project / "training/sample_label_model_self/hmm/cfg")["sources"]
    ner = srsly.read_json(project / "metrics" / "sample_ner.json")
    assert "ents_f" in ner and 0.0 <= ner["ents_f"] <= 1.0
    # the end-model loop: vectors -> augmented NER with vectors and vote features -> shipped pipeline; the pool workflow
    assert srsly.read_json(project / "training/sample_vectors/stamp.json")["model"]["dim"] == 16
    assert srsly.read_json(project / "annotated/sample_pool/manifest.json")
    import spacy

    best = spacy.load(project / "training/sample_ner_best/model-best")
    assert best.vocab.vectors.mode == "floret" and best.vocab.vectors.shape[1] == 16
    # the recipe's sources run in front of the NER, their votes its TAG feature (weak_token_features)
    assert best.pipe_names[-3:] == ["vote_features", "tok2vec", "ner"] and len(best.pipe_names) > 3
    assert any(t.tag_ != "-" for t in best("Naloxone reverses the hypotension."))
    shipped = spacy.load(project / "training/sample_shipped")
    assert shipped.pipe_names.index("model_oof") < shipped.pipe_names.index("hmm")
    assert shipped("Naloxone reverses the hypotension.").spans["model_oof"].attrs["abstain_outside"] is True
    shipped_scores = srsly.read_json(project / "metrics" / "sample_shipped.json")["scores"]["gold"]["silver"]["span"]
    assert 0.0 < shipped_scores["micro"]["f"] <= 1.0
    html = (project / "reports" / "sample.html").read_text(encoding="utf8")
    assert "<table" in html and html.count('class="spans"') + html.count('class="entities"') > 10  # displaCy renderings
    # a second run skips every step: outputs exist and deps are unchanged
    rerun = _run(project, "sample")
    assert "Skipping" in rerun.stdout or "skipping" in rerun.stdout.lower()


@pytest.mark.slow
def test_sample_review_rounds_compound(tmp_path):
    """Two review rounds (issue 22): export -> answer (gold) -> import -> refit -> retrain -> compare;
    the second round's inputs are the first round's outputs, and its dev set keeps round 1's reviews.
    Only the steps the review round reads run first (a test of its own, so the two can run side by side)."""
    from spacy.tokens import DocBin
    from spacy.vocab import Vocab

    project = _copy_project(tmp_path)
    for step in ("sample-assemble", "sample-annotate", "sample-fit", "sample-aggregate"):
        _run(project, step)
    rounds = [[], ["--vars.sample_review_round", "2", "--vars.sample_review_corpus", "silver/sample_r1.spacy",
                   "--vars.sample_review_model", "training/sample_label_model_r1"]]
    for extra in rounds:
        _run(project, "sample-review", *extra)
    ids = []
    for r in (1, 2):
        dev = list(DocBin().from_disk(project / f"reviews/sample_r{r}_dev.spacy").get_docs(Vocab()))
        ids.append({d.user_data["doc_id"] for d in dev})
        assert srsly.read_json(project / f"metrics/sample_r{r}_refit.json")["reviewed_docs"] == len(dev)
        assert (project / f"training/sample_ner_r{r}/model-best").exists()
        assert (project / f"metrics/sample_r{r}_compare.json").exists()
    assert len(ids[0]) == 8 and ids[0] < ids[1]  # round 1's reviews are kept, round 2 adds documents
