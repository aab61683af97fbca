"""``spacy-weak lexicon compile|convert|info``: build and inspect gazetteer lexicons."""
import time
from pathlib import Path
from typing import Dict, List, Optional

import typer

from ..runs.lexicon import check_compile_output
from ._app import GuardedTyper, app

lexicon_app = GuardedTyper(
    name="lexicon",
    help="Compile lexicons (UMLS RRF, TSV, JSONL) for weak_gazetteer, convert open vocabularies, inspect compiled lexicons.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(lexicon_app, name="lexicon")


def _split(values: Optional[List[str]]) -> List[str]:
    out: List[str] = []
    for value in values or []:
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out


def _summary_table(summary: Dict, title: str) -> None:
    typer.echo(title)
    typer.echo(f"  records read: {summary.get('read', 0)}")
    kept = summary.get("kept", {})
    width = max([len(k) for k in kept] + [5])
    typer.echo(f"  {'label':<{width}}  records")
    for label, n in sorted(kept.items()):
        typer.echo(f"  {label:<{width}}  {n}")
    typer.echo(f"  distinct terms: {summary.get('terms', 0)}, entries (term, label): {summary.get('entries', 0)}, "
               f"ambiguous terms (several labels): {summary.get('ambiguous', 0)}")
    dropped = summary.get("dropped", {})
    if dropped:
        typer.echo("  dropped:")
        for reason, n in sorted(dropped.items()):
            typer.echo(f"    {reason}: {n}")
    else:
        typer.echo("  dropped: nothing")


@lexicon_app.command("compile", outputs={"output": "dir"})
def compile_cli(
    inputs: List[Path] = typer.Argument(..., help="Lexicon inputs: RRF folders (MRCONSO.RRF + MRSTY.RRF), TSV or JSONL files."),
    output: Path = typer.Option(..., "--output", "-o", help="Folder to write the compiled lexicon to."),
    format: str = typer.Option("auto", "--format", "-f", help="Input format: auto, rrf, tsv, jsonl."),
    semantic_map: Optional[Path] = typer.Option(
        None, "--semantic-map", help="RRF: JSON file semantic type (TUI, name or group) -> label. Default: the semantic group."
    ),
    language: str = typer.Option("ENG", "--language", help="RRF: LAT values to keep, comma-separated ('' keeps all)."),
    suppress: str = typer.Option("O,E,Y", "--suppress", help="RRF: SUPPRESS flags to drop, comma-separated."),
    sources: Optional[List[str]] = typer.Option(None, "--sources", help="RRF: SAB values to keep (default all)."),
    exclude_sources: Optional[List[str]] = typer.Option(None, "--exclude-sources", help="RRF: SAB values to drop."),
    label: Optional[str] = typer.Option(None, "--label", help="TSV/JSONL: label of lines that have none."),
    case_sensitive: bool = typer.Option(False, "--case-sensitive", help="Match case-sensitively."),
    short_term_max_len: int = typer.Option(3, "--short-term-max-len", help="Terms this short match case-sensitively."),
    no_unicode: bool = typer.Option(False, "--no-unicode-normalization", help="Do not apply NFKC."),
    no_fold: bool = typer.Option(False, "--no-fold-hyphens", help="Do not fold hyphens/whitespace variants."),
    min_term_length: int = typer.Option(2, "--min-term-length", help="Drop terms shorter than this (normalised)."),
    stop_terms: Optional[Path] = typer.Option(None, "--stop-terms", help="File with one stop term per line."),
) -> None:
    """Compile lexicon inputs into the on-disk form weak_gazetteer loads (with a progress bar and a summary).

    The normalisation options must be those of the component that will use the lexicon
    (the component checks it and names any difference).
    """
    from ..lexicons.compiled import CompiledLexicon
    from ..lexicons.readers import read_lexicon
    from ..lexicons.records import LexiconSummary
    from ..progress import progress

    check_compile_output(output, inputs)
    stops: List[str] = []
    if stop_terms is not None:
        from ..lexicons.tabular import iter_lines

        stops = [line.strip() for _, line in iter_lines(stop_terms) if line.strip()]
    sourcesl = [read_lexicon(p, format=format, **_reader_options(p, format, semantic_map, language, suppress,
                                                                sources, exclude_sources, label)) for p in inputs]
    total = LexiconSummary(", ".join(str(p) for p in inputs))

    def records():
        for src in sourcesl:
            yield from src
            total.merge(src.summary)

    t0 = time.perf_counter()
    lex = CompiledLexicon.build(
        progress(records(), desc="compile", unit="term"),
        summary=LexiconSummary(total.source),
        case_sensitive=case_sensitive,
        short_term_max_len=short_term_max_len,
        normalize_unicode=not no_unicode,
        fold_hyphens=not no_fold,
        min_term_length=min_term_length,
        stop_terms=stops,
    )
    build_s = time.perf_counter() - t0
    # reader drops + compiler drops; kept = what went into the lexicon
    lex.summary.read = total.read
    lex.summary.dropped.update(total.dropped)
    lex.to_disk(output)
    _summary_table(lex.summary.to_dict(), f"Compiled {lex.n_terms} terms into {output} in {build_s:.1f}s")


def _reader_options(path, format, semantic_map, language, suppress, sources, exclude_sources, label) -> Dict:
    from ..lexicons.readers import detect_format

    fmt = detect_format(path) if format == "auto" else format
    if fmt == "rrf":
        return {
            "semantic_map": str(semantic_map) if semantic_map else None,
            "language": _split([language]) or None,
            "suppress": _split([suppress]),
            "sources": _split(sources) or None,
            "exclude_sources": _split(exclude_sources),
        }
    if fmt in ("tsv", "jsonl"):
        return {"label": label} if label else {}
    return {}


@lexicon_app.command("convert", outputs={"output": "file"})
def convert_cli(
    vocabulary: str = typer.Argument(..., help="Open vocabulary: ctd (CTD MEDIC diseases), doid (Disease Ontology OBO), drugbank (DrugBank open vocabulary CSV)."),
    input_path: Path = typer.Argument(..., help="The vocabulary file (CTD_diseases.tsv.gz, doid.obo, drugbank_vocabulary.csv)."),
    output: Path = typer.Argument(..., help="Output gazetteer input: .jsonl -> JSONL, otherwise TSV (term, label, id)."),
    label: Optional[str] = typer.Option(None, "--label", help="Label of every term (default: Disease for ctd/doid, Chemical for drugbank)."),
    drop_tree: list[str] | None = typer.Option(None, "--drop-tree", help="CTD: drop concepts in this MeSH tree branch, e.g. C23.550.210 (repeat or comma-separate)."),
    tree_mode: str = typer.Option("all", "--tree-mode", help="all: drop a concept when all its tree numbers are in the branches; any: when one is."),
    drop_shape: list[str] | None = typer.Option(None, "--drop-shape", help="Drop terms of this shape: gene_symbol, acronym, short_symbol, name, lower."),
    spelling: bool = typer.Option(False, "--spelling-variants", help="Add British/American spelling variants (tumour/tumor, anaemia/anemia)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing OUTPUT file."),
) -> None:
    """Convert an open vocabulary into a TSV/JSONL gazetteer input, printing the counts."""
    from ..lexicons.conversion_filters import ConversionFilters
    from ..lexicons.open_vocab import convert

    # output vs input (E263) and a curated gazetteer of the user's (E701): checked by the CLI guard
    filters = ConversionFilters(drop_trees=_split(drop_tree), tree_mode=tree_mode, drop_shapes=_split(drop_shape),
                                spelling_variants=spelling)
    summary = convert(vocabulary, input_path, output, label=label, filters=filters)
    typer.echo(f"Wrote {summary.n_kept} records to {output}")
    typer.echo(f"  concepts read: {summary.read}")
    for lab, n in sorted(summary.kept.items()):
        typer.echo(f"  {lab}: {n} terms")
    for reason, n in sorted(summary.dropped.items()):
        typer.echo(f"  dropped ({reason}): {n}")
    for reason, n in sorted(filters.added.items()):
        typer.echo(f"  added ({reason}): {n}")


@lexicon_app.command("info")
def info_cli(
    path: Path = typer.Argument(..., help="A compiled lexicon folder (or a pipeline component folder holding 'lexicon')."),
    examples: int = typer.Option(5, "--examples", help="Example terms to show."),
) -> None:
    """Describe a compiled lexicon: options, labels, counts, what was dropped, example terms."""
    from ..lexicons.compiled import CompiledLexicon, read_meta

    if (path / "lexicon" / "meta.json").exists():
        path = path / "lexicon"
    meta = read_meta(path)
    CompiledLexicon.from_disk(path)  # the tables summarised pass the same checks as loading them (E009)
    typer.echo(f"Compiled lexicon {path}")
    typer.echo(f"  terms: {meta['n_terms']}, entries: {meta['n_entries']}, labels: {', '.join(meta['labels'])}")
    typer.echo("  options: " + ", ".join(f"{k}={v!r}" for k, v in meta["options"].items()))
    typer.echo(f"  pyahocorasick: {meta.get('pyahocorasick')}")
    size = sum(f.stat().st_size for f in path.iterdir() if f.is_file())
    typer.echo(f"  size on disk: {size / 1e6:.1f} MB")
    _summary_table(meta.get("summary", {}), "  when compiled:")
    if examples and (path / "keys.msgpack").exists():
        import srsly

        keys = srsly.read_msgpack(path / "keys.msgpack")
        step = max(1, len(keys) // examples)
        typer.echo("  example terms (normalised): " + "; ".join(keys[::step][:examples]))
