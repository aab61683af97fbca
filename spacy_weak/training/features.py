"""The sources' votes as input features of the end model (``weak_token_features``).

The NER trained on silver sees only words; the label model sees the sources. A third of the
BC5CDR test mentions are forms the NER never saw in its training documents, and the sources
(dictionaries, rules) know half of them. This component hands the NER what the sources say, the
spaCy way: it writes each token's votes into ``token.tag_``, and the NER's ``tok2vec`` embeds
``TAG`` next to ``NORM``, ``PREFIX``, ``SUFFIX`` and ``SHAPE`` (``MultiHashEmbed``). The sources
and this component sit in front of the NER in the *trained* pipeline, frozen, and annotate the
predicted documents during training (``[training] annotating_components``) and at inference
alike, so the model learns how far each kind of vote can be trusted in context rather than a
fixed mapping (:func:`with_vote_features` writes that config).

A token's feature is the sorted set of ``<B|I>-<label>:<n>`` for every label some source votes
on it, ``n`` the number of sources voting it there (capped at ``max_count``); ``O`` spans
(a source's explicit "not an entity") count as the label ``O``; no vote at all is ``-``. Which
source voted is left out on purpose: the feature stays meaningful when a recipe gains or loses a
source of the same kind.

**Vote dropout.** Trained on silver made from the same votes, the NER can simply learn to copy
them, and then knows nothing the sources do not. With ``dropout`` > 0, while training (the
``spacy_weak.vote_dropout.v1`` callback of ``[training] before_update`` switches it on for the
steps of ``spacy train``; a loaded pipeline never drops), each run of voted tokens loses its
votes with that probability, so the NER also learns to find the silver's entities from the words
and their context: what it needs on the mentions no dictionary knows.
"""
import zlib
from typing import Iterable, List, Optional, Sequence

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import registry

from ..errors import Errors, SpacyWeakError
from ..spans import NEGATIVE_LABEL

NO_VOTE = "-"
FEATURE_ATTR = "TAG"


class TokenFeatures:
    """Writes the sources' votes of every token into ``token.tag_`` (see the module docstring)."""

    def __init__(self, nlp: Language, name: str, *, sources: Optional[Sequence[str]] = None, max_count: int = 3,
                 dropout: float = 0.0, seed: int = 0):
        if sources is not None and (isinstance(sources, str) or not all(isinstance(s, str) and s for s in sources)):
            raise SpacyWeakError(Errors.E323.format(name=name, param="sources", value=sources,
                                                    expected="a list of span keys, or null for every source"))
        if isinstance(max_count, bool) or not isinstance(max_count, int) or max_count < 1:
            raise SpacyWeakError(Errors.E323.format(name=name, param="max_count", value=max_count,
                                                    expected="an integer >= 1"))
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0.0 <= dropout < 1.0:
            raise SpacyWeakError(Errors.E323.format(name=name, param="dropout", value=dropout,
                                                    expected="a number in [0, 1)"))
        self.name = name
        self.sources = None if sources is None else list(sources)
        self.max_count = max_count
        self.dropout = float(dropout)
        self.seed = int(seed)
        self.training = False  # set by the spacy_weak.vote_dropout.v1 callback during `spacy train`
        self._calls = 0

    def _keys(self, doc: Doc) -> List[str]:
        if self.sources is not None:
            return [k for k in self.sources if k in doc.spans]
        from ..aggregation.observations import available_sources

        return available_sources(doc)

    def features(self, doc: Doc) -> List[str]:
        """The feature string of every token of ``doc``."""
        counts: List[dict] = [{} for _ in range(len(doc))]
        for key in self._keys(doc):
            for span in doc.spans[key]:
                label = "O" if span.label_ == NEGATIVE_LABEL else span.label_
                for t in range(span.start, span.end):
                    tag = ("B-" if t == span.start else "I-") + label
                    counts[t][tag] = counts[t].get(tag, 0) + 1
        return ["|".join(f"{tag}:{min(n, self.max_count)}" for tag, n in sorted(c.items())) or NO_VOTE
                for c in counts]

    def __call__(self, doc: Doc) -> Doc:
        feats = self.features(doc)
        if self.training and self.dropout > 0.0:
            feats = self._drop(doc, feats)
        for token, feature in zip(doc, feats):
            token.tag_ = feature
        return doc

    def _drop(self, doc: Doc, feats: List[str]) -> List[str]:
        """Each run of voted tokens loses its votes with probability ``dropout`` (a new draw per call)."""
        import numpy as np

        self._calls += 1
        rng = np.random.default_rng([self.seed, self._calls, zlib.crc32(doc.text.encode("utf8"))])
        out, t = list(feats), 0
        while t < len(out):
            if out[t] == NO_VOTE:
                t += 1
                continue
            end = t + 1
            while end < len(out) and out[end] != NO_VOTE and not any(f.startswith("B-") for f in out[end].split("|")):
                end += 1
            if rng.random() < self.dropout:
                out[t:end] = [NO_VOTE] * (end - t)
            t = end
        return out

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        for doc in docs:
            yield self(doc)


