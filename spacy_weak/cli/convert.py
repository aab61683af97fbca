"""``spacy-weak convert pubtator|bioc|iob INPUT OUTPUT_DIR``: gold corpora to sharded DocBins.

The output directory holds ``shard-*.spacy`` and ``manifest.json`` (see
:mod:`spacy_weak.corpora.shards`); running the same command again after an
interruption finishes the run, identical to an uninterrupted one.
"""
import logging
import time
from itertools import islice
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

import spacy
import srsly
import typer
from spacy.language import Language

from ..corpora.align import GOLD_KEY, ReadStats
from ..corpora.readers import read_corpus
from ..corpora.limits import _describe, guard_tokenizer
from ..corpora.output_dir import check_output_dir
from ..corpora.shards import ShardWriter, input_fingerprint
from ..errors import Errors, SpacyWeakError, Warnings, warn
from ..progress import progress, progress_enabled
from ._app import app
from .apply import import_code

logger = logging.getLogger(__name__)

CONVERT_FORMATS = ("pubtator", "bioc", "iob")


def parse_label_map(value: Optional[str]) -> Dict[str, Optional[str]]:
    """``"SomeType=Disease,Other="`` -> ``{"SomeType": "Disease", "Other": None}``."""
    mapping: Dict[str, Optional[str]] = {}
    if not value:
        return mapping
    for entry in value.split(","):
        if not entry.strip():
            continue
        raw, sep, target = entry.partition("=")
        if not sep or not raw.strip():
            raise SpacyWeakError(Errors.E258.format(entry=entry))
        mapping[raw.strip()] = target.strip() or None
    return mapping


