"""``spacy-weak convert FORMAT INPUT OUTPUT_DIR``: gold corpora to sharded DocBins.

The formats, their options and help come from the table of
:mod:`spacy_weak.corpora.formats`; the work is :func:`spacy_weak.corpora.convert.convert_corpus`.
"""
from pathlib import Path
from typing import Any, Dict, Optional

import typer

from ..corpora.convert import convert_corpus
from ..corpora.formats import convert_reader_options, format_help
from ._app import app
from ..runs.code import import_code


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
    format: str = typer.Argument(..., help=f"Input format: {format_help(convert=True)}."),
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
    """Convert a gold corpus to sharded DocBins (formats: see FORMAT).

    Gold spans go to doc.spans["gold"] and doc.ents; the document id to
    doc.spans["gold"].attrs["doc_id"]. Prints documents, gold spans per label
    and misaligned spans (fixed / dropped). Resumable: run it again after an
    interruption.
    """
    options = convert_reader_options(
        format,
        label_map=label_map,
        labels=labels,
        alignment_mode=alignment_mode,
        discontinuous=discontinuous,
        fix=fix,
        sentences_per_doc=sentences_per_doc,
    )
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
    print_convert_summary(summary, output_dir)
