"""Accuracy and F1 of predicted ``doc.cats`` against gold ``doc.cats``.

    python scripts/textcat_score.py gold.spacy --model training/textcat/model-best --positive SPAM --output m.json
    python scripts/textcat_score.py gold.spacy --silver silver.spacy --positive SPAM

Either a pipeline (``--model``: a trained textcat, or a fitted weak-supervision recipe saved by
``textcat_silver.py --pipeline-out`` with its ``--code``; applied to the gold docs' texts) or a DocBin of predicted
cats aligned with the gold docs (``--silver``: same documents, same order). The prediction is
the label with the highest score (ties: the first label in sorted order). F1 / precision /
recall treat ``--positive`` as the positive class; ``macro_f1`` averages over labels.
"""
import argparse
import json
import sys
from pathlib import Path
from typing import Dict, List

import spacy
from spacy.tokens import DocBin


def top(cats: Dict[str, float], labels: List[str]) -> str:
    return max(labels, key=lambda lab: (round(cats.get(lab, 0.0), 12), -labels.index(lab)))


def score(gold: List[Dict[str, float]], pred: List[Dict[str, float]], positive: str) -> Dict[str, float]:
    labels = sorted({lab for cats in gold for lab in cats})
    g = [top(c, labels) for c in gold]
    p = [top(c, labels) for c in pred]
    out: Dict[str, float] = {"n": len(g), "accuracy": sum(a == b for a, b in zip(g, p)) / max(len(g), 1)}
    f1s = {}
    for lab in labels:
        tp = sum(a == b == lab for a, b in zip(g, p))
        fp = sum(b == lab and a != lab for a, b in zip(g, p))
        fn = sum(a == lab and b != lab for a, b in zip(g, p))
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1s[lab] = (2 * prec * rec / (prec + rec) if prec + rec else 0.0, prec, rec)
    if positive:
        out["f1"], out["precision"], out["recall"] = f1s[positive]
    out["macro_f1"] = sum(v[0] for v in f1s.values()) / max(len(f1s), 1)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("gold", type=Path, help="DocBin with gold doc.cats")
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--silver", type=Path, default=None)
    ap.add_argument("--code", type=Path, action="append", default=[], help="Python file registering functions")
    ap.add_argument("--positive", default="")
    ap.add_argument("--output", type=Path, default=None, help="write the figures as JSON")
    args = ap.parse_args(argv)
    if (args.model is None) == (args.silver is None):
        ap.error("give exactly one of --model / --silver")
    for i, code in enumerate(args.code):
        spacy.util.import_file(f"textcat_code_{i}", str(code))
    vocab = spacy.blank("en").vocab
    gold_docs = list(DocBin().from_disk(args.gold).get_docs(vocab))
    if args.model:
        nlp = spacy.load(args.model)
        pred = [d.cats for d in nlp.pipe(d.text for d in gold_docs)]
    else:
        silver = list(DocBin().from_disk(args.silver).get_docs(vocab))
        if len(silver) != len(gold_docs) or any(s.text != g.text for s, g in zip(silver, gold_docs)):
            ap.error("--silver must hold the gold documents, in the same order")
        pred = [d.cats for d in silver]
    result = score([d.cats for d in gold_docs], pred, args.positive)
    print(json.dumps(result, indent=2))
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
