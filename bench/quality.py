"""Label-quality benchmark: sources, majority vote, HMM (and optionally a spaCy NER
trained on silver) against gold, on any PubTator-format corpus.

    python bench/quality.py --corpus ../shared/data/bc5cdr --split test --json out.json \
        --lexicon drugbank=lexicons/drugbank.tsv --lexicon ctd=lexicons/ctd.tsv --lexicon doid=lexicons/doid.tsv

The HMM is fitted (without labels) on the ``--fit-splits`` documents (default: train),
then applied to ``--split``; gold is read only to score. Scores are entity-level
strict micro P/R/F1 (start, end and label must match), overall and per label,
as fractions 0-1. Explicit negative ("O") spans are not entities.
"""
import argparse
import logging
import sys
import time
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import srsly
from spacy.scorer import PRFScore
from spacy.tokens import Doc
from spacy.util import load_config, load_model_from_config

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from spacy_weak.corpora.pubtator import read_pubtator  # noqa: E402

import label_model_v2 as v2  # noqa: E402  (bench/label_model_v2.py)

logger = logging.getLogger("bench.quality")

SPLIT_HINTS = {"train": ("train",), "dev": ("dev", "devel", "valid"), "test": ("test",)}


def find_split_file(corpus: Path, split: str, explicit: Dict[str, str]) -> Path:
    if split in explicit:
        return corpus / explicit[split]
    hints = SPLIT_HINTS.get(split, (split,))
    files = sorted(p for p in corpus.iterdir() if p.is_file() and "pubtator" in p.name.lower())
    for p in files:
        if any(h in p.name.lower() for h in hints):
            return p
    raise SystemExit(f"no PubTator file for split {split!r} in {corpus} (give --split-file {split}=NAME)")


def parse_pairs(values: Sequence[str], what: str, separator: str = ",") -> Dict[str, str]:
    """``KEY=VALUE`` pairs, several to a value split at ``separator`` (a regular expression)."""
    import re

    out = {}
    for value in values or []:
        for part in re.split(separator, value):
            if not part:
                continue
            if "=" not in part:
                raise SystemExit(f"{what}: expected KEY=VALUE, got {part!r}")
            k, v = part.split("=", 1)
            out[k.strip()] = v.strip()
    return out


def parse_overrides(values: Sequence[str]) -> Dict[str, str]:
    """``--set KEY=VALUE``: the value may hold commas (JSON lists: ``split_shapes=["acronym","short_symbol"]``);
    several overrides in one --set are split only at a comma that starts another ``KEY=``."""
    return parse_pairs(values, "--set", r",(?=\s*[A-Za-z_][\w.]*\s*=)")


def warn_no_gold(path: Path, docs: List[Doc], labels: Sequence[str]) -> Optional[str]:
    """A warning when ``--labels`` keep no gold mention of the split: every score would read 0.0."""
    if not docs or any(len(d.spans.get("gold", [])) for d in docs):
        return None
    types = {}
    with open(path, encoding="utf8") as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if len(fields) >= 5 and fields[1].isdigit():
                types[fields[4]] = types.get(fields[4], 0) + 1
    if not types:
        return None
    listed = ", ".join(f"{t} ({n})" for t, n in sorted(types.items(), key=lambda kv: -kv[1]))
    example = next(iter(sorted(types, key=lambda t: -types[t])))
    return (f"warning: no gold mention of {path.name} has a label of --labels {','.join(labels)}: every score "
            f"below is 0.0. The corpus's types: {listed}. Map them with --label-map, e.g. "
            f"--label-map {example}={labels[0] if labels else 'LABEL'}")


def gold_spans(doc: Doc) -> set:
    return {(s.start, s.end, s.label_) for s in doc.spans["gold"]}


def score(pairs: Iterable[Tuple[set, set]], labels: Sequence[str]) -> Dict:
    per = {label: PRFScore() for label in labels}
    for pred, gold in pairs:
        for label in labels:
            p = {s for s in pred if s[2] == label}
            g = {s for s in gold if s[2] == label}
            per[label].tp += len(p & g)
            per[label].fp += len(p - g)
            per[label].fn += len(g - p)
    total = PRFScore()
    for s in per.values():
        total += s
    return {
        "p": total.precision, "r": total.recall, "f1": total.fscore,
        "per_label": {k: {"p": v.precision, "r": v.recall, "f1": v.fscore} for k, v in per.items()},
    }


def source_pairs(docs: List[Doc], key: str, labels: Sequence[str]):
    for doc in docs:
        pred = {(s.start, s.end, s.label_) for s in doc.spans.get(key, []) if s.label_ in labels}
        yield pred, gold_spans(doc)


