"""``spacy-weak apply``: resumable sharded runs, identical after ``kill -9``, n_process=2 == 1."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import spacy
from typer.testing import CliRunner

from spacy_weak.cli import _load_commands, app
from spacy_weak.cli._overrides import parse_overrides
from spacy_weak.runs.apply import apply_pipeline
from spacy_weak.runs.pipeline import load_pipeline
from spacy_weak.corpora.convert import convert_corpus
from spacy_weak.corpora import get_doc_id, read_docs
from spacy_weak.corpora.shards import read_manifest
from spacy_weak.errors import SpacyWeakError

HERE = Path(__file__).parent
CODE = HERE / "apply_test_code.py"
REPO = HERE.parent.parent

import importlib.util  # noqa: E402

_spec = importlib.util.spec_from_file_location("apply_test_code", CODE)
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)  # registers the test_slow_marker factory here too

_load_commands()

N_DOCS = 100
SHARD = 10


def write_pubtator(path: Path, n: int = N_DOCS) -> Path:
    lines = []
    for i in range(n):
        pmid = str(1000 + i)
        title = f"Aspirin and headache case {i}."
        abstract = f"Patient {i} took Ibuprofen for Migraine while on aspirin."
        text = title + " " + abstract
        lines.append(f"{pmid}|t|{title}")
        lines.append(f"{pmid}|a|{abstract}")
        for word, label in (("Aspirin", "Chemical"), ("headache", "Disease"), ("Ibuprofen", "Chemical"), ("Migraine", "Disease")):
            start = text.index(word)
            lines.append(f"{pmid}\t{start}\t{start + len(word)}\t{word}\t{label}\tD{i:04d}")
        lines.append("")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def make_model(path: Path) -> Path:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("span_ruler", config={"spans_key": "ruler"})
    ruler.add_patterns([{"label": "Chemical", "pattern": [{"LOWER": {"IN": ["aspirin", "ibuprofen"]}}]}])
    nlp.add_pipe("test_slow_marker", name="marker")
    nlp.to_disk(path)
    return path


def doc_signature(doc):
    return (
        doc.text,
        get_doc_id(doc),
        [(e.start, e.end, e.label_, e.kb_id_) for e in doc.ents],
        {key: ([(s.start, s.end, s.label_, s.kb_id_) for s in group], dict(group.attrs)) for key, group in sorted(doc.spans.items())},
    )


def signatures(out_dir: Path):
    vocab = spacy.blank("en").vocab
    return [doc_signature(d) for d in read_docs(out_dir, vocab)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A converted gold corpus (shard directory) and a saved pipeline."""
    base = tmp_path_factory.mktemp("apply")
    src = write_pubtator(base / "docs.PubTator.txt")
    gold_dir = base / "gold"
    summary = convert_corpus("pubtator", src, gold_dir, shard_size=64, show_progress=False)
    assert summary["documents"] == N_DOCS
    model = make_model(base / "model")
    return {"base": base, "pubtator": src, "gold": gold_dir, "model": model}


@pytest.fixture(scope="module")
def reference(corpus):
    out = corpus["base"] / "reference"
    summary = apply_pipeline(corpus["model"], corpus["gold"], out, shard_size=SHARD, show_progress=False)
    return out, summary


def test_apply_keeps_gold_and_adds_groups(corpus, reference):
    out, summary = reference
    sigs = signatures(out)
    assert len(sigs) == N_DOCS
    assert [s[1] for s in sigs] == [str(1000 + i) for i in range(N_DOCS)]
    first = sigs[0]
    assert set(first[3]) == {"gold", "ruler", "marker"}
    assert [s[2] for s in first[3]["gold"][0]] == ["Chemical", "Disease", "Chemical", "Disease"]
    assert [s[2] for s in first[3]["ruler"][0]] == ["Chemical", "Chemical", "Chemical"]
    # gold ents survive the pipeline
    assert [e[2] for e in first[2]] == ["Chemical", "Disease", "Chemical", "Disease"]
    assert summary["documents"] == N_DOCS
    assert summary["spans"] == {"gold": 4 * N_DOCS, "marker": summary["spans"]["marker"], "ruler": 3 * N_DOCS}
    manifest = read_manifest(out)
    assert manifest["complete"] and len(manifest["shards"]) == N_DOCS // SHARD


