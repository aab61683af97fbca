"""Scaling of ``apply`` and ``fit`` on a Dask cluster: 1 and 2 workers, BC5CDR repeated 1x-8x.

    python bench/scale.py [--scales 1,2,4,8] [--workers 1,2] [--shard-size 250]
                          [--fit-iter 10] [--json bench/out/scale/scale.json]

Data: the BC5CDR abstracts (training + development + test PubTator files, 1,500
abstracts; only timed, never scored) converted once to DocBin shards with the
recipe's tokenizer, then repeated R times (hard links) for R in ``--scales``.
Pipeline: ``configs/bc5cdr.cfg`` with the open-vocabulary lexicons given as
``--lexicon drugbank=PATH --lexicon ctd=PATH --lexicon doid=PATH`` (default: ``../lex/NAME.tsv``
beside the repository, where ``project.yml``'s ``lexicons`` step writes them) (its 18 sources; ``apply``), and its ``hmm`` component (``fit``, ``--fit-iter``
EM iterations with tol = 0 so every size runs the same number of iterations).

For each worker count a ``LocalCluster`` (processes, 1 thread each) is started;
``apply`` runs in this process (the client), each ``fit`` in a fresh
subprocess connected to the scheduler, so its peak RSS (``VmHWM``) is the
client's memory during fit alone. Every measurement records
``os.getloadavg()`` before it and the CPU time (user + system) each worker
spent: the machine is shared, and with other users' load the wall-clock
figures of 2 workers are depressed (Linux shares CPU between sessions, so two
processes of this benchmark get about the share one would). The CPU times give
load-independent figures beside them: ``speedup_2_workers_cpu_bound`` (one
worker's CPU time over the busier of two workers': the speedup with a core
per worker), the slope of log worker-CPU on log tokens, and worker CPU seconds
per million tokens (the PubMed projection in docs/distributed.md). Prints a
table and writes the JSON the issue names (``apply``/``fit`` tokens per second
at the largest size per worker count, ``speedup_2_workers``,
``per_token_cost_slope``, ``client_fit_rss_mb``).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = Path(os.environ.get("BC5CDR_DIR", str(ROOT.parent / "shared" / "data" / "bc5cdr")))
LEXICONS = {n: ROOT.parent / "lex" / f"{n}.tsv" for n in ("drugbank", "ctd", "doid")}
SPLITS = ("CDR_TrainingSet", "CDR_DevelopmentSet", "CDR_TestSet")


def peak_rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def _cpu_seconds(dask_worker=None) -> float:
    """CPU time (user + system) of this process and its children so far."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def worker_cpu(client) -> dict:
    return client.run(_cpu_seconds)


def cpu_delta(before: dict, after: dict) -> dict:
    """Per-worker CPU seconds between two :func:`worker_cpu` readings (workers present in both)."""
    return {w: round(after[w] - before[w], 2) for w in after if w in before}


def load() -> list:
    return [round(x, 2) for x in os.getloadavg()]


def recipe_config():
    from spacy import util

    overrides = {f"paths.{n}": str(path) for n, path in LEXICONS.items()}
    return util.load_config(ROOT / "configs" / "bc5cdr.cfg", overrides=overrides, interpolate=False)


def write_manifest(directory: Path, files, counts) -> None:
    import srsly

    from spacy_weak.corpora.shards import MANIFEST_FORMAT

    shards = [{"file": f.name, "docs": n, "counts": {"docs": n}} for f, n in zip(files, counts)]
    srsly.write_json(directory / "manifest.json", {"format": MANIFEST_FORMAT, "settings": {"bench": "scale"}, "shard_size": max(counts),
                                                   "shards": shards, "docs": sum(counts), "complete": True, "summary": {}})


