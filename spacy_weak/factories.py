"""Component factories, registered with spaCy through ``spacy_factories`` entry points.

spaCy imports every factory entry point each time it builds a ``Language``,
so this module imports spaCy only; each factory imports its component class
when it is called (the pattern of ``spacy/pipeline/factories.py``).
The default config of each factory is the component reference in
``docs/components.md`` (an index of ``docs/components/*.md``).
"""
from typing import Any, Callable, Dict, List, Optional

from spacy.language import Language

DEFAULT_LABEL_MAP = None  # no mapping: labels pass through unchanged


# ----------------------------------------------------------------- annotators


@Language.factory(
    "weak_gazetteer",
    assigns=["doc.spans"],
    default_config={
        "spans_key": None,
        "case_sensitive": False,
        "short_term_max_len": 3,
        "normalize_unicode": True,
        "fold_hyphens": True,
        "min_term_length": 2,
        "stop_terms": [],
        "ambiguous": "keep_all",
        "spans_filter": {"@misc": "spacy_weak.keep_all_spans.v1"},
        "label_map": DEFAULT_LABEL_MAP,
        "split_shapes": [],
        "split_ambiguous": False,
        "common_word_zipf": 0.0,
        "common_word_lang": "en",
    },
)
def make_gazetteer(
    nlp: Language,
    name: str,
    spans_key: Optional[str],
    case_sensitive: bool,
    short_term_max_len: int,
    normalize_unicode: bool,
    fold_hyphens: bool,
    min_term_length: int,
    stop_terms: List[str],
    ambiguous: str,
    spans_filter: Optional[Callable],
    label_map: Optional[Callable],
    split_shapes: List[str],
    split_ambiguous: bool,
    common_word_zipf: float,
    common_word_lang: str,
):
    from .annotators.gazetteer import Gazetteer

    return Gazetteer(
        nlp.vocab,
        name=name,
        spans_key=spans_key or name,
        case_sensitive=case_sensitive,
        short_term_max_len=short_term_max_len,
        normalize_unicode=normalize_unicode,
        fold_hyphens=fold_hyphens,
        min_term_length=min_term_length,
        stop_terms=stop_terms,
        ambiguous=ambiguous,
        spans_filter=spans_filter,
        label_map=label_map,
        split_shapes=split_shapes,
        split_ambiguous=split_ambiguous,
        common_word_zipf=common_word_zipf,
        common_word_lang=common_word_lang,
    )


@Language.factory(
    "weak_regex",
    assigns=["doc.spans"],
    default_config={
        "spans_key": None,
        "patterns": [],
        "flags": [],
        "alignment_mode": "strict",
        "label_map": DEFAULT_LABEL_MAP,
    },
)
def make_regex(
    nlp: Language,
    name: str,
    spans_key: Optional[str],
    patterns: List[Dict[str, Any]],
    flags: List[str],
    alignment_mode: str,
    label_map: Optional[Callable],
):
    from .annotators.regex import RegexAnnotator

    return RegexAnnotator(
        nlp.vocab,
        name=name,
        spans_key=spans_key or name,
        patterns=patterns,
        flags=flags,
        alignment_mode=alignment_mode,
        label_map=label_map,
    )


@Language.factory(
    "weak_function",
    assigns=["doc.spans"],
    default_config={"spans_key": None, "offsets": "token", "alignment_mode": "strict", "label_map": DEFAULT_LABEL_MAP},
)
def make_function(
    nlp: Language,
    name: str,
    function: Callable,
    spans_key: Optional[str],
    offsets: str,
    alignment_mode: str,
    label_map: Optional[Callable],
):
    from .annotators.function import FunctionAnnotator

    return FunctionAnnotator(
        nlp.vocab,
        name=name,
        function=function,
        spans_key=spans_key or name,
        offsets=offsets,
        alignment_mode=alignment_mode,
        label_map=label_map,
    )


@Language.factory(
    "weak_model",
    assigns=["doc.spans"],
    default_config={
        "spans_key": None,
        "annotation": "ents",
        "source_spans_key": None,
        "cats_threshold": 0.5,
        "cats_negative_threshold": None,
        "store_model": True,
        "batch_size": 64,
        "label_map": DEFAULT_LABEL_MAP,
        "abstain_outside": False,
    },
)
def make_model(
    nlp: Language,
    name: str,
    model: str,
    spans_key: Optional[str],
    annotation: str,
    source_spans_key: Optional[str],
    cats_threshold: float,
    cats_negative_threshold: Optional[float],
    store_model: bool,
    batch_size: int,
    label_map: Optional[Callable],
    abstain_outside: bool = False,
):
    from .annotators.model import ModelAnnotator

    return ModelAnnotator(
        nlp.vocab,
        name=name,
        model=model,
        spans_key=spans_key or name,
        annotation=annotation,
        source_spans_key=source_spans_key,
        cats_threshold=cats_threshold,
        cats_negative_threshold=cats_negative_threshold,
        store_model=store_model,
        batch_size=batch_size,
        label_map=label_map,
        lang=nlp.lang,
        abstain_outside=abstain_outside,
    )