def test_apply_on_pubtator_input(corpus, reference, tmp_path):
    out = tmp_path / "from_pubtator"
    apply_pipeline(corpus["model"], corpus["pubtator"], out, shard_size=SHARD, show_progress=False)
    assert signatures(out) == signatures(reference[0])


def test_apply_n_process_2_identical(corpus, reference, tmp_path):
    out = tmp_path / "two"
    summary = apply_pipeline(
        corpus["model"], corpus["gold"], out, shard_size=SHARD, n_process=2, batch_size=16, show_progress=False
    )
    assert summary["documents"] == N_DOCS
    assert signatures(out) == signatures(reference[0])


def child_pids(pid: int):
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(")")[-1].split()[0] != "Z"


@pytest.mark.parametrize("n_process", [1, 2])
def test_apply_resumes_after_kill_9(corpus, reference, tmp_path, n_process):
    """THE resume test: kill -9 a real run mid-way, run again, compare with an uninterrupted run."""
    out = tmp_path / "killed"
    cmd = [
        sys.executable, "-m", "spacy_weak", "apply", str(corpus["model"]), str(corpus["gold"]), str(out),
        "--shard-size", str(SHARD), "--batch-size", "4", "--code", str(CODE), "--n-process", str(n_process),
    ]
    env = dict(os.environ, SPACY_WEAK_TEST_SLEEP="0.04", SPACY_WEAK_NO_PROGRESS="1")
    proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    killed_at = None
    workers = []
    try:
        while time.time() < deadline:
            manifest = read_manifest(out) if (out / "manifest.json").exists() else None
            if manifest is not None and len(manifest["shards"]) >= 2:
                workers = child_pids(proc.pid)
                proc.send_signal(signal.SIGKILL)
                killed_at = len(manifest["shards"])
                break
            if proc.poll() is not None:
                break
            time.sleep(0.02)
    finally:
        if proc.poll() is None and killed_at is None:
            proc.kill()
        proc.wait(timeout=30)
    assert killed_at is not None, proc.stderr.read().decode()
    assert proc.returncode == -signal.SIGKILL
    if n_process > 1 and sys.platform.startswith("linux"):
        assert len(workers) == n_process
        time.sleep(0.5)
        orphans = [pid for pid in workers if alive(pid)]
        for pid in orphans:  # do not leak them if the check fails
            os.kill(pid, signal.SIGKILL)
        assert not orphans, "worker processes outlived the killed parent"
    manifest = read_manifest(out)
    assert not manifest["complete"]
    assert 0 < manifest["docs"] < N_DOCS
    # Rerun the same command (no slowdown): it resumes and finishes.
    env["SPACY_WEAK_TEST_SLEEP"] = "0"
    done = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "resumed:" in done.stdout
    assert f"Wrote {N_DOCS} documents" in done.stdout
    assert signatures(out) == signatures(reference[0])
    assert read_manifest(out)["summary"] == read_manifest(reference[0])["summary"]
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in reference[0].iterdir())
    # byte-identical shards (issue 15, class 10)
    from spacy_weak.corpora.shards import docbin_files

    assert [p.read_bytes() for p in docbin_files(out)] == [p.read_bytes() for p in docbin_files(reference[0])]


def test_apply_rerun_complete_is_noop(corpus, reference):
    out, _ = reference
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    with pytest.warns(UserWarning, match="W250"):
        summary = apply_pipeline(corpus["model"], corpus["gold"], out, shard_size=SHARD, show_progress=False)
    assert summary["documents"] == N_DOCS
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before


