"""Document-level analysis: document-level sources (``attrs["doc_votes"]``) and ``doc.cats``.

Each source's votes become an ``(n_docs, n_labels)`` int8 matrix: 1 = for the
label, 0 = against it, -1 = no vote (abstained or did not run). Columns as for
span sources (``docs/evaluation.md``), over documents instead of tokens:

* coverage: share of documents the source votes on;
* overlaps: share of documents it votes on together with another source;
* conflicts: share of documents where it and another source disagree: one votes
  for a label the other votes against, or (exclusive classes) both vote for a
  class and the classes differ;
* with gold: correct / incorrect votes (a vote for X is correct when X is gold,
  a vote against X when X is not), empirical accuracy, a confusion matrix.

``doc.cats`` (the output of a document aggregator) is scored with spaCy's
``Scorer.score_cats`` and a confusion matrix.
"""
from typing import Any, Dict, List, Optional

import numpy as np

from . import doc_aggregates
from .cat_scoring import confusion, disagree, per_label_confusion, predicted_class, score_cats
from .data import CATS_KEY, CorpusData

def _labels(data: CorpusData) -> List[str]:
    labels = set()
    for key in data.doc_sources:
        for votes in data.doc_votes[key]:
            if votes:
                labels.update(votes)
    for cats in data.cats:
        labels.update(cats)
    for cats in data.gold_cats or []:
        if cats:
            labels.update(cats)
    return sorted(labels)


def _is_multilabel(data: CorpusData, labels: List[str]) -> bool:
    for cats in data.gold_cats or []:
        if cats and sum(1 for v in cats.values() if v >= 0.5) != 1:
            return True
    for cats in data.cats:
        if cats and abs(sum(cats.values()) - 1.0) > 1e-3:
            return True
    for key in data.doc_sources:
        for votes in data.doc_votes[key]:
            if votes and sum(votes.values()) > 1:
                return True
    return False


def vote_array(data: CorpusData, key: str, labels: List[str]) -> np.ndarray:
    index = {label: i for i, label in enumerate(labels)}
    out = np.full((data.n_docs, len(labels)), -1, dtype=np.int8)
    for d, votes in enumerate(data.doc_votes[key]):
        if votes:
            for label, v in votes.items():
                out[d, index[label]] = 1 if v else 0
    return out


def gold_array(data: CorpusData, labels: List[str]) -> Optional[np.ndarray]:
    """(n_docs, n_labels) int8 gold: 1 / 0, and -1 for documents without gold classes."""
    if not data.gold_cats or not any(c for c in data.gold_cats):
        return None
    out = np.full((data.n_docs, len(labels)), -1, dtype=np.int8)
    for d, cats in enumerate(data.gold_cats):
        if cats:
            out[d] = [1 if cats.get(label, 0.0) >= 0.5 else 0 for label in labels]
    return out


def _score_cats(data: CorpusData, labels: List[str], gold: np.ndarray, multilabel: bool) -> Dict[str, Any]:
    """``doc.cats`` vs gold with spaCy's ``Scorer.score_cats`` (on one-token stand-in docs)."""
    return score_cats(data.cats, labels, gold, multilabel)


def model_comparison(
    report: Dict[str, Dict[str, Dict[str, float]]],
    votes: Dict[str, np.ndarray],
    gold: Optional[np.ndarray],
    labels: List[str],
) -> List[Dict[str, Any]]:
    """A document model's learned P(vote for X | X true / false) beside the measured ones."""
    rows: List[Dict[str, Any]] = []
    index = {label: i for i, label in enumerate(labels)}
    for source, per_label in report.items():
        for label, figures in sorted(per_label.items()):
            row: Dict[str, Any] = {
                "source": source,
                "label": label,
                "learned_p_for_given_true": figures.get("p_for_given_true"),
                "learned_p_for_given_false": figures.get("p_for_given_false"),
                "emp_p_for_given_true": None,
                "emp_p_for_given_false": None,
            }
            if gold is not None and source in votes and label in index:
                li = index[label]
                v = votes[source][:, li] == 1
                true = gold[:, li] == 1
                false = gold[:, li] == 0
                row["emp_p_for_given_true"] = float(v[true].mean()) if true.any() else None
                row["emp_p_for_given_false"] = float(v[false].mean()) if false.any() else None
            rows.append(row)
    return rows


