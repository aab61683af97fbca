"""Lexicon noise features of ``weak_gazetteer`` that a user switches on.

Open vocabularies carry terms that are right as synonyms and wrong in running text:
frequent English words ("lead", "was"), short symbols and acronyms ("MS", "Ca"), gene
symbols listed as synonyms of a disease ("BRCA1"), terms that map to several labels. Rather
than a word list per corpus, three generic mechanisms, each counted in the compile summary
(:class:`~.records.LexiconSummary`, ``dropped`` / ``flagged``):

``common_word_zipf`` (compile time)
    drop terms whose frequency in general English text, on the Zipf scale of the
    ``wordfreq`` library (``log10`` of occurrences per billion words: "the" 7.7, "water"
    5.5, "aspirin" 3.3), is at least this value (0 = off). ``wordfreq`` is an optional
    extra (``pip install -e ".[wordfreq]"``), imported only when the option is on;
    its word lists ship inside its wheel (nothing is downloaded).
``split_shapes`` (match time)
    a match whose text has one of these shapes (:mod:`.shapes`: ``acronym``,
    ``short_symbol``, ``gene_symbol``, ``name``, ``lower``; the first that holds, in the
    order given) is written to the sub-source ``<spans_key>_<shape>`` instead of
    ``<spans_key>``, so the label model learns its reliability apart (a gene-symbol-shaped
    match in a disease vocabulary is usually a gene). The compile summary counts the terms
    of each shape (``flagged["shape:<shape>"]``).
``split_ambiguous`` (match time)
    a match of a term with several labels goes to ``<spans_key>_ambiguous`` (one span per
    label, as before); the summary's ``ambiguous`` counts those terms.

Every sub-source group is written on every document (empty when nothing matched), so the
label model knows the sub-source ran.
"""
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence

from spacy.tokens import Span

from ..errors import Errors, SpacyWeakError
from .records import LexiconRecord, LexiconSummary, as_record
from .shapes import SHAPES

AMBIGUOUS = "ambiguous"


def check_options(name: str, split_shapes: Sequence[str], common_word_zipf: float) -> None:
    unknown = [s for s in split_shapes if s not in SHAPES]
    if unknown:
        raise SpacyWeakError(Errors.E014.format(name=name, shapes=", ".join(unknown), known=", ".join(SHAPES)))
    if not 0.0 <= float(common_word_zipf) <= 8.0:
        raise SpacyWeakError(Errors.E015.format(name=name, value=common_word_zipf))


def common_word_test(zipf: float, lang: str = "en") -> Callable[[str], bool]:
    """``term -> True`` when ``wordfreq.zipf_frequency(term, lang) >= zipf``."""
    try:
        from wordfreq import zipf_frequency
    except ImportError as err:
        raise SpacyWeakError(Errors.E016.format(zipf=zipf)) from err
    cache: Dict[str, bool] = {}

    def is_common(term: str) -> bool:
        hit = cache.get(term)
        if hit is None:
            hit = cache[term] = zipf_frequency(term, lang) >= zipf
        return hit

    return is_common


def filter_records(
    records: Iterable,
    summary: LexiconSummary,
    *,
    common_word_zipf: float = 0.0,
    lang: str = "en",
    split_shapes: Sequence[str] = (),
    shape_terms: Optional[Dict[str, List[str]]] = None,
) -> Iterator[LexiconRecord]:
    """Stream ``records`` without the common English words (``dropped["common_word"]``),
    counting the terms of each split shape (``flagged["shape:<shape>"]``); with ``shape_terms``,
    the terms of each shape are collected there too (to check which ones the compiled lexicon kept)."""
    is_common = common_word_test(common_word_zipf, lang) if common_word_zipf else None
    predicates = [(s, SHAPES[s]) for s in split_shapes]
    for item in records:
        rec = as_record(item)
        if is_common is not None and is_common(rec.term):
            summary.drop("common_word")
            continue
        for shape, predicate in predicates:
            if predicate(rec.term):
                summary.flag(f"shape:{shape}")
                if shape_terms is not None:
                    shape_terms.setdefault(shape, []).append(rec.term)
                break
        yield rec


def unmatchable_shapes(compiled, split_shapes: Sequence[str], shape_terms: Dict[str, List[str]]) -> List[str]:
    """The split shapes none of whose terms the compiled lexicon kept (``min_term_length``,
    ``stop_terms`` or the other options dropped them all): their sub-sources cannot match."""
    return [s for s in split_shapes if not any(term in compiled for term in shape_terms.get(s, ()))]


def sub_keys(spans_key: str, split_shapes: Sequence[str], split_ambiguous: bool) -> List[str]:
    """The sub-source span keys, in routing order."""
    return [f"{spans_key}_{s}" for s in split_shapes] + ([f"{spans_key}_{AMBIGUOUS}"] if split_ambiguous else [])


def route(
    spans: Sequence[Span], spans_key: str, split_shapes: Sequence[str], split_ambiguous: bool
) -> Dict[str, List[Span]]:
    """``{key: spans}`` for the main key and every sub-source key (possibly empty lists)."""
    out: Dict[str, List[Span]] = {spans_key: []}
    for key in sub_keys(spans_key, split_shapes, split_ambiguous):
        out[key] = []
    labels_at: Dict[tuple, set] = {}
    if split_ambiguous:
        for sp in spans:
            labels_at.setdefault((sp.start, sp.end), set()).add(sp.label_)
    predicates = [(f"{spans_key}_{s}", SHAPES[s]) for s in split_shapes]
    shape_of: Dict[str, Optional[str]] = {}
    for sp in spans:
        if split_ambiguous and len(labels_at[(sp.start, sp.end)]) > 1:
            out[f"{spans_key}_{AMBIGUOUS}"].append(sp)
            continue
        text = sp.text
        key = shape_of.get(text, "")
        if key == "":
            key = next((k for k, predicate in predicates if predicate(text)), None)
            shape_of[text] = key
        out[key or spans_key].append(sp)
    return out
