"""K-fold cross-fitting: out-of-fold NER predictions on the silver training documents.

Each document is predicted by a model that never saw it: the documents are split
into ``n_folds`` folds (seeded), and for each fold a pipeline is trained with a
``spacy train`` config on the other folds' documents (turned into training data
by a policy, :mod:`.partial`), then predicts the held-out fold. Predictions are
written as one more *source* span group (default ``doc.spans["model_oof"]``),
with ``attrs["probs"]`` (beam-search probability of each span) and
``attrs["fold"]``; a token-level probability array per document is saved with
srsly msgpack (format: ``docs/training.md``).

Resumable: the output folder holds ``manifest.json`` (input fingerprint and
settings), and per fold ``fold_<i>.spacy`` + ``fold_<i>.probs.msgpack`` and then
``fold_<i>.json``, each written atomically, the ``.json`` last. A fold counts as
finished only when its ``.json`` exists and names the same settings, so a run
killed in the middle of a fold trains that fold again and keeps the others.
"""
import hashlib
import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import srsly
from spacy.tokens import Doc, DocBin, SpanGroup

from ..errors import Errors, SpacyWeakError, Warnings, warn
from ..io import atomic_path, write_json_atomic
from ..spans import (
    ATTR_ABSTAIN_OUTSIDE,
    ATTR_LEVEL,
    ATTR_PROBS,
    ATTR_SOURCE,
    LEVEL_SPAN,
    NEGATIVE_LABEL,
    SILVER_KEY,
)
from .partial import Policy, annotate_doc
from .trainer import check_config, check_steps, split_held_out, train_pipeline

logger = logging.getLogger(__name__)

OOF_KEY = "model_oof"
ATTR_FOLD = "fold"
FORMAT_VERSION = 1


def doc_hash(doc: Doc) -> str:
    return hashlib.sha1(doc.text.encode("utf8")).hexdigest()[:16]


def fingerprint(docs: Sequence[Doc]) -> str:
    h = hashlib.sha1()
    for doc in docs:
        h.update(doc_hash(doc).encode())
    return h.hexdigest()


def assign_folds(n_docs: int, n_folds: int, seed: int = 0) -> List[int]:
    """Fold of each document: a seeded permutation cut into ``n_folds`` near-equal parts."""
    import numpy as np

    order = np.random.default_rng(seed).permutation(n_docs)
    folds = [0] * n_docs
    for rank, i in enumerate(order):
        folds[int(i)] = rank % n_folds
    return folds


def check_folds(n_folds, n_docs: int, param: str = "n_folds") -> int:
    try:
        k = int(n_folds)
    except (TypeError, ValueError):
        raise SpacyWeakError(Errors.E302.format(param=param, value=n_folds, n_docs=n_docs)) from None
    if k != n_folds or k < 2 or k > n_docs:
        raise SpacyWeakError(Errors.E302.format(param=param, value=n_folds, n_docs=n_docs))
    return k


def check_has_entities(docs: Sequence[Doc], spans_key: str, what: str) -> None:
    for doc in docs:
        if any(s.label_ != NEGATIVE_LABEL for s in doc.spans.get(spans_key, [])):
            return
    raise SpacyWeakError(Errors.E304.format(what=what, n_docs=len(docs), key=spans_key))


