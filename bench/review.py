"""Reviews that compound, on BC5CDR: gold as the oracle, the train split as the unlabeled pool.

    python bench/review.py --corpus ../shared/data/bc5cdr --json bench/results/review.json \
        --lexicon drugbank=L/drugbank.tsv --lexicon ctd=L/ctd.tsv --lexicon doid=L/doid.tsv \
        --budgets 0,25,50,100,200 --seeds 3 --ner-budgets 0,25,50,100,200 --ner-seeds 3 --ner-steps 600

1. Annotate the pool (``--pool``) and the scored split (``--eval``) with the recipe's sources, fit the
   HMM on the pool (no labels), decode silver: budget 0, today's behaviour.
2. For each budget and arm, the review design (``spacy_weak.review.design``) picks the documents:
   *ranked*: the export's ranking top plus a ``--random-share`` of the budget drawn at random from the
   rest (one draw per seed); *random*: the same design over a random order (one order per seed). The
   oracle answers with the gold spans as Prodigy tasks carrying the design (stratum, inclusion
   probability), which go through the real import (``read_reviews``, ``apply_reviews``).
3. Label model (``--label-model``): ``decode`` clamps the reviewed tokens at decoding only (the old
   behaviour); ``semi`` also learns from them (``clamp_learn``, ``review_weight``); ``auto`` chooses
   among the candidates of ``spacy_weak.review.tune`` on the reviewed documents (design-weighted F1,
   cross-fitted where a candidate learns from the reviews). Reported: the refitted label model's F1 on
   ``--eval`` (no reviews there), the silver F1 of the pool documents nobody reviewed, of the whole pool.
   ``estimates``: the base silver's F1 on the pool as estimated from the reviewed documents,
   unweighted, design-weighted (Horvitz-Thompson) and from the random share alone, beside the truth.
4. NER (``--ner-budgets``, arms ``--ner-arms``): the same ``spacy train`` config and steps for every
   run: the pool's hard silver of the refitted label model with the reviewed documents of the ranked
   stratum replacing their silver (``spacy_weak.review.training.merge_reviews``, ``--upsample``),
   model selection on the reviewed documents of the random stratum (budget 0: a held-out tenth of the
   silver, today's); ``gold_only``: the same NER on the ranked-stratum reviews alone, selected on the
   random stratum. Scored on ``--eval`` (and ``--also-eval``).
5. ``--audit``: the audit's precision at 100 / 500 (the earlier benchmark).
"""
import argparse
import logging
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import srsly

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from quality import build_nlp, find_split_file, gold_spans, parse_pairs, run_pipe, score

from spacy_weak.aggregation.hmm_component import HMMAggregator
from spacy_weak.corpora.pubtator import read_pubtator
from spacy_weak.review.audit import audit, precision_at
from spacy_weak.review.design import choose, weighted_prf
from spacy_weak.review.evidence import collect_evidence
from spacy_weak.review.export import RANK_VOTE_WEIGHT, ReviewItem, doc_key, prodigy_record, rank_documents
from spacy_weak.review.importer import apply_reviews, read_reviews, review_weights
from spacy_weak.review.tune import choose_settings, refitter

logger = logging.getLogger("bench.review")
HUMAN = "human"
REFIT_KEY = "silver_r"


def silver_f1(docs, key, labels, subset: Sequence[int] | None = None) -> float:
    idx = range(len(docs)) if subset is None else subset
    pairs = (({(s.start, s.end, s.label_) for s in docs[i].spans.get(key, []) if s.label_ in labels},
              gold_spans(docs[i])) for i in idx)
    return score(pairs, labels)["f1"]


def oracle_review(docs, picks, path: Path) -> None:
    """The oracle's answers as Prodigy tasks: the gold spans of the picked docs, with the design."""
    lines = []
    for r, p in enumerate(picks):
        doc = docs[p.index]
        item = ReviewItem(index=p.index, doc_id=doc_key(doc, p.index), score=0.0, components={}, reason="oracle",
                          rank=r + 1, stratum=p.stratum, inclusion_prob=p.inclusion_prob)
        rec = prodigy_record(doc, item, spans_key="gold")
        rec["answer"] = "accept"
        rec["_annotator_id"] = "oracle"
        lines.append(rec)
    srsly.write_jsonl(path, lines)


