"""A discriminative second stage trained on the reviews.

The label model (``weak_hmm``) is generative and fitted without labels; reviewing the
documents it ranks hardest fixes those documents, but more EM on their reviewed tokens
does not carry the fix to other documents (``docs/review.md``). The second stage learns
*from the reviews* how to read the label model's evidence on any document: a per-token
multinomial logistic regression over the BIO states, whose features are

* the label model's posterior over the BIO states (and its log) at the token and its
  two neighbours,
* each source's vote at the token (``O``, ``B-X``, ``I-X`` one-hot; the clamped review
  sources are never features),
* the token's shape (title case, all caps, digit, punctuation, hyphen, length) and
  hashed lexical features (lower-cased form, 3-letter suffix and prefix, the
  neighbouring forms),

fitted on the tokens of the reviewed documents (their reviews as targets) with the
design weights of the review (``1 / inclusion_prob``, ``design.py``), decoded by a
constrained Viterbi (no ``I-X`` after ``O`` or another label) into spans whose
probability is the mean of their tokens' state probabilities.

Whether it replaces the label model's silver is decided on the reviewed documents
themselves, cross-fitted: each fold of the reviewed documents is predicted by a
second stage fitted on the other folds, and the second stage is kept only when its
design-weighted F1 beats the label model's by ``min_gain`` on at least ``confidence``
of paired bootstrap resamples (the guard of ``tune.py``). Without reviews nothing
changes. numpy plus scipy's L-BFGS (scipy is a dependency of hmmlearn).
"""
import logging
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from spacy.tokens import Doc, Span

from ..aggregation.observations import FIRST_LABEL_CODE, NEGATIVE, doc_offsets, encode_docs
from .design import check_weights, weighted_prf

logger = logging.getLogger("spacy_weak")

N_HASH = 1 << 14
HASHED = ("w", "s3", "p3", "w-1", "w+1")
AGGREGATOR = "weak_second_stage"
THRESHOLDS = (0.4, 0.5, 0.6, 0.7)  # entity thresholds tried on the reviews (0: the Viterbi path as is)
STAGE_FILE = "second_stage.json"  # in the refitted pipeline's directory (review refit)


@dataclass
class DocInput:
    """One document as the second stage sees it (arrays ``(n_tokens, ...)``)."""

    post: np.ndarray  # (T, K) label-model BIO state posterior
    codes: np.ndarray  # (T, S) the (unclamped) sources' observation codes
    words: list[str]


def _hash(s: str) -> int:
    return zlib.crc32(s.encode("utf8")) % N_HASH


def _shape_feats(words: Sequence[str]) -> np.ndarray:
    out = np.zeros((len(words), 8))
    for i, w in enumerate(words):
        out[i] = (w[:1].isupper(), w.isupper() and len(w) > 1, any(c.isdigit() for c in w),
                  not any(c.isalnum() for c in w), "-" in w, len(w) <= 3, len(w) >= 8, i == 0)
    return out


def _hashed(words: Sequence[str]) -> np.ndarray:
    low = [w.lower() for w in words]
    n = len(low)
    out = np.zeros((n, len(HASHED)), dtype=np.int64)
    for i, w in enumerate(low):
        prev = low[i - 1] if i else "<s>"
        nxt = low[i + 1] if i + 1 < n else "</s>"
        out[i] = [_hash("w=" + w), _hash("s3=" + w[-3:]), _hash("p3=" + w[:3]), _hash("w-1=" + prev),
                  _hash("w+1=" + nxt)]
    return out


def dense_features(inp: DocInput, n_labels: int) -> np.ndarray:
    """``(T, F)`` dense features of one document (see the module docstring)."""
    post = inp.post
    T, K = post.shape
    lp = np.log(np.clip(post, 1e-6, 1.0))
    pad_p = np.zeros((1, K))
    prev = np.vstack([pad_p, post[:-1]]) if T else post
    nxt = np.vstack([post[1:], pad_p]) if T else post
    S = inp.codes.shape[1]
    votes = np.zeros((T, S, 1 + 2 * n_labels))
    c = inp.codes
    votes[..., 0] = c == NEGATIVE
    for k in range(2 * n_labels):
        votes[..., 1 + k] = c == FIRST_LABEL_CODE + k
    n_votes = votes.sum(axis=1)  # (T, 1 + 2L) votes per class over the sources
    return np.hstack([post, lp, prev, nxt, votes.reshape(T, -1), np.log1p(n_votes), _shape_feats(inp.words)])


