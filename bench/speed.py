"""Speed and memory of spacy-weak against the tokenizer, spaCy's PhraseMatcher and skweak.

    python bench/speed.py [--json PATH] [--repeats N] [--quick] [--bc5cdr DIR]
                          [--sizes 100000,1000000] [--skip-peers] [--skip PART,...]

Every figure is the median of ``--repeats`` runs inside this one invocation, and every
comparison is a ratio of two figures measured in this run, oriented so that bigger is
better for spacy-weak (e.g. PhraseMatcher's build time / ours). Builds, loads, the HMM
scaling runs and the end-to-end run each happen in a fresh subprocess, so their peak RSS
(``VmHWM`` of that process) is theirs alone. The peers (skweak 0.3.3) run in the venv made
by ``bench/setup_peers.sh``, through the scripts in ``bench/_peers/``.

Parts (``--skip`` any of them): ``gazetteer``, ``hmm``, ``scaling``, ``e2e``.
See bench/README.md for what each figure means and the numbers measured.
"""
import argparse
import csv
import gzip
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

LABELS = ("Chemical", "Disease")
DEFAULT_OUT = HERE / "out" / "speed"
PEERS_PYTHON = HERE / ".peers-venv" / "bin" / "python"
SHARED = ROOT.parent / "shared" / "data"

# ============================================================== small utilities


def proc_status_mb(field: str) -> float:
    """``VmRSS`` / ``VmHWM`` (peak RSS) of this process, in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def reset_peak() -> None:
    """Reset this process's VmHWM to its current RSS (Linux >= 4.0), so that the next
    ``VmHWM`` reading is the peak of what follows only."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def clock() -> float:
    """CPU seconds of this process (all its threads).

    The benchmark machine is shared (2 cores, several jobs): wall-clock figures of one
    process swing by 10x with the load of others, its CPU time much less. Every
    throughput / build / fit figure is CPU time; wall time is reported beside it where
    the target is a wall time (end to end) or the process's wall matters.
    """
    return time.process_time()


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def dir_size_mb(path: Path) -> float:
    total = 0
    for p in Path(path).rglob("*"):
        if p.is_file():
            total += p.stat().st_size
    return total / 1e6


def ratio(numerator: Optional[float], denominator: Optional[float]) -> Optional[float]:
    if numerator is None or denominator is None or denominator == 0:
        return None
    if any(isinstance(x, float) and math.isnan(x) for x in (numerator, denominator)):
        return None
    return numerator / denominator


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run_json(cmd: List[str], timeout: Optional[float] = None, env: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
    """Run a worker/peer command; its last stdout line is a JSON object."""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=str(ROOT), timeout=timeout, env=env)
    wall = time.perf_counter() - t0
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0 or not lines:
        tail = "\n".join(proc.stderr.splitlines()[-25:])
        raise RuntimeError(f"{' '.join(cmd[:4])} ... failed ({proc.returncode}):\n{tail}")
    result = json.loads(lines[-1])
    result.setdefault("process_wall_s", wall)
    return result


def worker(task: str, pythonpath: Optional[str] = None, **params) -> Dict[str, Any]:
    """Run ``task`` of this file in a fresh Python process (``pythonpath``: import spacy_weak from there)."""
    env = None
    if pythonpath:
        env = dict(os.environ, PYTHONPATH=pythonpath)
    return run_json([sys.executable, str(Path(__file__).resolve()), "_worker", task, json.dumps(params)], env=env)


def peer(script: str, *args: str, python: Path = PEERS_PYTHON) -> Dict[str, Any]:
    return run_json([str(python), str(HERE / "_peers" / script), *map(str, args)])


# ============================================================== inputs


