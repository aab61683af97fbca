"""``suggest --apply`` on BC5CDR with gold standing in for the reviewer (issue 24).

    python bench/suggest.py --corpus ../shared/data/bc5cdr --json suggest.json \\
        --lexicon drugbank=lex/drugbank.tsv --lexicon ctd=lex/ctd.tsv --lexicon doid=lex/doid.tsv

Every split is annotated once with the recipe's sources. For each reviewed-set size (train
documents drawn at random, ``--draws`` times) one ``suggest --apply`` round runs with no hand
edit (``spacy_weak.suggest.run.suggest``, what the command calls): label model fitted on
train+dev, changes cross-validated over the reviewed documents, the new recipe written next to
a copy of the old one, its changed components re-run and its HMM refitted. Dev and test are
scored (strict entity micro F1) with the recipe's HMM before and the new recipe's after. JSON per
size: ``dev_f1_before``, ``dev_f1_after``, ``test_f1_before``, ``test_f1_after`` (means over
draws, and ``draws`` with each), ``changes`` (count by kind over the draws), ``seconds`` (mean
wall time of a round) and ``cpu_seconds``; the load average is recorded.
"""
import argparse
import os
import random
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

import srsly

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality import build_nlp, find_split_file, parse_pairs, run_pipe  # noqa: E402


def strict_f1(pairs) -> float:
    tp = fp = fn = 0
    for pred, gold in pairs:
        tp += len(pred & gold)
        fp += len(pred - gold)
        fn += len(gold - pred)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def gold_set(doc, labels):
    return {(s.start, s.end, s.label_) for s in doc.spans["gold"] if s.label_ in labels}


