"""Training arms of bench/quality.py (``--train``, ``--self-train``, ``--gold-ceiling``).

All NERs use the same ``spacy train`` config and step budget and are scored on
the gold documents of ``--split``; model selection uses a held-out tenth of the
*training* documents (silver for the silver arms, the gold training docs for the
gold ceiling), never the scored split.

Two lanes run side by side on a 2-core machine: lane 1 (a subprocess per
training, one after another) trains (a) hard silver, (b) partial silver and
(d) gold; lane 2 (this process) runs the self-training rounds (cross-fitting
folds, refit, final NER).
"""
import logging
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Dict, List, Sequence

import spacy
from spacy.tokens import Doc

from spacy_weak.training.crossfit import CrossFitter
from spacy_weak.training.partial import (
    annotate_doc,
    make_hard_labels,
    make_partial_annotation,
)
from spacy_weak.training.selftrain import self_train
from spacy_weak.training.trainer import (
    check_config,
    check_steps,
    eval_frequency,
    save_docbin,
    split_held_out,
)

logger = logging.getLogger("bench.training")


def add_arguments(ap) -> None:
    ap.add_argument("--train-config", type=Path, default=None, help="spacy train config of every NER (default configs/ner_silver.cfg)")
    ap.add_argument("--self-train", type=int, default=0, metavar="ROUNDS", help="self-training rounds (needs --train)")
    ap.add_argument("--gold-ceiling", action="store_true", help="also train the same NER on gold train+dev")
    ap.add_argument("--folds", type=int, default=3, help="cross-fitting folds per self-training round")
    ap.add_argument("--fold-steps", type=int, default=0, help="steps per fold model (default: --train-steps)")
    ap.add_argument("--fold-config", type=Path, default=None, help="config of the fold models (default: --train-config)")
    ap.add_argument("--entity-threshold", type=float, default=0.5, help="partial annotation: entity_threshold")
    ap.add_argument("--outside-keep", type=float, default=1.0, help="partial annotation: outside_keep")
    ap.add_argument("--no-missing-voted", action="store_true", help="partial annotation: missing_voted = false")
    ap.add_argument("--final-policy", choices=["partial", "hard"], default="partial", help="policy of the self-trained NERs")
    ap.add_argument("--workdir", type=Path, default=None, help="keep models and cross-fitting folds here (resumable)")


def _with_policy(docs: Sequence[Doc], policy) -> List[Doc]:
    out = []
    for d in docs:
        c = d.copy()
        annotate_doc(c, policy, keep_spans=False)
        out.append(c)
    return out


def _gold_docs(docs: Sequence[Doc]) -> List[Doc]:
    """Copies with doc.ents = the gold spans (longest non-overlapping), every other token O."""
    from spacy.util import filter_spans

    out = []
    for d in docs:
        c = d.copy()
        c.set_ents(filter_spans(list(c.spans["gold"])), default="outside")
        c.spans.clear()
        out.append(c)
    return out


def _train_subprocess(config: Path, train: Path, dev: Path, out: Path, steps: int, seed: int = 0,
                      code: Path = None) -> Path:
    best = out / "model-best"
    if (out / "done").exists() and best.exists():
        return best
    cmd = [sys.executable, "-m", "spacy", "train", str(config), "--output", str(out), "--paths.train", str(train),
           "--paths.dev", str(dev), "--training.max_steps", str(steps), "--system.seed", str(seed)]
    freq = eval_frequency(config, steps)
    if freq:
        cmd += ["--training.eval_frequency", str(freq)]
    if code is not None:
        cmd += ["--code", str(code)]
    with open(out.parent / f"{out.name}.log", "w") as log:
        subprocess.run(cmd, check=True, stdout=log, stderr=subprocess.STDOUT)
    (out / "done").write_text("ok")
    return best


def _score_model(model: Path, gold_docs: Sequence[Doc], labels, score: Callable, gold_spans: Callable) -> Dict:
    nlp = spacy.load(model)
    preds = list(nlp.pipe([d.text for d in gold_docs], batch_size=64))
    return score((({(e.start, e.end, e.label_) for e in p.ents}, gold_spans(g)) for p, g in zip(preds, gold_docs)), labels)


def _p_r_f(s: Dict) -> Dict:
    return {"p": s["p"], "r": s["r"], "f1": s["f1"], "per_label": s.get("per_label", {})}


