"""What ``spacy-weak convert`` does: a gold corpus (any format of :mod:`.formats` that
``convert`` takes) to sharded DocBins, resumably.

The output directory holds ``shard-*.spacy`` and ``manifest.json`` (see
:mod:`spacy_weak.corpora.shards`); running the same conversion again after an
interruption finishes the run, identical to an uninterrupted one.
"""
import logging
import time
from itertools import islice
from pathlib import Path
from typing import Any, Dict, Iterable, Optional, Tuple

from spacy.language import Language

from ..errors import Errors, SpacyWeakError, Warnings, warn
from ..progress import progress, progress_enabled
from .align import GOLD_KEY, ReadStats
from .formats import CONVERT_FORMATS, get_format, parse_label_map, parse_list  # noqa: F401 (parse_*: re-exported)
from .limits import _describe, guard_tokenizer
from .output_dir import check_output_dir
from .shards import ShardWriter, input_fingerprint

logger = logging.getLogger(__name__)


def check_lang(lang: str, param: str = "--lang") -> None:
    """``E280`` for a language code spaCy does not have (instead of spaCy's ImportError)."""
    import spacy

    try:
        spacy.util.get_lang_class(lang)
    except (ImportError, KeyError, ValueError):
        raise SpacyWeakError(Errors.E280.format(lang=lang, param=param)) from None


def tokenizer_nlp(lang: str = "en", tokenizer: Optional[str] = None) -> Tuple[Language, Any]:
    """A Language whose ``make_doc`` tokenises the corpus, and what identifies it.

    ``tokenizer`` is None (``spacy.blank(lang)``), a registered tokenizer
    (``spacy_weak.biomedical_tokenizer.v1``), a pipeline directory or a
    ``config.cfg`` (its ``[nlp.tokenizer]`` block): gold must be tokenised
    like the pipeline that will annotate it, because ``apply`` keeps the
    tokens of DocBin input.
    """
    import spacy
    import srsly
    from spacy import util

    if not tokenizer:
        check_lang(lang)
        return spacy.blank(lang), None
    path = Path(tokenizer)
    try:
        if path.is_dir():
            nlp = spacy.load(path)
            return nlp, {"pipeline": str(path.name), "tokenizer": srsly.json_loads(srsly.json_dumps(nlp.config["nlp"]["tokenizer"]))}
        if path.is_file():
            config = util.load_config(path, interpolate=True)
            spec = config["nlp"]["tokenizer"]
            nlp = spacy.blank(config["nlp"].get("lang") or lang, config={"nlp": {"tokenizer": spec}})
            return nlp, {"tokenizer": srsly.json_loads(srsly.json_dumps(spec))}
        spec = {"@tokenizers": tokenizer}
        return spacy.blank(lang, config={"nlp": {"tokenizer": spec}}), {"tokenizer": spec}
    except (OSError, ValueError, KeyError) as err:
        raise SpacyWeakError(Errors.E259.format(value=tokenizer, err=f"{type(err).__name__}: {err}")) from None


def gold_counts(doc) -> Dict[str, int]:
    counts: Dict[str, int] = {}
    for span in doc.spans[GOLD_KEY] if GOLD_KEY in doc.spans else doc.ents:
        counts[span.label_] = counts.get(span.label_, 0) + 1
    return counts


def _read_summary(n_docs: int, counts: Dict[str, int], stats: ReadStats) -> Dict[str, Any]:
    """The summary a conversion records in its manifest: documents, gold spans per label and
    the reader's alignment counts."""
    read = stats.to_dict()
    summary: Dict[str, Any] = {"documents": n_docs, "entities": counts}
    for key in (
        "spans_total", "aligned_exact", "misaligned", "misaligned_fixed", "misaligned_dropped", "merged_duplicates",
        "not_in_ents", "excluded_labels", "repaired_tags", "skipped", "examples",
    ):
        summary[key] = read[key]
    return summary


def convert_corpus(
    format: str,
    input_path: Path,
    output_dir: Path,
    *,
    lang: str = "en",
    tokenizer: Optional[str] = None,
    shard_size: int = 1000,
    overwrite: bool = False,
    show_progress: bool = True,
    max_length: Optional[int] = None,
    max_token_work: Optional[int] = None,
    **reader_options: Any,
) -> Dict[str, Any]:
    """Convert a gold corpus to sharded DocBins (resumable); returns the summary.

    ``reader_options`` go to the reader (``label_map``, ``labels``,
    ``alignment_mode``, ``mode``, ``sentences_per_doc``, ``discontinuous``, ...;
    from command-line values: :func:`~spacy_weak.corpora.formats.convert_reader_options`);
    ``tokenizer`` see :func:`tokenizer_nlp`.
    The summary holds the documents, gold spans per label and the reader's
    alignment counts (``misaligned_fixed`` / ``misaligned_dropped``).
    """
    reader = get_format(format, CONVERT_FORMATS)
    input_path = Path(input_path)
    if not input_path.exists():
        raise SpacyWeakError(Errors.E200.format(path=input_path))
    check_output_dir(output_dir, [input_path])  # before anything is written
    start = time.perf_counter()
    nlp, tokenizer_id = tokenizer_nlp(lang, tokenizer)
    guard_tokenizer(nlp, max_length=max_length, max_token_work=max_token_work)
    settings = {
        "command": "convert",
        "format": format,
        "lang": nlp.lang,
        "tokenizer": tokenizer_id,
        "input": input_fingerprint(input_path),
        "options": {k: (sorted(v) if isinstance(v, (set, frozenset)) else v) for k, v in sorted(reader_options.items())},
    }
    writer = ShardWriter(
        output_dir, settings=settings, shard_size=shard_size, overwrite=overwrite, count_fn=gold_counts, inputs=[input_path]
    )
    if writer.complete:
        writer.close()
        warn(Warnings.W250.format(path=output_dir, docs=writer.n_done))
        return dict(writer.summary, resumed_from=writer.n_done, seconds=round(time.perf_counter() - start, 3))
    resumed_from = writer.n_done
    stats = ReadStats()
    with writer:  # releases the output directory's lock however this ends
        docs: Iterable = reader.read(input_path, nlp, stats=stats, **reader_options)
        # Documents already written are read again (the reader's counts then
        # cover the whole input) but not written twice.
        docs = islice(docs, resumed_from, None)
        if show_progress and progress_enabled():
            docs = progress(docs, desc="convert", unit="doc")
        limit = nlp.tokenizer.max_length
        for doc in docs:
            if len(doc.text) > limit:  # pre-tokenised input (IOB) never meets the tokenizer's check
                raise SpacyWeakError(Errors.E273.format(doc=_describe(doc.text), n=len(doc.text), max_length=limit))
            writer.add(doc)
        writer.flush()
        summary = _read_summary(writer.n_done, writer.counts, stats)
        writer.finish(summary=summary)
    return dict(summary, resumed_from=resumed_from, seconds=round(time.perf_counter() - start, 3))
