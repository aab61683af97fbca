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
from spacy.scorer import Scorer
from spacy.tokens import Doc
from spacy.training import Example
from spacy.vocab import Vocab

from . import doc_aggregates
from .data import CATS_KEY, CorpusData

ABSTAIN = "(abstain)"


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


def _disagree(a: np.ndarray, b: np.ndarray, exclusive: bool) -> np.ndarray:
    """Per document: do the vote rows of two sources disagree?"""
    opposite = (((a == 1) & (b == 0)) | ((a == 0) & (b == 1))).any(axis=1)
    if exclusive:
        pos_a = a == 1
        pos_b = b == 1
        both = pos_a.any(axis=1) & pos_b.any(axis=1)
        opposite |= both & (pos_a != pos_b).any(axis=1)
    return opposite


def _predicted_class(votes: np.ndarray) -> np.ndarray:
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


def _per_label_confusion(votes: np.ndarray, gold: np.ndarray, labels: List[str]) -> Dict[str, Dict[str, int]]:
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


def _score_cats(data: CorpusData, labels: List[str], gold: np.ndarray, multilabel: bool) -> Dict[str, Any]:
    """``doc.cats`` vs gold with spaCy's ``Scorer.score_cats`` (on one-token stand-in docs)."""
    return score_cats(data.cats, labels, gold, multilabel)


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
            conflict |= voted[other] & _disagree(v, votes[other], exclusive)
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
                confusions[key] = confusion(gold_cls, _predicted_class(v), labels, with_abstain=True)
            else:
                confusions[key] = {"per_label": _per_label_confusion(v, gold, labels)}
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
                confusions[CATS_KEY] = {"per_label": _per_label_confusion(cat_votes, gold, labels)}
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
