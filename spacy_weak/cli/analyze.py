"""``spacy-weak analyze``: per-source analysis, scores against gold, and the reports."""
import logging
import time
from pathlib import Path
from typing import List, Optional

import typer

from ._app import app

logger = logging.getLogger(__name__)


def _split(values: Optional[List[str]]) -> Optional[List[str]]:
    """Accept repeated options and comma-separated lists: ``--sources a,b --sources c``."""
    if not values:
        return None
    out: List[str] = []
    for value in values:
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out or None


@app.command("analyze", outputs={"json_path": "file", "markdown_path": "file", "html_path": "file"})
def analyze_cli(
    docbin_paths: List[Path] = typer.Argument(..., help="Annotated DocBin files or directories of *.spacy shards (streamed)."),
    gold: Optional[Path] = typer.Option(
        None, "--gold", help="Gold DocBin (file or shard directory) aligned with the input by order; gold in doc.ents "
        "(or in the span key given by --gold-key) and doc.cats."
    ),
    gold_key: Optional[str] = typer.Option(
        None, "--gold-key", help="Span key holding gold ('ents' for doc.ents). Without --gold: a key of the input docs."
    ),
    sources: Optional[List[str]] = typer.Option(
        None, "--sources", "-s", help="Sources to analyse: names or globs, comma-separated or repeated (default: all)."
    ),
    aggregates: Optional[List[str]] = typer.Option(
        None, "--aggregates", "-a", help="Aggregate span keys, e.g. silver,hmm ('ents' = doc.ents). Default: groups with attrs['probs']."
    ),
    model: Optional[Path] = typer.Option(
        None, "--model", "-m", help="Fitted aggregators (label models): a pipeline directory (weak_hmm and/or "
        "weak_doc_em), a weak_hmm component directory, or a JSON source report. Their learned figures are shown "
        "beside the measured ones."
    ),
    hmm: Optional[Path] = typer.Option(None, "--hmm", hidden=True, help="Deprecated name of --model."),
    code: Optional[Path] = typer.Option(None, "--code", help="Python file registering functions or factories "
                                        "(needed to load a --model pipeline with custom components)."),
    json_path: Optional[Path] = typer.Option(None, "--json", help="Write the full analysis as JSON."),
    markdown_path: Optional[Path] = typer.Option(None, "--markdown", help="Write the tables as Markdown."),
    html_path: Optional[Path] = typer.Option(None, "--html", help="Write a self-contained HTML report."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing --json/--markdown/--html files that are not earlier reports."),
    n_samples: int = typer.Option(6, "--samples", help="Documents rendered in the HTML report."),
    n_documents: int = typer.Option(10, "--documents", help="Documents listed per ranking (conflict, confidence)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Do not print the tables."),
    compare: Optional[List[Path]] = typer.Option(
        None, "--compare", help="Drift: give twice (--compare A --compare B) or once beside one input; per-source "
        "coverage, conflicts and learned accuracy of corpus A vs B (docs/review.md)."
    ),
    diagnostics: bool = typer.Option(
        True, "--diagnostics/--no-diagnostics", help="Error breakdown, boundary words, worst terms, dead/redundant "
        "sources, error documents (docs/diagnostics.md)."
    ),
) -> None:
    """Analyse labelling sources and aggregates: coverage, overlaps, conflicts, scores vs gold.

    Prints Snorkel-style tables (lf_summary columns, token and span level), P/R/F1 per label against gold (spaCy's scorer definitions), the proxy gap (silver vs gold), the documents with most conflict / lowest confidence, and the same analysis for document-level sources and doc.cats.

    See docs/evaluation.md for every column.
    """
    from ..errors import Warnings, warn
    from ..runs.analyze import analyze_corpus

    start = time.perf_counter()
    if compare:
        from ..review.drift import compare_cli

        compare_cli(list(docbin_paths), list(compare), sources=_split(sources), json_path=json_path)
        return
    if hmm is not None:
        warn(Warnings.W253.format(path=hmm))
        model = model or hmm
    result, models = analyze_corpus(
        docbin_paths, gold=gold, gold_key=gold_key, sources=_split(sources), aggregates=_split(aggregates),
        model=model, code=code, n_samples=n_samples, n_documents=n_documents, diagnostics=diagnostics,
    )
    if not quiet:
        _print_tables(result, models)
    _write_reports(result, json_path=json_path, markdown_path=markdown_path, html_path=html_path)
    typer.echo(
        f"Analysed {result.data.n_docs} documents, {len(result.data.sources)} sources, "
        f"{len(result.data.aggregates)} aggregates in {time.perf_counter() - start:.1f}s"
    )


def _print_tables(result, models) -> None:
    """The analysis's tables, and the source dependencies a fitted HMM learned."""
    from ..evaluation import report

    report.print_tables(result)
    if models.get("dependencies"):
        from ..aggregation.dependencies import format_report

        typer.echo(format_report(models["dependencies"]))


def _write_reports(result, *, json_path: Optional[Path], markdown_path: Optional[Path], html_path: Optional[Path]) -> None:
    """The reports asked for (JSON, Markdown, HTML), each named once written."""
    from ..evaluation import report

    for path, writer in ((json_path, report.write_json), (markdown_path, report.write_markdown), (html_path, report.write_html)):
        if path is None:
            continue
        writer(result, path)
        typer.echo(f"Wrote {path}")
        if path == html_path:
            from ..evaluation.charts import matplotlib_available

            if not matplotlib_available():
                typer.echo(f"  (no charts in {path}: matplotlib is not installed; pip install -e \".[report]\" "
                           "in the clone of spacy-weak)")