def estimates(train, key, labels, picks) -> dict:
    """The pool's silver F1 estimated from the reviewed documents, three ways, and the truth."""
    def f1(idx, w):
        pairs = [({(s.start, s.end, s.label_) for s in train[i].spans.get(key, []) if s.label_ in labels},
                  gold_spans(train[i])) for i in idx]
        return weighted_prf(pairs, w)["f1"]

    rand = [p for p in picks if p.stratum == "random"]
    return {
        "truth": silver_f1(train, key, labels),
        "unweighted": f1([p.index for p in picks], [1.0] * len(picks)),
        "design_weighted": f1([p.index for p in picks], [p.weight for p in picks]),
        "random_share_only": f1([p.index for p in rand], [1.0] * len(rand)) if rand else None,
    }


def clear(docs, keys):
    for doc in docs:
        for k in keys:
            if k in doc.spans:
                del doc.spans[k]


def run_arm(nlp, base: HMMAggregator, train, evals: dict, labels, picks, workdir: Path, method: str,
            second_stage: bool = False) -> tuple:
    """Review ``picks``, refit, score. Returns (metrics, the refitted model's annotate function, reviewed
    dev docs). With ``second_stage``: the second stage of ``spacy_weak.review.second_stage``, cross-fitted
    on the reviewed documents and used only when it wins there (``review refit``'s guard)."""
    clear(train, [HUMAN])
    path = workdir / "reviewed.jsonl"
    oracle_review(train, picks, path)
    result = read_reviews(path, train, labels=labels)
    dev_docs = apply_reviews(train, result, key=HUMAN, labels=labels)
    weights = review_weights(dev_docs)
    cfg = dict(base.cfg)
    cfg.update(spans_key=REFIT_KEY, annotate_ents=False, clamp_sources=[HUMAN])

    def make(overrides):
        return HMMAggregator(nlp.vocab, name="hmm_review", **{**cfg, **overrides})

    fit = refitter(make, train, [HUMAN])
    t = time.perf_counter()
    choice = None
    if method == "auto":
        choice = choose_settings(fit, cfg, train, result.reviewed, weights, gold=dev_docs)
        overrides = choice.overrides
    else:
        overrides = {"clamp_learn": True} if method == "semi" else {}
    model = fit(overrides, [])
    stage = None
    if second_stage:
        from spacy_weak.review.second_stage import annotate_with_stage, stage_with_reviews

        sc = stage_with_reviews(model, train, dev_docs, key=HUMAN)
        stage = sc.stage

    def annotate(docs):
        return annotate_with_stage(stage, model, docs, key=HUMAN) if stage is not None else list(model.pipe(docs))

    tune_s = time.perf_counter() - t
    reviewed = set(result.reviewed)
    rest = [i for i in range(len(train)) if i not in reviewed]
    train_out = annotate(train)
    out = {
        "n_reviewed": len(reviewed),
        "silver_f1_not_reviewed_before": silver_f1(train, base.cfg["spans_key"], labels, rest),
        "silver_f1_not_reviewed": silver_f1(train_out, REFIT_KEY, labels, rest),
        "silver_f1_pool": silver_f1(train_out, REFIT_KEY, labels),
        "estimates": estimates(train, base.cfg["spans_key"], labels, picks),
        "settings": overrides, "tuning": choice.table if choice else None, "fit_s": round(tune_s, 1),
        "second_stage_kept": float(stage is not None), "second_stage": sc.table if second_stage else None,
    }
    for split, docs in evals.items():
        docs_out = annotate(docs)
        out[f"label_model_{split}_f1"] = silver_f1(docs_out, REFIT_KEY, labels)
        clear(docs, [REFIT_KEY])
    return out, annotate, dev_docs


def mean_rows(rows: list[dict]) -> dict:
    out = {}
    for k, v in rows[0].items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            out[k] = float(np.mean([r[k] for r in rows]))
    out["estimates"] = {k: (float(np.mean([r["estimates"][k] for r in rows])) if rows[0]["estimates"][k] is not None else None)
                        for k in rows[0]["estimates"]}
    out["settings"] = [r["settings"] for r in rows]
    out["seeds"] = len(rows)
    return out


def mean_ner(runs: list[dict]) -> dict:
    """One NER arm over its seeds: the mean of every number (``*_f1`` included), the per-seed F1s, ``seeds``."""
    out = {k: float(np.mean([r[k] for r in runs])) for k, v in runs[0].items()
           if isinstance(v, (int, float)) and not isinstance(v, bool) and k != "seed"}
    for k in [k for k in runs[0] if k.startswith("ner_") and k.endswith("_f1")]:
        out[f"{k}_per_seed"] = [r[k] for r in runs]
        out[f"{k}_std"] = float(np.std([r[k] for r in runs]))
    out["seeds"] = len(runs)
    return out


