# ruff: noqa: B008 - typer declares options as argument defaults
"""``spacy-weak suggest``: recipe changes from a few reviewed documents, cross-validated, and
with ``--apply`` a new recipe next to the old one (library: ``spacy_weak/suggest/``)."""
from pathlib import Path

import typer

from ._app import app


@app.command("suggest", outputs={"output": "file", "json_path": "file"})
def suggest_cli(
    docbin_paths: list[Path] = typer.Argument(..., help="Annotated DocBins (every source of the recipe; the label model is fitted on them)."),
    recipe: Path = typer.Option(..., "--recipe", "-r", help="The recipe config that annotated them."),
    reviewed: list[Path] | None = typer.Option(None, "--reviewed", help="The reviewed dev set `review import` writes (or any DocBin whose gold group holds the reviewed mentions of some input documents)."),
    gold_key: str | None = typer.Option(None, "--gold-key", help="Without --reviewed: the span key holding gold in the reviewed input documents. With it: the key in the reviewed set."),
    eval_paths: list[Path] | None = typer.Option(None, "--eval", help="Annotated DocBin with gold scored before and after --apply (never the reviewed documents)."),
    lexicon: list[str] | None = typer.Option(None, "--lexicon", help="NAME=PATH for [paths] NAME of the recipe (as bench/quality.py)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="The new recipe (default: <recipe>.suggested.cfg next to it)."),
    apply: bool = typer.Option(False, "--apply", help="Write the new recipe, its files and a changelog; refit the label model."),
    folds: int = typer.Option(5, "--folds", help="Cross-validation folds over the reviewed documents."),
    seed: int = typer.Option(0, "--seed"),
    confidence: float = typer.Option(0.8, "--confidence", help="Share of bootstrap resamples of the reviewed documents in which a change must gain."),
    kinds: str = typer.Option(",".join(("stop_terms", "shape_filter", "boundary", "coordination", "new_terms", "drop_source")), "--kinds", help="Kinds of change to try, comma-separated."),
    json_path: Path | None = typer.Option(None, "--json", help="Write the suggestions as JSON."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace earlier outputs (never the recipe or an input)."),
) -> None:
    """Propose recipe changes (stop terms, shape filters, boundary words, coordination forms, new terms,
    sources to drop), each with its cross-validated effect on the reviewed documents; --apply writes them."""
    import sys

    from ..io import write_json_atomic
    from ..suggest.run import suggest

    lexicons = {}
    for item in lexicon or []:
        name, _, path = item.partition("=")
        lexicons[name.strip()] = path.strip()
    result = suggest(
        docbin_paths, recipe, reviewed=reviewed or None, gold_key=gold_key, eval_paths=eval_paths or [],
        lexicons=lexicons, output=output, apply=apply, k=folds, seed=seed, confidence=confidence,
        kinds=[k.strip() for k in kinds.split(",") if k.strip()], overwrite=overwrite,
        command="spacy-weak suggest " + " ".join(sys.argv[2:]),
    )
    typer.echo(f"{result['reviewed_docs']} reviewed documents, {result['folds']} folds, {result['candidates']} candidates; "
               f"cross-validated F1 {100 * result['cv_f1_before']:.2f} -> {100 * result['cv_f1_after']:.2f}")
    for c in result["changes"]:
        items = ", ".join(map(str, c["items"][:8])) + (" ..." if len(c["items"]) > 8 else "")
        typer.echo(f"  {100 * c['cv_effect']:+.2f}  {c['kind']:<13} {c['target']:<20} {c['detail']:<16} {items}")
    if not result["changes"]:
        typer.echo("  no change improved the cross-validated F1")
    for c in result.get("proposed", []):
        typer.echo(f"  proposed, not applied: {c['kind']} {c['target']} (CV {100 * c['cv_effect']:+.2f})")
    for name, s in (result.get("scores") or {}).items():
        typer.echo(f"{name}: F1 {100 * s['before']:.2f} -> {100 * s['after']:.2f} ({s['docs']} docs)")
    if apply:
        typer.echo(f"Wrote {result['output']}, {result['changelog']}, {result['after']}, {result['model_dir']}")
        typer.echo(f"Before/after per source: spacy-weak analyze {' '.join(map(str, docbin_paths))} --compare {result['after']}")
    if json_path is not None:
        keep = {k: v for k, v in result.items() if k not in ("edit", "chosen", "model", "base_model", "eval_docs_after")}
        write_json_atomic(json_path, keep)
        typer.echo(f"Wrote {json_path}")
    typer.echo(f"{result['timings_s']['total']:.1f}s")
