"""Review export: rank documents by how much a person's answer is worth and write them
as JSONL that annotation tools read as is.

Ranking (per document, higher first): ``uncertainty`` = expected number of wrongly
decoded tokens under the label model (sum of ``1 - max posterior``), ``conflict`` =
tokens where sources cast explicit votes for different classes, ``audit`` = sum over
the document's silver spans of ``1 - quality`` from :mod:`.audit` (when given).
``combined`` (the default) adds them with the weights of :data:`DEFAULT_WEIGHTS`.
The reason recorded per item names the strongest component and its evidence.

Formats:

* ``prodigy``: Prodigy's span format (``text``, ``tokens``, ``spans`` with
  ``start``/``end``/``token_start``/``token_end`` (inclusive)/``label``, ``meta``,
  ``_input_hash``/``_task_hash``, ``_view_id`` ``"spans_manual"``); the hashes are
  stable (BLAKE2 of the text, then of the text and the suggested spans, as signed
  32-bit integers like Prodigy's own);
* ``argilla``: Argilla 2.x records (``Record.to_dict()`` layout: ``id``,
  ``fields.text``, ``metadata``, ``suggestions.<question>`` with ``value`` = a list of
  ``{start, end, label}``, ``score`` per span and ``agent``), for a dataset with a
  ``TextField("text")`` and a ``SpanQuestion("entities", field="text")``.
"""
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from spacy.tokens import Doc

from ..corpora.align import get_doc_id
from ..spans import NEGATIVE_LABEL, span_probs
from .evidence import DocEvidence, token_votes

RANKINGS = ("combined", "uncertainty", "conflict", "audit", "random")
FORMATS = ("prodigy", "argilla")
DEFAULT_WEIGHTS = {"uncertainty": 1.0, "conflict": 0.5, "audit": 1.0}  # set before measuring (docs/review.md)
RANK_VOTE_WEIGHT = 0.5  # the audit's vote weight for the document scores of the ranking (docs/review.md)
ARGILLA_QUESTION = "entities"
AGENT = "spacy-weak"


@dataclass
class ReviewItem:
    """One document proposed for review."""

    index: int  # position in the corpus
    doc_id: str
    score: float
    components: dict[str, float]
    reason: str
    rank: int = 0
    evidence: dict = field(default_factory=dict)
    stratum: str | None = None  # review design (design.py): "ranked" or "random"
    inclusion_prob: float | None = None  # probability the design reviews this document


def doc_key(doc: Doc, index: int) -> str:
    """The id a review refers to: the reader's document id, else ``#<index>``."""
    return get_doc_id(doc) or f"#{index}"


def _conflict_detail(ev: DocEvidence, sources: Sequence[str], labels: Sequence[str]) -> str:
    mask = ev.conflict_tokens()
    if not mask.any():
        return ""
    t = int(np.argmax(mask))
    votes = token_votes(ev, sources, labels, t, t + 1)
    shown = ", ".join(f"{s}={v}" for s, v in votes.items() if v != "-")
    return f" (token {t}: {shown})"


def rank_documents(
    docs: Sequence[Doc],
    evidence: Sequence[DocEvidence],
    *,
    sources: Sequence[str],
    labels: Sequence[str],
    ranking: str = "combined",
    audit_doc_scores: Sequence[float] | None = None,
    weights: dict[str, float] | None = None,
    seed: int = 0,
) -> list[ReviewItem]:
    """All documents with their scores and reasons, best to review first."""
    w = dict(DEFAULT_WEIGHTS, **(weights or {}))
    rng = np.random.default_rng(seed)
    random_scores = rng.random(len(docs))
    items: list[ReviewItem] = []
    for i, (doc, ev) in enumerate(zip(docs, evidence)):
        comp = {
            "uncertainty": ev.expected_errors(),
            "conflict": float(ev.conflict_tokens().sum()),
            "audit": float(audit_doc_scores[i]) if audit_doc_scores is not None else 0.0,
        }
        if ranking == "combined":
            score = sum(w[k] * v for k, v in comp.items())
        elif ranking == "random":
            score = float(random_scores[i])
        else:
            score = comp[ranking]
        top = max(comp, key=lambda k: w[k] * comp[k])
        if comp[top] <= 0:
            reason = "no conflict, confident label model"
        elif top == "conflict":
            reason = f"conflict: {int(comp['conflict'])} tokens with disagreeing votes" + _conflict_detail(ev, sources, labels)
        elif top == "uncertainty":
            reason = f"uncertainty: {comp['uncertainty']:.2f} expected wrong tokens under the label model"
        else:
            reason = f"audit: silver spans likely wrong (score {comp['audit']:.2f})"
        items.append(ReviewItem(index=i, doc_id=doc_key(doc, i), score=float(score), components=comp, reason=reason))
    items.sort(key=lambda it: (-it.score, it.index))
    for r, it in enumerate(items):
        it.rank = r + 1
    return items


