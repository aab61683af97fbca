"""Document-level label models: majority vote and Dawid-Skene / naive-Bayes EM.

Observations are an ``int8`` array ``V`` of shape ``(n_docs, n_sources, n_labels)``:

* ``-1`` the source did not run on the document (missing: contributes nothing);
* ``0`` the source ran and said nothing about the label (abstain);
* ``1`` the source voted *for* the label; ``2`` it voted *against* it.

Mutually exclusive classes (``multilabel=False``): the true class ``c`` of a
document is hidden; given ``c`` every source's observation on every label is
an independent categorical ``theta[s, l, c, v]`` (Dawid-Skene's confusion
matrices, extended with "abstain" and "against"). Multi-label
(``multilabel=True``): each label ``l`` is an independent binary class
``y_l`` with its own ``theta[s, l, y, v]`` and prior.

MAP-EM: pseudo-counts ``pseudo_count`` everywhere plus ``prior_strength`` on
agreement (class ``c`` -> "for" on ``c`` and "against" on the others; binary
``y=1`` -> "for", ``y=0`` -> "against"; and "abstain" everywhere, a neutral
prior on coverage). Initialised from the document majority vote. Class priors
are learned (with the same pseudo-counts) unless given.
"""
from typing import Dict, List, Optional, Sequence

import numpy as np

MISSING, ABSTAIN, FOR, AGAINST = -1, 0, 1, 2
N_OBS = 3
CHUNK = 4096


def doc_majority(V: np.ndarray, multilabel: bool, weights: Optional[np.ndarray] = None) -> np.ndarray:
    """Weighted document majority vote, ``(n_docs, n_labels)`` probabilities.

    Multi-class: the share of the (weighted) "for" votes of each class; a
    document without "for" votes gets uniform probabilities. Multi-label: per
    label, "for" weight / ("for" + "against") weight; no vote gives ``0.0``.
    """
    D, S, L = V.shape
    w = np.ones(S) if weights is None else np.asarray(weights, dtype=float)
    pos = np.einsum("dsl,s->dl", (V == FOR).astype(float), w)
    if not multilabel:
        total = pos.sum(axis=1, keepdims=True)
        return np.where(total > 0, pos / np.where(total > 0, total, 1.0), 1.0 / max(L, 1))
    neg = np.einsum("dsl,s->dl", (V == AGAINST).astype(float), w)
    total = pos + neg
    return np.where(total > 0, pos / np.where(total > 0, total, 1.0), 0.0)


