"""Document-level corpora: every aggregate side by side, learned accuracy, documents to look at.

Called by :func:`spacy_weak.evaluation.doclevel.doc_level_analysis`:

* :func:`aggregate_scores`: ``doc.cats`` and every document aggregator's probabilities
  (``doc.spans[<aggregator>].attrs["cats"]``, kept whatever ``cats_output`` wrote into
  ``doc.cats``) scored on the same gold documents (spaCy's ``Scorer.score_cats``);
* :func:`learned_accuracy`: a document model's learned accuracy per source, the figure
  Snorkel's ``lf_summary`` calls empirical accuracy when measured against gold: the share of
  a source's votes that are right, here computed from what the model learned
  (``Σ π_l P(for l | l) / Σ (π_l P(for l | l) + (1 - π_l) P(for l | not l))`` with the class
  priors ``π`` estimated by the aggregate's mean probabilities);
* :func:`misclassified` and :func:`most_conflicted`: the documents to read first.
"""
from typing import Any, Dict, List, Optional

import numpy as np

from .cat_scoring import disagree, score_cats
from .data import CATS_KEY, CorpusData


def cats_sets(data: CorpusData) -> Dict[str, List[Optional[Dict[str, float]]]]:
    """``{"cats": doc.cats per document, <aggregator>: its probabilities per document}``."""
    out: Dict[str, List[Optional[Dict[str, float]]]] = {}
    if any(data.cats):
        out[CATS_KEY] = [c or None for c in data.cats]
    out.update(data.doc_aggregates or {})
    return out


def predicted(cats: List[Optional[Dict[str, float]]], labels: List[str]) -> np.ndarray:
    """(n_docs, n_labels) probabilities; rows of nan where the aggregate did not run."""
    out = np.full((len(cats), len(labels)), np.nan)
    for d, c in enumerate(cats):
        if c:
            out[d] = [float(c.get(label, 0.0)) for label in labels]
    return out


def aggregate_scores(data: CorpusData, labels: List[str], gold: np.ndarray, multilabel: bool) -> Dict[str, Dict]:

    out = {}
    for key, cats in cats_sets(data).items():
        scores = score_cats([c or {} for c in cats], labels, gold, multilabel)
        if scores:
            out[key] = scores
    return out


def learned_accuracy(report: Dict[str, Dict[str, Dict[str, float]]], priors: Dict[str, float]) -> Dict[str, float]:
    out = {}
    for source, per_label in report.items():
        right = votes = 0.0
        for label, fig in per_label.items():
            t, f = fig.get("p_for_given_true"), fig.get("p_for_given_false")
            if t is None or f is None:
                continue
            pi = priors.get(label, 1.0 / max(1, len(per_label)))
            right += pi * t
            votes += pi * t + (1.0 - pi) * f
        out[source] = right / votes if votes > 0 else None
    return out


def mean_priors(data: CorpusData, labels: List[str]) -> Dict[str, float]:
    """Class priors as the mean predicted probabilities of the first document aggregate (else doc.cats)."""
    sets = cats_sets(data)
    key = next((k for k in sets if k != CATS_KEY), CATS_KEY if CATS_KEY in sets else None)
    if key is None:
        return {}
    probs = predicted(sets[key], labels)
    ran = ~np.isnan(probs).any(axis=1)
    if not ran.any():
        return {}
    mean = probs[ran].mean(axis=0)
    return {label: float(p) for label, p in zip(labels, mean)}


def misclassified(data: CorpusData, labels: List[str], gold: np.ndarray, key: str, n: int = 10) -> List[Dict[str, Any]]:
    """Exclusive classes: documents whose most probable class differs from gold, most confident first."""
    probs = predicted(cats_sets(data)[key], labels)
    rows = []
    for d in range(data.n_docs):
        if gold[d, 0] < 0 or np.isnan(probs[d]).any() or not (gold[d] == 1).any():
            continue
        pred, true = int(probs[d].argmax()), int((gold[d] == 1).argmax())
        if pred != true:
            rows.append({"doc": d, "id": data.doc_ids[d] if data.doc_ids else None, "gold": labels[true],
                         "predicted": labels[pred], "confidence": float(probs[d, pred]), "text": data.text(d, 60)})
    rows.sort(key=lambda r: -r["confidence"])
    return rows[:n]


def most_conflicted(data: CorpusData, votes: Dict[str, np.ndarray], labels: List[str], exclusive: bool,
                    n: int = 10) -> List[Dict[str, Any]]:
    """Documents where most pairs of sources disagree, with who voted what."""

    keys = list(votes)
    counts = np.zeros(data.n_docs, dtype=np.int64)
    for a in range(len(keys)):
        for b in range(a + 1, len(keys)):
            va, vb = votes[keys[a]], votes[keys[b]]
            both = (va >= 0).any(axis=1) & (vb >= 0).any(axis=1)
            counts += both & disagree(va, vb, exclusive)
    rows = []
    for d in np.argsort(-counts, kind="stable")[:n]:
        if counts[d] == 0:
            break
        voted = {}
        for key in keys:
            row = votes[key][d]
            for li in np.flatnonzero(row >= 0):
                voted.setdefault(("" if row[li] == 1 else "not ") + labels[li], []).append(key)
        rows.append({"doc": int(d), "id": data.doc_ids[d] if data.doc_ids else None, "conflicting_pairs": int(counts[d]),
                     "votes": "; ".join(f"{lab}: {', '.join(ks)}" for lab, ks in sorted(voted.items())),
                     "text": data.text(int(d), 60)})
    return rows