def picks_for(arm: str, order, n: int, budget: int, share: float, seed: int):
    if arm == "random":
        order = np.random.default_rng(1000 + seed).permutation(n).tolist()
    return choose(order, n, budget, random_share=share, seed=seed)


def ner_run(args, key: str, train_docs, dev_docs, evals_gold: dict, labels, seed: int = 0) -> dict:
    from _training import score_model, train_on_docs

    t = time.perf_counter()
    model = train_on_docs(args.train_config, train_docs, dev_docs, args.workdir / key, args.ner_steps, seed=seed,
                          code=getattr(args, "ner_code", None))
    out = {"train_docs": len(train_docs), "dev_docs": len(dev_docs), "train_s": round(time.perf_counter() - t, 1),
           "seed": seed}
    for split, gold in evals_gold.items():
        out[f"ner_{split}_f1"] = score_model(model, gold, labels, score, gold_spans)["f1"]
    print(f"  ner {key}: " + ", ".join(f"{k} {v}" for k, v in out.items()), flush=True)
    return out


def ner_arm(args, key, annotate, spans_key, train, dev_docs, evals_gold, labels, gold_only=False, seed=0) -> dict:
    from _training import hard_docs

    from spacy_weak.review.training import merge_reviews, reviewed_as_training
    from spacy_weak.training.trainer import split_held_out

    if gold_only:
        tr = [reviewed_as_training(d) for d in dev_docs if d.spans["gold"].attrs.get("stratum") != "random"]
        dv = [reviewed_as_training(d) for d in dev_docs if d.spans["gold"].attrs.get("stratum") == "random"]
        return ner_run(args, key, tr, dv or tr[::10], evals_gold, labels, seed)
    silver = hard_docs(annotate(train), spans_key)
    clear(train, [spans_key] if spans_key == REFIT_KEY else [])
    if not dev_docs:
        tr, dv = split_held_out(silver)
        return ner_run(args, key, tr, dv, evals_gold, labels, seed)
    merged = merge_reviews(silver, dev_docs, upsample=args.upsample)
    out = ner_run(args, key, merged.train, merged.dev, evals_gold, labels, seed)
    out.update(merged.summary())
    return out