class DawidSkene:
    """EM label model over document votes (see module docstring).

    n_sources, n_labels (int): shape of the votes.
    multilabel (bool): independent binary labels instead of one class.
    class_priors (array or None): fixed class priors (multi-class: one per
        label, normalised; multi-label: P(label) per label); None = learned.
    prior_strength, pseudo_count (float): Dirichlet pseudo-counts.
    """

    def __init__(
        self,
        n_sources: int,
        n_labels: int,
        *,
        multilabel: bool = False,
        class_priors: Optional[Sequence[float]] = None,
        prior_strength: float = 2.0,
        pseudo_count: float = 0.1,
        n_iter: int = 50,
        tol: float = 1e-4,
        weights: Optional[np.ndarray] = None,
    ):
        self.S, self.L = n_sources, n_labels
        self.multilabel = multilabel
        self.C = 2 if multilabel else n_labels
        self.fixed_priors = class_priors is not None
        self.prior_strength = prior_strength
        self.pseudo_count = pseudo_count
        self.n_iter = n_iter
        self.tol = tol
        self.weights = weights
        self.history: List[float] = []
        if multilabel:
            p1 = np.full(n_labels, 0.5) if class_priors is None else np.asarray(class_priors, dtype=float)
            self.priors = np.stack([1 - p1, p1], axis=1)  # (L, 2)
        else:
            p = np.full(n_labels, 1.0 / max(n_labels, 1)) if class_priors is None else np.asarray(class_priors, float)
            self.priors = p / p.sum()  # (C,)
        self.theta = np.full((self.S, self.L, self.C, N_OBS), 1.0 / N_OBS)

    # ----------------------------------------------------------------- priors
    def _theta_pc(self) -> np.ndarray:
        pc = np.full((self.S, self.L, self.C, N_OBS), self.pseudo_count)
        pc[..., ABSTAIN] += self.prior_strength
        if self.multilabel:
            pc[:, :, 1, FOR] += self.prior_strength
            pc[:, :, 0, AGAINST] += self.prior_strength
        else:
            eye = np.eye(self.L, dtype=bool)  # [l, c]
            pc[:, eye, FOR] += self.prior_strength
            pc[:, ~eye, AGAINST] += self.prior_strength
        return pc

    def _log_prior(self) -> float:
        lp = float(np.sum(self._theta_pc() * np.log(self.theta)))
        if not self.fixed_priors:
            lp += float(np.sum(self.pseudo_count * np.log(self.priors)))
        return lp

    # ------------------------------------------------------------------- core
    def _log_joint(self, V: np.ndarray) -> np.ndarray:
        """Multi-class: ``(D, C)``; multi-label: ``(D, L, 2)`` log p(class, votes)."""
        D = V.shape[0]
        logt = np.zeros((self.S, self.L, N_OBS + 1, self.C))  # last obs row = missing -> 0
        logt[:, :, :N_OBS, :] = np.log(self.theta).transpose(0, 1, 3, 2)
        s_idx = np.arange(self.S)[:, None]
        l_idx = np.arange(self.L)[None, :]
        out = np.empty((D, self.L, 2)) if self.multilabel else np.empty((D, self.C))
        for a in range(0, D, CHUNK):
            block = V[a : a + CHUNK].astype(np.int64)
            g = logt[s_idx, l_idx, block]  # (d, S, L, C)
            if self.multilabel:
                out[a : a + CHUNK] = g.sum(axis=1) + np.log(self.priors)[None]
            else:
                out[a : a + CHUNK] = g.sum(axis=(1, 2)) + np.log(self.priors)[None]
        return out

    def _posteriors(self, V: np.ndarray):
        lj = self._log_joint(V)
        m = lj.max(axis=-1, keepdims=True)
        p = np.exp(lj - m)
        z = p.sum(axis=-1, keepdims=True)
        return p / z, float(np.sum(np.log(z) + m))

    def _mstep(self, V: np.ndarray, q: np.ndarray) -> None:
        self.update(*self.suff_stats(V, q))

    # ------------------------------------- EM in pieces (spacy_weak.distributed)
    def suff_stats(self, V: np.ndarray, q: np.ndarray):
        """``(counts, q_sum)`` of the M-step for votes ``V`` and posteriors ``q``;
        sums over corpus parts give those of the whole corpus."""
        counts = np.zeros((self.S, self.L, self.C, N_OBS))
        for v in range(N_OBS):
            onehot = (V == v).astype(float)  # (D, S, L)
            if self.multilabel:
                counts[..., v] = np.einsum("dsl,dlc->slc", onehot, q)
            else:
                counts[..., v] = np.einsum("dsl,dc->slc", onehot, q)
        return counts, q.sum(axis=0)

    def init_stats(self, V: np.ndarray):
        """:meth:`suff_stats` of the majority-vote initialisation."""
        V = np.asarray(V, dtype=np.int8)
        q = doc_majority(V, self.multilabel, self.weights)
        if self.multilabel:
            q = np.stack([1 - q, q], axis=-1)
        return self.suff_stats(V, q)

    def estep(self, V: np.ndarray):
        """``(counts, q_sum, log_likelihood)`` under the current parameters."""
        V = np.asarray(V, dtype=np.int8)
        q, ll = self._posteriors(V)
        return (*self.suff_stats(V, q), ll)

    def update(self, counts: np.ndarray, q_sum: np.ndarray) -> None:
        """The M-step from (summed) :meth:`suff_stats`."""
        theta = counts + self._theta_pc()
        self.theta = theta / theta.sum(axis=-1, keepdims=True)
        if not self.fixed_priors:
            pri = q_sum + self.pseudo_count
            self.priors = pri / pri.sum(axis=-1, keepdims=True)

    def log_prior(self) -> float:
        return self._log_prior()

    def fit(self, V: np.ndarray) -> "DawidSkene":
        V = np.asarray(V, dtype=np.int8)
        q = doc_majority(V, self.multilabel, self.weights)
        if self.multilabel:
            q = np.stack([1 - q, q], axis=-1)
        self.history = []
        if V.shape[0] == 0:
            return self
        self._mstep(V, q)
        for _ in range(self.n_iter):
            q, ll = self._posteriors(V)
            self.history.append(ll + self._log_prior())
            self._mstep(V, q)
            if len(self.history) > 1 and self.history[-1] - self.history[-2] < self.tol * V.shape[0]:
                break
        return self

    def predict_proba(self, V: np.ndarray) -> np.ndarray:
        """``(n_docs, n_labels)``: class probabilities (sum to 1) or P(label)."""
        q, _ = self._posteriors(np.asarray(V, dtype=np.int8))
        return q[..., 1] if self.multilabel else q

    def to_dict(self) -> Dict:
        return {
            "multilabel": self.multilabel,
            "fixed_priors": self.fixed_priors,
            "theta": self.theta.tolist(),
            "priors": self.priors.tolist(),
            "prior_strength": self.prior_strength,
            "pseudo_count": self.pseudo_count,
        }

    def load_dict(self, data: Dict) -> "DawidSkene":
        self.theta = np.asarray(data["theta"], dtype=float).reshape(self.S, self.L, self.C, N_OBS)
        self.priors = np.asarray(data["priors"], dtype=float)
        self.fixed_priors = bool(data.get("fixed_priors", False))
        return self
