"""A teacher-student round on the NER itself (BOND-style): the trained NER's confident
predictions and the label model's silver together become the next round's targets.

The teacher is an NER trained on the silver (e.g. the ``ner_best`` recipe). It predicts the
training documents; a predicted span (with its beam probability, :func:`.crossfit.predict_spans`)

* that overlaps no silver entity and has probability >= ``min_prob`` becomes an entity: a mention
  the sources missed in a context the NER recognises (the silver's false negatives, which taught
  ``O`` before);
* that overlaps no silver entity but is less sure becomes *missing* (no ``O`` target there);
* that overlaps a silver entity is ignored: where the label model has an entity, its span and
  label stay (its dictionaries know the boundaries).

Every other token keeps what the policy (``partial_annotation.v1`` / ``suspect_outside.v1``) gave
it. The student is trained on these docs, from the teacher's weights (``init_from`` of
:func:`.trainer.variant_config`) or from scratch.
"""
import logging
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from spacy.tokens import Doc

from .partial import Policy, TokenAnnotation, check_fraction

logger = logging.getLogger("spacy_weak")

Predicted = Tuple[int, int, str, float]


@dataclass
class TeacherCounts:
    docs: int = 0
    added: int = 0
    uncertain: int = 0
    overlapping: int = 0
    misaligned_docs: int = 0
    per_label: Dict[str, int] = field(default_factory=dict)


def combine(base: TokenAnnotation, predicted: Sequence[Predicted], *, min_prob: float = 0.9,
            counts: Optional[TeacherCounts] = None) -> TokenAnnotation:
    """The silver annotation ``base`` with the teacher's spans ``predicted`` added (see the module)."""
    counts = counts if counts is not None else TeacherCounts()
    entities = list(base.entities)
    missing = set(base.missing)
    taken = {t for s, e, _ in entities for t in range(s, e)}
    for start, end, label, prob in sorted(predicted, key=lambda p: -p[3]):
        toks = set(range(start, end))
        if toks & taken:
            counts.overlapping += 1
            continue
        if prob >= min_prob:
            entities.append((start, end, label))
            taken |= toks
            missing -= toks
            counts.added += 1
            counts.per_label[label] = counts.per_label.get(label, 0) + 1
        else:
            missing |= toks
            counts.uncertain += 1
    return TokenAnnotation(sorted(entities), sorted(missing - taken))


def teacher_annotations(docs: Sequence[Doc], teacher, policy: Policy, labels: Sequence[str], *,
                        min_prob: float = 0.9, beam_width: int = 8) -> Tuple[List[TokenAnnotation], TeacherCounts]:
    """The round's targets for ``docs`` (silver docs with the aggregate span group): ``policy``'s
    annotation of each, plus the predictions of ``teacher`` (a loaded pipeline with an ``ner``)."""
    from .crossfit import predict_spans

    min_prob = check_fraction("min_prob", min_prob, policy="teacher-student round")
    counts = TeacherCounts()
    preds = predict_spans(teacher, docs, labels, beam_width=beam_width)
    out = []
    for doc, (spans, probs) in zip(docs, preds):
        counts.docs += 1
        base = policy(doc)
        if len(probs) != len(doc):  # the teacher tokenised the text differently: the silver stays
            counts.misaligned_docs += 1
            out.append(base)
            continue
        out.append(combine(base, [s for s in spans if s[2] in labels], min_prob=min_prob, counts=counts))
    logger.info("teacher-student round: %d spans added, %d uncertain (missing), %d overlapping the silver",
                counts.added, counts.uncertain, counts.overlapping)
    return out, counts