@dataclass
class SecondStage:
    """A fitted second stage: ``W`` ``(F, K)`` dense weights, ``H`` ``(N_HASH, K)`` hashed, ``b`` ``(K,)``."""

    labels: list[str]
    sources: list[str]
    W: np.ndarray
    H: np.ndarray
    b: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    info: dict = field(default_factory=dict)
    threshold: float = 0.0  # spans below it are dropped (chosen on the reviews)

    def state_probs(self, inp: DocInput) -> np.ndarray:
        X = (dense_features(inp, len(self.labels)) - self.mean) / self.scale
        z = X @ self.W + self.H[_hashed(inp.words)].sum(axis=1) + self.b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)

    def to_dict(self) -> dict:
        return {"labels": self.labels, "sources": self.sources, "W": self.W.tolist(), "b": self.b.tolist(),
                "H": {str(i): row.tolist() for i, row in enumerate(self.H) if np.any(row)},
                "mean": self.mean.tolist(), "scale": self.scale.tolist(), "info": self.info,
                "threshold": self.threshold}

    @classmethod
    def from_dict(cls, d: dict) -> "SecondStage":
        W = np.asarray(d["W"], dtype=float)
        H = np.zeros((N_HASH, W.shape[1]))
        for i, row in d["H"].items():
            H[int(i)] = row
        return cls(list(d["labels"]), list(d["sources"]), W, H, np.asarray(d["b"], dtype=float),
                   np.asarray(d["mean"], dtype=float), np.asarray(d["scale"], dtype=float), dict(d.get("info", {})),
                   float(d.get("threshold", 0.0)))


def gold_states(doc: Doc, key: str, labels: Sequence[str]) -> np.ndarray:
    """BIO state per token of the spans ``doc.spans[key]`` (``0`` = O, ``1 + 2i`` B, ``2 + 2i`` I)."""
    out = np.zeros(len(doc), dtype=np.int64)
    index = {label: i for i, label in enumerate(labels)}
    for s in doc.spans.get(key, []):
        i = index.get(s.label_)
        if i is None:
            continue
        out[s.start] = 1 + 2 * i
        out[s.start + 1 : s.end] = 2 + 2 * i
    return out


def fit_stage(inputs: Sequence[DocInput], targets: Sequence[np.ndarray], weights: Sequence[float],
              labels: Sequence[str], sources: Sequence[str], *, l2: float = 1.0, l2_hashed: float = 3.0,
              max_iter: int = 200) -> SecondStage:
    """Weighted multinomial logistic regression (L-BFGS); ``weights`` one per document."""
    from scipy.optimize import minimize
    from scipy.sparse import csr_matrix

    weights = _checked(weights, None)
    K = 1 + 2 * len(labels)
    X = np.vstack([dense_features(inp, len(labels)) for inp in inputs])
    Hx = np.vstack([_hashed(inp.words) for inp in inputs])
    y = np.concatenate(list(targets))
    w = np.concatenate([np.full(len(t), float(wt)) for t, wt in zip(targets, weights)])
    w = w * (len(w) / w.sum())  # mean token weight 1: the penalty means the same at any budget
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale < 1e-6] = 1.0
    X = (X - mean) / scale
    n, F = X.shape
    Y = np.zeros((n, K))
    Y[np.arange(n), y] = 1.0
    used = np.unique(Hx)
    remap = np.searchsorted(used, Hx)
    U = len(used)
    A = csr_matrix((np.ones(remap.size), remap.ravel(), np.arange(0, remap.size + 1, remap.shape[1])), shape=(n, U))
    At = A.T.tocsr()

    def unpack(theta):
        W = theta[: F * K].reshape(F, K)
        Hu = theta[F * K : F * K + U * K].reshape(U, K)
        return W, Hu, theta[F * K + U * K :]

    def loss(theta):
        W, Hu, b = unpack(theta)
        z = X @ W + A @ Hu + b
        z -= z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        val = -(w * (Y * logp).sum(axis=1)).sum() + 0.5 * l2 * (W**2).sum() + 0.5 * l2_hashed * (Hu**2).sum()
        G = (np.exp(logp) - Y) * w[:, None]
        gW = X.T @ G + l2 * W
        gH = At @ G + l2_hashed * Hu
        return val, np.concatenate([gW.ravel(), gH.ravel(), G.sum(axis=0)])

    theta0 = np.zeros(F * K + U * K + K)
    res = minimize(loss, theta0, jac=True, method="L-BFGS-B", options={"maxiter": max_iter})
    W, Hu, b = unpack(res.x)
    H = np.zeros((N_HASH, K))
    H[used] = Hu
    info = {"n_docs": len(inputs), "n_tokens": int(n), "l2": l2, "l2_hashed": l2_hashed, "iterations": int(res.nit)}
    return SecondStage(list(labels), list(sources), W, H, b, mean, scale, info)