def predict_spans(nlp, docs: Sequence[Doc], labels: Sequence[str], *, beam_width: int = 8, batch_size: int = 64):
    """For each doc: (spans [(start, end, label, prob)], token probs ``(n_tokens, 1 + n_labels)``).

    Spans are the greedy prediction of the pipeline's ``ner``; a span's probability
    is the beam-search mass (``EntityRecognizer.beam_parse`` + ``scored_ents``) of the
    analyses containing it. Token columns: ``["O", *labels]`` (IO), rows sum to 1.
    """
    import numpy as np

    ner = nlp.get_pipe("ner")
    label_index = {label: i + 1 for i, label in enumerate(labels)}
    out = []
    texts = [nlp.make_doc(d.text) for d in docs]
    for start in range(0, len(texts), batch_size):
        batch = list(nlp.pipe(texts[start : start + batch_size], disable=["ner"]))
        scores = ner.scored_ents(ner.beam_parse(batch, beam_width)) if beam_width > 1 else [None] * len(batch)
        batch = list(ner.pipe(batch))
        for doc, score in zip(batch, scores):
            probs = np.zeros((len(doc), 1 + len(labels)), dtype="float32")
            if score is not None:
                for (s, e, label_id), p in score.items():
                    col = label_index.get(doc.vocab.strings[label_id] if isinstance(label_id, int) else label_id)
                    if col:
                        probs[s:e, col] += p
            spans = []
            for ent in doc.ents:
                if score is None:
                    p = 1.0
                else:
                    p = float(score.get((ent.start, ent.end, ent.label), score.get((ent.start, ent.end, ent.label_), 0.0)))
                spans.append((ent.start, ent.end, ent.label_, min(1.0, p)))
                if score is None and ent.label_ in label_index:
                    probs[ent.start : ent.end, label_index[ent.label_]] = 1.0
            probs = np.clip(probs, 0.0, 1.0)
            ent_mass = probs[:, 1:].sum(axis=1)
            over = ent_mass > 1.0
            probs[over, 1:] /= ent_mass[over, None]
            probs[:, 0] = 1.0 - probs[:, 1:].sum(axis=1)
            out.append((spans, probs))
    return out


def set_oof_spans(doc: Doc, spans, *, key: str = OOF_KEY, fold: int) -> SpanGroup:
    """Write the predictions as a span-level source group (read by the label model like any source)."""
    objs = [doc[s:e] for s, e, _, _ in spans]
    for span, (_, _, label, _) in zip(objs, spans):
        span.label_ = label
    group = SpanGroup(
        doc, name=key,
        # the model vouches for what it tags, not for the tokens it leaves out: outside its spans it
        # abstains (its silence is no evidence for O; docs/training.md, development check)
        attrs={ATTR_SOURCE: key, ATTR_LEVEL: LEVEL_SPAN, ATTR_PROBS: [float(p) for *_, p in spans], ATTR_FOLD: int(fold),
               ATTR_ABSTAIN_OUTSIDE: True},
        spans=objs,
    )
    doc.spans[key] = group
    return group


@dataclass
class CrossFitResult:
    docs: List[Doc]
    token_probs: List[Any]
    labels: List[str]
    folds: List[int]
    extra_docs: List[Doc] = field(default_factory=list)  # other docs, predicted by every fold model (mean)
    extra_token_probs: List[Any] = field(default_factory=list)
    trained: List[int] = field(default_factory=list)  # folds trained by this run
    resumed: List[int] = field(default_factory=list)  # folds read from a previous run