def main(argv: Sequence[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True, type=Path)
    ap.add_argument("--config", type=Path, default=ROOT / "configs" / "bc5cdr.cfg")
    ap.add_argument("--lexicon", action="append", default=[])
    ap.add_argument("--labels", default="Chemical,Disease")
    ap.add_argument("--split-file", action="append", default=[], help="SPLIT=FILE in --corpus (default: found by name)")
    ap.add_argument("--pool", default="train", help="split used as the unlabeled pool")
    ap.add_argument("--eval", default="test", help="split the label model and the NERs are scored on")
    ap.add_argument("--also-eval", default="", help="another split scored too (e.g. dev while developing)")
    ap.add_argument("--budgets", default="0,25,50,100,200")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--random-share", type=float, default=0.2, help="share of each budget drawn at random (design.py)")
    ap.add_argument("--label-model", choices=["auto", "decode", "semi"], default="auto")
    ap.add_argument("--ranking", default="combined")
    ap.add_argument("--second-stage", action=argparse.BooleanOptionalAction, default=False,
                    help="the second stage trained on the reviews (review refit's default), kept only when it wins")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--audit", action="store_true", help="also measure the audit's precision at 100 / 500")
    ap.add_argument("--ner-budgets", default="", help="budgets with NER trainings (e.g. 0,100); empty: none")
    ap.add_argument("--ner-arms", default="ranked,random,gold_only")
    ap.add_argument("--ner-steps", type=int, default=1500)
    ap.add_argument("--ner-seeds", type=int, default=3,
                    help="NER trainings per budget and arm: seeds 0..N-1 (review draw and training seed), averaged")
    ap.add_argument("--train-config", type=Path, default=ROOT / "configs" / "ner_silver.cfg")
    ap.add_argument("--ner-features", action="store_true",
                    help="the NERs read the recipe's sources' votes as an input feature (weak_token_features in front of "
                    "the NER, spacy_weak/training/features.py); every budget and arm the same")
    ap.add_argument("--upsample", type=int, default=1, help="copies of each reviewed document in the NER's training data")
    ap.add_argument("--workdir", type=Path, default=None, help="NER models (resumable)")
    ap.add_argument("--cache", type=Path, default=None, help="folder: annotated splits are saved / reused here")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    labels = [x for x in args.labels.split(",") if x]
    nlp = build_nlp(args.config, parse_pairs(args.lexicon, "--lexicon"), {})
    aggregators = [n for n, p in nlp.pipeline if p.__class__.__name__.endswith("Aggregator")]
    sources = [n for n in nlp.pipe_names if n not in aggregators]
    hmm_name = next(n for n in aggregators if isinstance(nlp.get_pipe(n), HMMAggregator))
    hmm = nlp.get_pipe(hmm_name)
    args.workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench_review_"))
    if args.ner_features:
        from spacy_weak.training.trainer import variant_config

        args.workdir.mkdir(parents=True, exist_ok=True)
        if not (args.workdir / "vote_sources" / "config.cfg").exists():
            nlp.to_disk(args.workdir / "vote_sources")
        args.train_config = variant_config(args.train_config, args.workdir / "ner_features.cfg",
                                           features_from=args.workdir / "vote_sources", feature_sources=sources)
        args.ner_code = args.workdir / "register.py"
        args.ner_code.write_text("import spacy_weak.training.features  # noqa: F401 (weak_token_features)\n")
    split_files = parse_pairs(args.split_file, "--split-file")

    def load(split):
        from spacy.tokens import DocBin

        cached = args.cache / f"{split}_{args.limit}.spacy" if args.cache else None
        if cached is not None and cached.exists():
            return list(DocBin().from_disk(cached).get_docs(nlp.vocab))
        docs = list(read_pubtator(find_split_file(args.corpus, split, split_files), nlp, labels=labels))
        docs = run_pipe(nlp, sources, docs[: args.limit] if args.limit else docs)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            DocBin(docs=docs, store_user_data=True).to_disk(cached)
        return docs

    t0 = time.perf_counter()
    train = load(args.pool)
    eval_names = [args.eval] + [s for s in args.also_eval.split(",") if s and s != args.eval]
    evals = {s: load(s) for s in eval_names}
    hmm.fit(train)
    train = run_pipe(nlp, [hmm_name], train)
    evals = {s: run_pipe(nlp, [hmm_name], d) for s, d in evals.items()}
    key = hmm.cfg["spans_key"]
    before = {"silver_f1_pool": silver_f1(train, key, labels)}
    before.update({f"label_model_{s}_f1": silver_f1(d, key, labels) for s, d in evals.items()})
    print(f"before review: {before}  ({time.perf_counter() - t0:.0f}s)", flush=True)
    evidence = collect_evidence(train, hmm)
    audit_out = None
    if args.audit:
        aud = audit(train, evidence, sources=hmm.sources_, labels=labels, key=key, source_report=hmm.source_report())
        wrong = [(s.start, s.end, s.label) not in gold_spans(train[s.doc_index]) for s in aud.spans]
        audit_out = {"method": aud.method, "n_spans": len(aud.spans),
                     **{f"precision_at_{k}": p for k, p in precision_at(aud.spans, wrong, (100, 500)).items()},
                     "base_rate": float(np.mean(wrong)) if wrong else 0.0}
    rank_audit = audit(train, evidence, sources=hmm.sources_, labels=labels, key=key, vote_weight=RANK_VOTE_WEIGHT)
    items = rank_documents(train, evidence, sources=hmm.sources_, labels=labels, ranking=args.ranking,
                           audit_doc_scores=rank_audit.doc_scores)
    order = [it.index for it in items]
    ner_budgets = {int(b) for b in args.ner_budgets.split(",") if b}
    ner_arms = [a for a in args.ner_arms.split(",") if a]
    evals_gold = {s: d for s, d in evals.items()}  # gold is in doc.spans["gold"] of the annotated docs
    budgets_out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for budget in [int(b) for b in args.budgets.split(",") if b]:
            tb = time.perf_counter()
            row: dict = {}
            if budget == 0:  # no reviews: today's model, unchanged
                row["none"] = dict(before, silver_f1_not_reviewed=before["silver_f1_pool"])
                if 0 in ner_budgets:
                    runs = [ner_arm(args, f"b0_s{s}" if s else "b0", lambda d: list(hmm.pipe(d)), key, train, [],
                                    evals_gold, labels, seed=s) for s in range(args.ner_seeds)]
                    row["ner"] = {"none": mean_ner(runs)}
                row["seconds"] = round(time.perf_counter() - tb, 1)
                budgets_out["0"] = row
                print(f"budget 0: {row['none']}", flush=True)
                continue
            share = args.random_share
            ner_runs: dict[str, list[dict]] = {}
            for arm in ("ranked", "random"):
                rows = []
                seeds = 1 if (arm == "ranked" and share == 0) else args.seeds
                for seed in range(seeds):
                    picks = picks_for(arm, order, len(train), budget, share, seed)
                    res, annotate, dev_docs = run_arm(nlp, hmm, train, evals, labels, picks, Path(tmp), args.label_model,
                                                      second_stage=args.second_stage)
                    rows.append(res)
                    if seed < args.ner_seeds and budget in ner_budgets:
                        tag = f"_s{seed}" if seed else ""
                        if arm in ner_arms:
                            ner_runs.setdefault(arm, []).append(ner_arm(
                                args, f"b{budget}_{arm}{tag}", annotate, REFIT_KEY, train, dev_docs, evals_gold, labels,
                                seed=seed))
                        if arm == "ranked" and "gold_only" in ner_arms:
                            ner_runs.setdefault("gold_only", []).append(ner_arm(
                                args, f"b{budget}_gold_only{tag}", annotate, REFIT_KEY, train, dev_docs, evals_gold,
                                labels, gold_only=True, seed=seed))
                    clear(train, [HUMAN, REFIT_KEY])
                row[arm] = mean_rows(rows)
                row[arm]["per_seed"] = rows
            if ner_runs:
                row["ner"] = {a: mean_ner(r) for a, r in ner_runs.items()}
            row["seconds"] = round(time.perf_counter() - tb, 1)
            budgets_out[str(budget)] = row
            e = args.eval
            print(f"budget {budget:4d}  ranked: {e} {row['ranked'][f'label_model_{e}_f1']:.4f} not-reviewed "
                  f"{row['ranked']['silver_f1_not_reviewed']:.4f} (before {row['ranked']['silver_f1_not_reviewed_before']:.4f})"
                  f" | random: {e} {row['random'][f'label_model_{e}_f1']:.4f} not-reviewed "
                  f"{row['random']['silver_f1_not_reviewed']:.4f} (before {row['random']['silver_f1_not_reviewed_before']:.4f})"
                  f" | settings {row['ranked']['settings']}", flush=True)
    import os

    result = {"pool": args.pool, "eval": args.eval, "also_eval": eval_names[1:], "n_pool_docs": len(train),
              "ranking": args.ranking, "label_model": args.label_model, "second_stage": args.second_stage, "random_share": args.random_share,
              "seeds": args.seeds, "ner_seeds": args.ner_seeds, "ner_steps": args.ner_steps, "ner_budgets": sorted(ner_budgets),
              "train_config": str(args.train_config), "ner_features": args.ner_features, "upsample": args.upsample,
              "before": before, "budgets": budgets_out, "audit": audit_out,
              "seconds": round(time.perf_counter() - t0, 1), "load_average": os.getloadavg()}
    result["summary"] = summarize(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        srsly.write_json(args.json, result)
    return result


def summarize(result: dict) -> dict:
    """Per budget, the figures the issue names (ranked arm; random beside it)."""
    e = result["eval"]
    out = {}
    base = ((result["budgets"].get("0") or {}).get("ner") or {}).get("none", {}).get(f"ner_{e}_f1")
    for b, row in result["budgets"].items():
        ranked = row.get("ranked", row.get("none", {}))
        ner = row.get("ner", {})
        out[b] = {
            f"label_model_{e}_f1": ranked.get(f"label_model_{e}_f1"),
            "silver_f1_not_reviewed": ranked.get("silver_f1_not_reviewed"),
            "random_label_model_f1": row.get("random", {}).get(f"label_model_{e}_f1"),
            "random_silver_f1_not_reviewed": row.get("random", {}).get("silver_f1_not_reviewed"),
            f"ner_{e}_f1": (ner.get("ranked") or ner.get("none") or {}).get(f"ner_{e}_f1"),
            f"random_ner_{e}_f1": (ner.get("random") or {}).get(f"ner_{e}_f1"),
            f"gold_only_ner_{e}_f1": (ner.get("gold_only") or {}).get(f"ner_{e}_f1"),
            "seconds": row.get("seconds"),
        }
        for arm, name in (("ranked", "ner_gain"), ("random", "random_ner_gain")):
            f1 = (ner.get(arm) or {}).get(f"ner_{e}_f1")
            out[b][name] = None if f1 is None or base is None else f1 - base
    return out


if __name__ == "__main__":
    main()
