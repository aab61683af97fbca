"""Silver labels for a text classifier, measured: majority vote, weak_doc_em, Snorkel, textcat.

    python bench/textcat.py --data ../shared/data/youtube_spam --json bench/out/textcat.json \
        [--snorkel-python bench/.peers-venv/bin/python]

What it does (defaults reproduce the Snorkel spam tutorial's split on the YouTube spam collection):

1. Reads the CSV files with :mod:`spacy_weak.corpora.tabular_text`: train = files matching
   ``--train`` (``Youtube0[1-4]*``: Psy, KatyPerry, LMFAO, Eminem, 1,586 comments), test = files
   matching ``--test`` (``Youtube05*``: Shakira, 370 comments). Gold labels are kept aside and
   used only for scoring; the train gold is never read.
2. Runs the labelling sources of the recipe (``--recipe configs/youtube_spam.cfg`` with
   ``--code scripts/spam_rules.py``: every component whose name matches ``--sources lf_*``) over
   train and test once and builds the label matrix from their doc votes (docs x sources,
   ``-1`` = abstain, else the label's index in ``--labels``), saved as ``label_matrix.npz``.
3. Scores on the test split, all from that one matrix:
   - ``majority_vote``: the recipe's ``weak_doc_vote`` component;
   - ``ours``: the recipe's ``weak_doc_em`` component (Dawid-Skene EM) fitted on the train docs'
     votes (no labels), applied to the test docs;
   - ``snorkel``: Snorkel 0.10 ``LabelModel`` fitted on ``L_train`` and applied to ``L_test``
     (``bench/_peers/snorkel_labelmodel.py`` in the peers venv, ``n_epochs=500, seed=123`` as in
     the tutorial); skipped (``null``) without ``--snorkel-python``;
   - ``snorkel_estimated_balance``: the same with ``class_balance`` estimated without gold
     (:func:`estimate_class_balance`: majority vote on ``L_train``) instead of Snorkel's uniform default;
   - ``textcat``: spaCy ``textcat`` (``configs/textcat_silver.cfg``, bag-of-words, CPU) trained with
     ``spacy train`` on the silver DocBin the recipe pipeline writes for the train docs
     (``doc.cats`` = the EM's most probable class, one-hot: spaCy's textcat rejects other values
     with [E851]; docs on which every source abstained are left out,
     as the tutorial filters unlabelled points; 10 % of it, seeded, is the silver dev set: no gold
     is used anywhere in training or model selection).
   A prediction is the label with the highest probability; exact ties (e.g. majority vote with no
   votes or a 1-1 split) go to the first label of ``--labels`` (HAM), for every method alike.
   F1, precision and recall treat ``--positive`` (SPAM) as the positive class.

Writes ``{"majority_vote": {"accuracy", "f1", ...}, "ours": {...}, "snorkel": {...},
"textcat": {...}, "split": ..., "sources": ...}`` (fractions 0-1) to ``--json``.
"""
import argparse
import glob
import json
import logging
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import spacy  # noqa: E402
import spacy_weak  # noqa: E402
from spacy.tokens import Doc  # noqa: E402

from spacy_weak.corpora.tabular_text import read_tabular_text  # noqa: E402
from spacy_weak.spans import resolve_sources  # noqa: E402
from spacy_weak.training.trainer import save_docbin  # noqa: E402

logger = logging.getLogger("bench.textcat")


# ------------------------------------------------------------------ data


def split_files(data: Path, pattern: str) -> List[Path]:
    files = sorted(Path(p) for p in glob.glob(str(data / pattern)))
    if not files:
        raise SystemExit(f"no file matches {data / pattern}")
    return files


def read_split(nlp, files, args) -> List[Doc]:
    label_map = dict(item.split("=", 1) for item in args.label_map.split(",")) if args.label_map else None
    return list(
        read_tabular_text(
            nlp,
            files,
            text_column=args.text_column,
            label_column=args.label_column,
            label_map=label_map,
            labels=args.labels,
        )
    )