def read_pubtator_texts(path: Path) -> Tuple[List[str], List[List[Tuple[str, str]]]]:
    """Texts (title + " " + abstract) and gold (mention, type) per document.

    Kept dependency-free on purpose: the texts must be identical whatever state the
    package's readers are in. (The end-to-end run uses the package's reader.)
    """
    texts, gold = [], []
    title = abstract = None
    mentions: List[Tuple[str, str]] = []

    def flush():
        nonlocal title, abstract, mentions
        if title is not None:
            texts.append(title if abstract is None else f"{title} {abstract}")
            gold.append(mentions)
        title, abstract, mentions = None, None, []

    with open(path, encoding="utf8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                flush()
            elif "|t|" in line[:20]:
                flush()
                title = line.split("|t|", 1)[1]
            elif "|a|" in line[:20]:
                abstract = line.split("|a|", 1)[1]
            else:
                cols = line.split("\t")
                if len(cols) >= 5 and cols[1] != "CID":
                    mentions.append((cols[3], cols[4]))
    flush()
    return texts, gold


def bc5cdr_files(directory: Path) -> List[Path]:
    names = ["CDR_TrainingSet.PubTator.txt", "CDR_DevelopmentSet.PubTator.txt", "CDR_TestSet.PubTator.txt"]
    files = [directory / n for n in names if (directory / n).exists()]
    if not files:
        files = sorted(directory.glob("*.PubTator.txt"))
    if not files:
        sys.exit(f"no *.PubTator.txt in {directory} (use --bc5cdr DIR)")
    return files


def load_bc5cdr(directory: Path):
    texts, gold = [], []
    for path in bc5cdr_files(directory):
        t, g = read_pubtator_texts(path)
        texts.extend(t)
        gold.extend(g)
    return texts, gold


def repeat_to(texts: List[str], min_bytes: int) -> List[str]:
    out, size = [], 0
    while size < min_bytes:
        for t in texts:
            out.append(t)
            size += len(t.encode("utf8")) + 1
            if size >= min_bytes:
                break
    return out


def gold_terms(gold: List[List[Tuple[str, str]]]) -> List[Tuple[str, str, str]]:
    """Unique gold mention strings (first label wins) as lexicon records."""
    seen = {}
    for mentions in gold:
        for text, label in mentions:
            key = text.lower()
            if key not in seen and "\t" not in text:
                seen[key] = (text, label, f"GOLD:{len(seen) + 1:06d}")
    return list(seen.values())


def synthetic_lexicon(n: int, gold: List[Tuple[str, str, str]]) -> List[Tuple[str, str, str]]:
    """``n`` terms: the BC5CDR gold mention strings (so that the text has real matches),
    then synthetic terms. Labels are kept to the two BC5CDR labels for every system."""
    from synthetic_lexicon import iter_synthetic_terms

    records = list(gold[:n])
    seen = {t.lower() for t, _, _ in records}
    for term, label, cid in iter_synthetic_terms(seed=0):
        if len(records) >= n:
            break
        if term.lower() in seen:
            continue
        seen.add(term.lower())
        records.append((term, "Disease" if label == "Disease" else "Chemical", cid))
    return records


def write_tsv(records: Iterable[Tuple[str, str, str]], path: Path) -> int:
    n = 0
    with open(path, "w", encoding="utf8") as f:
        for term, label, cid in records:
            term = " ".join(term.split())  # a tab or newline inside a term would break the row
            if term:
                f.write(f"{term}\t{label}\t{cid}\n")
                n += 1
    return n


def read_tsv(path: Path) -> List[Tuple[str, str, str]]:
    out = []
    with open(path, encoding="utf8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            out.append((cols[0], cols[1], cols[2] if len(cols) > 2 else ""))
    return out


# ---- the open vocabularies (DrugBank CSV, CTD TSV.gz, DO OBO)


def _split_bar(value: str) -> List[str]:
    return [v.strip() for v in value.split("|") if v.strip()]


def fallback_open_vocabularies(shared: Path) -> Dict[str, List[Tuple[str, str, str]]]:
    """Minimal readers used until / unless the package's converters are importable."""
    vocab: Dict[str, List[Tuple[str, str, str]]] = {}
    db = shared / "drugbank_open_vocabulary" / "drugbank_vocabulary.csv"
    if db.exists():
        rows = []
        with open(db, encoding="utf8", newline="") as f:
            for row in csv.DictReader(f):
                for term in [row.get("Common name", "")] + _split_bar(row.get("Synonyms", "")):
                    if term.strip():
                        rows.append((term.strip(), "Chemical", row["DrugBank ID"]))
        vocab["drugbank"] = rows
    ctd = shared / "ctd_medic_diseases" / "CTD_diseases.tsv.gz"
    if ctd.exists():
        rows = []
        with gzip.open(ctd, "rt", encoding="utf8") as f:
            for line in f:
                if line.startswith("#"):
                    continue
                cols = line.rstrip("\n").split("\t")
                if len(cols) < 8:
                    continue
                for term in [cols[0]] + _split_bar(cols[7]):
                    rows.append((term, "Disease", cols[1]))
        vocab["ctd_diseases"] = rows
    obo = shared / "disease_ontology" / "doid_2016-09-01.obo"
    if obo.exists():
        rows, cid, obsolete, names = [], None, False, []

        def flush():
            if cid and not obsolete:
                rows.extend((n, "Disease", cid) for n in names)

        with open(obo, encoding="utf8") as f:
            for line in f:
                line = line.rstrip("\n")
                if line.startswith("["):
                    flush()
                    cid, obsolete, names = None, False, []
                elif line.startswith("id: "):
                    cid = line[4:]
                elif line.startswith("name: "):
                    names.append(line[6:])
                elif line.startswith("synonym: "):
                    m = re.match(r'synonym: "(.*)" (EXACT|RELATED|NARROW|BROAD)', line)
                    if m and m.group(2) == "EXACT":
                        names.append(m.group(1))
                elif line.startswith("is_obsolete: true"):
                    obsolete = True
            flush()
        vocab["disease_ontology"] = rows
    return vocab


def open_vocabularies(shared: Path) -> Tuple[Dict[str, List[Tuple[str, str, str]]], str]:
    """(name -> records, which reader): the package's converters when they exist."""
    try:
        from spacy_weak.lexicons import open_vocab  # type: ignore  # noqa: F401
    except Exception:
        open_vocab = None
    if open_vocab is not None:
        try:
            out = {}
            for name, reader, path, label in (
                ("drugbank", "read_drugbank", shared / "drugbank_open_vocabulary" / "drugbank_vocabulary.csv", "Chemical"),
                ("ctd_diseases", "read_ctd_diseases", shared / "ctd_medic_diseases" / "CTD_diseases.tsv.gz", "Disease"),
                ("disease_ontology", "read_disease_ontology", shared / "disease_ontology" / "doid_2016-09-01.obo", "Disease"),
            ):
                fn = getattr(open_vocab, reader)
                out[name] = [(r[0], label, r[2] if len(r) > 2 else "") for r in _records(fn(path))]
            return out, "spacy_weak.lexicons.open_vocab"
        except Exception as e:  # converters still changing: say so and fall back
            log(f"package open-vocabulary converters not usable ({e!r}); using bench fallback readers")
    return fallback_open_vocabularies(shared), "bench fallback readers"


def _records(items) -> Iterable[Tuple[str, str, str]]:
    for r in items:
        if isinstance(r, dict):
            yield (r["term"], r.get("label", ""), r.get("id", ""))
        elif hasattr(r, "term"):
            yield (r.term, getattr(r, "label", ""), getattr(r, "id", "") or getattr(r, "kb_id", ""))
        else:
            yield tuple(r) + ("",) * (3 - len(r))


# ============================================================== adapters to our parts


class NotAvailable(Exception):
    """The package part is not there (yet)."""


def ours_gazetteer_available() -> bool:
    try:
        import spacy_weak.annotators.gazetteer  # noqa: F401
    except Exception:
        return False
    return True


def ours_hmm_available() -> bool:
    try:
        import spacy_weak.aggregation.hmm  # noqa: F401
    except Exception:
        return False
    return True


def add_our_gazetteer(nlp, name: str, lexicon_path: Path, **config):
    """``weak_gazetteer`` compiled from a TSV lexicon (term, label, id)."""
    if not ours_gazetteer_available():
        raise NotAvailable("spacy_weak.annotators.gazetteer")
    gaz = nlp.add_pipe("weak_gazetteer", name=name, config=config)
    gaz.initialize(lambda: [], nlp=nlp, lexicon=str(lexicon_path))
    return gaz


def make_our_hmm(labels: Sequence[str], sources: Sequence[str], n_iter: int, seed: int = 0):
    """(nlp, component) with ``weak_hmm`` reading ``sources``."""
    if not ours_hmm_available():
        raise NotAvailable("spacy_weak.aggregation.hmm")
    import spacy

    nlp = spacy.blank("en")
    hmm = nlp.add_pipe(
        "weak_hmm",
        # tol = 0 (the smallest value the validation accepts): EM stops only when the
        # likelihood stops rising, so it runs n_iter iterations like the peer's (tol=-inf);
        # the iterations actually run are in the JSON ("iterations").
        config={"sources": list(sources), "labels": list(labels), "n_iter": n_iter, "seed": seed, "tol": 0.0},
    )
    return nlp, hmm


def hmm_iterations(hmm) -> Optional[int]:
    if getattr(hmm, "history", None):
        return len(hmm.history)
    for attr in ("n_iter_", "iterations_"):
        if hasattr(hmm, attr):
            return int(getattr(hmm, attr))
    model = getattr(hmm, "model", None) or getattr(hmm, "model_", None)
    monitor = getattr(model, "monitor_", None)
    if monitor is not None:
        return int(monitor.iter)
    return None


# ============================================================== workers (fresh processes)


def w_build_ours(p):
    import spacy

    nlp = spacy.blank("en")
    base = proc_status_mb("VmRSS")
    reset_peak()
    t0 = clock()
    add_our_gazetteer(nlp, "gaz", Path(p["lexicon"]), **p.get("config", {}))
    build_s = clock() - t0
    peak = proc_status_mb("VmHWM")
    out = Path(p["out_dir"])
    if out.exists():
        shutil.rmtree(out)
    t0 = clock()
    nlp.to_disk(out)
    save_s = clock() - t0
    return {"build_s": build_s, "save_s": save_s, "baseline_rss_mb": base, "peak_rss_mb": peak,
            "build_rss_mb": peak - base, "disk_mb": dir_size_mb(out)}


def w_build_phrasematcher(p):
    import spacy

    nlp = spacy.blank("en")
    base = proc_status_mb("VmRSS")
    reset_peak()
    t0 = clock()
    matcher = build_phrasematcher(nlp, Path(p["lexicon"]))
    build_s = clock() - t0
    peak = proc_status_mb("VmHWM")
    return {"build_s": build_s, "baseline_rss_mb": base, "peak_rss_mb": peak, "build_rss_mb": peak - base,
            "n_patterns": len(matcher)}


def build_phrasematcher(nlp, lexicon: Path):
    """PhraseMatcher(attr="LOWER") holding every term, one match key per label.

    Terms go in by batches of 10,000 (``nlp.tokenizer.pipe``), the cheapest way to fill it.
    """
    from spacy.matcher import PhraseMatcher

    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    by_label: Dict[str, List[str]] = defaultdict(list)
    with open(lexicon, encoding="utf8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            by_label[cols[1]].append(cols[0])
    for label, terms in by_label.items():
        for i in range(0, len(terms), 10000):
            matcher.add(label, list(nlp.tokenizer.pipe(terms[i:i + 10000])))
    return matcher


def w_load_ours(p):
    import spacy

    base = proc_status_mb("VmRSS")
    t0 = clock()
    nlp = spacy.load(p["model_dir"])
    load_s = clock() - t0
    return {"load_s": load_s, "rss_after_load_mb": proc_status_mb("VmRSS"), "baseline_rss_mb": base,
            "pipe_names": nlp.pipe_names}


def _count_tokens(docs) -> int:
    return sum(len(d) for d in docs)


def w_annotate(p):
    """Throughput of (a) tokenizer, (b) tokenizer + weak_gazetteer, (c) tokenizer + PhraseMatcher.

    The three are interleaved in each repeat; (b) and (c) are also timed as components alone
    on pre-tokenized Docs. PhraseMatcher's spans are written to ``doc.spans`` like ours.
    """
    import spacy

    texts = json.loads(Path(p["texts"]).read_text("utf8"))
    repeats = int(p["repeats"])
    # Three separate Languages: the PhraseMatcher's terms go into ITS vocab (and the
    # tokenizer cache), which slows that tokenizer down at 1M terms; the tokenizer-only
    # baseline must not pay for that, and each pipeline tokenises with its own tokenizer.
    nlp_tok = spacy.blank("en")
    nlp_ours = spacy.load(p["model_dir"]) if p.get("model_dir") else None
    nlp_pm = spacy.blank("en")
    t0 = clock()
    matcher = build_phrasematcher(nlp_pm, Path(p["lexicon"])) if p.get("lexicon") else None
    pm_build_s = clock() - t0

    def pm_component(doc):
        doc.spans["pm"] = matcher(doc, as_spans=True)
        return doc

    docs = list(nlp_tok.pipe(texts))
    n_tokens = _count_tokens(docs)
    docs_ours = list(nlp_ours.tokenizer.pipe(texts)) if nlp_ours is not None else []
    docs_pm = list(nlp_pm.tokenizer.pipe(texts)) if matcher is not None else []
    res = defaultdict(list)
    spans = {}
    for _ in range(repeats):
        t0 = clock()
        for _doc in nlp_tok.pipe(texts):
            pass
        res["tokenizer_s"].append(clock() - t0)
        if nlp_ours is not None:
            t0 = clock()
            n = 0
            for doc in nlp_ours.pipe(texts):
                n += len(doc.spans["gaz"])
            res["ours_pipeline_s"].append(clock() - t0)
            spans["ours"] = n
            gaz = nlp_ours.get_pipe("gaz")
            # the component as nlp.pipe runs it (its batched pipe) ...
            t0 = clock()
            for _doc in gaz.pipe(docs_ours):
                pass
            res["ours_component_s"].append(clock() - t0)
            # ... and called once per Doc, as PhraseMatcher is timed below
            t0 = clock()
            for doc in docs_ours:
                gaz(doc)
            res["ours_component_call_s"].append(clock() - t0)
        if matcher is not None:
            t0 = clock()
            n = 0
            for doc in nlp_pm.pipe(texts):
                n += len(pm_component(doc).spans["pm"])
            res["pm_pipeline_s"].append(clock() - t0)
            spans["phrasematcher"] = n
            t0 = clock()
            for doc in docs_pm:
                pm_component(doc)
            res["pm_component_s"].append(clock() - t0)
    out = {"tokens": n_tokens, "docs": len(texts), "spans": spans, "phrasematcher_inprocess_build_s": pm_build_s,
           "loadavg": list(os.getloadavg())}
    for key, values in res.items():
        out[key] = median(values)
        out[key.replace("_s", "_tokens_per_s")] = n_tokens / median(values)
        out[key + "_all"] = values
    return out


def w_make_sources(p):
    """Annotate BC5CDR with gazetteers (open vocabularies) + regexes; save a DocBin.

    Our ``weak_gazetteer``/``weak_regex`` when importable, else PhraseMatcher + ``re``
    stand-ins that write the same span groups. No gold, no ents: only source groups.
    """
    import spacy
    from spacy.tokens import DocBin

    texts = json.loads(Path(p["texts"]).read_text("utf8"))
    lexicons = p["lexicons"]  # source name -> TSV
    regexes = p["regexes"]  # source name -> [{"label", "pattern"}]
    nlp = spacy.blank("en")
    how = {}
    for name, path in lexicons.items():
        try:
            add_our_gazetteer(nlp, name, Path(path))
            how[name] = "weak_gazetteer"
        except NotAvailable:
            how[name] = "PhraseMatcher stand-in"
    for name, patterns in regexes.items():
        try:
            import spacy_weak.annotators.regex  # noqa: F401

            nlp.add_pipe("weak_regex", name=name, config={"patterns": patterns, "alignment_mode": "expand"})
            how[name] = "weak_regex"
        except Exception:
            how[name] = "re stand-in"
    matchers = {n: build_phrasematcher(nlp, Path(lexicons[n])) for n in lexicons if how[n] != "weak_gazetteer"}
    compiled = {n: [(re.compile(x["pattern"]), x["label"]) for x in regexes[n]] for n in regexes if how[n] != "weak_regex"}
    db = DocBin(store_user_data=False)
    counts = defaultdict(int)
    n_tokens = 0
    t0 = clock()
    for doc in nlp.pipe(texts):
        for name, matcher in matchers.items():
            doc.spans[name] = matcher(doc, as_spans=True)
        for name, pats in compiled.items():
            spans = []
            for rx, label in pats:
                for m in rx.finditer(doc.text):
                    span = doc.char_span(m.start(), m.end(), label=label, alignment_mode="expand")
                    if span is not None:
                        spans.append(span)
            doc.spans[name] = spans
        for name in list(lexicons) + list(regexes):
            counts[name] += len(doc.spans[name])
        n_tokens += len(doc)
        db.add(doc)
    annotate_s = clock() - t0
    db.to_disk(p["out"])
    return {"docs": len(texts), "tokens": n_tokens, "spans": dict(counts), "how": how, "annotate_s": annotate_s}


def _stream_docs(path: Path, times: int):
    import spacy
    from spacy.tokens import DocBin

    vocab = spacy.blank("en").vocab
    db = DocBin().from_disk(path)
    for _ in range(times):
        yield from db.get_docs(vocab)


def w_hmm_ours(p):
    """Fit (and optionally apply) our HMM on the source DocBin repeated ``times`` times.

    Docs are streamed from the DocBin into ``fit``; peak RSS is that of this process.
    """
    times = int(p.get("times", 1))
    stream = bool(p.get("stream"))
    nlp, hmm = make_our_hmm(p["labels"], p["sources"], int(p["n_iter"]))
    import hmmlearn.base  # noqa: F401  (the one-off import is not fitting; skweak imports it up front too)

    n_tokens = sum(len(d) for d in _stream_docs(Path(p["docbin"]), 1)) * times
    # stream=True: Docs decoded from the DocBin while fitting (memory flat in #docs; the
    # decoding is in fit_s). Else: Docs in memory first, as the peer gets them.
    docs = None if stream else list(_stream_docs(Path(p["docbin"]), times))
    base = proc_status_mb("VmRSS")
    reset_peak()
    t0 = clock()
    hmm.fit(_stream_docs(Path(p["docbin"]), times) if stream else docs)
    fit_s = clock() - t0
    peak_fit = proc_status_mb("VmHWM")
    out = {"tokens": n_tokens, "fit_s": fit_s, "iterations": hmm_iterations(hmm), "baseline_rss_mb": base,
           "peak_rss_mb": peak_fit, "fit_rss_mb": peak_fit - base, "streamed": stream}
    if p.get("apply"):
        docs = docs if docs is not None and times == 1 else list(_stream_docs(Path(p["docbin"]), 1))
        values, n_spans = [], 0
        for _ in range(int(p.get("repeats", 1))):
            t0 = clock()
            n_spans = 0
            for doc in hmm.pipe(docs):
                n_spans += len(doc.spans.get(getattr(hmm, "spans_key", "silver"), []))
            values.append(clock() - t0)
        out.update({"apply_s": median(values), "apply_s_all": values, "apply_tokens": _count_tokens(docs),
                    "apply_tokens_per_s": _count_tokens(docs) / median(values), "silver_spans": n_spans})
    return out


def w_e2e(p):
    """BC5CDR annotate + fit + aggregate for the given abstracts, timed by step.

    With ``configs/bc5cdr.cfg`` (the recipe): its sources, ``weak_vote`` and ``weak_hmm``,
    the lexicon paths set to the open-vocabulary TSVs; else a stand-in (our gazetteers on
    the open vocabularies + the bench regexes + ``weak_hmm``). Initialisation (compiling
    the lexicons) is counted. Wall time is the figure; CPU time is reported beside it.
    """
    import spacy

    import hmmlearn.base  # noqa: F401  (a one-off import of the process, ~1 s with scikit-learn: not the recipe's per-token cost)

    steps = {}
    t_all = clock()
    wall_all = time.perf_counter()
    cfg = ROOT / "configs" / "bc5cdr.cfg"
    t0 = clock()
    if p.get("use_config") and cfg.exists():
        overrides = {f"paths.{k}": v for k, v in p["config_paths"].items()}
        config = spacy.util.load_config(cfg, overrides=overrides, interpolate=False)
        nlp = spacy.util.load_model_from_config(config, auto_fill=True)
        nlp.initialize()
        how = "configs/bc5cdr.cfg"
        aggregators = [n for n, c in nlp.pipeline if type(c).__name__.endswith("Aggregator")]
        hmm_name = next(n for n in aggregators if type(nlp.get_pipe(n)).__name__ == "HMMAggregator")
    else:
        nlp = spacy.blank("en")
        for name, path in p["lexicons"].items():
            add_our_gazetteer(nlp, name, Path(path))
        for name, patterns in p["regexes"].items():
            nlp.add_pipe("weak_regex", name=name, config={"patterns": patterns, "alignment_mode": "expand"})
        sources = list(nlp.pipe_names)
        nlp.add_pipe("weak_hmm", name="hmm", config={"sources": sources, "labels": list(LABELS), "n_iter": 20})
        how = "stand-in: weak_gazetteer x3 (open vocabularies) + weak_regex x2 + weak_hmm (n_iter 20)"
        aggregators, hmm_name = ["hmm"], "hmm"
    steps["initialize_s"] = clock() - t0
    sources = [n for n in nlp.pipe_names if n not in aggregators]
    t0 = clock()
    texts = json.loads(Path(p["texts"]).read_text("utf8"))
    docs = list(nlp.tokenizer.pipe(texts))
    steps["tokenize_s"] = clock() - t0
    # per-source CPU seconds: the recipe's profile (which source costs what per token)
    per_source: Dict[str, float] = {}
    t0 = clock()
    for name in sources:
        t1 = clock()
        docs = list(nlp.get_pipe(name).pipe(docs))
        per_source[name] = clock() - t1
    steps["annotate_s"] = clock() - t0
    t0 = clock()
    nlp.get_pipe(hmm_name).fit(docs)
    steps["fit_s"] = clock() - t0
    per_source[f"{hmm_name} (fit)"] = steps["fit_s"]
    t0 = clock()
    for name in aggregators:
        t1 = clock()
        docs = list(nlp.get_pipe(name).pipe(docs))
        per_source[f"{name} (apply)"] = clock() - t1
    steps["aggregate_s"] = clock() - t0
    recipe_cpu = steps["annotate_s"] + steps["fit_s"] + steps["aggregate_s"]
    n_tok = _count_tokens(docs)
    steps["recipe_cpu_s"] = recipe_cpu
    steps["recipe_tokens_per_s"] = n_tok / recipe_cpu if recipe_cpu else None
    steps["profile"] = {name: {"cpu_s": sec, "share": sec / recipe_cpu if recipe_cpu else None,
                               "tokens_per_s": n_tok / sec if sec else None}
                        for name, sec in sorted(per_source.items(), key=lambda kv: -kv[1])}
    steps["loadavg"] = list(os.getloadavg())
    steps["total_cpu_s"] = clock() - t_all
    steps["total_s"] = time.perf_counter() - wall_all
    hmm = nlp.get_pipe(hmm_name)
    steps.update({"docs": len(docs), "tokens": _count_tokens(docs), "pipeline": how, "sources": sources,
                  "aggregators": aggregators, "silver_spans": sum(len(d.spans.get("silver", [])) for d in docs),
                  "peak_rss_mb": proc_status_mb("VmHWM"), "iterations": hmm_iterations(hmm)})
    return steps


WORKERS = {
    "build_ours": w_build_ours,
    "build_phrasematcher": w_build_phrasematcher,
    "load_ours": w_load_ours,
    "annotate": w_annotate,
    "make_sources": w_make_sources,
    "hmm_ours": w_hmm_ours,
    "e2e": w_e2e,
}


def worker_main(task: str, params: str) -> int:
    import logging
    import warnings

    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    try:
        result = WORKERS[task](json.loads(params))
    except NotAvailable as e:
        result = {"not_available": str(e)}
    print(json.dumps(result))
    return 0


# ============================================================== the benchmark


# --lexicon NAME -> the open-vocabulary source it stands for
LEXICON_NAMES = {"drugbank": "drugbank", "ctd": "ctd_diseases", "doid": "disease_ontology"}

REGEXES = {
    "rx_chem_suffix": [{"label": "Chemical",
                        "pattern": r"\b[A-Za-z][a-z]{3,}(?:ine|ol|ide|ate|one|azole|pril|olol|statin|mycin|cillin|mab)\b"}],
    "rx_disease_suffix": [{"label": "Disease",
                           "pattern": r"\b[A-Za-z][a-z]{2,}(?:itis|osis|emia|aemia|oma|pathy|algia|plegia|trophy)\b"}],
}


def bench_gazetteer(args, work: Path, texts_path: Path, lexicons: Dict[str, Path], results: Dict) -> None:
    have_ours = ours_gazetteer_available()
    results["gazetteer"] = gz = {}
    for name, lex in lexicons.items():
        n_terms = sum(1 for _ in open(lex, encoding="utf8"))
        log(f"gazetteer: {name} ({n_terms} terms)")
        entry = gz[name] = {"terms": n_terms}
        model_dir = work / f"gaz_{name}"
        if have_ours:
            builds = [worker("build_ours", lexicon=str(lex), out_dir=str(model_dir)) for _ in range(args.build_repeats)]
            entry["ours_build"] = _median_dicts(builds)
            loads = [worker("load_ours", model_dir=str(model_dir)) for _ in range(args.repeats)]
            entry["ours_load"] = _median_dicts(loads)
            entry["ours_load_s_per_million_terms"] = entry["ours_load"]["load_s"] / (n_terms / 1e6)
        if not args.skip_phrasematcher_build:
            builds = [worker("build_phrasematcher", lexicon=str(lex)) for _ in range(args.build_repeats)]
            entry["phrasematcher_build"] = _median_dicts(builds)
        log(f"gazetteer: {name} annotate")
        entry["annotate"] = worker("annotate", texts=str(texts_path), model_dir=str(model_dir) if have_ours else None,
                                   lexicon=str(lex), repeats=args.repeats)
        if not args.skip_peers:
            log(f"gazetteer: {name} skweak")
            try:
                entry["skweak"] = peer("skweak_gazetteer.py", lex, texts_path, "--repeats", args.repeats)
            except Exception as e:  # report, do not hide
                entry["skweak"] = {"error": str(e)[-2000:]}


def _median_dicts(runs: List[Dict]) -> Dict:
    out = dict(runs[-1])
    for key, value in runs[-1].items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[key] = median([r[key] for r in runs if isinstance(r.get(key), (int, float))])
    out["runs"] = len(runs)
    return out


def bench_hmm(args, work: Path, docbin: Path, sources: List[str], results: Dict) -> None:
    results["hmm"] = hm = {}
    n_iter = args.hmm_iter
    if ours_hmm_available():
        log("hmm: ours fit + apply")
        fits = [worker("hmm_ours", docbin=str(docbin), labels=list(LABELS), sources=sources, n_iter=n_iter,
                       apply=(i == args.repeats - 1), repeats=args.repeats) for i in range(args.repeats)]
        hm["ours"] = _median_dicts(fits)
        hm["ours"]["fit_s_all"] = [f["fit_s"] for f in fits]
        it = hm["ours"].get("iterations") or n_iter
        hm["ours"]["fit_s_per_token_iteration"] = hm["ours"]["fit_s"] / (hm["ours"]["tokens"] * it)
    if not args.skip_peers:
        log("hmm: skweak fit + apply")
        try:
            sk = peer("skweak_hmm.py", docbin, "--labels", ",".join(LABELS), "--n-iter", n_iter,
                      "--repeats", args.repeats)
            sk["fit_s_per_token_iteration"] = sk["fit_s"] / (sk["tokens"] * sk["iterations"])
            hm["skweak"] = sk
        except Exception as e:
            hm["skweak"] = {"error": str(e)[-2000:]}


def bench_scaling(args, docbin: Path, sources: List[str], results: Dict) -> None:
    if not ours_hmm_available():
        return
    results["hmm_scaling"] = sc = []
    for times in args.scaling:
        log(f"hmm scaling: {times}x")
        runs = [worker("hmm_ours", docbin=str(docbin), labels=list(LABELS), sources=sources, n_iter=args.hmm_iter,
                       times=times, stream=False) for _ in range(args.scaling_repeats)]
        r = _median_dicts(runs)
        r["times"] = times
        sc.append(r)
    # the same largest corpus streamed from the DocBin into fit (decoding counted; RSS of
    # the whole process above its start: Docs are never all in memory)
    log(f"hmm scaling: {args.scaling[-1]}x streamed")
    results["hmm_streamed"] = worker("hmm_ours", docbin=str(docbin), labels=list(LABELS), sources=sources,
                                     n_iter=args.hmm_iter, times=args.scaling[-1], stream=True)
    if len(sc) >= 2:
        import numpy as np

        x = np.log([r["tokens"] for r in sc])
        results["hmm_scaling_slope"] = float(np.polyfit(x, np.log([r["fit_s"] for r in sc]), 1)[0])
        results["hmm_scaling_rss_slope"] = float(np.polyfit(x, np.log([max(r["fit_rss_mb"], 1e-3) for r in sc]), 1)[0])


def summarise(results: Dict, args) -> None:
    ratios = {k: None for k in ("annotate_vs_tokenizer", "gazetteer_vs_skweak", "gazetteer_vs_phrasematcher",
                                "gazetteer_vs_phrasematcher_component",
                                "build_time_vs_phrasematcher", "build_memory_vs_phrasematcher",
                                "hmm_fit_vs_skweak", "hmm_apply_vs_skweak")}
    gz = results.get("gazetteer", {})
    head = results.get("headline_lexicon")
    e = gz.get(head, {})
    ann = e.get("annotate", {})
    ratios["annotate_vs_tokenizer"] = ratio(ann.get("ours_pipeline_tokens_per_s"), ann.get("tokenizer_tokens_per_s"))
    ratios["gazetteer_vs_phrasematcher"] = ratio(ann.get("ours_pipeline_tokens_per_s"), ann.get("pm_pipeline_tokens_per_s"))
    ratios["gazetteer_vs_phrasematcher_component"] = ratio(ann.get("ours_component_tokens_per_s"),
                                                           ann.get("pm_component_tokens_per_s"))
    sk = e.get("skweak", {})
    ratios["gazetteer_vs_skweak"] = ratio(ann.get("ours_component_tokens_per_s"), sk.get("component_tokens_per_s"))
    results["gazetteer_pipeline_vs_skweak"] = ratio(ann.get("ours_pipeline_tokens_per_s"), sk.get("pipeline_tokens_per_s"))
    ob, pb = e.get("ours_build", {}), e.get("phrasematcher_build", {})
    ratios["build_time_vs_phrasematcher"] = ratio(pb.get("build_s"), ob.get("build_s"))
    ratios["build_memory_vs_phrasematcher"] = ratio(pb.get("build_rss_mb"), ob.get("build_rss_mb"))
    results["load_s_per_million_terms"] = e.get("ours_load_s_per_million_terms")
    hm = results.get("hmm", {})
    o, s = hm.get("ours", {}), hm.get("skweak", {})
    ratios["hmm_fit_vs_skweak"] = ratio(s.get("fit_s_per_token_iteration"), o.get("fit_s_per_token_iteration"))
    ratios["hmm_apply_vs_skweak"] = ratio(o.get("apply_tokens_per_s"), s.get("apply_tokens_per_s"))
    results["ratios"] = ratios
    results["bc5cdr_end_to_end_s"] = results.get("e2e", {}).get("total_s")
    results["recipe_tokens_per_s"] = results.get("e2e", {}).get("recipe_tokens_per_s")
    if results.get("e2e_baseline"):
        ratios["recipe_vs_baseline"] = ratio(results["recipe_tokens_per_s"], results["e2e_baseline"].get("recipe_tokens_per_s"))
    results.setdefault("hmm_scaling_slope", None)
    results["targets"] = {
        "annotate_vs_tokenizer >= 0.8": _meets(ratios["annotate_vs_tokenizer"], 0.8),
        "gazetteer_vs_phrasematcher_component >= 1": _meets(ratios["gazetteer_vs_phrasematcher_component"], 1.0),
        "recipe_vs_baseline >= 2": _meets(ratios.get("recipe_vs_baseline"), 2.0),
        "gazetteer_vs_skweak >= 5": _meets(ratios["gazetteer_vs_skweak"], 5),
        "build_time_vs_phrasematcher >= 4": _meets(ratios["build_time_vs_phrasematcher"], 4),
        "build_memory_vs_phrasematcher >= 4": _meets(ratios["build_memory_vs_phrasematcher"], 4),
        "load_s_per_million_terms <= 5": None if results["load_s_per_million_terms"] is None
        else results["load_s_per_million_terms"] <= 5,
        "hmm_fit_vs_skweak >= 10": _meets(ratios["hmm_fit_vs_skweak"], 10),
        "hmm_apply_vs_skweak >= 10": _meets(ratios["hmm_apply_vs_skweak"], 10),
        "hmm_scaling_slope <= 1.1": None if results["hmm_scaling_slope"] is None else results["hmm_scaling_slope"] <= 1.1,
        "bc5cdr_end_to_end_s <= 60": None if results["bc5cdr_end_to_end_s"] is None
        else results["bc5cdr_end_to_end_s"] <= 60,
    }


def _meets(value, target):
    return None if value is None else value >= target


def _fmt(v, unit=""):
    if v is None:
        return "n/a"
    if isinstance(v, bool):
        return "yes" if v else "NO"
    if isinstance(v, int):
        return f"{v:,}{unit}"
    if abs(v) >= 1000:
        return f"{v:,.0f}{unit}"
    if abs(v) >= 10:
        return f"{v:.1f}{unit}"
    if abs(v) >= 0.01:
        return f"{v:.3f}{unit}"
    return f"{v:.3g}{unit}"


def print_table(results: Dict) -> None:
    rows: List[Tuple[str, str]] = []
    for name, e in results.get("gazetteer", {}).items():
        ann, ob, pb = e.get("annotate", {}), e.get("ours_build", {}), e.get("phrasematcher_build", {})
        sk = e.get("skweak", {})
        rows.append((f"lexicon {name}", f"{e['terms']:,} terms"))
        rows.append(("  tokens/s tokenizer | +weak_gazetteer | +PhraseMatcher | skweak pipeline",
                     " | ".join(_fmt(x) for x in (ann.get("tokenizer_tokens_per_s"), ann.get("ours_pipeline_tokens_per_s"),
                                                  ann.get("pm_pipeline_tokens_per_s"), sk.get("pipeline_tokens_per_s")))))
        rows.append(("  component tokens/s weak_gazetteer | PhraseMatcher | skweak",
                     " | ".join(_fmt(x) for x in (ann.get("ours_component_tokens_per_s"), ann.get("pm_component_tokens_per_s"),
                                                  sk.get("component_tokens_per_s")))))
        rows.append(("  spans weak_gazetteer | PhraseMatcher | skweak",
                     " | ".join(_fmt(x) for x in (ann.get("spans", {}).get("ours"), ann.get("spans", {}).get("phrasematcher"),
                                                  sk.get("spans")))))
        rows.append(("  build s ours | PhraseMatcher | skweak tries",
                     " | ".join(_fmt(x) for x in (ob.get("build_s"), pb.get("build_s"), sk.get("build_s")))))
        rows.append(("  build peak RSS MB (above baseline) ours | PhraseMatcher",
                     " | ".join(_fmt(x) for x in (ob.get("build_rss_mb"), pb.get("build_rss_mb")))))
        rows.append(("  on disk MB | spacy.load s | s per 1M terms",
                     " | ".join(_fmt(x) for x in (ob.get("disk_mb"), e.get("ours_load", {}).get("load_s"),
                                                  e.get("ours_load_s_per_million_terms")))))
    hm = results.get("hmm", {})
    for who in ("ours", "skweak"):
        h = hm.get(who, {})
        if h:
            rows.append((f"HMM {who}: fit s | iterations | s per token-iteration | apply tokens/s",
                         " | ".join(_fmt(x) for x in (h.get("fit_s"), h.get("iterations"), h.get("fit_s_per_token_iteration"),
                                                      h.get("apply_tokens_per_s")))))
    for r in results.get("hmm_scaling", []):
        rows.append((f"HMM scaling {r['times']}x: tokens | fit s | fit RSS MB",
                     " | ".join(_fmt(x) for x in (r["tokens"], r["fit_s"], r["fit_rss_mb"]))))
    st = results.get("hmm_streamed")
    if st:
        rows.append(("HMM streamed from DocBin: tokens | fit s (incl. decoding) | fit RSS MB",
                     " | ".join(_fmt(x) for x in (st.get("tokens"), st.get("fit_s"), st.get("fit_rss_mb")))))
    e2e = results.get("e2e", {})
    if e2e:
        rows.append(("end to end: init | annotate | fit | aggregate | total s",
                     " | ".join(_fmt(e2e.get(k)) for k in ("initialize_s", "annotate_s", "fit_s", "aggregate_s", "total_s"))))
        rows.append(("recipe tokens/s (CPU: annotate + fit + aggregate)", _fmt(e2e.get("recipe_tokens_per_s"))))
        for name, prof in (e2e.get("profile") or {}).items():
            rows.append((f"  profile {name}: CPU s | share", f"{_fmt(prof['cpu_s'])} | {_fmt(prof['share'])}"))
    rows.append(("load average at start | end", f"{results.get('loadavg_start')} | {results.get('loadavg_end')}"))
    rows.append(("", ""))
    for k, v in results["ratios"].items():
        rows.append((f"ratio {k}", _fmt(v)))
    rows.append(("load_s_per_million_terms", _fmt(results.get("load_s_per_million_terms"))))
    rows.append(("hmm_scaling_slope", _fmt(results.get("hmm_scaling_slope"))))
    rows.append(("bc5cdr_end_to_end_s", _fmt(results.get("bc5cdr_end_to_end_s"))))
    for k, v in results["targets"].items():
        rows.append((f"target {k}", _fmt(v)))
    width = max(len(a) for a, _ in rows)
    for a, b in rows:
        print(f"{a:<{width}}  {b}")


def git_state() -> Dict[str, Any]:
    """The commit measured, and whether the measured parts had uncommitted edits."""
    def git(*args):
        try:
            return subprocess.run(["git", *args], capture_output=True, text=True, cwd=str(ROOT)).stdout.strip()
        except OSError:
            return ""

    return {"commit": git("rev-parse", "HEAD"),
            "dirty": git("status", "--short", "--", "spacy_weak").splitlines()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write all figures here")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--bc5cdr", type=Path, default=SHARED / "bc5cdr")
    parser.add_argument("--sizes", default=None, help="synthetic lexicon sizes (default 100000,1000000)")
    parser.add_argument("--min-mb", type=float, default=None, help="text size for annotate (default 5)")
    parser.add_argument("--skip", default="", help="comma-separated parts: gazetteer,hmm,scaling,e2e,real")
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--lexicon", action="append", default=[], metavar="NAME=PATH",
                        help="open-vocabulary TSV (term, label, id) for NAME in drugbank, ctd, doid (the "
                             "recipe's [paths]); when given, the raw vocabularies in ../shared/data are not read")
    parser.add_argument("--scaling", default=None, help="HMM scaling factors (default 1,2,4,8; --quick 1,2)")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N abstracts (smoke runs)")
    parser.add_argument("--build-repeats", type=int, default=None,
                        help="lexicon builds (ours and PhraseMatcher's) per size (default --repeats)")
    parser.add_argument("--baseline-pythonpath", default=None,
                        help="also run the end-to-end recipe with spacy_weak imported from there (e.g. a checkout "
                             "of main), alternating with ours: ratios.recipe_vs_baseline")
    args = parser.parse_args(argv)
    skip = {s for s in args.skip.split(",") if s}
    sizes = [int(s) for s in (args.sizes or ("5000,20000" if args.quick else "100000,1000000")).split(",")]
    min_mb = args.min_mb if args.min_mb is not None else (0.3 if args.quick else 5.0)
    args.build_repeats = args.build_repeats or args.repeats
    args.skip_phrasematcher_build = False
    args.hmm_iter = 5
    args.scaling = [int(x) for x in (args.scaling or ("1,2" if args.quick else "1,2,4,8")).split(",")]
    args.scaling_repeats = 1
    if not args.skip_peers and not PEERS_PYTHON.exists():
        log(f"no peers venv at {PEERS_PYTHON}: run bash bench/setup_peers.sh (continuing without peers)")
        args.skip_peers = True
    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    import platform

    results: Dict[str, Any] = {
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "command": "python bench/speed.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "repeats": args.repeats, "quick": args.quick, "loadavg_start": list(os.getloadavg()),
        "ours_available": {"weak_gazetteer": ours_gazetteer_available(), "weak_hmm": ours_hmm_available()},
    }
    import spacy

    results["machine"]["spacy"] = spacy.__version__
    results["git"] = git_state()
    try:  # which spacy_weak was measured (PYTHONPATH may point at another checkout)
        import spacy_weak

        results["spacy_weak_path"] = str(Path(spacy_weak.__file__).resolve().parent)
    except Exception:
        results["spacy_weak_path"] = None
    t_start = time.perf_counter()
    texts, gold = load_bc5cdr(args.bc5cdr)
    if args.quick:
        texts, gold = texts[:150], gold[:150]
    if args.limit:
        texts, gold = texts[: args.limit], gold[: args.limit]
    bench_texts = repeat_to(texts, int(min_mb * 1e6))
    texts_path = work / "texts.json"
    texts_path.write_text(json.dumps(bench_texts), encoding="utf8")
    results["text"] = {"abstracts": len(texts), "docs": len(bench_texts),
                       "mb": sum(len(t.encode("utf8")) + 1 for t in bench_texts) / 1e6}
    gterms = gold_terms(gold)
    lexicons: Dict[str, Path] = {}
    for n in sizes if "gazetteer" not in skip else ():
        path = work / f"synthetic_{n}.tsv"
        write_tsv(synthetic_lexicon(n, gterms), path)
        lexicons[f"synthetic_{n}"] = path
    results["headline_lexicon"] = f"synthetic_{max(sizes)}"
    if args.lexicon:
        given = dict(x.split("=", 1) for x in args.lexicon)
        unknown = set(given) - set(LEXICON_NAMES)
        if unknown:
            sys.exit(f"--lexicon: unknown name(s) {sorted(unknown)}; expected {sorted(LEXICON_NAMES)}")
        vocab = {LEXICON_NAMES[k]: read_tsv(Path(v)) for k, v in given.items()}
        reader = "--lexicon " + " ".join(args.lexicon)
    else:
        vocab, reader = open_vocabularies(args.bc5cdr.parent)
    results["open_vocabularies"] = {"reader": reader, **{k: len(v) for k, v in vocab.items()}}
    vocab_paths = {}
    for name, records in vocab.items():
        vocab_paths[f"gaz_{name}"] = work / f"vocab_{name}.tsv"
        write_tsv(records, vocab_paths[f"gaz_{name}"])
    if "real" not in skip and vocab:
        path = work / "open_vocabularies.tsv"
        write_tsv([r for recs in vocab.values() for r in recs], path)
        lexicons["open_vocabularies"] = path

    if "gazetteer" not in skip:
        bench_gazetteer(args, work, texts_path, lexicons, results)

    sources = list(vocab_paths) + list(REGEXES)
    docbin = work / "sources.spacy"
    if not {"hmm", "scaling"} <= skip:
        log("hmm: making source spans")
        src_texts = work / "bc5cdr_texts.json"
        src_texts.write_text(json.dumps(texts), encoding="utf8")
        results["sources"] = worker("make_sources", texts=str(src_texts),
                                    lexicons={k: str(v) for k, v in vocab_paths.items()}, regexes=REGEXES,
                                    out=str(docbin))
    if "hmm" not in skip:
        bench_hmm(args, work, docbin, sources, results)
    if "scaling" not in skip:
        bench_scaling(args, docbin, sources, results)
    if "e2e" not in skip and ours_gazetteer_available() and ours_hmm_available():
        log("end to end")
        src_texts = work / "bc5cdr_texts.json"
        src_texts.write_text(json.dumps(texts), encoding="utf8")  # also when hmm and scaling are skipped
        config_paths = {"drugbank": vocab_paths.get("gaz_drugbank"), "ctd": vocab_paths.get("gaz_ctd_diseases"),
                        "doid": vocab_paths.get("gaz_disease_ontology")}
        e2e_params = dict(texts=str(src_texts), lexicons={k: str(v) for k, v in vocab_paths.items()},
                          regexes=REGEXES, use_config=True, config_paths={k: str(v) for k, v in config_paths.items()})
        runs, base_runs = [], []
        for _ in range(args.repeats):
            # with --baseline-pythonpath the other checkout's run alternates with ours: the
            # recipe speed-up is a ratio of CPU times measured in the same minutes
            if args.baseline_pythonpath:
                base_runs.append(worker("e2e", pythonpath=args.baseline_pythonpath, **e2e_params))
            runs.append(worker("e2e", **e2e_params))
        if base_runs:
            results["e2e_baseline"] = _median_dicts(base_runs)
            results["e2e_baseline"]["pythonpath"] = args.baseline_pythonpath
            results["e2e_baseline"]["recipe_tokens_per_s_all"] = [r["recipe_tokens_per_s"] for r in base_runs]
            results["e2e_baseline"]["silver_spans_all"] = [r["silver_spans"] for r in base_runs]
        results["e2e"] = _median_dicts(runs)
        results["e2e"]["total_s_all"] = [r["total_s"] for r in runs]
        results["e2e"]["recipe_tokens_per_s_all"] = [r["recipe_tokens_per_s"] for r in runs]
        # the per-source profile of the median run (by recipe CPU time)
        mid = sorted(runs, key=lambda r: r["recipe_cpu_s"])[len(runs) // 2]
        results["e2e"]["profile"] = mid["profile"]
    results["benchmark_wall_s"] = time.perf_counter() - t_start
    results["loadavg_end"] = list(os.getloadavg())
    summarise(results, args)
    print_table(results)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2), encoding="utf8")
        log(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "_worker":
        sys.exit(worker_main(sys.argv[2], sys.argv[3]))
    sys.exit(main())