def annotate(args, labels):
    from spacy.tokens import DocBin

    from spacy_weak.corpora.pubtator import read_pubtator
    from spacy_weak.corpora.save import save_docs

    lexicons = parse_pairs(args.lexicon, "--lexicon")
    splits = ("train", "dev", "test")
    if args.cache_dir and all((args.cache_dir / f"{s}.spacy").exists() for s in splits):
        import spacy

        nlp, sources = spacy.blank("en"), []  # every split cached: no pipeline to build
    else:
        nlp = build_nlp(args.config, lexicons, {})
        aggregators = [n for n, p in nlp.pipeline if p.__class__.__name__.endswith("Aggregator")]
        sources = [n for n in nlp.pipe_names if n not in aggregators]
    explicit = parse_pairs(args.split_file, "--split-file")
    out = {}
    for split in ("train", "dev", "test"):
        cached = args.cache_dir / f"{split}.spacy" if args.cache_dir else None
        if cached is not None and cached.exists():
            out[split] = list(DocBin().from_disk(cached).get_docs(nlp.vocab))
        else:
            docs = list(read_pubtator(find_split_file(args.corpus, split, explicit), nlp, labels=labels))
            out[split] = run_pipe(nlp, sources, docs[: args.limit] if args.limit else docs)
            if cached is not None:
                cached.parent.mkdir(parents=True, exist_ok=True)
                save_docs(cached, out[split])
        if args.limit:
            out[split] = out[split][: args.limit]
    return out, lexicons


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True, type=Path)
    ap.add_argument("--config", type=Path, default=ROOT / "configs" / "bc5cdr.cfg")
    ap.add_argument("--lexicon", action="append", default=[], help="NAME=PATH for [paths] NAME of the config")
    ap.add_argument("--split-file", action="append", default=[], help="SPLIT=FILENAME when names are not guessable")
    ap.add_argument("--labels", default="Chemical,Disease")
    ap.add_argument("--sizes", default="25,50,100", help="reviewed train documents per round")
    ap.add_argument("--draws", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--confidence", type=float, default=0.8)
    ap.add_argument("--kinds", default="", help="kinds of change to try (default: all)")
    ap.add_argument("--limit", type=int, default=0, help="first N docs of each split (smoke runs)")
    ap.add_argument("--cache-dir", type=Path, help="keep the annotated splits here (re-used when present)")
    ap.add_argument("--work-dir", type=Path, required=True, help="each round's recipe copy and outputs")
    ap.add_argument("--no-test", action="store_true", help="score dev only (tuning)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    from spacy_weak.suggest.run import suggest

    labels = [x for x in args.labels.split(",") if x]
    t0 = time.perf_counter()
    splits, lexicons = annotate(args, labels)
    annotate_s = time.perf_counter() - t0
    docs = splits["train"] + splits["dev"]
    n_dev = len(splits["dev"])
    eval_docs = splits["dev"] + ([] if args.no_test else splits["test"])
    rng = random.Random(args.seed)
    result = {"corpus": str(args.corpus), "config": str(args.config), "annotate_s": annotate_s, "sizes": {},
              "load_average_start": os.getloadavg()}
    for size in [int(s) for s in args.sizes.split(",") if s]:
        rows = []
        for draw in range(args.draws):
            picked = sorted(rng.sample(range(len(splits["train"])), min(size, len(splits["train"]))))
            work = args.work_dir / f"n{size}_d{draw}"
            if work.exists():
                shutil.rmtree(work)
            work.mkdir(parents=True)
            recipe = work / "recipe.cfg"
            shutil.copyfile(args.config, recipe)
            w0, c0 = time.perf_counter(), time.process_time()
            out = suggest([], recipe, docs=docs, reviewed_docs=[splits["train"][i] for i in picked], eval_docs=eval_docs,
                          lexicons=lexicons, apply=True, k=args.folds, seed=args.seed + draw, confidence=args.confidence,
                          **({"kinds": [k for k in args.kinds.split(",") if k]} if args.kinds else {}),
                          command=f"bench/suggest.py (size {size}, draw {draw})")
            seconds, cpu = time.perf_counter() - w0, time.process_time() - c0
            after = out["eval_docs_after"]
            before = out["eval_before"]
            key = "silver"
            pairs_after = [({(s.start, s.end, s.label_) for s in d.spans[key] if s.label_ in labels}, gold_set(d, labels)) for d in after]
            pairs_before = [(before[i], gold_set(d, labels)) for i, d in enumerate(after)]
            row = {
                "proposed": [{k: c[k] for k in ("kind", "target", "cv_effect")} for c in out.get("proposed", [])],
                "reviewed": picked, "seconds": seconds, "cpu_seconds": cpu,
                "dev_f1_before": strict_f1(pairs_before[:n_dev]), "dev_f1_after": strict_f1(pairs_after[:n_dev]),
                "cv_f1_before": out["cv_f1_before"], "cv_f1_after": out["cv_f1_after"],
                "changes": [{k: c[k] for k in ("kind", "target", "detail", "cv_effect")} | {"n_items": len(c["items"])}
                            for c in out["changes"]],
                "timings_s": out["timings_s"],
            }
            if not args.no_test:
                row["test_f1_before"] = strict_f1(pairs_before[n_dev:])
                row["test_f1_after"] = strict_f1(pairs_after[n_dev:])
            rows.append(row)
            print(f"size {size} draw {draw}: dev {100 * row['dev_f1_before']:.2f} -> {100 * row['dev_f1_after']:.2f}"
                  + ("" if args.no_test else f", test {100 * row['test_f1_before']:.2f} -> {100 * row['test_f1_after']:.2f}")
                  + f", CV {100 * row['cv_f1_before']:.2f} -> {100 * row['cv_f1_after']:.2f}, {len(row['changes'])} changes, "
                  f"{seconds:.0f}s", flush=True)
        summary = {"draws": rows, "changes": dict(Counter(c["kind"] for r in rows for c in r["changes"])),
                   "seconds": sum(r["seconds"] for r in rows) / len(rows),
                   "cpu_seconds": sum(r["cpu_seconds"] for r in rows) / len(rows)}
        for k in ("dev_f1_before", "dev_f1_after", "test_f1_before", "test_f1_after"):
            if k in rows[0]:
                summary[k] = sum(r[k] for r in rows) / len(rows)
        result["sizes"][str(size)] = summary
    result["load_average_end"] = os.getloadavg()
    if args.json:
        srsly.write_json(args.json, result)
    return result


if __name__ == "__main__":
    main()