def prepare(work: Path, scales, shard_size: int, fit_iter: int):
    """Models and the 1x..Rx inputs (cached in ``work``); returns (tokens at 1x, docs at 1x)."""
    import spacy
    from spacy import util

    from spacy_weak.corpora.convert import convert_corpus
    from spacy_weak.corpora.shards import docbin_files, read_docs

    model = work / "model"
    if not model.exists():
        config = recipe_config()
        nlp = util.load_model_from_config(config, auto_fill=True, validate=True)
        for name in ("mv", "hmm"):
            nlp.remove_pipe(name)
        nlp.initialize()
        nlp.to_disk(model)
    hmm_model = work / f"hmm_model_{fit_iter}"
    if not hmm_model.exists():
        config = recipe_config().interpolate()
        hmm_cfg = {k: v for k, v in config["components"]["hmm"].items() if k != "factory"}
        hmm_cfg.update(n_iter=fit_iter, tol=0.0)
        nlp = spacy.blank("en")
        nlp.add_pipe("weak_hmm", name="hmm", config=hmm_cfg)
        nlp.to_disk(hmm_model)
    base = work / "in_1x"
    if not (base / "manifest.json").exists():
        files = []
        for split in SPLITS:
            out = work / "gold" / split
            convert_corpus("pubtator", DATA / f"{split}.PubTator.txt", out, shard_size=shard_size,
                           tokenizer=str(ROOT / "configs" / "bc5cdr.cfg"), show_progress=False)
            files += docbin_files(out)
        base.mkdir(parents=True, exist_ok=True)
        counts = []
        for i, f in enumerate(files):
            shutil.copy(f, base / f"shard-{i:05d}.spacy")
            counts.append(sum(1 for _ in read_docs(f, spacy.blank("en").vocab)))
        write_manifest(base, sorted(base.glob("shard-*.spacy")), counts)
    import srsly

    manifest = srsly.read_json(base / "manifest.json")
    counts = [s["docs"] for s in manifest["shards"]]
    tokens_file = work / "tokens_1x.json"
    if not tokens_file.exists():
        n_tok = sum(len(d) for d in read_docs(base, spacy.blank("en").vocab))
        tokens_file.write_text(json.dumps({"tokens": n_tok, "docs": sum(counts)}))
    for r in scales:
        d = work / f"in_{r}x"
        if (d / "manifest.json").exists():
            continue
        d.mkdir(parents=True, exist_ok=True)
        files = sorted(base.glob("shard-*.spacy"))
        out_files = []
        for k in range(r):
            for i, f in enumerate(files):
                target = d / f"shard-{k * len(files) + i:05d}.spacy"
                if not target.exists():
                    os.link(f, target)
                out_files.append(target)
        write_manifest(d, out_files, counts * r)
    info = json.loads(tokens_file.read_text())
    return info["tokens"], info["docs"], model, hmm_model


def slope(sizes, seconds) -> float:
    import numpy as np

    return float(np.polyfit(np.log(sizes), np.log(seconds), 1)[0])


def fit_one(address: str, model: str, data: str) -> None:
    """Subprocess: connect, fit the ``hmm`` component on ``data``, print seconds and peak RSS."""
    import logging
    import warnings

    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    import spacy

    from spacy_weak.distributed import fit
    from spacy_weak.distributed.cluster import connect

    nlp = spacy.load(model)
    client = connect(address)
    rss_before = peak_rss_mb()
    t0 = time.perf_counter()
    proc = fit(client, nlp, "hmm", [Path(data)])
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_rss_mb(), "rss_before_fit_mb": rss_before,
                      "client_cpu_s": round(_cpu_seconds(), 2),
                      "iterations": len(proc.history), "tokens": proc.n_tokens_fit}))
    client.close()


