"""Label-error audit: the spans (and documents) of a silver or gold set most likely to be
wrong, with the evidence for each, and a bias breakdown.

Confident learning is cleanlab's (``cleanlab.token_classification``:
``get_label_quality_scores`` for per-token quality, ``find_label_issues`` for the
tokens flagged as label issues), imported lazily; without cleanlab the token quality
is the same ``self_confidence`` (the probability of the given label) computed here and
no token is flagged by confident learning (``W406``).

The labels audited are a span group (``silver`` by default, or ``gold``) collapsed to
token classes (``O`` + labels). The probabilities they are scored against
(:meth:`.evidence.DocEvidence.pred_probs`) are the label model's posterior mixed with
the sources' soft vote, averaged with out-of-fold model probabilities when the
documents carry them (``oof_key``). For a gold set the label model never saw the
labels, so the posterior is already out-of-sample; for silver the vote and the
out-of-fold model are the independent views.

A span's score is the lowest token quality inside it (lower = more likely wrong);
spans with a token cleanlab flags are ranked first.
"""
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from spacy.tokens import Doc

from ..errors import Warnings, warn
from ..spans import NEGATIVE_LABEL, span_probs
from .evidence import DocEvidence, token_votes
from .export import doc_key

logger = logging.getLogger(__name__)

GROUP_VALUE_TYPES = (str, int, bool)
MAX_GROUP_VALUES = 50


@dataclass
class SpanIssue:
    doc_index: int
    doc_id: str
    start: int
    end: int
    label: str
    text: str
    score: float  # lowest token quality in the span (0-1, lower = more likely wrong)
    flagged: bool  # cleanlab flagged one of its tokens
    evidence: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "doc": self.doc_id, "start": self.start, "end": self.end, "label": self.label, "text": self.text,
            "score": round(self.score, 4), "flagged": self.flagged, "evidence": self.evidence,
        }


@dataclass
class AuditResult:
    spans: list[SpanIssue]  # ranked, most likely wrong first
    doc_scores: list[float]  # per document: sum of (1 - token quality)
    token_issues: int
    method: str  # "cleanlab" or "self_confidence"
    bias: dict = field(default_factory=dict)

    def to_dict(self, top: int = 100) -> dict:
        return {
            "method": self.method, "n_spans": len(self.spans), "token_issues": self.token_issues,
            "spans": [s.to_dict() for s in self.spans[:top]], "bias": self.bias,
        }


def token_labels(doc: Doc, key: str, labels: Sequence[str]) -> np.ndarray:
    """Token classes (``0`` = ``O``, ``1 + i`` = ``labels[i]``) of span group ``key``."""
    out = np.zeros(len(doc), dtype=np.int64)
    index = {label: 1 + i for i, label in enumerate(labels)}
    if key == "ents":
        spans = list(doc.ents)
    else:
        spans = list(doc.spans[key]) if key in doc.spans else []
    for span in sorted(spans, key=lambda s: -(s.end - s.start)):
        c = index.get(span.label_)
        if c is not None:
            out[span.start : span.end] = c
    return out


def _spans(doc: Doc, key: str):
    if key == "ents":
        return [(s, 1.0) for s in doc.ents]
    if key not in doc.spans:
        return []
    group = doc.spans[key]
    return list(zip(group, span_probs(group)))


def _cleanlab_scores(labels: list[np.ndarray], pred_probs: list[np.ndarray]):
    """Per-token quality and flagged tokens, from cleanlab (None if not installed)."""
    try:
        from cleanlab.token_classification.filter import find_label_issues
        from cleanlab.token_classification.rank import get_label_quality_scores
    except ImportError:
        return None
    keep = [i for i, lab in enumerate(labels) if len(lab)]
    labs = [labels[i].tolist() for i in keep]
    probs = [pred_probs[i] for i in keep]
    _, token_scores = get_label_quality_scores(labs, probs)
    quality = [np.zeros(0) for _ in labels]
    for i, ts in zip(keep, token_scores):
        quality[i] = np.asarray(ts, dtype=float)
    issues = set()
    try:
        for s, t in find_label_issues(labs, probs):
            issues.add((keep[s], t))
    except (ValueError, IndexError) as err:  # too few tokens of a class to estimate thresholds
        logger.info("cleanlab find_label_issues failed (%s); ranking by quality only", err)
    return quality, issues


