import os
import signal
import subprocess
import sys
import time

import spacy
from spacy.tokens import DocBin
from typer.testing import CliRunner

from spacy_weak.cli import _load_commands, app

from ..review.test_policy import _doc
from ..training._data import CONFIG, make_docs

runner = CliRunner()


def _silver(path, n=10, **kw):
    DocBin(docs=make_docs(n, **kw)).to_disk(path)
    return path


def test_export_training_partial_and_hard(tmp_path):
    _load_commands()
    src = _silver(tmp_path / "silver.spacy")
    out, dev = tmp_path / "train.spacy", tmp_path / "dev.spacy"
    result = runner.invoke(app, ["export-training", str(src), "-o", str(out), "--dev-output", str(dev), "--dev-every", "5"])
    assert result.exit_code == 0, result.output
    assert "missing" in result.output
    vocab = spacy.blank("en").vocab
    train_docs = list(DocBin().from_disk(out).get_docs(vocab))
    assert len(train_docs) == 8 and len(list(DocBin().from_disk(dev).get_docs(vocab))) == 2
    # the disease spans (p=0.4) are missing under the default threshold 0.5; no span groups are kept
    assert all([e.text for e in d.ents] == [d[0].text] for d in train_docs)
    assert all(d[2].ent_iob_ == "" for d in train_docs) and not any(d.spans for d in train_docs)
    # a second run replaces its own output; a file it did not write only with --overwrite
    hard = runner.invoke(app, ["export-training", str(src), "-o", str(out), "--policy", "hard"])
    assert hard.exit_code == 0, hard.output
    mine = tmp_path / "mine.spacy"
    mine.write_bytes(out.read_bytes())
    again = runner.invoke(app, ["export-training", str(src), "-o", str(mine)])
    assert again.exit_code == 1 and "[E701]" in again.output and "--output" in again.output
    assert all(len(d.ents) == 2 for d in DocBin().from_disk(out).get_docs(vocab))


def test_export_training_bad_input(tmp_path):
    _load_commands()
    src = _silver(tmp_path / "silver.spacy")
    bad = runner.invoke(app, ["export-training", str(src), "-o", str(tmp_path / "o.spacy"), "--entity-threshold", "1.2"])
    assert bad.exit_code == 1 and "[E300]" in bad.output and "entity_threshold" in bad.output
    policy = runner.invoke(app, ["export-training", str(src), "-o", str(tmp_path / "o.spacy"), "--policy", "soft"])
    assert policy.exit_code == 1 and "[E306]" in policy.output and "--policy" in policy.output
    empty = _silver(tmp_path / "empty.spacy", with_silver=False)
    none = runner.invoke(app, ["export-training", str(empty), "-o", str(tmp_path / "o.spacy")])
    assert none.exit_code == 1 and "[E304]" in none.output and "silver" in none.output
    assert not (tmp_path / "o.spacy").exists()
    for every in ("0", "-2", "1"):  # was silently taken as 2
        held = runner.invoke(app, ["export-training", str(src), "-o", str(tmp_path / "o.spacy"),
                                   "--dev-output", str(tmp_path / "d.spacy"), "--dev-every", every])
        assert held.exit_code == 1 and "[E312]" in held.output and "--dev-every" in held.output
    assert not (tmp_path / "o.spacy").exists() and not (tmp_path / "d.spacy").exists()


def test_crossfit_command_bad_input(tmp_path):
    _load_commands()
    src = _silver(tmp_path / "silver.spacy", n=4)
    base = ["crossfit", str(src), "-o", str(tmp_path / "cf"), "--config", str(CONFIG)]
    folds = runner.invoke(app, [*base, "--folds", "5"])
    assert folds.exit_code == 1 and "[E302]" in folds.output and "n_folds" in folds.output
    steps = runner.invoke(app, [*base, "--steps", "0"])
    assert steps.exit_code == 1 and "[E303]" in steps.output and "steps" in steps.output
    cfg = runner.invoke(app, ["crossfit", str(src), "-o", str(tmp_path / "cf"), "--config", str(tmp_path / "none.cfg")])
    assert cfg.exit_code == 1 and "[E305]" in cfg.output and "none.cfg" in cfg.output


def test_killed_crossfit_run_resumes_from_its_finished_folds(tmp_path):
    src = _silver(tmp_path / "silver.spacy", n=12)
    out = tmp_path / "cf"
    cmd = [sys.executable, "-m", "spacy_weak", "crossfit", str(src), "-o", str(out), "--config", str(CONFIG),
           "--folds", "4", "--steps", "2", "--beam-width", "1"]
    env = {**os.environ, "CI": "true"}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    deadline = time.time() + 300
    while not (out / "fold_0.json").exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)  # killed as soon as the first fold is finished
    proc.wait()
    finished = sorted(p.name for p in out.glob("fold_*.json"))
    assert "fold_0.json" in finished
    assert not (out / "predictions.spacy").exists() or len(finished) == 4
    rerun = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"{len(finished)} resumed" in rerun.stdout and f"{4 - len(finished)} trained" in rerun.stdout
    docs = list(DocBin().from_disk(out / "predictions.spacy").get_docs(spacy.blank("en").vocab))
    assert len(docs) == 12 and all("model_oof" in d.spans for d in docs)
    assert not list(out.glob(".fold_*"))  # the killed fold's work folder was cleared