def main() -> int:
    global DATA
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scales", default="1,2,4,8")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--shard-size", type=int, default=250)
    parser.add_argument("--fit-iter", type=int, default=10)
    parser.add_argument("--work", type=Path, default=HERE / "out" / "scale")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--skip-apply", action="store_true")
    parser.add_argument("--bc5cdr", type=Path, default=None, help=f"folder of the BC5CDR PubTator files (default {DATA})")
    parser.add_argument("--lexicon", action="append", default=[], metavar="NAME=PATH",
                        help="the recipe's lexicon NAME (drugbank, ctd, doid) as a TSV (default ../lex/NAME.tsv)")
    parser.add_argument("--fit-one", nargs=3, metavar=("ADDRESS", "MODEL", "DATA"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fit_one:
        fit_one(*args.fit_one)
        return 0
    if args.bc5cdr is not None:
        DATA = args.bc5cdr
    for item in args.lexicon:
        name, _, path = item.partition("=")
        if name not in LEXICONS or not path:
            parser.error(f"--lexicon {item!r}: expected NAME=PATH with NAME in {', '.join(LEXICONS)}")
        LEXICONS[name] = Path(path)
    missing = [str(p) for p in LEXICONS.values() if not p.exists()]
    if not (DATA / f"{SPLITS[0]}.PubTator.txt").exists() or missing:
        parser.error(f"inputs not found: {DATA} (--bc5cdr) {' '.join(missing)} (--lexicon NAME=PATH)")
    import logging
    import warnings

    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    import spacy
    from distributed import Client, LocalCluster

    from spacy_weak.distributed import apply as dask_apply

    scales = [int(x) for x in args.scales.split(",")]
    workers = [int(x) for x in args.workers.split(",")]
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    tokens_1x, docs_1x, model, hmm_model = prepare(work, scales, args.shard_size, args.fit_iter)
    print(f"prepared in {time.perf_counter() - t0:.0f}s: 1x = {docs_1x} docs, {tokens_1x} tokens", flush=True)
    nlp = spacy.load(model)
    runs = {"apply": {}, "fit": {}}
    for w in workers:
        cluster = LocalCluster(n_workers=w, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
        try:
            for r in scales:
                out = work / f"apply_w{w}_{r}x"
                if not args.skip_apply or not (out / "manifest.json").exists():
                    shutil.rmtree(out, ignore_errors=True)
                    la = load()
                    cpu0, ccpu0 = worker_cpu(client), _cpu_seconds()
                    t = time.perf_counter()
                    summary = dask_apply(client, model, work / f"in_{r}x", out, nlp=nlp, shard_size=args.shard_size, show_progress=False)
                    sec = time.perf_counter() - t
                    cpu = cpu_delta(cpu0, worker_cpu(client))
                    assert summary["documents"] == docs_1x * r
                    runs["apply"][f"{w}:{r}"] = {"workers": w, "scale": r, "tokens": tokens_1x * r, "seconds": round(sec, 2),
                                                 "tokens_per_s": round(tokens_1x * r / sec), "worker_cpu_s": cpu,
                                                 "client_cpu_s": round(_cpu_seconds() - ccpu0, 2),
                                                 "loadavg_before": la, "loadavg_after": load()}
                    print(f"apply  workers={w} {r}x: {sec:7.1f}s  {tokens_1x * r / sec:9.0f} tok/s  worker CPU {sorted(cpu.values())}  load {la}", flush=True)
            for r in scales:
                data = work / f"apply_w{w}_{r}x"
                la = load()
                cpu0 = worker_cpu(client)
                res = subprocess.run([sys.executable, __file__, "--fit-one", cluster.scheduler_address, str(hmm_model), str(data)],
                                     capture_output=True, text=True, check=True)
                out = json.loads(res.stdout.strip().splitlines()[-1])
                assert out["tokens"] == tokens_1x * r, out
                cpu = cpu_delta(cpu0, worker_cpu(client))
                out.update(workers=w, scale=r, tokens_per_s=round(out["tokens"] / out["seconds"]), worker_cpu_s=cpu,
                           loadavg_before=la, loadavg_after=load())
                out["seconds"] = round(out["seconds"], 2)
                runs["fit"][f"{w}:{r}"] = out
                print(f"fit    workers={w} {r}x: {out['seconds']:7.1f}s  {out['tokens_per_s']:9.0f} tok/s  client peak RSS {out['peak_rss_mb']:.0f} MB  "
                      f"({out['iterations']} iterations)  load {la}", flush=True)
        finally:
            client.close()
            cluster.close()
    top = max(scales)

    def tps(step, w):
        run = runs[step].get(f"{w}:{top}")
        return run["tokens_per_s"] if run else None

    result = {
        "apply": {"tokens_per_s": {str(w): tps("apply", w) for w in workers}},
        "fit": {"tokens_per_s": {str(w): tps("fit", w) for w in workers}, "iterations": args.fit_iter},
        "measured_at_scale": f"{top}x",
        "tokens_1x": tokens_1x,
        "docs_1x": docs_1x,
        "shard_size": args.shard_size,
        "runs": runs,
        "command": "python bench/scale.py " + " ".join(sys.argv[1:]),
        "cpu_count": os.cpu_count(),
        "lexicons": {n: str(p) for n, p in LEXICONS.items()},
    }
    if 1 in workers and 2 in workers:
        result["speedup_2_workers"] = {
            step: (round(tps(step, 2) / tps(step, 1), 3) if tps(step, 1) and tps(step, 2) else None) for step in ("apply", "fit")
        }
    def cpu_bound(step, w):
        run = runs[step].get(f"{w}:{top}")
        return max(run["worker_cpu_s"].values()) if run and run.get("worker_cpu_s") else None

    if 1 in workers and 2 in workers:
        # the speedup 2 workers would reach with a core each: one worker's CPU time over
        # the busier worker's CPU time (load-independent; wall time is not, see the docstring)
        result["speedup_2_workers_cpu_bound"] = {
            step: (round(cpu_bound(step, 1) / cpu_bound(step, 2), 3) if cpu_bound(step, 1) and cpu_bound(step, 2) else None)
            for step in ("apply", "fit")
        }
    slopes = {}
    for step in ("apply", "fit"):
        for w in workers:
            pts = [(runs[step][f"{w}:{r}"]["tokens"], runs[step][f"{w}:{r}"]["seconds"]) for r in scales if f"{w}:{r}" in runs[step]]
            if len(pts) >= 2:
                slopes[f"{step}_{w}_workers"] = round(slope(*zip(*pts)), 3)
    result["per_token_cost_slope"] = max(slopes.values()) if slopes else None
    result["per_token_cost_slope_detail"] = slopes
    cpu_slopes = {}
    for step in ("apply", "fit"):
        for w in workers:
            pts = [(runs[step][f"{w}:{r}"]["tokens"], sum(runs[step][f"{w}:{r}"]["worker_cpu_s"].values()))
                   for r in scales if f"{w}:{r}" in runs[step] and runs[step][f"{w}:{r}"].get("worker_cpu_s")]
            if len(pts) >= 2:
                cpu_slopes[f"{step}_{w}_workers"] = round(slope(*zip(*pts)), 3)
    result["per_token_cpu_slope_detail"] = cpu_slopes
    # worker CPU seconds per token at the largest size, 1 worker: the cost the PubMed projection uses
    for step in ("apply", "fit"):
        run = runs[step].get(f"1:{top}")
        if run and run.get("worker_cpu_s"):
            result.setdefault("worker_cpu_s_per_million_tokens", {})[step] = round(sum(run["worker_cpu_s"].values()) / run["tokens"] * 1e6, 2)
    rss = {}
    for r in (min(scales), top):
        vals = [runs["fit"][f"{w}:{r}"]["peak_rss_mb"] for w in workers if f"{w}:{r}" in runs["fit"]]
        if vals:
            rss[f"{r}x"] = round(max(vals), 1)
    result["client_fit_rss_mb"] = rss
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}, indent=1))
    path = args.json or (work / "scale.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