def sub_source_scores(docs: List[Doc], sources: Sequence[str], labels: Sequence[str]) -> Dict[str, Dict]:
    """Scores of the sub-sources a source writes beside its own group (a gazetteer's
    ``split_shapes`` / ``split_ambiguous`` groups ``<source>_<shape>``), per key."""
    names = set(sources)
    keys = sorted({k for d in docs for k in d.spans.keys()
                   if k not in names and any(k.startswith(s + "_") for s in sources)})
    return {k: score(source_pairs(docs, k, labels), labels) for k in keys}


def run_pipe(nlp, names: Sequence[str], docs: Iterable[Doc], batch_size: int = 64) -> List[Doc]:
    for name in names:
        docs = nlp.get_pipe(name).pipe(docs, batch_size=batch_size)
    return list(docs)


def build_nlp(config_path: Path, lexicons: Dict[str, str], overrides: Dict[str, str]):
    cfg_overrides = {f"paths.{k}": v for k, v in lexicons.items()}
    for key, value in overrides.items():
        try:
            cfg_overrides[key] = srsly.json_loads(value)
        except ValueError:
            cfg_overrides[key] = value
    config = load_config(config_path, overrides=cfg_overrides, interpolate=False)
    nlp = load_model_from_config(config, auto_fill=True)
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"\[W102\]")  # the HMM is left unfitted here: main() fits it next
        nlp.initialize()
    return nlp