@Language.factory(
    "weak_token_features",
    assigns=["token.tag"],
    default_config={"sources": None, "max_count": 3, "dropout": 0.0, "seed": 0},
)
def make_token_features(nlp: Language, name: str, sources, max_count, dropout, seed: int):
    """The sources' votes as ``token.tag_`` features of the NER (``spacy_weak/training/features.py``).
    ``sources`` (list of span keys, or null: every source group), ``max_count`` (int >= 1): checked by
    :class:`TokenFeatures` (E323), not by the config schema, so a bad value gets the coded error."""
    return TokenFeatures(nlp, name, sources=sources, max_count=max_count, dropout=dropout, seed=seed)


@registry.callbacks("spacy_weak.vote_dropout.v1")
def make_vote_dropout():
    """``[training.before_update]``: switches the vote dropout of every ``weak_token_features``
    component on for the training steps (a pipeline loaded later has it off)."""

    def before_update(nlp: Language, args: dict) -> None:
        for _, proc in nlp.pipeline:
            if isinstance(proc, TokenFeatures):
                proc.training = True

    return before_update


def with_vote_features(cfg, sources_from, source_names: Sequence[str], *, name: str = "vote_features",
                       rows: int = 2000, dropout: float = 0.0) -> None:
    """Rewrite a ``spacy train`` config (a ``thinc`` ``Config``, in place) so that the NER reads the votes.

    ``sources_from``: a saved pipeline holding the labelling sources ``source_names`` (the
    recipe's pipeline, e.g. the fitted label model's folder); each becomes
    ``[components.<source>] source = ...``, then the ``weak_token_features`` component ``name``;
    all of them are frozen and annotating, in front of the config's own pipeline. Every
    ``MultiHashEmbed`` gets the ``TAG`` attribute with ``rows`` rows. ``dropout`` > 0: the vote
    dropout, switched on for training by ``[training.before_update]``."""
    from pathlib import Path

    if not (Path(sources_from) / "config.cfg").exists():
        raise SpacyWeakError(Errors.E305.format(path=sources_from, param="sources_from", err="not a saved pipeline"))
    names = list(source_names)
    if not names:
        raise SpacyWeakError(Errors.E305.format(path=sources_from, param="source_names", err="no source named"))
    clash = [n for n in names + [name] if n in cfg["nlp"]["pipeline"]]
    if clash:
        raise SpacyWeakError(Errors.E305.format(path=sources_from, param="source_names",
                                                err=f"already in the config's pipeline: {clash}"))
    n = 0
    for comp in cfg["components"].values():
        model = comp.get("model") if isinstance(comp, dict) else None
        embed = model.get("embed") if isinstance(model, dict) else None
        if isinstance(embed, dict) and "attrs" in embed and "rows" in embed and FEATURE_ATTR not in embed["attrs"]:
            embed["attrs"] = list(embed["attrs"]) + [FEATURE_ATTR]
            embed["rows"] = list(embed["rows"]) + [int(rows)]
            n += 1
    if not n:
        raise SpacyWeakError(Errors.E305.format(path=sources_from, param="config",
                                                err="no MultiHashEmbed layer (attrs, rows) to add the TAG feature to"))
    for src in names:
        cfg["components"][src] = {"source": str(sources_from)}
    cfg["components"][name] = {"factory": "weak_token_features", "sources": names, "max_count": 3,
                               "dropout": float(dropout), "seed": 0}
    cfg["nlp"]["pipeline"] = names + [name] + list(cfg["nlp"]["pipeline"])
    training = cfg["training"]
    training["frozen_components"] = list(training.get("frozen_components") or []) + names + [name]
    training["annotating_components"] = list(training.get("annotating_components") or []) + names + [name]
    if dropout > 0.0:
        if training.get("before_update"):
            raise SpacyWeakError(Errors.E305.format(path=sources_from, param="config",
                                                    err="[training.before_update] is taken: vote dropout needs it"))
        training["before_update"] = {"@callbacks": "spacy_weak.vote_dropout.v1"}


#: Factories whose components are aggregators, not labelling sources.
AGGREGATOR_FACTORIES = ("weak_vote", "weak_hmm", "weak_doc_vote", "weak_doc_em")


def source_components(pipeline) -> List[str]:
    """The labelling-source components of a saved pipeline (its ``config.cfg``, nothing loaded):
    every component except the aggregators (:data:`AGGREGATOR_FACTORIES`) and doc-level sources."""
    from pathlib import Path

    from spacy.util import load_config

    path = Path(pipeline) / "config.cfg"
    if not path.exists():
        raise SpacyWeakError(Errors.E305.format(path=pipeline, param="features_from", err="not a saved pipeline"))
    cfg = load_config(path, interpolate=False)
    out = []
    for name in cfg["nlp"]["pipeline"]:
        factory = cfg["components"].get(name, {}).get("factory", "")
        if factory in AGGREGATOR_FACTORIES or factory.startswith("weak_doc_"):
            continue
        out.append(name)
    return out
