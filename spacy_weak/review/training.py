"""The end model's data with reviews: reviewed documents replace their silver.

``review import --dev`` writes the reviewed documents with the reviews as gold
(``doc.spans["gold"]``, ``doc.ents``, attrs ``stratum`` / ``inclusion_prob`` of the
review design, :mod:`.design`). :func:`merge_reviews` matches them to the silver
training documents (by document id, else by text) and returns

* ``train``: the silver documents, each reviewed document of the ``ranked`` stratum
  replaced by its review (all tokens annotated), repeated ``upsample`` times;
* ``dev``: the reviewed documents of the ``random`` stratum, an unbiased sample of the
  corpus, for model selection (early stopping, ``model-best``); they and their silver
  are left out of ``train``. Reviews without a design (an older export) have no
  stratum: every ``dev_every``-th of them is the dev set (``W408``: it is a sample of
  the ranked, hard documents).

Nothing reviewed is dropped: a review whose document is not among the silver
documents is ``E413``, one whose text differs is ``E414``, each naming the document.
Without reviews the caller keeps today's data (a held-out tenth of the silver).
"""
from collections.abc import Sequence
from dataclasses import dataclass, field

from spacy.tokens import Doc

from ..errors import Errors, SpacyWeakError, Warnings, warn
from .export import doc_key

GOLD_KEY = "gold"


@dataclass
class ReviewedData:
    train: list[Doc]
    dev: list[Doc]
    n_replaced: int = 0
    n_dev: int = 0
    upsample: int = 1
    replaced_ids: list[str] = field(default_factory=list)
    silver: list[Doc] = field(default_factory=list)  # the unreviewed documents of train, as given
    reviewed: list[Doc] = field(default_factory=list)  # the reviewed copies of train (upsampled)

    def summary(self) -> dict:
        return {"train_docs": len(self.train), "dev_docs": len(self.dev), "reviewed_in_train": self.n_replaced,
                "reviewed_dev": self.n_dev, "upsample": self.upsample}


def stratum(doc: Doc, key: str = GOLD_KEY) -> str | None:
    attrs = doc.spans[key].attrs if key in doc.spans else {}
    value = attrs.get("stratum")
    return None if value is None else str(value)


def reviewed_as_training(doc: Doc, key: str = GOLD_KEY) -> Doc:
    """A copy of a reviewed document for ``spacy train``: ``doc.ents`` = the reviewed
    entities (longest non-overlapping), every other token ``O``; span groups dropped."""
    from spacy.tokens import Span
    from spacy.util import filter_spans

    copy = doc.copy()
    spans = [Span(copy, s.start, s.end, label=s.label_) for s in doc.spans.get(key, [])]
    copy.set_ents(filter_spans(spans), default="outside")
    copy.spans.clear()
    return copy


def merge_reviews(silver: Sequence[Doc], reviewed: Sequence[Doc], *, upsample: int = 1, dev_every: int = 5,
                  where: str = "the silver documents", key: str = GOLD_KEY) -> ReviewedData:
    """``train`` / ``dev`` documents of the end model (see the module docstring). The
    silver documents are returned as they are (apply the training policy to them);
    the reviewed ones as :func:`reviewed_as_training` copies."""
    if isinstance(upsample, bool) or not isinstance(upsample, int) or upsample < 1:
        raise SpacyWeakError(Errors.E415.format(param="upsample", value=upsample))
    by_id = {doc_key(d, i): i for i, d in enumerate(silver)}
    by_text: dict[str, int] = {}
    for i, d in enumerate(silver):
        by_text.setdefault(d.text, i)
    matched: dict[int, Doc] = {}
    for j, rev in enumerate(reviewed):
        rid = _doc_id(rev, key)
        i = by_id.get(rid) if rid is not None else None
        if i is not None and silver[i].text != rev.text:
            raise SpacyWeakError(Errors.E414.format(doc_id=rid, where=where))
        if i is None:
            i = by_text.get(rev.text)
        if i is None:
            raise SpacyWeakError(Errors.E413.format(doc_id=rid or f"#{j}", where=where))
        if i in matched:
            raise SpacyWeakError(Errors.E416.format(doc_id=doc_key(silver[i], i), where=where))
        matched[i] = rev
    has_design = any(stratum(r, key) is not None for r in matched.values())
    if matched and not has_design:
        warn(Warnings.W408.format(where=where))
    order = sorted(matched)
    dev_idx = ({i for i in order if stratum(matched[i], key) == "random"} if has_design
               else set(order[::max(2, int(dev_every))]) if len(order) >= 2 else set())
    train: list[Doc] = []
    out = ReviewedData(train=train, dev=[], upsample=upsample)
    for i, doc in enumerate(silver):
        if i in dev_idx:
            out.dev.append(reviewed_as_training(matched[i], key))
            out.n_dev += 1
        elif i in matched:
            copy = reviewed_as_training(matched[i], key)
            train.extend([copy] * upsample)
            out.reviewed.extend([copy] * upsample)
            out.n_replaced += 1
            out.replaced_ids.append(doc_key(doc, i))
        else:
            train.append(doc)
            out.silver.append(doc)
    return out


def export_with_reviews(silver: Sequence[Doc], reviewed: Sequence[Doc], policy, output, *, dev_output=None,
                        dev_every: int = 10, upsample: int = 1, spans_key: str = "silver", what: str = ""):
    """``export-training --reviewed``: the policy's training docs of the unreviewed silver plus
    the reviewed documents (fully annotated, ``upsample`` copies); with ``dev_output`` the
    random-stratum reviews are the dev set (none: a held-out ``dev_every``-th of the silver,
    today's). Returns ``(train stats, dev stats or None, ReviewedData)``."""
    from ..io import atomic_path
    from ..training.export import ExportStats, export_training, training_docs
    from ..training.trainer import split_held_out

    merged = merge_reviews(silver, reviewed, upsample=upsample, where=what or "the silver documents")
    silver_docs, dev_stats = list(merged.silver), None
    if dev_output is not None and not merged.dev:
        silver_docs, held = split_held_out(silver_docs, every=dev_every)
        dev_stats = export_training(held, policy, dev_output, spans_key=spans_key, what=what)
    stats = ExportStats()
    from spacy.tokens import DocBin

    db = DocBin(store_user_data=False)
    for doc in training_docs(silver_docs, policy, stats):
        db.add(doc)
    for doc in merged.reviewed:
        db.add(doc)
        stats.n_docs += 1
        for ent in doc.ents:
            stats.entities[ent.label_] = stats.entities.get(ent.label_, 0) + 1
    with atomic_path(output) as tmp:
        db.to_disk(tmp)
    if dev_output is not None and merged.dev:
        dev_db = DocBin(docs=merged.dev, store_user_data=False)
        with atomic_path(dev_output) as tmp:
            dev_db.to_disk(tmp)
        dev_stats = ExportStats(n_docs=len(merged.dev))
    return stats, dev_stats, merged


def _doc_id(doc: Doc, key: str) -> str | None:
    from ..corpora.align import ATTR_DOC_ID

    attrs = doc.spans[key].attrs if key in doc.spans else {}
    value = attrs.get(ATTR_DOC_ID) or doc.user_data.get(ATTR_DOC_ID)
    return None if value is None else str(value)
