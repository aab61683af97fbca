"""Category scoring shared by the document-level analysis and the document aggregates:
whether two sources' vote rows disagree, the class voted for, confusion matrices, and
``doc.cats`` vs gold with spaCy's ``Scorer.score_cats``.

Vote rows are ``(n_docs, n_labels)`` int8: 1 = for the label, 0 = against it, -1 = no vote;
gold rows the same with -1 for a document without gold.
"""
from typing import Any, Dict, List

import numpy as np
from spacy.scorer import Scorer
from spacy.tokens import Doc
from spacy.training import Example
from spacy.vocab import Vocab

ABSTAIN = "(abstain)"


def disagree(a: np.ndarray, b: np.ndarray, exclusive: bool) -> np.ndarray:
    """Per document: do the vote rows of two sources disagree?"""
    opposite = (((a == 1) & (b == 0)) | ((a == 0) & (b == 1))).any(axis=1)
    if exclusive:
        pos_a = a == 1
        pos_b = b == 1
        both = pos_a.any(axis=1) & pos_b.any(axis=1)
        opposite |= both & (pos_a != pos_b).any(axis=1)
    return opposite


def predicted_class(votes: np.ndarray) -> np.ndarray:
    """Exclusive classes: the index of the single class voted for, else -1 (abstain / ambiguous)."""
    pos = votes == 1
    one = pos.sum(axis=1) == 1
    return np.where(one, pos.argmax(axis=1), -1)


def confusion(gold_cls: np.ndarray, pred_cls: np.ndarray, labels: List[str], with_abstain: bool) -> Dict[str, Any]:
    """Rows: gold class; columns: predicted class (+ abstain). Only documents with gold."""
    n = len(labels)
    cols = labels + ([ABSTAIN] if with_abstain else [])
    mat = np.zeros((n, len(cols)), dtype=np.int64)
    ok = gold_cls >= 0
    pred = np.where(pred_cls >= 0, pred_cls, n)
    if not with_abstain:
        ok &= pred_cls >= 0
    np.add.at(mat, (gold_cls[ok], pred[ok]), 1)
    return {"rows": labels, "columns": cols, "matrix": mat.tolist()}


def per_label_confusion(votes: np.ndarray, gold: np.ndarray, labels: List[str]) -> Dict[str, Dict[str, int]]:
    out = {}
    has = gold >= 0
    for li, label in enumerate(labels):
        v, g = votes[:, li], gold[:, li]
        m = has[:, li]
        out[label] = {
            "tp": int(((v == 1) & (g == 1) & m).sum()),
            "fp": int(((v == 1) & (g == 0) & m).sum()),
            "tn": int(((v == 0) & (g == 0) & m).sum()),
            "fn": int(((v == 0) & (g == 1) & m).sum()),
            "abstain": int(((v == -1) & m).sum()),
        }
    return out


def score_cats(cats: List[Dict[str, float]], labels: List[str], gold: np.ndarray, multilabel: bool) -> Dict[str, Any]:
    """Predicted ``cats`` per document (``{}``: none) vs gold with spaCy's ``Scorer.score_cats``."""
    vocab = Vocab()
    examples = []
    for d in range(len(cats)):
        if gold[d, 0] < 0 or not cats[d]:
            continue
        pred = Doc(vocab, words=["_"])
        ref = Doc(vocab, words=["_"])
        pred.cats = {label: float(cats[d].get(label, 0.0)) for label in labels}
        ref.cats = {label: float(gold[d, li]) for li, label in enumerate(labels)}
        examples.append(Example(pred, ref))
    if not examples:
        return {}
    scores = Scorer.score_cats(examples, "cats", labels=labels, multi_label=multilabel, threshold=0.5)
    out: Dict[str, Any] = {"docs": len(examples)}
    for k, v in scores.items():
        out[k] = v
    probs = np.array([[eg.predicted.cats[label] for label in labels] for eg in examples])
    ref = np.array([[eg.reference.cats[label] for label in labels] for eg in examples]) >= 0.5
    if multilabel:
        out["accuracy"] = float(((probs >= 0.5) == ref).all(axis=1).mean())
    else:
        out["accuracy"] = float((probs.argmax(axis=1) == ref.argmax(axis=1)).mean())
    return out
