"""Write ``spacy train`` input from aggregated docs with a training-data policy (:mod:`.partial`)."""
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List

from spacy.tokens import Doc, DocBin

from ..errors import Errors, SpacyWeakError, Warnings, warn
from ..io import atomic_path
from .partial import Policy, annotate_doc

logger = logging.getLogger(__name__)


@dataclass
class ExportStats:
    n_docs: int = 0
    entity_tokens: int = 0
    outside_tokens: int = 0
    missing_tokens: int = 0
    entities: Dict[str, int] = field(default_factory=dict)
    empty_docs: int = 0

    def as_dict(self) -> Dict:
        total = self.entity_tokens + self.outside_tokens + self.missing_tokens
        return {
            "n_docs": self.n_docs, "entities": dict(self.entities), "entity_tokens": self.entity_tokens,
            "outside_tokens": self.outside_tokens, "missing_tokens": self.missing_tokens,
            "missing_share": self.missing_tokens / total if total else 0.0, "docs_without_signal": self.empty_docs,
        }


def training_docs(docs: Iterable[Doc], policy: Policy, stats: ExportStats = None, *, keep_spans: bool = False) -> Iterable[Doc]:
    """Each doc with ``doc.ents`` and missing tokens set by ``policy`` (in place); the span
    groups are dropped unless ``keep_spans`` (``spacy train`` re-reads the file every epoch)."""
    stats = stats if stats is not None else ExportStats()
    for doc in docs:
        ann = annotate_doc(doc, policy, keep_spans=keep_spans)
        ent, out, miss = ann.counts(len(doc))
        stats.n_docs += 1
        stats.entity_tokens += ent
        stats.outside_tokens += out
        stats.missing_tokens += miss
        for _, _, label in ann.entities:
            stats.entities[label] = stats.entities.get(label, 0) + 1
        if not ann.entities and not ann.missing:
            stats.empty_docs += 1
        yield doc


def export_training(
    docs: Iterable[Doc], policy: Policy, output: Path, *, spans_key: str = "silver", what: str = "", keep_spans: bool = False
) -> ExportStats:
    """Write the policy's training docs to ``output`` (one DocBin, atomically); E304 without any entity."""
    stats = ExportStats()
    db = DocBin(store_user_data=False)
    for doc in training_docs(docs, policy, stats, keep_spans=keep_spans):
        db.add(doc)
    if stats.n_docs == 0:
        raise SpacyWeakError(Errors.E308.format(path=what or output, param="docbin_paths"))
    if not stats.entities:
        raise SpacyWeakError(Errors.E304.format(what=what or "the input", n_docs=stats.n_docs, key=spans_key))
    if stats.empty_docs:
        warn(Warnings.W300.format(what=what or str(output), n=stats.empty_docs, total=stats.n_docs))
    with atomic_path(output) as tmp:
        db.to_disk(tmp)
    logger.debug("wrote %d training docs to %s: %s", stats.n_docs, output, stats.as_dict())
    return stats


def cat_confidence(doc: Doc) -> float:
    """The label model's confidence in a document's class: the largest value of ``doc.cats`` (0 without cats)."""
    return max(doc.cats.values()) if doc.cats else 0.0


def confident_docs(docs: Iterable[Doc], min_confidence: float) -> List[Doc]:
    """Text classification: keep the docs whose ``doc.cats`` confidence is at least ``min_confidence``
    (in [0, 1]; E300 otherwise). Low-confidence silver documents are left out of training."""
    from .partial import check_fraction

    threshold = check_fraction("min_confidence", min_confidence, policy="text classification export")
    return [d for d in docs if cat_confidence(d) >= threshold]


def soft_cat_copies(docs: Iterable[Doc], probs: Iterable[Dict[str, float]], labels: List[str], *,
                    copies: int = 10) -> List[Doc]:
    """Soft ``doc.cats`` targets that spaCy's exclusive ``textcat`` accepts (it rejects values other
    than 0/1, [E851]): each document becomes ``copies`` one-hot copies whose labels are shared out in
    proportion to the label model's probabilities (largest remainders). The textcat's gradient is
    ``scores - truths``, linear in the target, so the copies' summed gradient equals that of
    ``copies`` documents with the probabilities themselves as targets, up to the quantisation
    ``1 / copies``. A probability row outside [0, 1] is ``E321``."""
    import math

    out: List[Doc] = []
    for i, (doc, row) in enumerate(zip(docs, probs)):
        values = [float(row.get(lab, 0.0)) for lab in labels]
        if any(math.isnan(v) or v < 0.0 or v > 1.0 for v in values) or sum(values) <= 0:
            raise SpacyWeakError(Errors.E321.format(param="probs", value=row, doc=i))
        total = sum(values)
        exact = [v / total * copies for v in values]
        counts = [int(math.floor(x)) for x in exact]
        for j in sorted(range(len(labels)), key=lambda j: -(exact[j] - counts[j]))[: copies - sum(counts)]:
            counts[j] += 1
        for j, n in enumerate(counts):
            for _ in range(n):
                c = doc.copy()
                c.cats = {lab: 1.0 if k == j else 0.0 for k, lab in enumerate(labels)}
                out.append(c)
    return out
