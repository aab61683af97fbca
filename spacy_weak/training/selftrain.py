"""Self-training: the cross-fitted model becomes one more source of the label model.

One round: out-of-fold NER predictions on the silver docs (:mod:`.crossfit`) are
written as the span group ``model_oof``; the label model (an aggregator with a
``fit`` method, e.g. ``weak_hmm``) gets that group as a source, is refitted
without labels on the same docs, and writes new silver labels. The next round
cross-fits on the new silver. Pseudo-labelling (Lee 2013) with a held-out
teacher: no model ever labels the documents it was trained on.
"""
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional, Sequence

from spacy.tokens import Doc

from ..errors import Errors, SpacyWeakError
from .crossfit import CrossFitResult, CrossFitter

logger = logging.getLogger(__name__)


def check_rounds(rounds, param: str = "rounds") -> int:
    try:
        value = int(rounds)
    except (TypeError, ValueError):
        raise SpacyWeakError(Errors.E309.format(param=param, value=rounds)) from None
    if isinstance(rounds, bool) or value != rounds or value < 0:
        raise SpacyWeakError(Errors.E309.format(param=param, value=rounds))
    return value


def add_source(aggregator, key: str) -> None:
    """Make sure the aggregator reads span group ``key`` as a source (its ``sources`` config)."""
    from fnmatch import fnmatchcase

    patterns = list(aggregator.cfg.get("sources") or ["*"])
    if not any(fnmatchcase(key, p) for p in patterns):
        patterns.append(key)
    aggregator.cfg["sources"] = patterns


def refit(aggregator, docs: Sequence[Doc], *, add: Optional[str] = None, apply_to: Sequence[Sequence[Doc]] = ()) -> List[List[Doc]]:
    """Refit ``aggregator`` on ``docs`` (with source ``add``), then apply it to ``docs`` and each of ``apply_to``.
    ``[E322]`` when no doc has the group ``add``: refitting without it would only repeat the fit."""
    if add:
        docs = list(docs)
        if not any(add in doc.spans for doc in docs):
            found = sorted({key for doc in docs for key in doc.spans})
            raise SpacyWeakError(Errors.E322.format(source=add, n_docs=len(docs), name=aggregator.name,
                                                    found=", ".join(found) or "none"))
        add_source(aggregator, add)
    aggregator.fit(docs)
    out = [list(aggregator.pipe(list(docs)))]
    for extra in apply_to:
        out.append(list(aggregator.pipe(list(extra))) if extra else [])
    return out


@dataclass
class RoundResult:
    round: int
    crossfit: CrossFitResult
    silver: List[Doc]
    extra_silver: List[Doc]


def self_train(
    docs: Sequence[Doc],
    aggregator,
    crossfitter: CrossFitter,
    output: Path,
    *,
    rounds: int = 1,
    extra: Sequence[Doc] = (),
    on_round: Optional[Callable[[RoundResult], None]] = None,
) -> List[RoundResult]:
    """Run ``rounds`` rounds; ``docs`` carry the sources and the current silver group.

    ``extra`` docs (e.g. a split kept for evaluation) are never trained on: each round
    they get the fold models' mean prediction as ``model_oof`` and the refitted label
    model's silver. Each round's cross-fitting lives in ``output/round_<r>`` (resumable).
    """
    rounds = check_rounds(rounds)
    current, current_extra = list(docs), list(extra)
    results = []
    for r in range(1, rounds + 1):
        cf = crossfitter.run(current, Path(output) / f"round_{r}", extra=current_extra)
        silver, extra_silver = refit(aggregator, cf.docs, add=crossfitter.output_key, apply_to=[cf.extra_docs])
        result = RoundResult(round=r, crossfit=cf, silver=silver, extra_silver=extra_silver)
        results.append(result)
        logger.info("self-training round %d: refitted %s with sources %s", r, aggregator.name, aggregator.sources)
        if on_round is not None:
            on_round(result)
        current, current_extra = silver, extra_silver
    return results