class CrossFitter:
    """Out-of-fold predictions for ``docs`` (see the module docstring)."""

    def __init__(
        self,
        *,
        config: Path,
        n_folds: int = 5,
        steps: int = 1000,
        policy: Policy,
        policy_name: str = "",
        labels: Sequence[str] = (),
        spans_key: str = SILVER_KEY,
        output_key: str = OOF_KEY,
        seed: int = 0,
        beam_width: int = 8,
        overrides: Optional[Dict[str, Any]] = None,
    ):
        self.config = check_config(config)
        self.steps = check_steps(steps)
        self.n_folds = n_folds
        self.policy = policy
        self.policy_name = policy_name or getattr(policy, "name", type(policy).__name__)
        self.labels = list(labels)
        self.spans_key = spans_key
        self.output_key = output_key
        self.seed = int(seed)
        self.beam_width = int(beam_width)
        self.overrides = dict(overrides or {})

    def settings(self) -> Dict[str, Any]:
        policy_cfg = {k: v for k, v in vars(self.policy).items() if isinstance(v, (int, float, str, bool, list))}
        return {
            "format": FORMAT_VERSION,
            "config": hashlib.sha1(self.config.read_bytes()).hexdigest(),
            "steps": self.steps,
            "n_folds": self.n_folds,
            "seed": self.seed,
            "beam_width": self.beam_width,
            "policy": self.policy_name,
            "policy_cfg": policy_cfg,
            "spans_key": self.spans_key,
            "output_key": self.output_key,
            "overrides": {k: str(v) for k, v in sorted(self.overrides.items())},
        }

    def run(self, docs: Sequence[Doc], output: Path, *, extra: Sequence[Doc] = (), progress=None) -> CrossFitResult:
        """Out-of-fold predictions for ``docs``; ``extra`` docs (never trained on, e.g. a test
        split) are predicted by every fold model and get the mean of their predictions."""
        docs = list(docs)
        extra = list(extra)
        k = check_folds(self.n_folds, len(docs))
        check_has_entities(docs, self.spans_key, what=f"the cross-fitting input ({self.spans_key})")
        labels = self.labels or sorted(
            {s.label_ for d in docs for s in d.spans.get(self.spans_key, []) if s.label_ != NEGATIVE_LABEL}
        )
        output = Path(output)
        output.mkdir(parents=True, exist_ok=True)
        fp = fingerprint(docs) + (f"+{fingerprint(extra)}" if extra else "")
        settings = self.settings()
        manifest_path = output / "manifest.json"
        if manifest_path.exists():
            old = srsly.read_json(manifest_path)
            if old.get("input") != fp:
                raise SpacyWeakError(Errors.E307.format(path=output, other=f"{old.get('n_docs')} docs, fingerprint {old.get('input')}"))
        write_json_atomic(manifest_path, {
            "input": fp, "n_docs": len(docs), "labels": labels, "settings": settings,
            "folds": [f"fold_{i}" for i in range(k)], "token_columns": ["O", *labels],
        })
        for stale in output.glob(".fold_*"):
            # work folders / temporary files of a killed run (this class's own prefix)
            logger.info("removing %s, left by an interrupted run", stale)
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
            else:
                stale.unlink(missing_ok=True)
        folds = assign_folds(len(docs), k, self.seed)
        result = CrossFitResult(docs=list(docs), token_probs=[None] * len(docs), labels=labels, folds=folds)
        extra_preds: List[List] = []
        for fold in range(k):
            held = [i for i in range(len(docs)) if folds[i] == fold]
            meta_path = output / f"fold_{fold}.json"
            if meta_path.exists():
                meta = srsly.read_json(meta_path)
                diff = [key for key in settings if meta.get("settings", {}).get(key) != settings[key]]
                if not diff and meta.get("input") == fp:
                    self._read_fold(output, fold, held, result)
                    if extra:
                        extra_preds.append(_read_extra(output, fold))
                    result.resumed.append(fold)
                    logger.info("fold %d/%d: finished by an earlier run, read from %s", fold + 1, k, output)
                    continue
                warn(Warnings.W301.format(path=output, fold=fold, key=(diff or ["input"])[0]))
            extra_preds.append(self._run_fold(docs, fold, held, labels, output, fp, settings, result, extra))
            result.trained.append(fold)
            if progress is not None:
                progress(fold + 1, k)
        if extra:
            result.extra_docs, result.extra_token_probs = self._merge_extra(extra, extra_preds, k)
        return result

    def _merge_extra(self, extra: List[Doc], extra_preds: List[List], k: int):
        """Mean over the fold models: a span predicted by more than half of them is kept,
        with the mean of its probabilities (0 for a model that did not predict it)."""
        import numpy as np

        out_docs, out_probs = [], []
        for j, doc in enumerate(extra):
            votes: Dict = {}
            probs = None
            for fold_pred in extra_preds:
                spans, p = fold_pred[j]
                probs = np.asarray(p, dtype="float32") if probs is None else probs + np.asarray(p, dtype="float32")
                for s, e, label, prob in spans:
                    n, total = votes.get((s, e, label), (0, 0.0))
                    votes[(s, e, label)] = (n + 1, total + float(prob))
            kept = [(s, e, label, total / k) for (s, e, label), (n, total) in votes.items() if 2 * n > k]
            kept.sort(key=lambda x: -x[3])
            taken, spans = set(), []
            for s, e, label, p in kept:
                if any(t in taken for t in range(s, e)):
                    continue
                taken.update(range(s, e))
                spans.append((s, e, label, p))
            spans.sort()
            copy = doc.copy()
            set_oof_spans(copy, spans, key=self.output_key, fold=-1)
            out_docs.append(copy)
            out_probs.append(probs / k)
        return out_docs, out_probs

    def _run_fold(self, docs, fold, held, labels, output: Path, fp, settings, result: CrossFitResult, extra=()):
        held_set = set(held)
        train_docs = []
        for i, doc in enumerate(docs):
            if i in held_set:
                continue
            copy = doc.copy()
            annotate_doc(copy, self.policy, keep_spans=False)
            train_docs.append(copy)
        train, dev = split_held_out(train_docs)
        logger.info("fold %d/%d: training on %d docs, predicting %d", fold + 1, self.n_folds, len(train_docs), len(held))
        workdir = Path(tempfile.mkdtemp(prefix=f".fold_{fold}.", dir=output))
        try:
            nlp = train_pipeline(
                train, dev, config=self.config, workdir=workdir, steps=self.steps,
                overrides={"system.seed": self.seed + fold, **self.overrides},
            )
            preds = predict_spans(nlp, [docs[i] for i in held], labels, beam_width=self.beam_width)
            extra_pred = predict_spans(nlp, extra, labels, beam_width=self.beam_width) if extra else []
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        db = DocBin(store_user_data=False)
        probs_out = []
        for i, (spans, probs) in zip(held, preds):
            doc = docs[i].copy()
            set_oof_spans(doc, spans, key=self.output_key, fold=fold)
            db.add(doc)
            result.docs[i] = doc
            result.token_probs[i] = probs
            probs_out.append(probs)
        with atomic_path(output / f"fold_{fold}.spacy") as tmp:
            db.to_disk(tmp)
        with atomic_path(output / f"fold_{fold}.probs.msgpack") as tmp:
            srsly.write_msgpack(tmp, {
                "columns": ["O", *labels], "doc_hashes": [doc_hash(docs[i]) for i in held],
                "doc_index": held, "probs": probs_out,
            })
        if extra:
            with atomic_path(output / f"fold_{fold}.extra.msgpack") as tmp:
                srsly.write_msgpack(tmp, {
                    "spans": [[list(sp) for sp in spans] for spans, _ in extra_pred],
                    "probs": [p for _, p in extra_pred],
                })
        write_json_atomic(output / f"fold_{fold}.json", {
            "input": fp, "settings": settings, "fold": fold, "n_docs": len(held),
            "n_spans": sum(len(s) for s, _ in preds),
        })
        return extra_pred

    def _read_fold(self, output: Path, fold: int, held: List[int], result: CrossFitResult) -> None:
        import spacy

        vocab = result.docs[0].vocab if result.docs else spacy.blank("en").vocab
        fold_docs = list(DocBin().from_disk(output / f"fold_{fold}.spacy").get_docs(vocab))
        probs = srsly.read_msgpack(output / f"fold_{fold}.probs.msgpack")
        if len(fold_docs) != len(held) or probs.get("doc_index") != held:
            raise SpacyWeakError(Errors.E307.format(path=output, other=f"fold {fold} with other documents"))
        for i, doc, p in zip(held, fold_docs, probs["probs"]):
            result.docs[i] = doc
            result.token_probs[i] = p


def _read_extra(output: Path, fold: int) -> List:
    data = srsly.read_msgpack(output / f"fold_{fold}.extra.msgpack")
    return [([tuple(sp) for sp in spans], p) for spans, p in zip(data["spans"], data["probs"])]


def write_predictions(result: CrossFitResult, output: Path, name: str = "predictions") -> None:
    """All docs in input order with their out-of-fold group (``<name>.spacy``) and the token
    probabilities (``<name>.probs.msgpack``), both atomically; ``extra`` docs likewise as ``<name>_extra``."""
    for docs, probs, stem in ((result.docs, result.token_probs, name), (result.extra_docs, result.extra_token_probs, f"{name}_extra")):
        if not docs:
            continue
        db = DocBin(store_user_data=False)
        for doc in docs:
            db.add(doc)
        with atomic_path(output / f"{stem}.spacy") as tmp:
            db.to_disk(tmp)
        with atomic_path(output / f"{stem}.probs.msgpack") as tmp:
            srsly.write_msgpack(tmp, {
                "columns": ["O", *result.labels], "doc_hashes": [doc_hash(d) for d in docs],
                "folds": result.folds if stem == name else [-1] * len(docs), "probs": list(probs),
            })
