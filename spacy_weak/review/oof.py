"""A small out-of-fold token model for the audit when no cross-fitted model is given.

Confident learning needs probabilities from a model that did not see the labels it
judges. Here: a linear token classifier (scikit-learn ``SGDClassifier``, logistic loss)
over hashed lexical features of the token and its neighbours (lower-cased form, affixes,
shape), trained on the audited labels of the other folds (documents split into
``n_folds``) and applied to the held-out fold. Its view of a token (the words) is
independent of the labelling sources' votes and of the label model, so it can disagree
with both where a source fires out of character.
"""
import logging
from collections.abc import Sequence

import numpy as np
from spacy.tokens import Doc

logger = logging.getLogger(__name__)

N_FEATURES = 1 << 18


def _shape(text: str) -> str:
    out = []
    for ch in text[:8]:
        c = "X" if ch.isupper() else "x" if ch.islower() else "d" if ch.isdigit() else ch
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)


def token_features(doc: Doc) -> list[list[str]]:
    words = [t.text for t in doc]
    low = [w.lower() for w in words]
    feats = []
    for i, w in enumerate(words):
        f = [f"w={low[i]}", f"p3={low[i][:3]}", f"s3={low[i][-3:]}", f"s4={low[i][-4:]}", f"sh={_shape(w)}",
             f"len={min(len(w), 10)}"]
        for off in (-2, -1, 1, 2):
            j = i + off
            f.append(f"w{off}={low[j] if 0 <= j < len(words) else '<pad>'}")
        f.append(f"sh-1={_shape(words[i - 1]) if i else '<s>'}")
        f.append(f"sh+1={_shape(words[i + 1]) if i + 1 < len(words) else '</s>'}")
        feats.append(f)
    return feats


def crossfit_probs(
    docs: Sequence[Doc], token_labels: Sequence[np.ndarray], n_classes: int, *, n_folds: int = 5, seed: int = 0
) -> list[np.ndarray]:
    """Out-of-fold class probabilities ``(n_tokens, n_classes)`` per document."""
    from sklearn.feature_extraction import FeatureHasher
    from sklearn.linear_model import SGDClassifier

    hasher = FeatureHasher(n_features=N_FEATURES, input_type="string", alternate_sign=False)
    feats = [token_features(d) for d in docs]
    rng = np.random.default_rng(seed)
    fold = rng.integers(0, n_folds, size=len(docs))
    out: list[np.ndarray] = [np.zeros((len(d), n_classes)) for d in docs]
    for k in range(n_folds):
        train_idx = [i for i in range(len(docs)) if fold[i] != k and len(docs[i])]
        test_idx = [i for i in range(len(docs)) if fold[i] == k and len(docs[i])]
        if not train_idx or not test_idx:
            continue
        X = hasher.transform(f for i in train_idx for f in feats[i])
        y = np.concatenate([token_labels[i] for i in train_idx])
        present = np.unique(y)
        if len(present) < 2:
            for i in test_idx:
                out[i][:, present[0]] = 1.0
            continue
        clf = SGDClassifier(loss="log_loss", alpha=1e-5, max_iter=15, tol=None, random_state=seed)
        clf.fit(X, y)
        P = clf.predict_proba(hasher.transform(f for i in test_idx for f in feats[i]))
        full = np.zeros((P.shape[0], n_classes))
        full[:, clf.classes_] = P
        a = 0
        for i in test_idx:
            out[i] = full[a : a + len(docs[i])]
            a += len(docs[i])
        logger.debug("oof fold %d: %d train docs, %d held out", k, len(train_idx), len(test_idx))
    return out
