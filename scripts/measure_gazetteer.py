"""Quick measurement of weak_gazetteer on one lexicon (not a test; bench/speed.py is the reference).

    python scripts/measure_gazetteer.py LEXICON.tsv [--texts CDR_TrainingSet.PubTator.txt] [--out DIR]

Prints JSON: build time and peak RSS above the ``spacy.blank("en")`` baseline, save time, size
on disk, ``spacy.load`` time (fresh process), and tokenizer vs tokenizer + gazetteer time per
abstract (medians of 5 runs, measured in the same process, so the ratio is meaningful on a
noisy machine).
"""
import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def abstracts(path: Path):
    docs = {}
    for line in open(path, encoding="utf8"):
        parts = line.rstrip("\n").split("|", 2)
        if len(parts) == 3 and parts[1] in ("t", "a"):
            docs.setdefault(parts[0], []).append(parts[2])
    return [" ".join(v) for v in docs.values()]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("lexicon")
    ap.add_argument("--texts", default=str(Path(__file__).resolve().parents[2] / "shared/data/bc5cdr/CDR_TrainingSet.PubTator.txt"))
    ap.add_argument("--out", default="/tmp/measure_gazetteer_model")
    ap.add_argument("--load-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    import spacy

    if args.load_only:
        t0 = time.perf_counter()
        spacy.load(args.out)
        print(json.dumps({"load_s": round(time.perf_counter() - t0, 2)}))
        return 0
    nlp = spacy.blank("en")
    base = maxrss_mb()
    t0 = time.perf_counter()
    gaz = nlp.add_pipe("weak_gazetteer", name="gaz")
    gaz.initialize(lexicon=args.lexicon)
    out = {"terms": len(gaz), "build_s": round(time.perf_counter() - t0, 2), "build_rss_mb": round(maxrss_mb() - base)}
    shutil.rmtree(args.out, ignore_errors=True)
    t0 = time.perf_counter()
    nlp.to_disk(args.out)
    out["save_s"] = round(time.perf_counter() - t0, 2)
    out["disk_mb"] = round(sum(f.stat().st_size for f in Path(args.out).rglob("*") if f.is_file()) / 1e6)
    load = subprocess.run([sys.executable, __file__, args.lexicon, "--out", args.out, "--load-only"],
                          capture_output=True, text=True, check=True)
    out.update(json.loads(load.stdout))
    texts = abstracts(Path(args.texts))
    tok = spacy.blank("en")

    def run(f):
        t = time.perf_counter()
        f()
        return time.perf_counter() - t

    def tokenizer_only():
        for text in texts:
            tok.make_doc(text)

    def with_gazetteer():
        for text in texts:
            gaz(nlp.make_doc(text))

    tokenizer_only(), with_gazetteer()
    a = statistics.median(run(tokenizer_only) for _ in range(5))
    b = statistics.median(run(with_gazetteer) for _ in range(5))
    out.update({"tokenizer_us_per_doc": round(a / len(texts) * 1e6, 1), "with_gazetteer_us_per_doc": round(b / len(texts) * 1e6, 1),
                "annotate_vs_tokenizer": round(a / b, 3)})
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