def _hash32(*parts: str) -> int:
    digest = hashlib.blake2b("\x1f".join(parts).encode("utf8"), digest_size=4).digest()
    return int.from_bytes(digest, "little", signed=True)


def input_hash(text: str) -> int:
    """Stable ``_input_hash`` of a text."""
    return _hash32("input", text)


def task_hash(text: str, spans: Iterable[dict]) -> int:
    """Stable ``_task_hash``: the text and the suggested spans."""
    key = ";".join(f"{s['start']}:{s['end']}:{s['label']}" for s in spans)
    return _hash32("task", str(input_hash(text)), key)


def suggested_spans(doc: Doc, spans_key: str) -> list[dict]:
    """The suggestions of a document: its silver spans with their probabilities."""
    if spans_key not in doc.spans:
        return []
    group = doc.spans[spans_key]
    out = []
    for span, p in zip(group, span_probs(group)):
        if span.label_ == NEGATIVE_LABEL:
            continue
        out.append({
            "start": span.start_char, "end": span.end_char, "token_start": span.start,
            "token_end": span.end - 1, "label": span.label_, "score": round(float(p), 4),
        })
    return out


def _meta(doc: Doc, item: ReviewItem) -> dict:
    meta = {"doc_id": item.doc_id, "rank": item.rank, "score": round(item.score, 4), "reason": item.reason}
    meta.update({k: round(v, 4) for k, v in item.components.items()})
    if item.stratum is not None:  # the review design (design.py): what the document stands for
        meta["stratum"] = item.stratum
        meta["inclusion_prob"] = float(item.inclusion_prob)
    return meta


def prodigy_record(doc: Doc, item: ReviewItem, spans_key: str = "silver") -> dict:
    """One Prodigy task (span format) for ``doc``."""
    spans = suggested_spans(doc, spans_key)
    tokens = [
        {"text": t.text, "start": t.idx, "end": t.idx + len(t.text), "id": t.i, "ws": bool(t.whitespace_)}
        for t in doc
    ]
    return {
        "text": doc.text,
        "tokens": tokens,
        "spans": spans,
        "meta": _meta(doc, item),
        "_input_hash": input_hash(doc.text),
        "_task_hash": task_hash(doc.text, spans),
        "_view_id": "spans_manual",
    }


def argilla_record(doc: Doc, item: ReviewItem, spans_key: str = "silver") -> dict:
    """One Argilla 2.x record (``Record.to_dict()`` layout) for ``doc``."""
    spans = suggested_spans(doc, spans_key)
    meta = _meta(doc, item)
    meta["input_hash"] = input_hash(doc.text)
    record = {
        "id": item.doc_id,
        "fields": {"text": doc.text},
        "metadata": meta,
        "suggestions": {},
        "responses": {},
        "vectors": {},
        "status": "pending",
    }
    if spans:
        record["suggestions"][ARGILLA_QUESTION] = {
            "value": [{"start": s["start"], "end": s["end"], "label": s["label"]} for s in spans],
            "score": [s["score"] for s in spans],
            "agent": f"{AGENT}:{spans_key}",
        }
    return record


def export_records(docs: Sequence[Doc], items: Sequence[ReviewItem], *, fmt: str, spans_key: str = "silver") -> list[dict]:
    """Records of the ``items`` (in their order) in format ``fmt``."""
    make = prodigy_record if fmt == "prodigy" else argilla_record
    return [make(docs[it.index], it, spans_key) for it in items]


def design_items(items: Sequence[ReviewItem], n_docs: int, budget: int, *, random_share: float, seed: int = 0,
                 where: str = "the corpus") -> list[ReviewItem]:
    """The items a review design (:func:`.design.choose`) takes from the ranked ``items``:
    the top, then the random share, each with its stratum and inclusion probability."""
    from dataclasses import replace

    from .design import choose

    by_index = {it.index: it for it in items}
    picks = choose([it.index for it in items], n_docs, budget, random_share=random_share, seed=seed, where=where)
    return [replace(by_index[p.index], stratum=p.stratum, inclusion_prob=p.inclusion_prob, rank=r + 1)
            for r, p in enumerate(picks)]
