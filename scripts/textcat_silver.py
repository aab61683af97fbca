"""Apply a weak-supervision recipe to a DocBin and write silver ``doc.cats`` for ``spacy train``.

    python scripts/textcat_silver.py configs/youtube_spam.cfg corpus/textcat_train.spacy \
        corpus/silver_train.spacy corpus/silver_dev.spacy --code scripts/spam_rules.py

1. Loads the recipe (a spaCy config whose components are document-level sources and
   ``weak_doc_vote`` / ``weak_doc_em`` aggregators); ``--code`` files register its functions.
2. Reads the input DocBin and DROPS any gold ``doc.cats`` (silver labels never see gold).
3. Runs the sources, fits every ``weak_doc_em`` of the recipe on those docs (no labels), then
   runs the aggregators: the last one writes ``doc.cats``.
4. Leaves out documents on which every source abstained (``--keep-abstained`` keeps them) and,
   with ``--min-confidence``, those whose top probability is lower; turns the probabilities
   into one-hot cats (``--cats hard``, the default: spaCy's ``textcat`` refuses other values
   with [E851]); drops the sources' vote groups (``--keep-votes`` keeps them: spacy train
   re-reads the corpus every epoch and each span group costs a msgpack load); shuffles (``--seed``) and writes ``--dev-fraction`` of them as the silver dev set.
``--pipeline-out`` saves the fitted recipe pipeline (``nlp.to_disk``) to apply it elsewhere.
"""
import argparse
import random
import sys
from pathlib import Path
from typing import Dict

import spacy
from spacy.tokens import DocBin

from spacy_weak.aggregation.doc_components import cats_probs
from spacy_weak.io import write_bytes_atomic
from spacy_weak.spans import get_doc_votes, is_doc_level

AGGREGATORS = ("weak_doc_em", "weak_doc_vote")


def hard_cats(cats: Dict[str, float], multilabel: bool) -> Dict[str, float]:
    """One-hot argmax (ties: first label in sorted order); multi-label: each label >= 0.5."""
    if multilabel:
        return {lab: 1.0 if p >= 0.5 else 0.0 for lab, p in cats.items()}
    labels = sorted(cats)
    if not labels:
        return {}
    best = max(labels, key=lambda lab: (round(cats[lab], 12), -labels.index(lab)))
    return {lab: 1.0 if lab == best else 0.0 for lab in labels}


def confidence(probs: Dict[str, float], multilabel: bool) -> float:
    """Top probability (multi-label: the least certain label's max(p, 1 - p))."""
    if not probs:
        return 0.0
    if multilabel:
        return min(max(p, 1 - p) for p in probs.values())
    return max(probs.values())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("recipe", type=Path, help="pipeline config of sources + aggregators")
    ap.add_argument("input", type=Path, help="DocBin (gold cats, if any, are dropped)")
    ap.add_argument("train_output", type=Path)
    ap.add_argument("dev_output", type=Path)
    ap.add_argument("--code", type=Path, action="append", default=[], help="Python file registering functions")
    ap.add_argument("--dev-fraction", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep-abstained", action="store_true", help="keep docs no source voted on")
    ap.add_argument("--cats", choices=["hard", "soft"], default="hard",
                    help="hard: one-hot argmax (threshold 0.5 with --multilabel), what spacy train's textcat accepts; "
                         "soft: the aggregator's probabilities as they are")
    ap.add_argument("--multilabel", action="store_true", help="independent labels (textcat_multilabel)")
    ap.add_argument("--min-confidence", type=float, default=0.0,
                    help="leave out docs whose top probability is below this (computed before hardening)")
    ap.add_argument("--keep-votes", action="store_true",
                    help="keep the sources' doc-vote span groups in the output (default: only doc.cats, faster to train on)")
    ap.add_argument("--pipeline-out", type=Path, default=None, help="save the fitted recipe here")
    args = ap.parse_args(argv)
    for i, code in enumerate(args.code):
        spacy.util.import_file(f"textcat_code_{i}", str(code))
    nlp = spacy.util.load_model_from_config(spacy.util.load_config(args.recipe), auto_fill=True)
    aggregators = [n for n in nlp.pipe_names if nlp.get_pipe_meta(n).factory in AGGREGATORS]
    sources = [n for n in nlp.pipe_names if n not in aggregators]
    docs = list(DocBin().from_disk(args.input).get_docs(nlp.vocab))
    n_in = len(docs)
    for doc in docs:
        doc.cats = {}
    with nlp.select_pipes(enable=sources):
        docs = list(nlp.pipe(docs))
    for name in aggregators:
        pipe = nlp.get_pipe(name)
        if hasattr(pipe, "fit"):
            pipe.fit(docs)
    for name in aggregators:
        docs = [nlp.get_pipe(name)(doc) for doc in docs]
    # the aggregators write 0/1 doc.cats (cats_output = "hard") and keep the probabilities in
    # doc.spans[spans_key].attrs["cats"]; the last aggregator's are the ones that count
    last = nlp.get_pipe(aggregators[-1]) if aggregators else None

    def probs(doc):
        return (cats_probs(doc, last.spans_key) if last is not None else None) or doc.cats

    n_low = 0
    if args.min_confidence > 0:
        kept = [d for d in docs if confidence(probs(d), args.multilabel) >= args.min_confidence]
        n_low = len(docs) - len(kept)
        docs = kept
    for doc in docs:
        # spaCy's textcat / textcat_multilabel accept only 0/1 cats ([E851])
        doc.cats = hard_cats(probs(doc), args.multilabel) if args.cats == "hard" else probs(doc)
    if not args.keep_abstained:
        docs = [
            d for d in docs
            if any(get_doc_votes(d, key) for key, group in d.spans.items() if is_doc_level(group))
        ]
    if not args.keep_votes:
        # training needs only doc.cats; every span group costs a msgpack load each epoch
        for doc in docs:
            doc.spans.clear()
    order = list(range(len(docs)))
    random.Random(args.seed).shuffle(order)
    n_dev = int(round(len(docs) * args.dev_fraction))
    dev = [docs[i] for i in sorted(order[:n_dev])]
    train = [docs[i] for i in sorted(order[n_dev:])]
    write_bytes_atomic(args.train_output, DocBin(docs=train).to_bytes())
    write_bytes_atomic(args.dev_output, DocBin(docs=dev).to_bytes())
    if args.pipeline_out:
        nlp.to_disk(args.pipeline_out)
    print(f"silver: {len(train)} train + {len(dev)} dev docs ({len(order)} of {n_in} input docs kept); "
          f"{n_low} below --min-confidence left out; sources {len(sources)}, aggregators {', '.join(aggregators)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