@Language.factory(
    "weak_doc_function",
    assigns=["doc.spans"],
    default_config={"spans_key": None, "label_map": DEFAULT_LABEL_MAP},
)
def make_doc_function(
    nlp: Language,
    name: str,
    function: Callable,
    spans_key: Optional[str],
    label_map: Optional[Callable],
):
    from .annotators.doclevel import DocFunctionAnnotator

    return DocFunctionAnnotator(
        nlp.vocab, name=name, function=function, spans_key=spans_key or name, label_map=label_map
    )


@Language.factory(
    "weak_doc_keywords",
    assigns=["doc.spans"],
    default_config={
        "spans_key": None,
        "keywords": [],
        "patterns": [],
        "case_sensitive": False,
        "vote": 1,
        "min_matches": 1,
        "label_map": DEFAULT_LABEL_MAP,
    },
)
def make_doc_keywords(
    nlp: Language,
    name: str,
    label: str,
    spans_key: Optional[str],
    keywords: List[str],
    patterns: List[str],
    case_sensitive: bool,
    vote: int,
    min_matches: int,
    label_map: Optional[Callable],
):
    from .annotators.doclevel import DocKeywordAnnotator

    return DocKeywordAnnotator(
        nlp.vocab,
        name=name,
        label=label,
        spans_key=spans_key or name,
        keywords=keywords,
        patterns=patterns,
        case_sensitive=case_sensitive,
        vote=vote,
        min_matches=min_matches,
        label_map=label_map,
    )


@Language.factory(
    "weak_abbreviations",
    assigns=["doc.spans"],
    default_config={
        "spans_key": None,
        "sources": ["*"],
        "max_short_length": 10,
        "min_long_coverage": 0.5,
        "label_map": DEFAULT_LABEL_MAP,
    },
)
def make_abbreviations(
    nlp: Language,
    name: str,
    spans_key: Optional[str],
    sources: List[str],
    max_short_length: int,
    min_long_coverage: float,
    label_map: Optional[Callable],
):
    from .annotators.abbreviations import AbbreviationAnnotator

    return AbbreviationAnnotator(
        nlp.vocab,
        name=name,
        spans_key=spans_key or name,
        sources=sources,
        max_short_length=max_short_length,
        min_long_coverage=min_long_coverage,
        label_map=label_map,
    )


@Language.factory(
    "weak_doc_consistency",
    assigns=["doc.spans"],
    default_config={
        "spans_key": None,
        "sources": ["*"],
        "min_votes": 1,
        "case_sensitive": False,
        "min_length": 2,
        "label_map": DEFAULT_LABEL_MAP,
    },
)
def make_doc_consistency(
    nlp: Language,
    name: str,
    spans_key: Optional[str],
    sources: List[str],
    min_votes: int,
    case_sensitive: bool,
    min_length: int,
    label_map: Optional[Callable],
):
    from .annotators.consistency import DocConsistencyAnnotator

    return DocConsistencyAnnotator(
        nlp.vocab,
        name=name,
        spans_key=spans_key or name,
        sources=sources,
        min_votes=min_votes,
        case_sensitive=case_sensitive,
        min_length=min_length,
        label_map=label_map,
    )


@Language.factory(
    "weak_boundary",
    assigns=["doc.spans"],
    default_config={
        "spans_key": None,
        "sources": ["*"],
        "labels": [],
        "widen_left": [],
        "widen_right": [],
        "trim_left": [],
        "trim_right": [],
        "patterns": ["type_n", "x_linked"],
        "max_widen": 3,
        "trim_negative": False,
        "label_map": DEFAULT_LABEL_MAP,
    },
)
def make_boundary(
    nlp: Language,
    name: str,
    spans_key: str | None,
    sources: list[str],
    labels: list[str],
    widen_left: list[str],
    widen_right: list[str],
    trim_left: list[str],
    trim_right: list[str],
    patterns: list[str],
    max_widen: int,
    trim_negative: bool,
    label_map: Callable | None,
):
    """A span-boundary source: widens / trims other sources' spans (annotators/boundary.py)."""
    from .annotators.boundary import BoundaryAnnotator

    return BoundaryAnnotator(
        nlp.vocab,
        name=name,
        spans_key=spans_key or name,
        sources=sources,
        labels=labels,
        widen_left=widen_left,
        widen_right=widen_right,
        trim_left=trim_left,
        trim_right=trim_right,
        patterns=patterns,
        max_widen=max_widen,
        trim_negative=trim_negative,
        label_map=label_map,
    )


# ---------------------------------------------------------------- aggregators


@Language.factory(
    "weak_vote",
    assigns=["doc.spans", "doc.ents"],
    default_config={
        "sources": ["*"],
        "labels": [],
        "weights": {},
        "spans_key": "silver",
        "annotate_ents": True,
        "level": "token",
        "merge_adjacent": False,
    },
)
def make_vote(
    nlp: Language,
    name: str,
    sources: List[str],
    labels: List[str],
    weights: Dict[str, float],
    spans_key: str,
    annotate_ents: bool,
    level: str,
    merge_adjacent: bool,
):
    from .aggregation.vote_component import VoteAggregator

    return VoteAggregator(
        nlp.vocab,
        name=name,
        sources=sources,
        labels=labels,
        weights=weights,
        spans_key=spans_key,
        annotate_ents=annotate_ents,
        level=level,
        merge_adjacent=merge_adjacent,
    )