def doc_level_analysis(
    data: CorpusData, *, multilabel: Optional[bool] = None, model_report: Optional[Dict[str, Any]] = None
) -> Dict[str, Any]:
    labels = _labels(data)
    if multilabel is None:
        multilabel = _is_multilabel(data, labels)
    exclusive = not multilabel
    keys = data.doc_sources
    votes = {k: vote_array(data, k, labels) for k in keys}
    voted = {k: (v >= 0).any(axis=1) for k, v in votes.items()}
    gold = gold_array(data, labels)
    has_gold = gold[:, 0] >= 0 if gold is not None else None
    gold_cls = None
    if gold is not None and exclusive:
        gold_cls = np.where(has_gold & (gold == 1).any(axis=1), (gold == 1).argmax(axis=1), -1)
    n = data.n_docs
    rows: List[Dict[str, Any]] = []
    confusions: Dict[str, Any] = {}
    for key in keys:
        v = votes[key]
        others_voted = np.zeros(n, dtype=bool)
        conflict = np.zeros(n, dtype=bool)
        for other in keys:
            if other == key:
                continue
            others_voted |= voted[other]
            conflict |= voted[other] & disagree(v, votes[other], exclusive)
        conflict &= voted[key]
        polarity = sorted({labels[li] for li in np.flatnonzero((v == 1).any(axis=0))})
        polarity += sorted({"not " + labels[li] for li in np.flatnonzero((v == 0).any(axis=0))})
        row: Dict[str, Any] = {
            "source": key,
            "polarity": polarity,
            "ran_docs": float(data.ran[key].mean()) if n else None,
            "coverage": float(voted[key].mean()) if n else None,
            "overlaps": float((voted[key] & others_voted).mean()) if n else None,
            "conflicts": float(conflict.mean()) if n else None,
        }
        if gold is not None:
            m = has_gold[:, None] & (v >= 0)
            correct = int((m & (v == gold)).sum())
            incorrect = int(m.sum()) - correct
            row.update(correct=correct, incorrect=incorrect, emp_acc=correct / (correct + incorrect) if correct + incorrect else None)
            if exclusive:
                confusions[key] = confusion(gold_cls, predicted_class(v), labels, with_abstain=True)
            else:
                confusions[key] = {"per_label": per_label_confusion(v, gold, labels)}
        rows.append(row)
    out: Dict[str, Any] = {"labels": labels, "multilabel": multilabel, "n_docs": n, "sources": rows}
    if gold is not None:
        out["gold_docs"] = int(has_gold.sum())
        if any(data.cats):
            out["cats"] = _score_cats(data, labels, gold, multilabel)
            if exclusive:
                probs = np.array([[c.get(label, 0.0) for label in labels] if c else [np.nan] * len(labels) for c in data.cats])
                pred = np.where(np.isnan(probs).any(axis=1), -1, np.nan_to_num(probs, nan=-1).argmax(axis=1))
                confusions[CATS_KEY] = confusion(gold_cls, pred, labels, with_abstain=True)
            else:
                cat_votes = np.array(
                    [[(1 if c.get(label, 0.0) >= 0.5 else 0) for label in labels] if c else [-1] * len(labels) for c in data.cats],
                    dtype=np.int8,
                ).reshape(n, len(labels))
                confusions[CATS_KEY] = {"per_label": per_label_confusion(cat_votes, gold, labels)}
        out["confusion"] = confusions
    if model_report:
        out["model"] = model_comparison(model_report, votes, gold, labels)
        learned = doc_aggregates.learned_accuracy(model_report, doc_aggregates.mean_priors(data, labels))
        for row in rows:
            row["learned_acc"] = learned.get(row["source"])
    if gold is not None:
        out["aggregates"] = doc_aggregates.aggregate_scores(data, labels, gold, multilabel)
        if exclusive and out["aggregates"]:
            key = next((k for k in out["aggregates"] if k != CATS_KEY), CATS_KEY)
            out["misclassified"] = {"aggregate": key, "docs": doc_aggregates.misclassified(data, labels, gold, key)}
    out["most_conflicted"] = doc_aggregates.most_conflicted(data, votes, labels, exclusive)
    return out
