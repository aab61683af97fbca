"""Per-document evidence a reviewer (or the audit) needs: what each source voted per
token, the label model's posterior, optional out-of-fold model probabilities.

Classes are ``O`` plus the entity labels (BIO collapsed): column ``0`` is ``O``,
column ``1 + i`` is ``labels[i]``.

Out-of-fold model probabilities (from cross-fitting, or any model that did not see
the document's labels) are accepted in one documented form: a span group
``doc.spans[oof_key]`` whose spans are the model's predictions and whose
``attrs["probs"]`` (the aggregate-group convention of ``spans.py``) holds each
span's probability. Tokens inside a span of label ``X`` with probability ``p``
get ``P(X) = p`` and ``P(O) = 1 - p``; tokens outside every span get ``P(O) = 1``.
"""
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from spacy.tokens import Doc

from ..aggregation.observations import (
    FIRST_LABEL_CODE,
    NEGATIVE,
    doc_offsets,
    encode_docs,
)
from ..spans import span_probs

SILENT_O_WEIGHT = 0.25  # a silent source counts as this much of an "O" vote in vote_probs
OOF_EPS = 1e-3


@dataclass
class DocEvidence:
    """Evidence for one document (arrays are ``(n_tokens, ...)``)."""

    index: int
    codes: np.ndarray  # (T, S) observation codes of the label model's sources
    posterior: np.ndarray  # (T, C) label-model class probabilities
    votes: np.ndarray  # (T, C) explicit votes per class (``O`` = "O" spans)
    oof: np.ndarray | None = None  # (T, C) out-of-fold model probabilities
    extra: dict = field(default_factory=dict)

    @property
    def n_tokens(self) -> int:
        return int(self.codes.shape[0])

    def conflict_tokens(self) -> np.ndarray:
        """Tokens where at least two classes got an explicit vote."""
        return (self.votes > 0).sum(axis=1) >= 2

    def expected_errors(self) -> float:
        """Expected number of tokens whose decoded class is wrong (1 - max posterior)."""
        return float((1.0 - self.posterior.max(axis=1)).sum()) if self.n_tokens else 0.0

    def vote_probs(self) -> np.ndarray:
        """Soft majority vote per token: explicit votes, silent sources as a weak ``O``."""
        v = self.votes.astype(float).copy()
        silent = (self.codes == 0).sum(axis=1)
        v[:, 0] += SILENT_O_WEIGHT * silent
        v += 1e-3
        return v / v.sum(axis=1, keepdims=True)

    def pred_probs(self, vote_weight: float = 0.5) -> np.ndarray:
        """The probabilities the audit scores labels against: the label-model posterior
        mixed with the soft vote (``vote_weight``), averaged with the out-of-fold model's
        probabilities when present."""
        p = (1.0 - vote_weight) * self.posterior + vote_weight * self.vote_probs()
        if self.oof is not None:
            p = 0.5 * p + 0.5 * self.oof
        return p / p.sum(axis=1, keepdims=True)


def states_to_classes(post: np.ndarray, n_labels: int) -> np.ndarray:
    """``(T, 1 + 2L)`` BIO state posteriors -> ``(T, 1 + L)`` class probabilities."""
    out = np.empty((post.shape[0], 1 + n_labels))
    out[:, 0] = post[:, 0]
    for i in range(n_labels):
        out[:, 1 + i] = post[:, 1 + 2 * i] + post[:, 2 + 2 * i]
    return out


def code_classes(codes: np.ndarray, n_labels: int) -> np.ndarray:
    """``(T, S)`` codes -> ``(T, 1 + L)`` explicit vote counts."""
    T = codes.shape[0]
    votes = np.zeros((T, 1 + n_labels), dtype=np.int32)
    votes[:, 0] = (codes == NEGATIVE).sum(axis=1)
    for i in range(n_labels):
        votes[:, 1 + i] = ((codes == FIRST_LABEL_CODE + 2 * i) | (codes == FIRST_LABEL_CODE + 2 * i + 1)).sum(axis=1)
    return votes


def oof_classes(doc: Doc, key: str, labels: Sequence[str]) -> np.ndarray | None:
    """Token class probabilities from the out-of-fold span group ``doc.spans[key]``."""
    if key not in doc.spans:
        return None
    group = doc.spans[key]
    out = np.zeros((len(doc), 1 + len(labels)))
    out[:, 0] = 1.0
    index = {label: 1 + i for i, label in enumerate(labels)}
    for span, p in zip(group, span_probs(group)):
        c = index.get(span.label_)
        if c is None:
            continue
        out[span.start : span.end, :] = 0.0
        out[span.start : span.end, c] = float(p)
        out[span.start : span.end, 0] = 1.0 - float(p)
    out += OOF_EPS
    return out / out.sum(axis=1, keepdims=True)


def collect_evidence(
    docs: Sequence[Doc], hmm, *, oof_key: str | None = None, batch_size: int = 256
) -> list[DocEvidence]:
    """Evidence for ``docs`` from a fitted ``weak_hmm`` component (``HMMAggregator``)."""
    labels = list(hmm.labels_)
    out: list[DocEvidence] = []
    for b in range(0, len(docs), batch_size):
        batch = list(docs[b : b + batch_size])
        posts = hmm.predict_proba(batch)
        X, lengths, _ = encode_docs(batch, hmm.sources_, labels)
        offsets = doc_offsets(lengths)
        for j, doc in enumerate(batch):
            codes = np.asarray(X[offsets[j] : offsets[j + 1]], dtype=np.int64)
            post = states_to_classes(np.asarray(posts[j]), len(labels))
            ev = DocEvidence(
                index=b + j,
                codes=codes,
                posterior=post,
                votes=code_classes(codes, len(labels)),
                oof=oof_classes(doc, oof_key, labels) if oof_key else None,
            )
            out.append(ev)
    return out


def token_votes(ev: DocEvidence, sources: Sequence[str], labels: Sequence[str], start: int, end: int) -> dict[str, str]:
    """What each source voted over tokens ``start:end`` (``"O"``, a label, or ``"-"`` = silent)."""
    names = ["O"] + list(labels)
    out = {}
    for s, name in enumerate(sources):
        col = ev.codes[start:end, s]
        if (col < 0).all():
            continue
        voted = [names[0] if c == NEGATIVE else names[1 + (c - FIRST_LABEL_CODE) // 2] for c in col if c > 0]
        out[name] = max(set(voted), key=voted.count) if voted else "-"
    return out