def test_apply_other_settings_refused_when_unfinished(corpus, tmp_path, monkeypatch):
    out = tmp_path / "partial"
    from spacy_weak.corpora.shards import ShardWriter

    original = ShardWriter.add
    calls = {"n": 0}

    def crash(self, doc):
        calls["n"] += 1
        if calls["n"] > 25:
            raise KeyboardInterrupt
        original(self, doc)

    monkeypatch.setattr(ShardWriter, "add", crash)
    with pytest.raises(KeyboardInterrupt):
        apply_pipeline(corpus["model"], corpus["gold"], out, shard_size=SHARD, show_progress=False)
    monkeypatch.setattr(ShardWriter, "add", original)
    with pytest.raises(SpacyWeakError, match="E250.*shard_size"):
        apply_pipeline(corpus["model"], corpus["gold"], out, shard_size=SHARD + 1, show_progress=False)
    with pytest.raises(SpacyWeakError, match="E250.*(format|input)"):
        apply_pipeline(corpus["model"], corpus["pubtator"], out, shard_size=SHARD, show_progress=False)


def test_apply_cli_summary_and_errors(corpus, tmp_path):
    runner = CliRunner()
    out = tmp_path / "cli"
    result = runner.invoke(
        app,
        ["apply", str(corpus["model"]), str(corpus["gold"]), str(out), "--shard-size", "50", "--code", str(CODE)],
        env={"SPACY_WEAK_NO_PROGRESS": "1"},
    )
    assert result.exit_code == 0, result.output
    assert f"Wrote {N_DOCS} documents" in result.output
    assert f"spans[ruler]: {3 * N_DOCS}" in result.output
    assert "time:" in result.output
    bad = runner.invoke(app, ["apply", str(tmp_path / "nope"), str(corpus["gold"]), str(tmp_path / "x")])
    assert bad.exit_code == 1
    assert "E255" in bad.output
    bad_code = runner.invoke(
        app, ["apply", str(corpus["model"]), str(corpus["gold"]), str(tmp_path / "y"), "--code", str(tmp_path / "no.py")]
    )
    assert bad_code.exit_code == 1 and "E256" in bad_code.output


def test_apply_config_needs_initialize(tmp_path):
    cfg = tmp_path / "config.cfg"
    nlp = spacy.blank("en")
    nlp.add_pipe("span_ruler", config={"spans_key": "ruler"})
    nlp.config.to_disk(cfg)
    with pytest.raises(SpacyWeakError, match="E255"):
        load_pipeline(cfg)
    loaded, fingerprint = load_pipeline(cfg, initialize=True)
    assert loaded.pipe_names == ["span_ruler"] and len(fingerprint) == 64
    overridden, other = load_pipeline(cfg, initialize=True, overrides=parse_overrides(["--nlp.batch_size", "7"]))
    assert overridden.batch_size == 7 and other != fingerprint


def test_parse_overrides():
    assert parse_overrides(["--paths.ctd", "x.tsv", "--vars.n=3", "--a.flag"]) == {
        "paths.ctd": "x.tsv", "vars.n": 3, "a.flag": True,
    }
    with pytest.raises(SpacyWeakError, match="E212"):
        parse_overrides(["--nodot", "1"])


def test_manifest_is_json(reference):
    data = json.loads((reference[0] / "manifest.json").read_text())
    assert data["format"] == "spacy_weak.shards.v1"
    assert [s["file"] for s in data["shards"]][:2] == ["shard-00000.spacy", "shard-00001.spacy"]


def test_apply_exclude_skips_components(corpus, tmp_path):
    out = tmp_path / "excluded"
    summary = apply_pipeline(corpus["model"], corpus["gold"], out, exclude=["marker"], show_progress=False)
    assert summary["documents"] == N_DOCS
    docs = list(read_docs(out, spacy.blank("en").vocab))
    assert all("ruler" in d.spans for d in docs)
    assert "marker" not in read_manifest(out)["settings"]["pipe_names"]
