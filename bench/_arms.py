"""End-model arms of bench/quality.py (``--arms``): the NER users ship, trained on silver with
more text, in-domain vectors, dictionary augmentation, and the pipeline that ships.

Every arm trains the same ``spacy train`` config family (``--train-config``, default
configs/ner_silver.cfg) for ``--train-steps`` steps, ONE training at a time (a subprocess each,
``nice``-friendly), and is scored on the gold documents of ``--split``: strict micro P/R/F1 plus
``recall_seen`` / ``recall_unseen`` (seen: the gold mention's lower-cased text is an entity of
that arm's training documents, before augmentation) and the wall time of its training.

Arms (keys of the JSON):

* ``ner`` / ``ner_partial``: hard / partial silver of the training splits (as ``--train``);
* ``ner_gold``: gold of the training splits; ``ner_gold_vectors``: the same with ``--vectors``;
* ``ner_pool``: partial silver + a seeded subsample of the unlabelled pool (``--pool``): the label
  model fitted on the corpus only, applied to the pool, the pool docs whose silver is confident
  (``--pool-min-confidence``) and holds an entity, at most ``--pool-docs`` of them;
* ``ner_vectors``: partial silver with floret vectors (``--vectors``, made by ``spacy-weak vectors``);
* ``ner_augment``: partial silver with the ``spacy_weak.lexicon_swap.v1`` augmenter over the
  ``--lexicon`` files (``--augment-rate``);
* ``ner_best``: the combination ``--best`` (default vectors+augment: the best of the dev selection,
  bench/results/quality_arms_dev.json; also pool, suspect, teacher, features: the recipe's sources
  in front of the NER, their votes an input feature, spacy_weak/training/features.py);
* ``shipped_pipeline``: the recipe's sources + the ``ner_best`` model as an abstaining source +
  the HMM refitted with K-fold out-of-fold predictions of the same source (``--folds``,
  ``--fold-steps``), saved with ``nlp.to_disk`` and scored after ``spacy.load`` on raw test text.

The pool never enters a gold arm. Results are written to ``--json`` after every arm.
"""
import logging
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Set

import spacy
import srsly
from spacy.tokens import Doc

from spacy_weak.training.partial import make_hard_labels, make_partial_annotation
from spacy_weak.training.trainer import check_config, check_steps, eval_frequency, save_docbin, split_held_out, variant_config

logger = logging.getLogger("bench.arms")

ALL_ARMS = ("ner", "ner_partial", "ner_gold", "ner_pool", "ner_vectors", "ner_augment", "ner_best",
            "ner_gold_vectors", "shipped_pipeline")


def add_arguments(ap) -> None:
    ap.add_argument("--arms", default="", help=f"comma-separated end-model arms, in order: {', '.join(ALL_ARMS)} (or all)")
    ap.add_argument("--vectors", type=Path, default=None, help="spacy init vectors folder (spacy-weak vectors OUT/model)")
    ap.add_argument("--vectors-dim", type=int, default=None, help="expected width of --vectors (E317 otherwise)")
    ap.add_argument("--pool", type=Path, default=None, help="unlabelled JSONL pool (ner_pool, ner_best)")
    ap.add_argument("--pool-limit", type=int, default=3000, help="pool documents read and annotated")
    ap.add_argument("--pool-docs", type=int, default=1000, help="pool documents kept for training at most")
    ap.add_argument("--pool-min-confidence", type=float, default=0.9, help="smallest silver span probability of a kept pool doc")
    ap.add_argument("--augment-rate", type=float, default=0.5, help="lexicon_swap rate")
    ap.add_argument("--augment-lexicon", action="append", default=[], help="term list or compiled gazetteer folder of the "
                    "augmenter (repeatable; default: the --lexicon paths)")
    ap.add_argument("--best", default="vectors,augment", help="ingredients of ner_best: vectors, augment, pool, "
                    "suspect (spacy_weak.suspect_outside.v1 instead of partial_annotation.v1), teacher (a teacher-student round: "
                    "the NER of the other ingredients teaches a student started from its weights), features (the "
                    "recipe's sources run in front of the NER, frozen, their votes a TAG input feature: weak_token_features)")
    ap.add_argument("--feature-dropout", type=float, default=0.0, help="features: share of the runs of voted tokens whose "
                    "votes are hidden in a training step (weak_token_features dropout)")
    ap.add_argument("--teacher-min-prob", type=float, default=0.9, help="teacher round: beam probability of an added span")
    ap.add_argument("--teacher-steps", type=int, default=0, help="steps of the student (default --train-steps)")
    ap.add_argument("--suspect-keep", type=float, default=0.0, help="suspect_outside: share of suspect O tokens kept")
    ap.add_argument("--ship-dir", type=Path, default=None, help="where the shipped pipeline is saved (default: workdir)")


