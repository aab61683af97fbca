"""Every script in bench/ runs end to end in a smoke mode (tiny inputs, seconds of CPU), so none can
break unnoticed. Inputs are written by :mod:`tests.bench.smoke_data`; nothing outside the repository
is read. ``bench/label_model_v2.py`` (a module of ``quality.py``, no command of its own) runs inside
the quality smoke run; ``bench/_training.py`` and ``bench/_textcat_confidence.py`` are helpers."""
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .smoke_data import write_corpus, write_lexicons

ROOT = Path(__file__).resolve().parents[2]


def run(*args, timeout: float = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    proc = subprocess.run([sys.executable, *map(str, args)], cwd=str(ROOT), env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, f"{args[0]} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    return proc


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    base = tmp_path_factory.mktemp("bench_smoke")
    corpus = write_corpus(base / "bc5cdr")
    lexicons = write_lexicons(base / "lex")
    return base, corpus, lexicons


def lexicon_args(lexicons):
    return [a for name, path in lexicons.items() for a in ("--lexicon", f"{name}={path}")]


def test_speed_smoke(inputs):
    base, corpus, lexicons = inputs
    out = base / "speed.json"
    run("bench/speed.py", "--bc5cdr", corpus, *lexicon_args(lexicons), "--sizes", "300", "--repeats", "1",
        "--min-mb", "0.01", "--skip", "scaling", "--skip-peers", "--workdir", base / "speed", "--json", out)
    res = json.loads(out.read_text())
    for key in ("annotate_vs_tokenizer", "gazetteer_vs_phrasematcher_component", "build_memory_vs_phrasematcher"):
        assert res["ratios"][key] is not None and res["ratios"][key] > 0
    assert res["recipe_tokens_per_s"] > 0
    assert res["hmm"]["ours"]["iterations"] >= 1
    # the per-source profile of the recipe: every source of configs/bc5cdr.cfg and the aggregators
    profile = res["e2e"]["profile"]
    assert {"gaz_drugbank", "abbrev", "consistency", "hmm (fit)", "hmm (apply)", "mv (apply)"} <= set(profile)
    assert res["loadavg_start"] and res["loadavg_end"]


def test_scale_smoke(inputs):
    base, corpus, lexicons = inputs
    out = base / "scale.json"
    run("bench/scale.py", "--bc5cdr", corpus, *lexicon_args(lexicons), "--scales", "1", "--workers", "1",
        "--shard-size", "4", "--fit-iter", "2", "--work", base / "scale", "--json", out)
    res = json.loads(out.read_text())
    assert res["apply"]["tokens_per_s"]["1"] > 0 and res["fit"]["tokens_per_s"]["1"] > 0
    assert res["lexicons"]["ctd"] == str(lexicons["ctd"])


def test_scale_refuses_missing_inputs(inputs, tmp_path):
    base, corpus, lexicons = inputs
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "bench/scale.py", "--bc5cdr", str(tmp_path), "--lexicon", f"ctd={tmp_path / 'x.tsv'}"],
                          cwd=str(ROOT), env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "inputs not found" in proc.stderr


def test_quality_and_boundary_probes_smoke(inputs):
    base, corpus, lexicons = inputs
    q = base / "quality.json"
    ann, agg = base / "annotated.spacy", base / "aggregated.spacy"
    run("bench/quality.py", "--corpus", corpus, "--split", "dev", "--fit-splits", "train", *lexicon_args(lexicons),
        "--limit", "6", "--json", q, "--save-annotated", ann, "--save-aggregated", agg)
    assert json.loads(q.read_text())
    bp = base / "probes.json"
    run("bench/boundary_probes.py", "--fit", ann, "--scored", agg, "--lexicon", lexicons["drugbank"],
        "--reviewed", agg, "--reviewed-docs", "2", "--json", bp)
    assert json.loads(bp.read_text())


def test_review_smoke(inputs):
    base, corpus, lexicons = inputs
    out = base / "review.json"
    run("bench/review.py", "--corpus", corpus, *lexicon_args(lexicons), "--limit", "6", "--budgets", "2",
        "--seeds", "1", "--json", out)
    assert json.loads(out.read_text())


def test_textcat_smoke(tmp_path):
    data = tmp_path / "yt"
    data.mkdir()
    spam = ["check out my channel http://youtu.be/x", "subscribe to my channel please!!!",
            "free gift cards at www.example.com", "please like and subscribe my music channel"]
    ham = ["this song is amazing", "love this video", "I remember when this came out", "best song ever"]
    for i, name in enumerate(["Youtube01-Psy", "Youtube02-KatyPerry", "Youtube03-LMFAO", "Youtube04-Eminem",
                              "Youtube05-Shakira"]):
        with open(data / f"{name}.csv", "w", newline="", encoding="utf8") as f:
            w = csv.writer(f)
            w.writerow(["COMMENT_ID", "AUTHOR", "DATE", "CONTENT", "label"])
            for j in range(16):
                w.writerow([f"id{i}_{j}", "a", "2013-11-07T06:20:48", (spam if j % 2 else ham)[j % 4] + f" {j}", j % 2])
    out = tmp_path / "textcat.json"
    run("bench/textcat.py", "--data", data, "--json", out, "--no-textcat", "--out-dir", tmp_path / "out")
    assert json.loads(out.read_text())


def test_abbreviations_scaling_smoke(tmp_path):
    out = tmp_path / "abbr.json"
    run("bench/abbreviations_scaling.py", "--sizes", "50", "100", "--json", out)
    rows = json.loads(out.read_text())["rows"]
    assert [r["spans"] for r in rows] == [50, 100]


def test_synthetic_lexicon_smoke(tmp_path):
    out = tmp_path / "syn.tsv"
    run("bench/synthetic_lexicon.py", "40", out)
    assert len(out.read_text(encoding="utf8").splitlines()) == 40


def test_compare_sources_smoke(inputs):
    base, corpus, lexicons = inputs
    a, b = base / "sources_a.json", base / "sources_b.json"
    for out in (a, b):
        run("bench/compare_sources.py", "dump", out, "--corpus", corpus, *lexicon_args(lexicons), "--limit", "4")
    dumped = json.loads(a.read_text())
    assert dumped["docs"] == 4 and "gaz_drugbank" in dumped["groups"]
    assert "IDENTICAL" in run("bench/compare_sources.py", "compare", a, b).stdout
    # a changed span is reported (exit status 1)
    first = next(iter(dumped["groups"]["gaz_drugbank"].values()))
    first["spans"][0][1] += 1
    a.write_text(json.dumps(dumped))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "bench/compare_sources.py", "compare", str(a), str(b)], cwd=str(ROOT), env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "gaz_drugbank" in proc.stdout and "DIFFERENT" in proc.stdout


def test_compare_sources_aggregates_smoke(inputs):
    """``dump --aggregates`` fits and applies the recipe's aggregators; ``compare`` tells byte-identical
    aggregates from probabilities within ``--tol`` and from different ones."""
    base, corpus, lexicons = inputs
    a, b = base / "agg_a.json", base / "agg_b.json"
    run("bench/compare_sources.py", "dump", a, "--aggregates", "--corpus", corpus, *lexicon_args(lexicons), "--limit", "6")
    dumped = json.loads(a.read_text())
    assert "silver" in dumped["groups"] and "mv" in dumped["groups"]
    doc = next(d for d in dumped["groups"]["silver"].values() if d["spans"])
    doc["attrs"]["probs"][0] += 1e-12
    b.write_text(json.dumps(dumped))
    out = run("bench/compare_sources.py", "compare", a, b).stdout
    assert "probabilities within 1e-09" in out and "IDENTICAL" in out
    doc["attrs"]["probs"][0] += 1e-3
    b.write_text(json.dumps(dumped))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "bench/compare_sources.py", "compare", str(a), str(b)], cwd=str(ROOT), env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "DIFFERENT" in proc.stdout