def main(argv: Optional[Sequence[str]] = None) -> Dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True, type=Path, help="folder with the PubTator files")
    ap.add_argument("--split", default="test", help="split to score (train, dev, test)")
    ap.add_argument("--fit-splits", default="train", help="splits the HMM is fitted on, without labels (comma-separated)")
    ap.add_argument("--split-file", action="append", default=[], help="SPLIT=FILENAME when names are not guessable")
    ap.add_argument("--label-map", action="append", default=[], help="SomeType=Disease (RAW= drops a type)")
    ap.add_argument("--labels", default="Chemical,Disease")
    ap.add_argument("--config", type=Path, default=ROOT / "configs" / "bc5cdr.cfg")
    ap.add_argument("--lexicon", action="append", default=[], help="NAME=PATH for [paths] NAME of the config")
    ap.add_argument("--set", action="append", default=[], help="config override KEY=VALUE, e.g. components.hmm.n_iter=30")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N docs of each split (smoke runs)")
    ap.add_argument("--train", action="store_true", help="also train a spaCy NER on silver train+dev and score it")
    ap.add_argument("--train-steps", type=int, default=3000)
    ap.add_argument("--json", type=Path, help="write the results here")
    v2.add_arguments(ap)
    ap.add_argument("--code", type=Path, help="Python file registering your functions or factories (like spacy train --code)")
    ap.add_argument("--save-annotated", type=Path, help="write the --split docs with every source's spans and gold (DocBin)")
    ap.add_argument("--save-aggregated", type=Path, help="... and with the aggregates too: feed it to `spacy-weak analyze`")
    ap.add_argument("--overwrite", action="store_true", help="replace existing --save-* files")
    from _training import add_arguments as add_training_arguments  # noqa: E402 (bench/_training.py)

    add_training_arguments(ap)
    from _arms import add_arguments as add_arm_arguments  # noqa: E402 (bench/_arms.py)

    add_arm_arguments(ap)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    from spacy_weak.runs.code import import_code
    from spacy_weak.corpora.save import check_outputs, save_docs
    from spacy_weak.errors import SpacyWeakError

    try:
        check_outputs([args.save_annotated, args.save_aggregated], overwrite=args.overwrite)
        import_code(args.code)
    except SpacyWeakError as err:
        raise SystemExit(str(err)) from None

    labels = [l for l in args.labels.split(",") if l]
    label_map = parse_pairs(args.label_map, "--label-map") or None
    explicit = parse_pairs(args.split_file, "--split-file")
    args._lexicon_paths = parse_pairs(args.lexicon, "--lexicon")
    nlp = build_nlp(args.config, args._lexicon_paths, parse_overrides(args.set))
    aggregators = [n for n, p in nlp.pipeline if p.__class__.__name__.endswith("Aggregator")]
    sources = [n for n in nlp.pipe_names if n not in aggregators]
    hmm_name = next(n for n in aggregators if nlp.get_pipe(n).__class__.__name__ == "HMMAggregator")
    vote_name = next(n for n in aggregators if nlp.get_pipe(n).__class__.__name__ == "VoteAggregator")
    timings = {}

    def load(split):
        path = find_split_file(args.corpus, split, explicit)
        docs = list(read_pubtator(path, nlp, label_map=label_map, labels=labels))
        docs = docs[: args.limit] if args.limit else docs
        problem = warn_no_gold(path, docs, labels)
        if problem:
            print(problem, file=sys.stderr)
        return docs

    t0 = time.perf_counter()
    fit_splits = [s for s in args.fit_splits.split(",") if s]
    annotated: Dict[str, List[Doc]] = {}
    for split in dict.fromkeys(fit_splits + [args.split]):
        annotated[split] = run_pipe(nlp, sources, load(split))
    timings["annotate_s"] = time.perf_counter() - t0
    save_docs(args.save_annotated, annotated[args.split])
    t1 = time.perf_counter()
    fit_docs = [d for split in fit_splits for d in annotated[split]]
    nlp.get_pipe(hmm_name).fit(fit_docs)
    timings["fit_s"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    eval_docs = run_pipe(nlp, [vote_name, hmm_name], annotated[args.split])
    timings["aggregate_s"] = time.perf_counter() - t2
    save_docs(args.save_aggregated, eval_docs)

    hmm = nlp.get_pipe(hmm_name)
    vote = nlp.get_pipe(vote_name)
    result = {
        "corpus": str(args.corpus), "split": args.split, "fit_splits": fit_splits, "n_docs": len(eval_docs),
        "config": str(args.config), "labels": labels,
        "sources": {},
    }
    for name in sources:
        result["sources"][name] = score(source_pairs(eval_docs, name, labels), labels)
    result["sub_sources"] = sub_source_scores(eval_docs, sources, labels)
    result["majority_vote"] = score(source_pairs(eval_docs, vote.cfg["spans_key"], labels), labels)
    result["hmm"] = score(source_pairs(eval_docs, hmm.cfg["spans_key"], labels), labels)
    gold = [gold_spans(d) for d in eval_docs]
    result.update(v2.merge_variants(vote, hmm, eval_docs, gold, score, labels))
    result["errors"] = v2.error_counts(eval_docs, hmm.cfg["spans_key"], hmm.sources)
    dup = v2.candidates_from(args.duplicate_sources, hmm.sources)
    if dup:
        result["duplicate_source"] = v2.duplicate_source(hmm, fit_docs, eval_docs, gold, score, labels, dup, result["hmm"]["f1"])
    if args.train:
        import _training

        result.update(_training.run(args, nlp, hmm_name, annotated, load, labels, score, gold_spans, ROOT))
    if args.arms:
        import _arms

        previous = srsly.read_json(args.json) if args.json and args.json.exists() else None
        run_arms = [a for a in args.arms.split(",") if a] if args.arms != "all" else list(_arms.ALL_ARMS)

        def write_partial():
            if args.json:
                srsly.write_json(args.json, _arms.merge_previous(dict(result, timings_s=timings), previous, run_arms))

        with _load_note(result):
            _arms.run(args, nlp, hmm_name, annotated, load, labels, score, gold_spans, ROOT, result, write_partial)
    result["timings_s"] = timings
    if args.arms:
        _arms.merge_previous(result, previous, run_arms)
    print_table(result)
    if args.json:
        srsly.write_json(args.json, result)
    return result


class _load_note:
    """Record the load average before and after the end-model arms (2 shared cores: wall times vary)."""

    def __init__(self, result: Dict):
        self.result = result

    def __enter__(self):
        import os

        self.result["load_average_before_arms"] = list(os.getloadavg())

    def __exit__(self, *exc):
        import os

        self.result["load_average_after_arms"] = list(os.getloadavg())
        return False


def print_table(result: Dict) -> None:
    labels = result["labels"]
    head = f"{'source':22s} {'P':>6s} {'R':>6s} {'F1':>6s}  " + "  ".join(f"{l[:8]+' F1':>11s}" for l in labels)
    print(f"corpus {result['corpus']}  split {result['split']}  docs {result['n_docs']}  (HMM fitted on {','.join(result['fit_splits'])})")
    print(head)
    print("-" * len(head))

    def row(name, s):
        per = "  ".join(f"{s['per_label'][l]['f1']*100:11.1f}" for l in labels)
        print(f"{name:22s} {s['p']*100:6.1f} {s['r']*100:6.1f} {s['f1']*100:6.1f}  {per}")

    for name, s in result["sources"].items():
        row(name, s)
    for name, s in result.get("sub_sources", {}).items():
        row("  " + name, s)
    print("-" * len(head))
    row("majority_vote", result["majority_vote"])
    row("hmm", result["hmm"])
    v2.print_rows(result, row)
    import _training

    _training.print_rows(result, row)
    import _arms

    _arms.print_rows(result, row)
    print("timings (s):", {k: round(v, 1) for k, v in result["timings_s"].items()})


if __name__ == "__main__":
    main()