def run(args, nlp, hmm_name: str, annotated: Dict[str, List[Doc]], load: Callable, labels: Sequence[str],
        score: Callable, gold_spans: Callable, root: Path) -> Dict:
    """Train the arms; return the JSON keys (ner, ner_partial, ner_gold, self_training, training)."""
    import tempfile

    config = check_config(args.train_config or root / "configs" / "ner_silver.cfg", "--train-config")
    fold_config = check_config(args.fold_config or config, "--fold-config")
    steps = check_steps(args.train_steps, "--train-steps")
    fold_steps = check_steps(args.fold_steps or steps, "--fold-steps")
    hard = make_hard_labels()
    partial = make_partial_annotation(
        entity_threshold=args.entity_threshold, outside_keep=args.outside_keep, missing_voted=not args.no_missing_voted
    )
    final_policy = partial if args.final_policy == "partial" else hard
    hmm = nlp.get_pipe(hmm_name)
    train_splits = [s for s in ("train", "dev") if s in annotated and s != args.split] or list(annotated)[:1]
    silver = list(hmm.pipe([d for s in train_splits for d in annotated[s]]))
    eval_gold = load(args.split)
    eval_silver = list(hmm.pipe(annotated[args.split]))
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench_training_"))
    work.mkdir(parents=True, exist_ok=True)
    out: Dict = {"training": {
        "config": str(config), "steps": steps, "fold_config": str(fold_config), "fold_steps": fold_steps,
        "folds": args.folds, "policy": vars(partial) | {"name": partial.name}, "final_policy": args.final_policy,
        "train_splits": train_splits, "selection": "every 10th training doc held out (silver; gold for the ceiling)",
    }}
    timings: Dict[str, float] = {}

    # lane 1: (a) hard silver, (b) partial silver, (d) gold, one subprocess after another
    jobs = [("ner", _with_policy(silver, hard)), ("ner_partial", _with_policy(silver, partial))]
    if args.gold_ceiling:
        gold_train = _gold_docs([d for s in train_splits for d in load(s)])
        jobs.append(("ner_gold", gold_train))
    lane_errors: List[BaseException] = []
    lane_models: Dict[str, Path] = {}

    def lane1():
        try:
            for key, docs in jobs:
                tr, dv = split_held_out(docs)
                save_docbin(tr, work / key / "train.spacy")
                save_docbin(dv, work / key / "dev.spacy")
                t = time.perf_counter()
                lane_models[key] = _train_subprocess(config, work / key / "train.spacy", work / key / "dev.spacy", work / key / "model", steps)
                timings[f"{key}_train_s"] = time.perf_counter() - t
                logger.warning("trained %s in %.0fs", key, timings[f"{key}_train_s"])
        except BaseException as err:  # noqa: BLE001 (re-raised in the main thread after the join)
            lane_errors.append(err)

    thread = threading.Thread(target=lane1, daemon=True)
    thread.start()

    # lane 2: self-training rounds
    rounds = []
    if args.self_train:
        crossfitter = CrossFitter(
            config=fold_config, n_folds=args.folds, steps=fold_steps, policy=final_policy, labels=labels,
        )

        def on_round(res):
            t = time.perf_counter()
            entry = {"round": res.round}
            entry["silver"] = _p_r_f(score(((
                {(s.start, s.end, s.label_) for s in d.spans.get("silver", []) if s.label_ in labels}, gold_spans(g))
                for d, g in zip(res.extra_silver, eval_gold)), labels))
            entry["oof_model"] = _p_r_f(score(((
                {(s.start, s.end, s.label_) for s in d.spans.get("model_oof", [])}, gold_spans(g))
                for d, g in zip(res.crossfit.extra_docs, eval_gold)), labels))
            key = f"round_{res.round}_ner"
            docs = _with_policy(res.silver, final_policy)
            tr, dv = split_held_out(docs)
            save_docbin(tr, work / key / "train.spacy")
            save_docbin(dv, work / key / "dev.spacy")
            model = _train_subprocess(config, work / key / "train.spacy", work / key / "dev.spacy", work / key / "model", steps)
            timings[f"{key}_train_s"] = time.perf_counter() - t
            entry["ner"] = _p_r_f(_score_model(model, eval_gold, labels, score, gold_spans))
            rounds.append(entry)
            logger.warning("self-training round %d: silver F1 %.3f, oof model F1 %.3f, NER F1 %.3f",
                           res.round, entry["silver"]["f1"], entry["oof_model"]["f1"], entry["ner"]["f1"])

        t = time.perf_counter()
        self_train(silver, hmm, crossfitter, work / "selftrain", rounds=args.self_train, extra=eval_silver, on_round=on_round)
        timings["self_training_s"] = time.perf_counter() - t
        out["self_training"] = rounds
    thread.join()
    if lane_errors:
        raise lane_errors[0]
    for key, model in lane_models.items():
        out[key] = _p_r_f(_score_model(model, eval_gold, labels, score, gold_spans))
    out["training"]["timings_s"] = timings
    out["training"]["workdir"] = str(work)
    return out


def print_rows(result: Dict, row: Callable) -> None:
    for key, name in (("ner", "ner (hard silver)"), ("ner_partial", "ner (partial silver)"), ("ner_gold", "ner (gold train+dev)")):
        if key in result and "recall_unseen" not in result[key]:  # the --arms runs print their own rows
            row(name, result[key])
    rounds = result.get("self_training", [])
    for entry in rounds if isinstance(rounds, list) else []:  # a merged --arms JSON holds one arm-style record
        row(f"round {entry['round']} silver", entry["silver"])
        row(f"round {entry['round']} oof model", entry["oof_model"])
        row(f"round {entry['round']} ner", entry["ner"])


def train_on_docs(config: Path, train: Sequence[Doc], dev: Sequence[Doc], work: Path, steps: int, seed: int = 0,
                  code: Path = None) -> Path:
    """One NER trained by ``spacy train`` on ready docs (``doc.ents`` set): ``work/{train,dev}.spacy``,
    the model in ``work/model`` (resumable: a finished training is reused). Used by bench/review.py."""
    work.mkdir(parents=True, exist_ok=True)
    save_docbin(train, work / "train.spacy")
    save_docbin(dev, work / "dev.spacy")
    return _train_subprocess(config, work / "train.spacy", work / "dev.spacy", work / "model", steps, seed, code)


def hard_docs(docs: Sequence[Doc], spans_key: str = "silver") -> List[Doc]:
    """Copies with the hard-label policy (the aggregate's spans are the entities, every other token O)."""
    return _with_policy(docs, make_hard_labels(spans_key))


def score_model(model: Path, gold_docs: Sequence[Doc], labels, score: Callable, gold_spans: Callable) -> Dict:
    return _p_r_f(_score_model(model, gold_docs, labels, score, gold_spans))