def take_gold(docs: Sequence[Doc], labels: Sequence[str]) -> np.ndarray:
    """Gold class indices; the docs' cats are cleared so nothing downstream can see them."""
    gold = np.array([labels.index(max(d.cats, key=d.cats.get)) for d in docs])
    for d in docs:
        d.cats = {}
    return gold


# ------------------------------------------------------------------ label matrix


def label_matrix(docs: Sequence[Doc], sources: Sequence[str], labels: Sequence[str]) -> np.ndarray:
    """docs x sources, -1 = abstained: the package's :func:`spacy_weak.label_matrix` at document level."""
    return spacy_weak.label_matrix(docs, level="doc", sources=list(sources), labels=list(labels)).L


def source_stats(L: np.ndarray, sources: Sequence[str]) -> Dict[str, Dict[str, float]]:
    """Coverage, overlap and conflict of each source on the (unlabelled) train matrix."""
    out = {}
    voted = L != -1
    for j, src in enumerate(sources):
        m = voted[:, j]
        others = np.delete(L, j, axis=1)
        other_voted = others != -1
        overlap = m & other_voted.any(axis=1)
        conflict = m & ((other_voted & (others != L[:, [j]])).any(axis=1))
        out[src] = {
            "coverage": float(m.mean()),
            "overlap": float(overlap.mean()),
            "conflict": float(conflict.mean()),
        }
    return out


# ------------------------------------------------------------------ scoring


def predict(probs: np.ndarray) -> np.ndarray:
    """argmax; exact ties go to the first label (np.argmax takes the first maximum)."""
    probs = np.round(np.asarray(probs, dtype=float), 12)
    return np.argmax(probs, axis=1)


def score(gold: np.ndarray, probs: np.ndarray, positive: int) -> Dict[str, float]:
    pred = predict(probs)
    tp = int(((pred == positive) & (gold == positive)).sum())
    fp = int(((pred == positive) & (gold != positive)).sum())
    fn = int(((pred != positive) & (gold == positive)).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    top = np.sort(np.round(np.asarray(probs, dtype=float), 12), axis=1)
    ties = int((top[:, -1] == top[:, -2]).sum()) if top.shape[1] > 1 else 0
    return {
        "accuracy": float((pred == gold).mean()),
        "f1": f1,
        "precision": p,
        "recall": r,
        "n": int(len(gold)),
        "ties": ties,
    }


def at_threshold(probs: np.ndarray, positive: int, threshold: float) -> np.ndarray:
    """One-hot probabilities: ``positive`` where its probability is at least ``threshold``, else the other label
    (two labels)."""
    probs = np.asarray(probs, dtype=float)
    out = np.zeros_like(probs)
    is_pos = probs[:, positive] >= threshold
    out[is_pos, positive] = 1.0
    out[~is_pos, 1 - positive] = 1.0
    return out


THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(1, 20))


def threshold_sweep(gold: np.ndarray, probs: np.ndarray, positive: int) -> Dict[str, float]:
    """Accuracy at every threshold of ``THRESHOLDS`` on the scored split (run on a dev split to choose one)."""
    return {str(t): score(gold, at_threshold(probs, positive, t), positive)["accuracy"] for t in THRESHOLDS}


def cats_matrix(docs: Sequence[Doc], labels: Sequence[str], key: Optional[str] = None) -> np.ndarray:
    """Class probabilities: the aggregator's ``doc.spans[key].attrs["cats"]`` when ``key`` is
    given (``doc.cats`` holds 0/1 with the default ``cats_output = "hard"``), else ``doc.cats``."""
    from spacy_weak.aggregation.doc_components import cats_probs

    rows = []
    for d in docs:
        cats = (cats_probs(d, key) if key else None) or d.cats
        rows.append([float(cats.get(lab, 0.0)) for lab in labels])
    return np.array(rows)