def test_self_train_command_writes_silver_and_refitted_label_model(tmp_path):
    import warnings

    _load_commands()
    docs = make_docs(6, with_silver=False)
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_hmm", name="hmm", config={"sources": ["src_chem", "src_dis"], "labels": ["Chemical", "Disease"], "n_iter": 5})
    hmm = nlp.get_pipe("hmm")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hmm.fit(docs)
    nlp.to_disk(tmp_path / "label_model")
    DocBin(docs=list(hmm.pipe(docs))).to_disk(tmp_path / "silver.spacy")
    args = ["self-train", str(tmp_path / "label_model"), str(tmp_path / "silver.spacy"), "-o", str(tmp_path / "st"),
            "--config", str(CONFIG), "--folds", "2", "--steps", "2", "--beam-width", "1"]
    bad = runner.invoke(app, [*args, "--rounds", "-1"])
    assert bad.exit_code == 1 and "[E309]" in bad.output and "--rounds" in bad.output
    result = runner.invoke(app, [*args, "--rounds", "1"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "st" / "round_1" / "fold_1.json").exists()
    refitted = spacy.load(tmp_path / "st" / "label_model").get_pipe("hmm")
    assert "model_oof" in refitted.cfg["sources"]
    silver = list(DocBin().from_disk(tmp_path / "st" / "silver.spacy").get_docs(refitted.vocab))
    assert len(silver) == 6 and all("model_oof" in d.spans and "silver" in d.spans for d in silver)


def test_refit_command_needs_a_saved_label_model(tmp_path):
    _load_commands()
    src = _silver(tmp_path / "silver.spacy", n=4)
    result = runner.invoke(app, ["refit", str(tmp_path / "nope"), str(src), "-o", str(tmp_path / "o"),
                                 "--silver-output", str(tmp_path / "s.spacy")])
    assert result.exit_code == 1 and "[E311]" in result.output and "label_model" in result.output


def test_refit_and_self_train_take_code(tmp_path):
    """A project whose pipeline uses the user's functions loads with --code (like apply, fit, audit)."""
    _load_commands()
    src = _silver(tmp_path / "silver.spacy", n=4)
    missing = tmp_path / "rules.py"
    for command in (["refit", str(tmp_path / "nope"), str(src), "-o", str(tmp_path / "o"),
                     "--silver-output", str(tmp_path / "s.spacy")],
                    ["self-train", str(tmp_path / "nope"), str(src), "-o", str(tmp_path / "o"), "-c", str(tmp_path / "x.cfg")]):
        result = runner.invoke(app, command + ["--code", str(missing)])
        assert result.exit_code != 0
        assert "No such option" not in result.output, result.output


def test_export_training_policy_auto(tmp_path):
    _load_commands()
    nlp = spacy.blank("en")
    dev = [_doc(nlp, i, doubtful_right=False) for i in range(30)]
    silver = []
    for d in dev + [_doc(nlp, i, doubtful_right=False) for i in range(30, 40)]:
        s = d.copy()
        del s.spans["gold"]
        silver.append(s)
    DocBin(docs=silver, store_user_data=True).to_disk(tmp_path / "silver.spacy")
    DocBin(docs=dev, store_user_data=True).to_disk(tmp_path / "dev.spacy")
    out = tmp_path / "train.spacy"
    res = runner.invoke(app, ["export-training", str(tmp_path / "silver.spacy"), "-o", str(out), "--policy", "auto",
                              "--reviewed", str(tmp_path / "dev.spacy")])
    assert res.exit_code == 0, res.output
    assert "Policy chosen on 30 reviewed documents" in res.output and "'entity_threshold': 0.7" in res.output
    train = list(DocBin().from_disk(out).get_docs(nlp.vocab))
    unreviewed = [d for d in train if d.text.endswith("35 .")][0]
    assert unreviewed[2].ent_iob_ == "" and unreviewed[0].ent_type_ == "Chemical"  # the doubtful span is missing
    bad = runner.invoke(app, ["export-training", str(tmp_path / "silver.spacy"), "-o", str(tmp_path / "x.spacy"),
                              "--policy", "auto"])
    assert bad.exit_code == 1 and "E417" in bad.output and not (tmp_path / "x.spacy").exists()
