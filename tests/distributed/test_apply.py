"""Distributed apply: same shards (bytes), manifest and summary as one process; worker deaths retried."""
import os
import signal
import threading
import time

import pytest

from spacy_weak.runs.apply import apply_pipeline
from spacy_weak.corpora.shards import read_manifest
from spacy_weak.distributed import apply as dask_apply
from spacy_weak.errors import SpacyWeakError

from ..cli.test_apply import CODE, SHARD, corpus, make_model, signatures, write_pubtator  # noqa: F401


def shard_bytes(out):
    return {p.name: p.read_bytes() for p in sorted(out.glob("shard-*.spacy"))}


@pytest.fixture(scope="module")
def reference(corpus):  # noqa: F811
    out = corpus["base"] / "reference"
    summary = apply_pipeline(corpus["model"], corpus["gold"], out, shard_size=SHARD, show_progress=False)
    return out, summary


def set_worker_sleep(client, seconds):
    def setenv(value=str(seconds)):
        os.environ["SPACY_WEAK_TEST_SLEEP"] = value

    client.run(setenv)


def test_cluster_apply_equals_single_process(client, corpus, reference, tmp_path):  # noqa: F811
    out = tmp_path / "dask"
    summary = dask_apply(client, corpus["model"], corpus["gold"], out, shard_size=SHARD, code=CODE, show_progress=False)
    ref_out, ref_summary = reference
    assert shard_bytes(out) == shard_bytes(ref_out)
    assert signatures(out) == signatures(ref_out)
    assert read_manifest(out) == read_manifest(ref_out)
    for key in ("documents", "spans", "ents"):
        assert summary[key] == ref_summary[key]
    assert summary["workers"] == 2


def test_cluster_apply_resumes_a_single_process_run(client, corpus, reference, tmp_path):  # noqa: F811
    out = tmp_path / "mixed"
    # a single-process run stopped after 3 shards (its manifest lists them)
    from spacy_weak.runs.apply import span_counts  # noqa: F401

    apply_pipeline(corpus["model"], corpus["gold"], out, shard_size=SHARD, show_progress=False)
    manifest = read_manifest(out)
    # what a kill -9 while shard 3 was being renamed leaves: 3 shards listed, shard 3 pending
    manifest.update(shards=manifest["shards"][:3], docs=3 * SHARD, complete=False, pending="shard-00003.spacy")
    import srsly

    srsly.write_json(out / "manifest.json", manifest)
    for k in range(4, 10):
        (out / f"shard-{k:05d}.spacy").unlink()  # never written by the stopped run
    summary = dask_apply(client, corpus["model"], corpus["gold"], out, shard_size=SHARD, code=CODE, show_progress=False)
    assert summary["resumed_from"] == 3 * SHARD
    assert shard_bytes(out) == shard_bytes(reference[0])
    assert read_manifest(out) == read_manifest(reference[0])


def test_cluster_apply_checks_overlap_and_lock_before_writing(client, corpus, tmp_path):  # noqa: F811
    """E263 (output contains the input) and E265 (another run holds the directory) on --cluster, nothing written."""
    import shutil

    from spacy_weak.corpora.shards import ShardWriter

    outer = tmp_path / "outer"
    shutil.copytree(corpus["gold"], outer / "gold")
    before = sorted(p.name for p in outer.rglob("*"))
    with pytest.raises(SpacyWeakError, match="E263"):
        dask_apply(client, corpus["model"], outer / "gold", outer, shard_size=SHARD, code=CODE, show_progress=False)
    assert sorted(p.name for p in outer.rglob("*")) == before
    out = tmp_path / "locked"
    with ShardWriter(out, settings={"other": "run"}, shard_size=SHARD):
        manifest = (out / "manifest.json").read_bytes()
        with pytest.raises(SpacyWeakError, match="E265"):
            dask_apply(client, corpus["model"], corpus["gold"], out, shard_size=SHARD, code=CODE, show_progress=False)
        assert (out / "manifest.json").read_bytes() == manifest
        assert not list(out.glob("shard-*.spacy"))


def test_worker_killed_mid_apply_is_retried(client, corpus, reference, tmp_path):  # noqa: F811
    out = tmp_path / "killed"
    set_worker_sleep(client, 0.05)  # 10 shards x 10 docs x 0.05 s: about 2.5 s on 2 workers
    pids = client.run(os.getpid)
    killed = {}

    def killer():
        deadline = time.time() + 30
        while time.time() < deadline and not list(out.glob("shard-*.spacy")):
            time.sleep(0.02)
        victim = min(pids.values())
        os.kill(victim, signal.SIGKILL)  # the nanny starts a new worker process
        killed["pid"] = victim

    thread = threading.Thread(target=killer)
    thread.start()
    try:
        summary = dask_apply(client, corpus["model"], corpus["gold"], out, shard_size=SHARD, code=CODE, show_progress=False)
    finally:
        thread.join()
        set_worker_sleep(client, 0)
    assert killed, "no worker was killed"
    client.wait_for_workers(2, timeout=30)
    assert killed["pid"] not in client.run(os.getpid).values()
    assert summary["documents"] == reference[1]["documents"]
    assert shard_bytes(out) == shard_bytes(reference[0])
    assert read_manifest(out) == read_manifest(reference[0])


def test_text_input_is_refused_before_writing(client, corpus, tmp_path):  # noqa: F811
    out = tmp_path / "nope"
    with pytest.raises(SpacyWeakError, match=r"E453.*convert"):
        dask_apply(client, corpus["model"], corpus["pubtator"], out, shard_size=SHARD, code=CODE)
    assert not out.exists()


@pytest.mark.parametrize("resume_with", ["cluster", "one process"])
def test_client_killed_mid_apply_resumes_identically(client, corpus, reference, tmp_path, resume_with):  # noqa: F811
    """``kill -9`` of the client (the CLI) mid-run: the manifest lists a prefix and the
    shards in flight as pending; the next run (on the cluster, or in one process)
    deletes those and finishes identically."""
    import subprocess
    import sys

    out = tmp_path / "client_killed"
    set_worker_sleep(client, 0.05)
    cmd = [sys.executable, "-m", "spacy_weak", "apply", str(corpus["model"]), str(corpus["gold"]), str(out),
           "--code", str(CODE), "--shard-size", str(SHARD), "--cluster", client.scheduler.address]
    log = tmp_path / "client.log"
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    try:
        deadline = time.time() + 90
        while time.time() < deadline and proc.poll() is None:
            manifest = read_manifest(out) if (out / "manifest.json").exists() else None
            if manifest and len(manifest["shards"]) >= 2:
                break
            time.sleep(0.05)
        assert proc.poll() is None, f"the run ended before it could be killed: {log.read_text()[-2000:]}"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
        set_worker_sleep(client, 0)
    manifest = read_manifest(out)
    assert not manifest["complete"] and 2 <= len(manifest["shards"]) < 10
    listed = {e["file"] for e in manifest["shards"]} | set(manifest.get("pending") or [])
    assert {p.name for p in out.glob("shard-*.spacy")} <= listed  # every file on disk is recorded
    if resume_with == "cluster":
        summary = dask_apply(client, corpus["model"], corpus["gold"], out, shard_size=SHARD, code=CODE, show_progress=False)
    else:
        summary = apply_pipeline(corpus["model"], corpus["gold"], out, shard_size=SHARD, code=CODE, show_progress=False)
    assert summary["resumed_from"] >= 2 * SHARD
    assert shard_bytes(out) == shard_bytes(reference[0])
    assert read_manifest(out) == read_manifest(reference[0])