@Language.factory(
    "weak_hmm",
    assigns=["doc.spans", "doc.ents"],
    default_config={
        "sources": ["*"],
        "labels": [],
        "spans_key": "silver",
        "annotate_ents": True,
        "n_iter": 20,
        "tol": 1e-3,
        "seed": 0,
        "prior_strength": 5.0,
        "span_prob": "mean",
        "weights": {},
        "pseudo_count": 0.1,
        "learn_transitions": False,
        "anchor_strength": 5.0,
        "scheme": "BIO",
        "merge_adjacent": False,
        "dependencies": True,
        "dependency_threshold": 0.3,
        "clamp_sources": [],
        "clamp_learn": False,
        "review_weight": 1.0,
    },
)
def make_hmm(
    nlp: Language,
    name: str,
    sources: List[str],
    labels: List[str],
    spans_key: str,
    annotate_ents: bool,
    n_iter: int,
    tol: float,
    seed: int,
    prior_strength: float,
    span_prob: str,
    weights: Dict[str, float],
    pseudo_count: float,
    learn_transitions: bool,
    anchor_strength: float,
    scheme: str,
    merge_adjacent: bool,
    dependencies: bool,
    dependency_threshold: float,
    clamp_sources: List[str] = (),  # default_config gives []
    clamp_learn: bool = False,
    review_weight: float = 1.0,
):
    from .aggregation.hmm_component import HMMAggregator

    return HMMAggregator(
        nlp.vocab,
        name=name,
        sources=sources,
        labels=labels,
        spans_key=spans_key,
        annotate_ents=annotate_ents,
        n_iter=n_iter,
        tol=tol,
        seed=seed,
        prior_strength=prior_strength,
        span_prob=span_prob,
        weights=weights,
        pseudo_count=pseudo_count,
        learn_transitions=learn_transitions,
        anchor_strength=anchor_strength,
        scheme=scheme,
        merge_adjacent=merge_adjacent,
        dependencies=dependencies,
        dependency_threshold=dependency_threshold,
        clamp_sources=clamp_sources,
        clamp_learn=clamp_learn,
        review_weight=review_weight,
    )


@Language.factory(
    "weak_doc_vote",
    assigns=["doc.cats"],
    default_config={
        "sources": ["*"],
        "labels": [],
        "multilabel": False,
        "weights": {},
        "cats_output": "hard",
        "threshold": 0.5,
        "spans_key": None,
    },
)
def make_doc_vote(
    nlp: Language,
    name: str,
    sources: List[str],
    labels: List[str],
    multilabel: bool,
    weights: Dict[str, float],
    cats_output: str,
    threshold: float,
    spans_key: Optional[str],
):
    from .aggregation.doc_components import DocVoteAggregator

    return DocVoteAggregator(
        nlp.vocab,
        name=name,
        sources=sources,
        labels=labels,
        multilabel=multilabel,
        weights=weights,
        cats_output=cats_output,
        threshold=threshold,
        spans_key=spans_key,
    )


@Language.factory(
    "weak_doc_em",
    assigns=["doc.cats"],
    default_config={
        "sources": ["*"],
        "labels": [],
        "multilabel": False,
        "n_iter": 50,
        "tol": 1e-4,
        "seed": 0,
        "class_priors": None,
        "prior_strength": 2.0,
        "cats_output": "hard",
        "threshold": 0.5,
        "spans_key": None,
    },
)
def make_doc_em(
    nlp: Language,
    name: str,
    sources: List[str],
    labels: List[str],
    multilabel: bool,
    n_iter: int,
    tol: float,
    seed: int,
    class_priors: Optional[Dict[str, float]],
    prior_strength: float,
    cats_output: str,
    threshold: float,
    spans_key: Optional[str],
):
    from .aggregation.doc_components import DocEMAggregator

    return DocEMAggregator(
        nlp.vocab,
        name=name,
        sources=sources,
        labels=labels,
        multilabel=multilabel,
        n_iter=n_iter,
        tol=tol,
        seed=seed,
        class_priors=class_priors,
        prior_strength=prior_strength,
        cats_output=cats_output,
        threshold=threshold,
        spans_key=spans_key,
    )


@Language.factory("weak_span_filter", assigns=["doc.spans"], default_config={"terms": {}, "shapes": {}})
def make_span_filter(nlp: Language, name: str, terms: Dict[str, List[str]], shapes: Dict[str, List[str]]):
    """Drops other sources' spans by text or shape (annotators/span_filter.py)."""
    from .annotators.span_filter import SpanFilter

    return SpanFilter(nlp.vocab, name=name, terms=terms, shapes=shapes)