# ------------------------------------------------------------------ the methods


def estimate_class_balance(L: np.ndarray, n_labels: int) -> List[float]:
    """P(class) without gold: the share of each class among the majority-vote labels of the
    documents with at least one vote (ties left out), smoothed by one pseudo-document per class."""
    counts = np.ones(n_labels)
    for row in L:
        votes = np.bincount(row[row != -1], minlength=n_labels)
        if votes.sum() and (votes == votes.max()).sum() == 1:
            counts[int(votes.argmax())] += 1
    return (counts / counts.sum()).tolist()


def run_snorkel(python: str, L_train: np.ndarray, L_test: np.ndarray, n_labels: int, out_dir: Path,
                class_balance: Optional[Sequence[float]] = None) -> Dict:
    matrices = out_dir / "label_matrix.npz"
    suffix = "" if class_balance is None else "_balance"
    result = out_dir / f"snorkel_labelmodel{suffix}.json"
    np.savez(matrices, L_train=L_train, L_test=L_test, cardinality=n_labels)
    script = ROOT / "bench" / "_peers" / "snorkel_labelmodel.py"
    extra = [] if class_balance is None else ["--class-balance", ",".join(f"{p:.6f}" for p in class_balance)]
    proc = subprocess.run([python, str(script), str(matrices), str(result), *extra], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"snorkel peer failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(result.read_text(encoding="utf8"))


def hard_cats(cats: Dict[str, float], labels: Sequence[str]) -> Dict[str, float]:
    """One-hot of the most probable label (ties: the first of ``labels``)."""
    best = labels[int(predict(np.array([[cats.get(lab, 0.0) for lab in labels]]))[0])]
    return {lab: 1.0 if lab == best else 0.0 for lab in labels}


def train_textcat(config: Path, train: Path, dev: Path, output: Path, seed: int) -> Path:
    from spacy.cli.train import train as spacy_train

    overrides = {"paths.train": str(train), "paths.dev": str(dev), "system.seed": seed}
    spacy_train(config, output, overrides=overrides, use_gpu=-1)
    return output / "model-best"


def train_on_silver(kept: List[Doc], args, out_dir: Path, tag: str, model_name: str, test_docs: Sequence[Doc],
                    gold_test: np.ndarray, positive: int) -> Tuple[Dict, float]:
    """Train a textcat on the silver docs ``kept`` (10 % of them, seeded, as the silver dev set) and
    score it on the test docs: ``(scores + silver_train_docs/silver_dev_docs, training seconds)``.

    ``kept`` is changed in place: spaCy's textcat accepts only 0/1 cats ([E851]), so each doc's cats
    become the argmax class, and its span groups are dropped (the sources' votes are not needed for
    training, and every span group costs a srsly msgpack load, with an entry-point scan, each time
    spacy train re-reads the corpus).
    """
    for d in kept:
        d.cats = hard_cats(d.cats, args.labels)
        d.spans.clear()
    rng = random.Random(args.seed)
    order = list(range(len(kept)))
    rng.shuffle(order)
    n_dev = max(1, len(kept) // 10)
    dev_docs = [kept[i] for i in order[:n_dev]]
    trn_docs = [kept[i] for i in order[n_dev:]]
    suffix = f"_{tag}" if tag else ""
    train_path, dev_path = out_dir / f"silver_train{suffix}.spacy", out_dir / f"silver_dev{suffix}.spacy"
    save_docbin(trn_docs, train_path)
    save_docbin(dev_docs, dev_path)
    t = time.perf_counter()
    model_dir = train_textcat(args.textcat_config, train_path, dev_path, out_dir / model_name, args.seed)
    train_s = time.perf_counter() - t
    tc = spacy.load(model_dir)
    probs = cats_matrix(list(tc.pipe(d.text for d in test_docs)), args.labels)
    res = score(gold_test, probs, positive)
    res.update({"silver_train_docs": len(trn_docs), "silver_dev_docs": len(dev_docs),
                "config": str(args.textcat_config), "threshold_sweep": threshold_sweep(gold_test, probs, positive)})
    if args.positive_threshold is not None:  # chosen on a dev split (another run of this script), never here
        res["at_threshold"] = dict(score(gold_test, at_threshold(probs, positive, args.positive_threshold), positive),
                                   threshold=args.positive_threshold)
    return res, train_s


def cats_probs_of(aggregator, doc: Doc) -> Dict[str, float]:
    """The aggregator's class probabilities for ``doc`` (running it on a copy when it has not run)."""
    from spacy_weak.aggregation.doc_components import cats_probs

    probs = cats_probs(doc, aggregator.spans_key)
    if probs is None:
        probs = cats_probs(aggregator(doc.copy()), aggregator.spans_key)
    return probs


def train_soft(kept: List[Doc], probs: List[Dict[str, float]], args, out_dir: Path, tag: str, test_docs, gold_test,
               positive: int) -> Tuple[Dict, float]:
    """textcat on soft targets: each silver doc as ``--soft-copies`` one-hot copies in proportion to ``probs``
    (the dev split is made on documents first, so no document has copies on both sides)."""
    from spacy_weak.training.export import soft_cat_copies

    rng = random.Random(args.seed)
    order = list(range(len(kept)))
    rng.shuffle(order)
    n_dev = max(1, len(kept) // 10)
    dev_idx, trn_idx = order[:n_dev], order[n_dev:]

    def copies(idx, k):
        docs = []
        for i in idx:
            d = kept[i].copy()
            d.spans.clear()
            docs.append(d)
        return soft_cat_copies(docs, [probs[i] for i in idx], args.labels, copies=k)

    trn_docs, dev_docs = copies(trn_idx, args.soft_copies), copies(dev_idx, 1)
    train_path, dev_path = out_dir / f"silver_train_{tag}.spacy", out_dir / f"silver_dev_{tag}.spacy"
    save_docbin(trn_docs, train_path)
    save_docbin(dev_docs, dev_path)
    t = time.perf_counter()
    model_dir = train_textcat(args.textcat_config, train_path, dev_path, out_dir / f"{tag}_model", args.seed)
    train_s = time.perf_counter() - t
    tc = spacy.load(model_dir)
    res = score(gold_test, cats_matrix(list(tc.pipe(d.text for d in test_docs)), args.labels), positive)
    soft = sum(1 for p in probs if max(p.values()) < 0.99)
    res.update({"silver_train_docs": len(trn_idx), "silver_dev_docs": len(dev_idx), "copies": args.soft_copies,
                "docs_with_probability_below_0.99": soft})
    return res, train_s


# ------------------------------------------------------------------ main


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True, help="folder of CSV/TSV files")
    ap.add_argument("--json", type=Path, required=True, help="where to write the figures")
    ap.add_argument("--snorkel-python", default=None, help="python of the peers venv (bench/setup_peers.sh)")
    ap.add_argument("--train", default="Youtube0[1-4]*.csv", help="glob (in --data) of the train files")
    ap.add_argument("--test", default="Youtube05*.csv", help="glob (in --data) of the test files")
    ap.add_argument("--text-column", default="CONTENT")
    ap.add_argument("--label-column", default="label")
    ap.add_argument("--label-map", default="0=HAM,1=SPAM", help="raw=LABEL,... ('' for none)")
    ap.add_argument("--labels", default="HAM,SPAM", help="label order (ties go to the first)")
    ap.add_argument("--positive", default="SPAM", help="positive class for F1")
    ap.add_argument("--recipe", type=Path, default=ROOT / "configs" / "youtube_spam.cfg")
    ap.add_argument("--code", type=Path, default=ROOT / "scripts" / "spam_rules.py")
    ap.add_argument("--sources", default="lf_*", help="component names (glob) of the labelling sources")
    ap.add_argument("--vote", default="vote", help="weak_doc_vote component of the recipe")
    ap.add_argument("--em", default="em", help="weak_doc_em component of the recipe")
    ap.add_argument("--textcat-config", type=Path, default=ROOT / "configs" / "textcat_silver.cfg")
    ap.add_argument("--no-textcat", action="store_true", help="skip training the textcat")
    ap.add_argument("--out-dir", type=Path, default=ROOT / "bench" / "out" / "textcat")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--soft-copies", type=int, default=10, help="textcat_soft: one-hot copies per silver doc, shared "
                    "out by the label model's probabilities (spacy_weak.training.export.soft_cat_copies); 0 skips it")
    ap.add_argument("--soft-from", default="em", help="aggregator(s) whose probabilities are the soft targets, comma-"
                    "separated: em (key textcat_soft), vote (key textcat_soft_vote)")
    ap.add_argument("--min-confidence", default="", help="also train a textcat on the silver docs whose label-model "
                    "confidence (max doc.cats) is at least each of these values, e.g. 0.9,0.99 (key textcat_confidence)")
    ap.add_argument("--positive-threshold", type=float, default=None, help="also score the textcat with --positive "
                    "predicted at this probability (choose it from the threshold_sweep of a dev run: --train/--test "
                    "on training files only); key textcat.at_threshold")
    ap.add_argument("--key", default="textcat", help="JSON key of the textcat trained on hard silver cats (e.g. "
                    "textcat_ensemble with --textcat-config configs/textcat_ensemble.cfg)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    args.labels = args.labels.split(",")
    positive = args.labels.index(args.positive)
    out_dir = args.out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    timings: Dict[str, float] = {}

    # 1. data
    spacy.util.import_file("spam_rules", str(args.code)) if args.code else None
    nlp = spacy.util.load_model_from_config(spacy.util.load_config(args.recipe), auto_fill=True)
    train_files, test_files = split_files(args.data, args.train), split_files(args.data, args.test)
    if set(train_files) & set(test_files):
        raise SystemExit("train and test files overlap")
    train_docs, test_docs = read_split(nlp, train_files, args), read_split(nlp, test_files, args)
    _ = take_gold(train_docs, args.labels)  # never used: the train split is unlabelled
    gold_test = take_gold(test_docs, args.labels)
    logger.info("train %d docs (%s), test %d docs (%s)", len(train_docs), ", ".join(f.name for f in train_files),
                len(test_docs), ", ".join(f.name for f in test_files))

    # 2. sources -> label matrix (once)
    sources = resolve_sources([args.sources], nlp.pipe_names)
    sources = [s for s in sources if s in nlp.pipe_names]
    t = time.perf_counter()
    with nlp.select_pipes(enable=sources):
        train_docs = list(nlp.pipe(train_docs))
        test_docs = list(nlp.pipe(test_docs))
    timings["sources"] = time.perf_counter() - t
    L_train = label_matrix(train_docs, sources, args.labels)
    L_test = label_matrix(test_docs, sources, args.labels)
    np.savez(out_dir / "label_matrix.npz", L_train=L_train, L_test=L_test, cardinality=len(args.labels))
    logger.info("label matrix: %d sources; coverage train %.3f test %.3f", len(sources),
                (L_train != -1).any(1).mean(), (L_test != -1).any(1).mean())

    results: Dict[str, Optional[Dict]] = {}
    # 3a. majority vote (weak_doc_vote)
    vote = nlp.get_pipe(args.vote)
    results["majority_vote"] = score(gold_test, cats_matrix([vote(d) for d in test_docs], args.labels, vote.spans_key), positive)

    # 3b. ours: weak_doc_em fitted on the train votes (no labels)
    em = nlp.get_pipe(args.em)
    t = time.perf_counter()
    em.fit(train_docs)
    timings["em_fit"] = time.perf_counter() - t
    results["ours"] = score(gold_test, cats_matrix([em(d) for d in test_docs], args.labels, em.spans_key), positive)

    # 3c. Snorkel LabelModel on the same matrix
    if args.snorkel_python:
        t = time.perf_counter()
        sn = run_snorkel(args.snorkel_python, L_train, L_test, len(args.labels), out_dir)
        timings["snorkel"] = time.perf_counter() - t
        results["snorkel"] = score(gold_test, np.array(sn["probs_test"]), positive)
        results["snorkel"]["version"] = sn["snorkel"]
        # the same, with a class balance estimated without gold (majority vote on L_train)
        balance = estimate_class_balance(L_train, len(args.labels))
        t = time.perf_counter()
        sn_b = run_snorkel(args.snorkel_python, L_train, L_test, len(args.labels), out_dir, class_balance=balance)
        timings["snorkel_estimated_balance"] = time.perf_counter() - t
        results["snorkel_estimated_balance"] = score(gold_test, np.array(sn_b["probs_test"]), positive)
        results["snorkel_estimated_balance"]["class_balance"] = dict(zip(args.labels, balance))
    else:
        results["snorkel"] = None
        results["snorkel_estimated_balance"] = None

    # 3d. textcat trained on the silver cats the pipeline writes
    if not args.no_textcat:
        silver = [em(d) for d in train_docs]  # the recipe's last component writes doc.cats
        # copies for --min-confidence: the loop below makes the cats one-hot and drops the spans in place
        conf_silver = [d.copy() for d in silver] if args.min_confidence else []
        kept = [d for d, row in zip(silver, L_train) if (row != -1).any()]
        if args.soft_copies:
            soft_keys = {"em": ("textcat_soft", em), "vote": ("textcat_soft_vote", vote)}
            for name in [n for n in args.soft_from.split(",") if n]:
                key, agg = soft_keys[name]
                probs = [cats_probs_of(agg, d) for d in kept]
                results[key], timings[f"{key}_train"] = train_soft(kept, probs, args, out_dir, key, test_docs,
                                                                   gold_test, positive)
        results[args.key], timings[f"{args.key}_train"] = train_on_silver(
            kept, args, out_dir, "", f"{args.key}_model", test_docs, gold_test, positive
        )
        if args.min_confidence:
            from _textcat_confidence import confidence_sweep  # bench/_textcat_confidence.py

            results["textcat_confidence"] = confidence_sweep(
                conf_silver, L_train, test_docs, gold_test, positive, args, out_dir, train_on_silver
            )
    else:
        results["textcat"] = None

    results["split"] = {
        "train_files": [f.name for f in train_files],
        "test_files": [f.name for f in test_files],
        "train_docs": len(train_docs),
        "test_docs": len(test_docs),
        "test_positive": int((gold_test == positive).sum()),
        "labels": args.labels,
        "positive": args.positive,
    }
    results["label_matrix"] = {
        "sources": sources,
        "coverage_train": float((L_train != -1).any(1).mean()),
        "coverage_test": float((L_test != -1).any(1).mean()),
        "per_source_train": source_stats(L_train, sources),
        # what weak_doc_em learned (no labels): P(source votes for label | true label) and | other label
        "learned_by_em": em.source_report(),
    }
    results["seconds"] = timings
    if args.json.exists():  # a run with another --key (or --soft-from) keeps the textcat keys an earlier run wrote
        previous = json.loads(args.json.read_text(encoding="utf8"))
        for key, value in previous.items():
            if key.startswith("textcat") and key not in results and value is not None:
                results[key] = value
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf8")
    for key in ("majority_vote", "ours", "snorkel", "snorkel_estimated_balance", args.key, "textcat_soft",
                "textcat_soft_vote"):
        r = results.get(key)
        if key.startswith("textcat_soft") and key not in results:
            continue
        if r:
            print(f"{key:26s} accuracy {r['accuracy']:.4f}  f1 {r['f1']:.4f}  (test n={r['n']}, ties {r['ties']})")
        else:
            print(f"{key:26s} skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
