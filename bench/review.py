"""Review simulation on BC5CDR: gold as the oracle, the train split as the unlabeled pool.

    python bench/review.py --corpus /work/shared/data/bc5cdr --json bench/results/review.json \
        --lexicon drugbank=/work/lex/drugbank.tsv --lexicon ctd=/work/lex/ctd.tsv --lexicon doid=/work/lex/doid.tsv

1. Annotate train and test with the recipe's sources, fit the HMM on train (no labels), decode silver.
2. Audit the train silver (``spacy_weak.review.audit``): precision at 100 / 500 of the ranked spans =
   fraction that disagree with gold (exact start, end, label); ``base_rate`` = that fraction over all
   silver spans.
3. For each budget (25, 50, 100 documents): pick documents by the export's ranking
   (``spacy_weak.review.export.rank_documents``) and at random (``--seeds`` seeds). The oracle answers
   with the gold spans as Prodigy tasks, which go through the real import
   (``spacy_weak.review.importer``): a ``human`` source the refitted HMM clamps. Report silver F1 on the
   whole train split, on the documents not reviewed, and the refitted label model's test F1 (test docs
   have no review). Gains are against the same figures before review.
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
from spacy_weak.review.evidence import collect_evidence
from spacy_weak.review.export import RANK_VOTE_WEIGHT, prodigy_record, rank_documents
from spacy_weak.review.importer import apply_reviews, read_reviews
from spacy_weak.review.propagate import PROPAGATED_KEY, annotate, review_lexicon

logger = logging.getLogger("bench.review")
HUMAN = "human"


def silver_f1(docs, key, labels, subset: Sequence[int] | None = None) -> float:
    idx = range(len(docs)) if subset is None else subset
    pairs = (({(s.start, s.end, s.label_) for s in docs[i].spans.get(key, []) if s.label_ in labels},
              gold_spans(docs[i])) for i in idx)
    return score(pairs, labels)["f1"]


def oracle_review(docs, chosen: Sequence[int], path: Path) -> None:
    """The oracle's answers as Prodigy tasks: the gold spans of the chosen docs."""
    from spacy_weak.review.export import ReviewItem, doc_key

    lines = []
    for r, i in enumerate(chosen):
        doc = docs[i]
        item = ReviewItem(index=i, doc_id=doc_key(doc, i), score=0.0, components={}, reason="oracle", rank=r + 1)
        rec = prodigy_record(doc, item, spans_key="gold")
        rec["answer"] = "accept"
        rec["_annotator_id"] = "oracle"
        lines.append(rec)
    srsly.write_jsonl(path, lines)


def refit(nlp, base: HMMAggregator, train, test, labels, chosen: Sequence[int], workdir: Path,
          clamp_learn: bool = False, propagate: bool = False) -> dict:
    for doc in train:
        if HUMAN in doc.spans:
            del doc.spans[HUMAN]
    path = workdir / "reviewed.jsonl"
    oracle_review(train, chosen, path)
    result = read_reviews(path, train, labels=labels)
    apply_reviews(train, result, key=HUMAN, labels=labels)
    cfg = dict(base.cfg)
    cfg.update(spans_key="silver_r", annotate_ents=False, clamp_sources=[HUMAN], clamp_learn=clamp_learn)
    if propagate:
        lexicon = review_lexicon(train, chosen, key=HUMAN, silver_key=base.cfg["spans_key"])
        annotate(train, lexicon)
        annotate(test, lexicon)
        cfg["sources"] = list(cfg["sources"]) + [PROPAGATED_KEY]
    model = HMMAggregator(nlp.vocab, name="hmm_review", **cfg)
    model.fit(train)
    train_out = list(model.pipe(train))
    test_out = list(model.pipe(test))
    chosen_set = set(chosen)
    rest = [i for i in range(len(train)) if i not in chosen_set]
    out = {
        "silver_f1_not_reviewed_before": silver_f1(train, base.cfg["spans_key"], labels, rest),
        "silver_f1_train": silver_f1(train_out, "silver_r", labels),
        "silver_f1_not_reviewed": silver_f1(train_out, "silver_r", labels, rest),
        "test_f1": silver_f1(test_out, "silver_r", labels),
        "spans_fixed": result.stats.fixed, "spans_dropped": result.stats.dropped,
    }
    for doc in train:
        for key in (HUMAN, "silver_r", PROPAGATED_KEY):
            if key in doc.spans:
                del doc.spans[key]
    for doc in test:
        for key in ("silver_r", PROPAGATED_KEY):
            if key in doc.spans:
                del doc.spans[key]
    return out


def mean_dicts(rows: list[dict]) -> dict:
    return {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}