def _sh(cmd: List[str], log: Path) -> None:
    with open(log, "w") as fh:
        subprocess.run(cmd, check=True, stdout=fh, stderr=subprocess.STDOUT)


def train_arm(config: Path, docs: Sequence[Doc], out: Path, steps: int, code: Optional[Path] = None) -> float:
    """``spacy train`` in a subprocess on ``docs`` (every 10th held out, not gold-selected); the
    training's wall time. Resumable: a finished arm (``done`` naming the same steps) is not trained again."""
    done = out / "done.json"
    if done.exists() and (out / "model" / "model-best").exists():
        info = srsly.read_json(done)
        if info.get("steps") == steps:
            return float(info["wall_s"])
    t = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    tr, dv = split_held_out(docs)
    save_docbin(tr, out / "train.spacy")
    save_docbin(dv, out / "dev.spacy")
    cmd = [sys.executable, "-m", "spacy", "train", str(config), "--output", str(out / "model"),
           "--paths.train", str(out / "train.spacy"), "--paths.dev", str(out / "dev.spacy"),
           "--training.max_steps", str(steps)]
    freq = eval_frequency(config, steps)
    if freq:
        cmd += ["--training.eval_frequency", str(freq)]
    if code:
        cmd += ["--code", str(code)]
    _sh(cmd, out / "train.log")
    wall = time.perf_counter() - t
    srsly.write_json(done, {"steps": steps, "wall_s": wall, "n_docs": len(docs)})
    return wall


def code_version(root: Path) -> str:
    """The commit of the bench's checkout (``+dirty`` with uncommitted changes): recorded with every arm."""
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def merge_previous(result: Dict, previous: Optional[Dict], arms: Sequence[str]) -> Dict:
    """A resumed ``--arms`` run keeps the arms an earlier run wrote to the same JSON: every arm key of
    ``previous`` that this run did not produce is copied over, with the code version it was measured on."""
    if not previous:
        return result
    for key in ALL_ARMS + ("self_training", "ner_best_teacher"):
        if key in previous and key not in arms and key not in result:
            result[key] = previous[key]
    for key in ("parts", "silver_hmm", "command"):  # how the kept arms were measured
        if key in previous and key not in result:
            result[key] = previous[key]
    kept = [k for k in ALL_ARMS if k in previous and k not in arms]
    if kept:
        result.setdefault("kept_from_previous_json", sorted(set(result.get("kept_from_previous_json", [])) | set(kept)))
    return result


def seen_forms(docs: Sequence[Doc]) -> Set[str]:
    return {e.text.lower() for d in docs for e in d.ents}


def score_arm(preds: Sequence[Set], gold_docs: Sequence[Doc], labels, score: Callable, gold_spans: Callable,
              seen: Set[str]) -> Dict:
    s = score(zip(preds, (gold_spans(g) for g in gold_docs)), labels)
    hit = {True: [0, 0], False: [0, 0]}
    for pred, g in zip(preds, gold_docs):
        for span in g.spans["gold"]:
            if span.label_ not in labels:
                continue
            k = span.text.lower() in seen
            hit[k][1] += 1
            hit[k][0] += (span.start, span.end, span.label_) in pred
    return {"p": s["p"], "r": s["r"], "f1": s["f1"], "per_label": s["per_label"],
            "recall_seen": hit[True][0] / hit[True][1] if hit[True][1] else 0.0,
            "recall_unseen": hit[False][0] / hit[False][1] if hit[False][1] else 0.0,
            "n_seen": hit[True][1], "n_unseen": hit[False][1]}


def model_preds(model: Path, gold_docs: Sequence[Doc], key: Optional[str] = None) -> List[Set]:
    """Predicted (start, end, label) on the gold docs' tokens, from raw text (char offsets mapped)."""
    nlp = spacy.load(model)
    out = []
    for p, g in zip(nlp.pipe((d.text for d in gold_docs), batch_size=32), gold_docs):
        spans = p.spans.get(key, []) if key else p.ents
        pred = set()
        for s in spans:
            if s.label_ == "O":
                continue
            c = g.char_span(s.start_char, s.end_char, alignment_mode="expand")
            if c is not None:
                pred.add((c.start, c.end, s.label_))
        out.append(pred)
    return out