def audit(
    docs: Sequence[Doc],
    evidence: Sequence[DocEvidence],
    *,
    sources: Sequence[str],
    labels: Sequence[str],
    key: str = "silver",
    vote_weight: float | None = None,
    use_cleanlab: bool = True,
    source_report: dict | None = None,
    self_oof: bool = True,
    seed: int = 0,
) -> AuditResult:
    """Rank the spans of group ``key`` of ``docs`` by how likely they are wrong.

    ``self_oof``: documents without given out-of-fold probabilities get those of the
    small cross-fitted lexical model of :mod:`.oof`, trained on the audited labels."""
    if vote_weight is None:  # silver is the posterior's own decoding: score it against the votes
        vote_weight = 1.0 if key == "silver" else 0.5
    label_arrays = [token_labels(doc, key, labels) for doc in docs]
    missing = [i for i, ev in enumerate(evidence) if ev.oof is None]
    if self_oof and len(missing) >= 2:
        from .oof import crossfit_probs

        fitted = crossfit_probs([docs[i] for i in missing], [label_arrays[i] for i in missing], 1 + len(labels), seed=seed)
        for i, p in zip(missing, fitted):
            evidence[i].oof = (p + 1e-3) / (p + 1e-3).sum(axis=1, keepdims=True)
    probs = [ev.pred_probs(vote_weight) for ev in evidence]
    got = _cleanlab_scores(label_arrays, probs) if use_cleanlab else None
    if got is None:
        if use_cleanlab:
            warn(Warnings.W406)
        quality = [p[np.arange(len(lab)), lab] if len(lab) else np.zeros(0) for p, lab in zip(probs, label_arrays)]
        issues: set = set()
        method = "self_confidence"
    else:
        quality, issues = got
        method = "cleanlab"
    names = ["O"] + list(labels)
    spans: list[SpanIssue] = []
    doc_scores = []
    for i, (doc, ev) in enumerate(zip(docs, evidence)):
        q = quality[i]
        doc_scores.append(float((1.0 - q).sum()) if len(q) else 0.0)
        for span, p in _spans(doc, key):
            if span.label_ == NEGATIVE_LABEL or span.label_ not in labels:
                continue
            tok = q[span.start : span.end]
            post = ev.posterior[span.start : span.end]
            spans.append(SpanIssue(
                doc_index=i, doc_id=doc_key(doc, i), start=span.start, end=span.end, label=span.label_,
                text=span.text, score=float(tok.min()) if len(tok) else 1.0,
                flagged=any((i, t) in issues for t in range(span.start, span.end)),
                evidence={
                    "span_prob": round(float(p), 4),
                    "posterior": {names[c]: round(float(post[:, c].mean()), 4) for c in range(len(names))},
                    "votes": token_votes(ev, sources, labels, span.start, span.end),
                    **({"oof": round(float(ev.oof[span.start:span.end, 1 + labels.index(span.label_)].mean()), 4)}
                       if ev.oof is not None else {}),
                },
            ))
    spans.sort(key=lambda s: (not s.flagged, s.score, s.doc_index, s.start))
    result = AuditResult(spans=spans, doc_scores=doc_scores, token_issues=len(issues), method=method)
    result.bias = bias_breakdown(docs, result, labels=labels, sources=sources, source_report=source_report)
    return result


def _doc_groups(doc: Doc) -> dict[str, str]:
    out = {}
    for k, v in doc.user_data.items():
        if isinstance(k, str) and k != "doc_id" and isinstance(v, GROUP_VALUE_TYPES):
            out[k] = str(v)
    return out


def bias_breakdown(
    docs: Sequence[Doc], result: AuditResult, *, labels: Sequence[str], sources: Sequence[str],
    source_report: dict | None = None, threshold: float | None = None,
) -> dict:
    """Suspect spans (flagged, or score below ``threshold``, default the median) per label,
    per source that voted the span's label, and per document group (``doc.user_data``
    metadata with str/int values), beside the learned accuracies when given."""
    if not result.spans:
        return {"per_label": {}, "per_source": {}, "per_group": {}}
    scores = np.array([s.score for s in result.spans])
    cut = float(np.median(scores)) if threshold is None else threshold
    suspect = [s.flagged or s.score < cut for s in result.spans]

    def rate(pairs) -> dict:
        table: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for name, bad in pairs:
            table[name][0] += 1
            table[name][1] += int(bad)
        return {k: {"spans": n, "suspect": b, "suspect_rate": round(b / n, 4)} for k, (n, b) in sorted(table.items())}

    per_label = rate((s.label, bad) for s, bad in zip(result.spans, suspect))
    per_source = rate(
        (src, bad) for s, bad in zip(result.spans, suspect) for src, v in s.evidence["votes"].items() if v == s.label
    )
    if source_report:
        for src, row in per_source.items():
            rep = source_report.get(src, {})
            row["learned_precision"] = {lab: (None if rep.get(lab, {}).get("precision") is None
                                              else round(rep[lab]["precision"], 4)) for lab in labels if lab in rep}
    groups: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    doc_groups = [_doc_groups(d) for d in docs]
    for s, bad in zip(result.spans, suspect):
        for field_name, value in doc_groups[s.doc_index].items():
            groups[field_name][value].append(bad)
    per_group = {}
    for field_name, values in groups.items():
        if len(values) < 2 or len(values) > MAX_GROUP_VALUES:
            continue  # a constant or an id-like field says nothing about bias
        per_group[field_name] = {
            v: {"spans": len(b), "suspect": int(sum(b)), "suspect_rate": round(sum(b) / len(b), 4)}
            for v, b in sorted(values.items())
        }
    return {"threshold": round(cut, 4), "per_label": per_label, "per_source": per_source, "per_group": per_group}


def precision_at(spans: Sequence[SpanIssue], wrong: Sequence[bool], ks: Sequence[int]) -> dict[int, float]:
    """Fraction of the top-k ranked spans that are really wrong (``wrong`` aligned with ``spans``)."""
    out = {}
    for k in ks:
        top = list(wrong[:k])
        out[k] = float(np.mean(top)) if top else 0.0
    return out
