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
"""
from typing import Iterable, List, Optional, Sequence

from spacy.language import Language
from spacy.tokens import Doc

from ..errors import Errors, SpacyWeakError
from ..spans import NEGATIVE_LABEL

NO_VOTE = "-"
FEATURE_ATTR = "TAG"


class TokenFeatures:
    """Writes the sources' votes of every token into ``token.tag_`` (see the module docstring)."""

    def __init__(self, nlp: Language, name: str, *, sources: Optional[Sequence[str]] = None, max_count: int = 3):
        if sources is not None and (isinstance(sources, str) or not all(isinstance(s, str) and s for s in sources)):
            raise SpacyWeakError(Errors.E323.format(name=name, param="sources", value=sources,
                                                    expected="a list of span keys, or null for every source"))
        if isinstance(max_count, bool) or not isinstance(max_count, int) or max_count < 1:
            raise SpacyWeakError(Errors.E323.format(name=name, param="max_count", value=max_count,
                                                    expected="an integer >= 1"))
        self.name = name
        self.sources = None if sources is None else list(sources)
        self.max_count = max_count

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
        for token, feature in zip(doc, self.features(doc)):
            token.tag_ = feature
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterable[Doc]:
        for doc in docs:
            yield self(doc)


@Language.factory(
    "weak_token_features",
    assigns=["token.tag"],
    default_config={"sources": None, "max_count": 3},
)
def make_token_features(nlp: Language, name: str, sources, max_count):
    """The sources' votes as ``token.tag_`` features of the NER (``spacy_weak/training/features.py``).
    ``sources`` (list of span keys, or null: every source group), ``max_count`` (int >= 1): checked by
    :class:`TokenFeatures` (E323), not by the config schema, so a bad value gets the coded error."""
    return TokenFeatures(nlp, name, sources=sources, max_count=max_count)


def with_vote_features(cfg, sources_from, source_names: Sequence[str], *, name: str = "vote_features",
                       rows: int = 2000) -> None:
    """Rewrite a ``spacy train`` config (a ``thinc`` ``Config``, in place) so that the NER reads the votes.

    ``sources_from``: a saved pipeline holding the labelling sources ``source_names`` (the
    recipe's pipeline, e.g. the fitted label model's folder); each becomes
    ``[components.<source>] source = ...``, then the ``weak_token_features`` component ``name``;
    all of them are frozen and annotating, in front of the config's own pipeline. Every
    ``MultiHashEmbed`` gets the ``TAG`` attribute with ``rows`` rows."""
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
    cfg["components"][name] = {"factory": "weak_token_features", "sources": names, "max_count": 3}
    cfg["nlp"]["pipeline"] = names + [name] + list(cfg["nlp"]["pipeline"])
    training = cfg["training"]
    training["frozen_components"] = list(training.get("frozen_components") or []) + names + [name]
    training["annotating_components"] = list(training.get("annotating_components") or []) + names + [name]