def run(args, nlp, hmm_name: str, annotated: Dict[str, List[Doc]], load: Callable, labels: Sequence[str],
        score: Callable, gold_spans: Callable, root: Path, result: Dict, write: Callable) -> Dict:
    import tempfile

    from _training import _gold_docs, _with_policy  # bench/_training.py

    arms = list(ALL_ARMS) if args.arms == "all" else [a for a in args.arms.split(",") if a]
    unknown = [a for a in arms if a not in ALL_ARMS]
    if unknown:
        raise SystemExit(f"--arms: unknown {unknown}; options: {', '.join(ALL_ARMS)}")
    base = check_config(args.train_config or root / "configs" / "ner_silver.cfg", "--train-config")
    steps = check_steps(args.train_steps, "--train-steps")
    best = {b for b in args.best.split(",") if b}
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench_arms_"))
    work.mkdir(parents=True, exist_ok=True)
    code = work / "register.py"
    code.write_text("import spacy_weak.training.augment  # noqa: F401 (registers spacy_weak.lexicon_swap.v1)\n"
                    "import spacy_weak.training.features  # noqa: F401 (registers weak_token_features)\n")
    import spacy_weak.training.features  # noqa: F401 (the trained pipelines of --best features hold the component)
    needs = set(arms) | (best if {"ner_best", "shipped_pipeline"} & set(arms) else set())
    # --- checks before any long step
    if {"vectors", "ner_vectors", "ner_gold_vectors"} & needs:
        if args.vectors is None:
            raise SystemExit("--vectors is needed by the arms " + ", ".join(sorted(needs)))
        from spacy_weak.training.vectors import check_vectors

        check_vectors(args.vectors, args.vectors_dim, param="--vectors-dim")
    lexicons = list(args.augment_lexicon) or list(getattr(args, "_lexicon_paths", {}).values())
    augmenter = {"@augmenters": "spacy_weak.lexicon_swap.v1", "lexicon": lexicons, "rate": args.augment_rate,
                 "labels": list(labels), "seed": 0}
    if {"augment", "ner_augment"} & needs:
        from spacy_weak.training.augment import build_lexicon_swap

        build_lexicon_swap(lexicons, rate=args.augment_rate, labels=list(labels), log_every=0)  # E313/E314/E315 now
    pool_docs: List[Doc] = []
    if {"pool", "ner_pool"} & needs:
        if args.pool is None:
            raise SystemExit("--pool is needed by ner_pool / ner_best with pool")
        from spacy_weak.training.pool import check_pool

        check_pool(args.pool)

    hmm = nlp.get_pipe(hmm_name)
    train_splits = [s for s in ("train", "dev") if s in annotated and s != args.split] or list(annotated)[:1]
    silver = list(hmm.pipe([d.copy() for s in train_splits for d in annotated[s]]))
    eval_gold = load(args.split)
    partial = make_partial_annotation(entity_threshold=args.entity_threshold, outside_keep=args.outside_keep,
                                      missing_voted=not args.no_missing_voted)
    partial_docs = _with_policy(silver, partial)
    out: Dict = result.setdefault("arms", {"steps": steps, "config": str(base), "best": sorted(best),
                                           "policy": vars(partial) | {"name": partial.name}, "workdir": str(work),
                                           "train_splits": train_splits, "timings_s": {}})

    if {"pool", "ner_pool"} & needs:
        from itertools import islice

        from spacy_weak.corpora.readers import read_corpus
        from spacy_weak.training.pool import drop_evaluation_docs, select_pool

        t = time.perf_counter()
        sources = [n for n in nlp.pipe_names if n not in (hmm_name,) and not n.startswith("mv")]
        sources = [n for n in sources if not nlp.get_pipe(n).__class__.__name__.endswith("Aggregator")]
        raw = list(islice(read_corpus(args.pool, nlp, format="jsonl"), args.pool_limit))
        eval_texts = [d for s in annotated for d in annotated[s]]
        raw = drop_evaluation_docs(raw, eval_texts, path=args.pool, what="the corpus splits")
        cache = work / f"pool_sources_{args.pool_limit}.spacy"  # the sources' spans (deterministic): a rerun reads them
        if cache.exists():
            from spacy_weak.corpora.shards import read_docs

            cached = list(read_docs(cache, nlp.vocab))
            raw = cached if [d.text for d in cached] == [d.text for d in raw] else raw
        if not all(sources[0] in d.spans for d in raw):
            for name in sources:
                raw = list(nlp.get_pipe(name).pipe(raw, batch_size=64))
            save_docbin(raw, cache)
        pool_silver = list(hmm.pipe(raw))  # fitted on the corpus only, applied to the pool
        chosen = select_pool(pool_silver, n=args.pool_docs, min_confidence=args.pool_min_confidence)
        pool_docs = _with_policy(chosen, partial)
        out["pool"] = {"read": args.pool_limit, "annotated": len(raw), "kept": len(pool_docs),
                       "min_confidence": args.pool_min_confidence, "annotate_s": time.perf_counter() - t}
        write()

    policies: Dict[str, object] = {}

    def best_policy():
        """ner_best's policy: spacy_weak.suspect_outside.v1 (fitted on the silver) with "suspect", else partial."""
        if "suspect" not in best:
            return partial
        if "suspect" not in policies:
            from spacy_weak.training.outside import make_suspect_outside

            policies["suspect"] = make_suspect_outside(
                lexicon=lexicons, labels=list(labels), suspect_keep=args.suspect_keep,
                entity_threshold=args.entity_threshold, missing_voted=not args.no_missing_voted,
                outside_keep=args.outside_keep).fit(silver)
        return policies["suspect"]

    def suspect_docs() -> List[Doc]:
        policy = best_policy()
        docs = _with_policy(silver, policy)
        n_missing = sum(1 for d in docs for t in d if t.ent_iob_ == "")
        out["suspect_policy"] = {"suspect_keep": args.suspect_keep, "plain_words": len(policy.plain),
                                 "lexicon_words": len(policy.words), "missing_tokens": n_missing,
                                 "tokens": sum(len(d) for d in docs)}
        return docs

    def vote_sources() -> Path:
        """The recipe's pipeline saved once: the labelling sources the NER of ``features`` reads the votes of."""
        path = work / "vote_sources"
        if not (path / "config.cfg").exists():
            nlp.to_disk(path)
        return path

    source_names = [n for n in nlp.pipe_names if not nlp.get_pipe(n).__class__.__name__.endswith("Aggregator")]

    def cfg(name, vectors=False, augment=False, init_from=None, features=False) -> Path:
        return variant_config(base, work / f"{name}.cfg", vectors=args.vectors if vectors else None,
                              vectors_dim=args.vectors_dim, augmenter=augmenter if augment else None, init_from=init_from,
                              features_from=vote_sources() if features else None, feature_sources=source_names,
                              feature_dropout=args.feature_dropout)

    arm_steps: Dict[str, int] = {}

    def teacher_round(docs: List[Doc], config: Path):
        """Train the teacher (ner_best without the round), score it, and return the student's docs and config."""
        from spacy_weak.training.partial import annotate_doc
        from spacy_weak.training.teacher import teacher_annotations

        wall = train_arm(config, docs, work / "ner_best_teacher", steps, code=code)
        teacher_model = work / "ner_best_teacher" / "model" / "model-best"
        res = score_arm(model_preds(teacher_model, eval_gold), eval_gold, labels, score, gold_spans, seen_forms(docs))
        res.update({"wall_s": wall, "steps": steps, "train_docs": len(docs), "code": code_version(root)})
        result["ner_best_teacher"] = res
        write()
        t = time.perf_counter()
        policy = best_policy()
        anns, counts = teacher_annotations(silver, spacy.load(teacher_model), policy, labels,
                                           min_prob=args.teacher_min_prob)
        student = []
        for d, ann in zip(silver, anns):
            c = d.copy()
            annotate_doc(c, policy, ann=ann, keep_spans=False)
            student.append(c)
        student += docs[len(silver):]  # the pool docs, as they were
        out["teacher"] = dict(vars(counts), min_prob=args.teacher_min_prob, predict_s=time.perf_counter() - t)
        arm_steps["ner_best"] = check_steps(args.teacher_steps or steps, "--teacher-steps")
        student_cfg = cfg("ner_best_student", vectors="vectors" in best, augment="augment" in best,
                          init_from=teacher_model)  # the teacher's pipeline: its vote features too
        return wall + time.perf_counter() - t, student, student_cfg

    gold_train = None
    models: Dict[str, Path] = {}
    for arm in arms:
        if arm == "shipped_pipeline":
            continue
        if arm == "ner":
            docs, config = _with_policy(silver, make_hard_labels()), base
        elif arm == "ner_partial":
            docs, config = partial_docs, base
        elif arm in ("ner_gold", "ner_gold_vectors"):
            gold_train = gold_train or _gold_docs([d for s in train_splits for d in load(s)])
            docs, config = gold_train, (cfg(arm, vectors=True) if arm == "ner_gold_vectors" else base)
        elif arm == "ner_pool":
            docs, config = partial_docs + pool_docs, base
        elif arm == "ner_vectors":
            docs, config = partial_docs, cfg(arm, vectors=True)
        elif arm == "ner_augment":
            docs, config = partial_docs, cfg(arm, augment=True)
        else:  # ner_best
            docs = (suspect_docs() if "suspect" in best else partial_docs) + (pool_docs if "pool" in best else [])
            config = cfg(arm, vectors="vectors" in best, augment="augment" in best, features="features" in best)
        seen_docs = docs  # seen: the silver's entities (a student's teacher-added spans do not count)
        if arm == "ner_best" and "teacher" in best:
            wall, docs, config = teacher_round(docs, config)
        else:
            wall = 0.0
        wall += train_arm(config, docs, work / arm, arm_steps.get(arm, steps), code=code)
        model = work / arm / "model" / "model-best"
        models[arm] = model
        res = score_arm(model_preds(model, eval_gold), eval_gold, labels, score, gold_spans, seen_forms(seen_docs))
        res.update({"wall_s": wall, "steps": arm_steps.get(arm, steps), "train_docs": len(docs),
                    "code": code_version(root)})
        result[arm] = res
        logger.warning("%s: F1 %.3f (P %.3f R %.3f) unseen recall %.3f in %.0fs", arm, res["f1"], res["p"], res["r"],
                       res["recall_unseen"], wall)
        write()

    if "shipped_pipeline" in arms:
        result["shipped_pipeline"] = shipped(args, nlp, hmm_name, silver, eval_gold, labels, score, gold_spans,
                                             models.get("ner_best") or _finished(work / "ner_best"), best, cfg, work,
                                             best_policy(), code, seen_forms(partial_docs + pool_docs))
        result["shipped_pipeline"]["code"] = code_version(root)
        write()
    return result