def viterbi_bio(probs: np.ndarray, n_labels: int) -> np.ndarray:
    """The most probable valid BIO path under independent token probabilities."""
    T, K = probs.shape
    if T == 0:
        return np.zeros(0, dtype=np.int64)
    lp = np.log(np.clip(probs, 1e-12, 1.0))
    allowed = np.zeros((K, K))  # allowed[i, j]: state i followed by j
    for i in range(n_labels):
        inside = 2 + 2 * i
        allowed[:, inside] = -np.inf
        allowed[1 + 2 * i, inside] = allowed[inside, inside] = 0.0
    start = lp[0].copy()
    start[2::2] = -np.inf
    score, back = start, np.zeros((T, K), dtype=np.int64)
    for t in range(1, T):
        cand = score[:, None] + allowed
        back[t] = cand.argmax(axis=0)
        score = cand.max(axis=0) + lp[t]
    path = np.zeros(T, dtype=np.int64)
    path[-1] = int(score.argmax())
    for t in range(T - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path


def decode(probs: np.ndarray, labels: Sequence[str], threshold: float = 0.0) -> list[tuple[int, int, str, float]]:
    """Spans ``(start, end, label, prob)``: the constrained Viterbi path, each span's probability the
    mean over its tokens of P(B-X) + P(I-X); spans below ``threshold`` are dropped."""
    states = viterbi_bio(probs, len(labels))
    out = []
    t, T = 0, len(states)
    while t < T:
        s = states[t]
        if s % 2 == 1:
            i = (s - 1) // 2
            e = t + 1
            while e < T and states[e] == 2 + 2 * i:
                e += 1
            p = float((probs[t:e, 1 + 2 * i] + probs[t:e, 2 + 2 * i]).mean())
            if p >= threshold:
                out.append((t, e, labels[i], p))
            t = e
        else:
            t += 1
    return out


def doc_inputs(docs: Sequence[Doc], hmm, exclude: Sequence[str] = (), batch_size: int = 256) -> list[DocInput]:
    """The label model's posterior and the sources' codes for ``docs``; the sources ``exclude``
    and the component's ``clamp_sources`` (the review sources) are taken out of the documents first, so a reviewed document
    looks as an unreviewed one does."""
    from .tune import _without

    labels = list(hmm.labels_)
    exclude = list(dict.fromkeys(list(exclude) + list(hmm.cfg.get("clamp_sources") or [])))
    sources = [s for s in hmm.sources_ if s not in set(exclude)]
    out: list[DocInput] = []
    for b in range(0, len(docs), batch_size):
        batch = _without(docs[b : b + batch_size], exclude) if exclude else list(docs[b : b + batch_size])
        posts = hmm.predict_proba(batch)
        X, lengths, _ = encode_docs(batch, sources, labels)
        offsets = doc_offsets(lengths)
        for j, doc in enumerate(batch):
            out.append(DocInput(np.asarray(posts[j], dtype=float),
                                np.asarray(X[offsets[j] : offsets[j + 1]], dtype=np.int64),
                                [t.text for t in doc]))
    return out


def hmm_spans(inp: DocInput, labels: Sequence[str]) -> set:
    """The label model's own decoding of a document from its posterior (the baseline the
    second stage must beat), through the same constrained Viterbi."""
    return {(s, e, lab) for s, e, lab, _ in decode(inp.post, labels)}


@dataclass
class StageChoice:
    stage: SecondStage | None
    table: dict

    def summary(self) -> dict:
        return {"second_stage": bool(self.stage), **self.table}


def _choose_threshold(found, golds, weights, counts0, thresholds, min_gain, confidence, n_boot, seed):
    from .tune import _f1, _p_better

    best, best_f1, rows = 0.0, float(_f1(counts0.sum(axis=0))), []
    for thr in thresholds:
        pred = [{(s, e, lab) for s, e, lab, p in f if p >= thr} for f in found]
        c = _counts(list(zip(pred, golds)), weights)
        f1, pb = float(_f1(c.sum(axis=0))), _p_better(c, counts0, n_boot, seed)
        rows.append({"threshold": thr, "f1": round(f1, 4), "p_better": round(pb, 3)})
        if f1 > best_f1 + min_gain and pb >= confidence:
            best, best_f1 = float(thr), f1
    return best, rows


def _checked(weights, doc_ids) -> np.ndarray:
    """Finite > 0 weights (``E412`` names the document: its id, else ``#index``)."""
    weights = list(weights)
    return check_weights(weights, list(doc_ids) if doc_ids is not None else [f"#{i}" for i in range(len(weights))])


def _counts(pairs, weights) -> np.ndarray:
    return np.array([(w * len(p & g), w * len(p - g), w * len(g - p)) for (p, g), w in zip(pairs, weights)]).reshape(-1, 3)


def choose_stage(inputs: Sequence[DocInput], golds: Sequence[set], targets: Sequence[np.ndarray],
                 weights: Sequence[float], labels: Sequence[str], sources: Sequence[str], *, baseline: Sequence[set],
                 folds: int = 5, min_gain: float = 0.002, confidence: float = 0.9, n_boot: int = 500, seed: int = 0,
                 train_weights: str = "design", doc_ids: Sequence[str] | None = None,
                 thresholds: Sequence[float] = THRESHOLDS, **fit_kw) -> StageChoice:
    """Cross-fit the second stage over the reviewed documents (``inputs``; ``golds`` their reviewed
    spans, ``baseline`` the label model's spans) and keep it, fitted on all of them, only when it
    beats the baseline under the bootstrap guard. Its entity threshold (spans whose probability is
    below it are dropped) is then chosen on the same cross-fitted predictions among ``thresholds``,
    under the same guard against no threshold."""
    from .tune import _f1, _p_better

    weights = _checked(weights, doc_ids)
    n = len(inputs)
    table: dict = {"reviewed_docs": n, "folds": folds, "train_weights": train_weights}
    if n < max(2, folds):
        table["reason"] = f"{n} reviewed document(s): too few to cross-fit"
        return StageChoice(None, table)
    w_design = weights
    w_train = w_design if train_weights == "design" else np.ones(n)
    order = np.random.default_rng(seed).permutation(n)
    fold = np.empty(n, dtype=np.int64)
    fold[order] = np.arange(n) % folds
    found: list[list] = [[] for _ in range(n)]
    for k in range(folds):
        tr = np.flatnonzero(fold != k)
        if not any(targets[i].any() for i in tr):
            continue
        st = fit_stage([inputs[i] for i in tr], [targets[i] for i in tr], w_train[tr], labels, sources, **fit_kw)
        for i in np.flatnonzero(fold == k):
            found[i] = decode(st.state_probs(inputs[i]), labels)
    pred = [{(s, e, lab) for s, e, lab, _ in f} for f in found]
    cand = _counts(list(zip(pred, golds)), w_design)
    base = _counts(list(zip(baseline, golds)), w_design)
    f_c, f_b = float(_f1(cand.sum(axis=0))), float(_f1(base.sum(axis=0)))
    p_better = _p_better(cand, base, n_boot, seed)
    table.update({"f1_label_model": round(f_b, 4), "f1_second_stage": round(f_c, 4), "p_better": round(p_better, 3),
                  "f1_label_model_unweighted": round(weighted_prf(zip(baseline, golds), [1.0] * n)["f1"], 4),
                  "f1_second_stage_unweighted": round(weighted_prf(zip(pred, golds), [1.0] * n)["f1"], 4)})
    logger.info("second stage, cross-fitted on %d reviewed docs: F1 %.4f vs label model %.4f (p_better %.3f)",
                n, f_c, f_b, p_better)
    if not (f_c > f_b + min_gain and p_better >= confidence):
        table["reason"] = "does not beat the label model on the reviewed documents"
        return StageChoice(None, table)
    threshold, table["thresholds"] = _choose_threshold(found, golds, w_design, cand, thresholds, min_gain, confidence,
                                                       n_boot, seed)
    table["threshold"] = threshold
    stage = fit_stage(inputs, targets, w_train, labels, sources, **fit_kw)
    stage.threshold = threshold
    stage.info.update({k: v for k, v in table.items() if k != "reason"})
    return StageChoice(stage, table)


def apply_stage(stage: SecondStage, docs: Sequence[Doc], inputs: Sequence[DocInput], key: str, *,
                keep: Sequence[str] = (), threshold: float | None = None) -> None:
    """Write the second stage's spans (with probabilities) to ``doc.spans[key]``. Documents that carry
    a review (a group in ``keep``, e.g. ``human``) keep the spans of their review (probability 1)."""
    from ..spans import set_aggregate

    for doc, inp in zip(docs, inputs):
        review = next((doc.spans[k] for k in keep if k in doc.spans), None)
        if review is not None:
            spans = [Span(doc, s.start, s.end, label=s.label_) for s in review if s.label_ in stage.labels]
            probs = [1.0] * len(spans)
        else:
            found = decode(stage.state_probs(inp), stage.labels, stage.threshold if threshold is None else threshold)
            spans = [Span(doc, s, e, label=lab) for s, e, lab, _ in found]
            probs = [p for *_, p in found]
        set_aggregate(doc, key, spans, probs, [[AGGREGATOR]] * len(spans), aggregator=AGGREGATOR)


def stage_with_reviews(component, corpus: Sequence[Doc], dev: Sequence[Doc], *, key: str = "human",
                       gold_key: str = "gold", where: str = "the corpus", **kw) -> StageChoice:
    """The second stage for a fitted ``weak_hmm`` ``component`` (refitted with the reviews clamped,
    ``tune.refit_with_reviews``): cross-fitted on the reviewed dev set ``dev`` (``review import
    --dev``), matched to ``corpus`` (``E413`` / ``E414``), kept only when it wins (:func:`choose_stage`).
    Without reviews: no second stage."""
    from .export import doc_key
    from .importer import review_weights
    from .tune import _without, match_reviewed

    if not dev:
        return StageChoice(None, {"reviewed_docs": 0, "reason": "no reviews"})
    labels = list(component.labels_)
    reviewed = match_reviewed(corpus, dev, where)
    weights = review_weights(dev, gold_key)
    docs = [corpus[i] for i in reviewed]
    inputs = doc_inputs(docs, component, exclude=[key])
    sk = component.cfg["spans_key"]
    baseline = [{(s.start, s.end, s.label_) for s in d.spans.get(sk, []) if s.label_ in labels}
                for d in component.pipe(_without(docs, [key]))]
    golds = [{(s.start, s.end, s.label_) for s in d.spans.get(gold_key, []) if s.label_ in labels} for d in dev]
    targets = [gold_states(d, gold_key, labels) for d in dev]
    sources = [s for s in component.sources_ if s != key and s not in (component.cfg.get("clamp_sources") or [])]
    return choose_stage(inputs, golds, targets, weights, labels, sources, baseline=baseline,
                        doc_ids=[doc_key(d, j) for j, d in enumerate(dev)], **kw)


def annotate_with_stage(stage: SecondStage, component, docs: Sequence[Doc], *, key: str = "human",
                        batch_size: int = 256) -> list[Doc]:
    """``docs`` through ``component`` (the label model), then the second stage's silver in the
    component's span key (and ``doc.ents`` when the component writes them); reviewed documents
    keep their reviews."""
    from spacy.util import filter_spans

    sk = component.cfg["spans_key"]
    out = list(component.pipe(docs))
    for b in range(0, len(out), batch_size):
        batch = out[b : b + batch_size]
        apply_stage(stage, batch, doc_inputs(batch, component, exclude=[key]), sk, keep=[key])
        if component.cfg.get("annotate_ents"):
            for doc in batch:
                doc.ents = filter_spans(list(doc.spans[sk]))
    return out


def save_stage(stage: SecondStage, path) -> None:
    from ..io import write_json_atomic

    write_json_atomic(path, stage.to_dict())


def load_stage(path) -> SecondStage:
    import srsly

    return SecondStage.from_dict(srsly.read_json(path))