def main(argv: Sequence[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True, type=Path)
    ap.add_argument("--config", type=Path, default=ROOT / "configs" / "bc5cdr.cfg")
    ap.add_argument("--lexicon", action="append", default=[])
    ap.add_argument("--labels", default="Chemical,Disease")
    ap.add_argument("--pool", default="train", help="split used as the unlabeled pool")
    ap.add_argument("--eval", default="test", help="split the label model is scored on")
    ap.add_argument("--budgets", default="25,50,100")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--ranking", default="combined")
    ap.add_argument("--vote-weight", type=float, default=None)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--audit-only", action="store_true", help="stop after the audit")
    ap.add_argument("--propagate", action="store_true",
                    help="also add the reviews as a source for the other documents (review/propagate.py)")
    ap.add_argument("--clamp-learn", action="store_true", help="EM also learns from the reviewed tokens")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    labels = [x for x in args.labels.split(",") if x]
    nlp = build_nlp(args.config, parse_pairs(args.lexicon, "--lexicon"), {})
    aggregators = [n for n, p in nlp.pipeline if p.__class__.__name__.endswith("Aggregator")]
    sources = [n for n in nlp.pipe_names if n not in aggregators]
    hmm_name = next(n for n in aggregators if isinstance(nlp.get_pipe(n), HMMAggregator))
    hmm = nlp.get_pipe(hmm_name)

    def load(split):
        docs = list(read_pubtator(find_split_file(args.corpus, split, {}), nlp, labels=labels))
        return docs[: args.limit] if args.limit else docs

    t0 = time.perf_counter()
    train = run_pipe(nlp, sources, load(args.pool))
    test = run_pipe(nlp, sources, load(args.eval))
    hmm.fit(train)
    train = run_pipe(nlp, [hmm_name], train)
    test = run_pipe(nlp, [hmm_name], test)
    key = hmm.cfg["spans_key"]
    before = {
        "silver_f1_train": silver_f1(train, key, labels),
        "test_f1": silver_f1(test, key, labels),
    }
    print(f"before review: silver F1 {args.pool} {before['silver_f1_train']:.4f}, {args.eval} {before['test_f1']:.4f}"
          f"  ({time.perf_counter() - t0:.0f}s)")

    evidence = collect_evidence(train, hmm)
    aud = audit(train, evidence, sources=hmm.sources_, labels=labels, key=key, vote_weight=args.vote_weight,
                source_report=hmm.source_report())
    wrong = [(s.start, s.end, s.label) not in gold_spans(train[s.doc_index]) for s in aud.spans]
    audit_out = {
        "method": aud.method,
        "n_spans": len(aud.spans),
        **{f"precision_at_{k}": p for k, p in precision_at(aud.spans, wrong, (100, 500)).items()},
        "base_rate": float(np.mean(wrong)) if wrong else 0.0,
        "flagged_by_cleanlab": int(sum(s.flagged for s in aud.spans)),
    }
    for vw in (0.0, 0.5, 1.0):  # sensitivity of the audit to the weight of the soft vote
        alt = audit(train, evidence, sources=hmm.sources_, labels=labels, key=key, vote_weight=vw, use_cleanlab=False)
        w_alt = [(s.start, s.end, s.label) not in gold_spans(train[s.doc_index]) for s in alt.spans]
        audit_out.setdefault("by_vote_weight", {})[str(vw)] = {
            f"precision_at_{k}": p for k, p in precision_at(alt.spans, w_alt, (100, 500)).items()}
    print("audit:", audit_out, flush=True)
    if args.audit_only:
        return {"audit": audit_out}
    rank_audit = audit(train, evidence, sources=hmm.sources_, labels=labels, key=key, vote_weight=RANK_VOTE_WEIGHT)
    items = rank_documents(train, evidence, sources=hmm.sources_, labels=labels, ranking=args.ranking,
                           audit_doc_scores=rank_audit.doc_scores)
    budgets_out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for budget in [int(b) for b in args.budgets.split(",") if b]:
            chosen = [it.index for it in items[:budget]]
            ranked = refit(nlp, hmm, train, test, labels, chosen, Path(tmp), args.clamp_learn, args.propagate)
            rng = np.random.default_rng(0)
            rand_rows = []
            for seed in range(args.seeds):
                rng = np.random.default_rng(seed)
                pick = sorted(rng.choice(len(train), size=min(budget, len(train)), replace=False).tolist())
                rand_rows.append(refit(nlp, hmm, train, test, labels, pick, Path(tmp), args.clamp_learn, args.propagate))
            random_mean = mean_dicts(rand_rows)
            row = {}
            for name, r in (("ranked", ranked), ("random", random_mean)):
                r = dict(r)
                r["gain_train"] = r["silver_f1_train"] - before["silver_f1_train"]
                r["gain_test"] = r["test_f1"] - before["test_f1"]
                r["gain_not_reviewed"] = r["silver_f1_not_reviewed"] - r["silver_f1_not_reviewed_before"]
                row[name] = r
            row["random"]["seeds"] = args.seeds
            row["gain_ratio_train"] = (row["ranked"]["gain_train"] / row["random"]["gain_train"]
                                       if row["random"]["gain_train"] > 0 else None)
            budgets_out[str(budget)] = row
            print(f"budget {budget:4d}  ranked: train {ranked['silver_f1_train']:.4f} "
                  f"(+{row['ranked']['gain_train']:.4f}) not-reviewed {ranked['silver_f1_not_reviewed']:.4f} "
                  f"test {ranked['test_f1']:.4f} | random: train {random_mean['silver_f1_train']:.4f} "
                  f"(+{row['random']['gain_train']:.4f}) not-reviewed {random_mean['silver_f1_not_reviewed']:.4f} "
                  f"test {random_mean['test_f1']:.4f} | ratio {row['gain_ratio_train']}", flush=True)
    result = {"pool": args.pool, "eval": args.eval, "n_pool_docs": len(train), "ranking": args.ranking, "clamp_learn": args.clamp_learn, "propagate": args.propagate,
              "before": before, "budgets": budgets_out, "audit": audit_out,
              "seconds": round(time.perf_counter() - t0, 1)}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        srsly.write_json(args.json, result)
    return result


if __name__ == "__main__":
    main()