def parse_list(value: Optional[str]) -> List[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def tokenizer_nlp(lang: str = "en", tokenizer: Optional[str] = None) -> Tuple[Language, Any]:
    """A Language whose ``make_doc`` tokenises the corpus, and what identifies it.

    ``tokenizer`` is None (``spacy.blank(lang)``), a registered tokenizer
    (``spacy_weak.biomedical_tokenizer.v1``), a pipeline directory or a
    ``config.cfg`` (its ``[nlp.tokenizer]`` block): gold must be tokenised
    like the pipeline that will annotate it, because ``apply`` keeps the
    tokens of DocBin input.
    """
    from spacy import util

    if not tokenizer:
        from .init import check_lang

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
    ``alignment_mode``, ``mode``, ``sentences_per_doc``, ``discontinuous``, ...);
    ``tokenizer`` see :func:`tokenizer_nlp`.
    The summary holds the documents, gold spans per label and the reader's
    alignment counts (``misaligned_fixed`` / ``misaligned_dropped``).
    """
    if format not in CONVERT_FORMATS:
        raise SpacyWeakError(Errors.E212.format(param="format", value=format, options=", ".join(CONVERT_FORMATS)))
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
        docs: Iterable = read_corpus(input_path, nlp, format=format, stats=stats, **reader_options)
        # Documents already written are read again (the reader's counts then
        # cover the whole input) but not written twice.
        docs = islice(docs, resumed_from, None)
        if show_progress and progress_enabled():
            docs = progress(docs, desc="convert", unit="doc")
        limit = nlp.tokenizer.max_length
        for doc in docs:
            if len(doc.text) > limit:  # pre-tokenised input (IOB) never meets the tokenizer's check
                raise SpacyWeakError(Errors.E510.format(doc=_describe(doc.text), n=len(doc.text), max_length=limit))
            writer.add(doc)
        writer.flush()
        read = stats.to_dict()
        summary = {
            "documents": writer.n_done,
            "entities": writer.counts,
            "spans_total": read["spans_total"],
            "aligned_exact": read["aligned_exact"],
            "misaligned": read["misaligned"],
            "misaligned_fixed": read["misaligned_fixed"],
            "misaligned_dropped": read["misaligned_dropped"],
            "merged_duplicates": read["merged_duplicates"],
            "not_in_ents": read["not_in_ents"],
            "excluded_labels": read["excluded_labels"],
            "repaired_tags": read["repaired_tags"],
            "skipped": read["skipped"],
            "examples": read["examples"],
        }
        writer.finish(summary=summary)
    return dict(summary, resumed_from=resumed_from, seconds=round(time.perf_counter() - start, 3))


def print_convert_summary(summary: Dict[str, Any], output_dir: Path) -> None:
    typer.echo(f"Wrote {summary['documents']} documents to {output_dir}")
    if summary.get("resumed_from"):
        typer.echo(f"  resumed: {summary['resumed_from']} documents were already written")
    for label, n in summary.get("entities", {}).items():
        typer.echo(f"  {label}: {n} gold spans")
    typer.echo(
        f"  misaligned spans: {summary.get('misaligned', 0)} "
        f"(fixed {summary.get('misaligned_fixed', 0)}, dropped {summary.get('misaligned_dropped', 0)})"
        f" of {summary.get('spans_total', 0)}"
    )
    for key, label in (
        ("merged_duplicates", "identical after alignment, kept once"),
        ("not_in_ents", "overlapping, kept in doc.spans['gold'] only"),
        ("repaired_tags", "IOB tags repaired"),
    ):
        if summary.get(key):
            typer.echo(f"  {label}: {summary[key]}")
    for raw, n in summary.get("excluded_labels", {}).items():
        typer.echo(f"  excluded by the label map: {raw} x{n}")
    for reason, n in summary.get("skipped", {}).items():
        typer.echo(f"  skipped ({reason}): {n}")
    for example in summary.get("examples", [])[:5]:
        typer.echo(f"    e.g. {example}")
    if "seconds" in summary:
        typer.echo(f"  time: {summary['seconds']:.1f}s")


@app.command("convert", outputs={"output_dir": "dir"})
def convert_cli(
    format: str = typer.Argument(..., help="Input format: pubtator, bioc or iob."),
    input_path: Path = typer.Argument(..., help="The corpus file."),
    output_dir: Path = typer.Argument(..., help="Directory for shard-*.spacy and manifest.json."),
    label_map: Optional[str] = typer.Option(
        None, "--label-map", help="Rename types: SomeType=Disease,Other=Chemical (RAW= drops a type)."
    ),
    labels: Optional[str] = typer.Option(None, "--labels", help="Keep only these labels (after mapping): Chemical,Disease."),
    shard_size: int = typer.Option(1000, "--shard-size", help="Documents per shard."),
    lang: str = typer.Option("en", "--lang", help="Language of the blank tokenizer."),
    tokenizer: Optional[str] = typer.Option(
        None,
        "--tokenizer",
        help="Tokenise like this: a registered tokenizer (spacy_weak.biomedical_tokenizer.v1), a pipeline dir or a config.cfg.",
    ),
    code: Optional[Path] = typer.Option(None, "--code", help="Python file registering functions (e.g. a tokenizer)."),
    alignment_mode: str = typer.Option(
        "expand", "--alignment-mode", help="Spans off token boundaries: expand, contract or strict (drop)."
    ),
    fix: bool = typer.Option(False, "--fix", help="IOB: repair I- tags that do not continue an entity (else an error)."),
    sentences_per_doc: Optional[int] = typer.Option(
        None, "--sentences-per-doc", help="IOB without -DOCSTART-: sentences per document (default 1)."
    ),
    discontinuous: str = typer.Option("skip", "--discontinuous", help="BioC: skip, cover or split."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Start again instead of resuming OUTPUT_DIR."),
    max_length: Optional[int] = typer.Option(None, "--max-length", help="Longest document in characters (default 1,000,000)."),
    max_token_work: Optional[int] = typer.Option(
        None, "--max-token-work", help="Tokenizer work limit per document for long runs of punctuation (docs/reliability.md)."
    ),
) -> None:
    """Convert a gold corpus (PubTator, BioC XML, CoNLL/IOB) to sharded DocBins.

    Gold spans go to doc.spans["gold"] and doc.ents; the document id to
    doc.spans["gold"].attrs["doc_id"]. Prints documents, gold spans per label
    and misaligned spans (fixed / dropped). Resumable: run it again after an
    interruption.
    """
    try:
        options: Dict[str, Any] = {"label_map": parse_label_map(label_map), "labels": parse_list(labels) or None}
        if format in ("pubtator", "bioc"):
            options["alignment_mode"] = alignment_mode
        if format == "bioc":
            options["discontinuous"] = discontinuous
        if format == "iob":
            options["mode"] = "fix" if fix else "strict"
            if sentences_per_doc is not None:
                options["sentences_per_doc"] = sentences_per_doc
        import_code(code)
        summary = convert_corpus(
            format,
            input_path,
            output_dir,
            lang=lang,
            tokenizer=tokenizer,
            shard_size=shard_size,
            overwrite=overwrite,
            max_length=max_length,
            max_token_work=max_token_work,
            **options,
        )
    except SpacyWeakError as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(code=1)
    print_convert_summary(summary, output_dir)