def _finished(arm_dir: Path) -> Optional[Path]:
    """The model of an arm a previous run of the same workdir finished (``done.json``), else None."""
    model = arm_dir / "model" / "model-best"
    return model if (arm_dir / "done.json").exists() and model.exists() else None


def shipped(args, nlp, hmm_name, silver, eval_gold, labels, score, gold_spans, model, best, cfg, work, partial, code,
            seen) -> Dict:
    """Cross-fit the NER (ner_best's config), refit the HMM with the out-of-fold source, put the final NER
    in that source's place, save, load, score on raw text."""
    from spacy_weak.training.crossfit import OOF_KEY, CrossFitter
    from spacy_weak.training.selftrain import refit
    from spacy_weak.training.ship import add_model_source, save_shipped

    if model is None:
        raise SystemExit("shipped_pipeline needs ner_best in --arms (its model is the shipped NER)")
    t = time.perf_counter()
    # the fold models are trained as the shipped NER is (same ingredients and policy), so the refitted HMM
    # learns how far that NER is right on text it never saw
    fold_config = cfg("fold", vectors="vectors" in best, augment="augment" in best, features="features" in best)
    fold_steps = check_steps(args.fold_steps or args.train_steps, "--fold-steps")
    crossfitter = CrossFitter(config=fold_config, n_folds=args.folds, steps=fold_steps, policy=partial,
                              labels=labels, beam_width=1)
    cf = crossfitter.run(silver, work / "ship_crossfit")
    hmm = nlp.get_pipe(hmm_name)
    refit(hmm, cf.docs, add=OOF_KEY)
    add_model_source(nlp, model, aggregator=hmm_name, name=OOF_KEY)
    out_dir = args.ship_dir or work / "shipped"
    save_shipped(nlp, out_dir, meta_name="bc5cdr_shipped")
    wall = time.perf_counter() - t
    preds = model_preds(out_dir, eval_gold, key=hmm.cfg["spans_key"])
    res = score_arm(preds, eval_gold, labels, score, gold_spans, seen)
    res.update({"wall_s": wall, "fold_steps": fold_steps, "folds": args.folds, "path": str(out_dir),
                "pipeline": spacy.load(out_dir).pipe_names})
    logger.warning("shipped_pipeline: F1 %.3f (P %.3f R %.3f)", res["f1"], res["p"], res["r"])
    return res


def print_rows(result: Dict, row: Callable) -> None:
    for key in ALL_ARMS:
        if key in ("ner", "ner_partial", "ner_gold") and "arms" not in result:
            continue
        if key in result and "recall_unseen" in result[key]:
            row(key, result[key])
