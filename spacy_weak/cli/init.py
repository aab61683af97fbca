"""``spacy-weak init DIR --data PATH``: a weak-supervision project for your own text."""
from pathlib import Path

import typer

from ..corpora.convert import check_lang
from ._app import app


@app.command("init", outputs={"directory": "dir"})
def init_cli(
    directory: Path = typer.Argument(..., help="Folder for the new project (created; existing files are never overwritten)."),
    data: Path = typer.Option(..., "--data", "-d", help="Your text: a folder of .txt files, a .txt file (one document "
                              "per line), JSONL with a text field, or CSV/TSV with a text column."),
    label: str = typer.Option("ENTITY", "--label", "-l", help="The entity label the example sources write."),
    lang: str = typer.Option("en", "--lang", help="spaCy language code of the text."),
    text_field: str = typer.Option("text", "--text-field", help="JSONL field / CSV column holding the text."),
    run: bool = typer.Option(True, "--run/--no-run", help="Run the workflow up to the report on the data at once."),
) -> None:
    """Scaffold a project for your own text: sources (a gazetteer, a regex, two Python functions in
    rules.py), the HMM, project.yml (annotate -> fit -> analyze -> train) and a README; then run it."""
    import sys

    from ..scaffold import run_first_pass, scaffold

    check_lang(lang)
    made = scaffold(directory, data, label=label, lang=lang, text_field=text_field)
    typer.echo(f"Created {directory} for {made['n_docs']} documents of {data}:")
    for rel in made["files"]:
        typer.echo(f"  {rel}")
    if made["terms"]:
        typer.echo(f"  (lexicon.tsv seeded with {len(made['terms'])} words your text always capitalises, "
                   f"e.g. {', '.join(made['terms'][:3])}: keep the {label} ones, add your own terms)")
    else:
        typer.echo("  (no word of your text looks like a name for lexicon.tsv: add your terms there, one "
                   "`term<TAB>label` per line, and the gazetteer to the pipeline: see configs/weak.cfg)")
    if run:
        typer.echo("Running convert, annotate, fit, silver, analyze (as `spacy project run` does) ...")
        done = run_first_pass(directory, data, lang=lang, text_field=text_field)
        silver = done["silver"]
        n_ents = sum(silver.get("ents", {}).values())
        typer.echo(f"Ran convert, annotate, fit, silver, analyze: {done['documents']} documents, "
                   f"{n_ents} silver {label} entities (recorded in project.lock)")
        typer.echo(f"  report: {directory / 'reports' / 'report.html'}")
        sys.stdout.flush()
        for line in dict.fromkeys(done["warnings"]):  # the steps' warnings, here rather than after "Next:"
            typer.echo(line, err=True)
        sys.stderr.flush()
    typer.echo("\nNext:")
    typer.echo(f"  cd {directory}")
    typer.echo("  spacy project run all      # skips the steps above (nothing changed) and trains a spaCy NER on the silver labels")
    typer.echo("  then improve rules.py, lexicon.tsv and configs/weak.cfg, and run it again (see README.md)")
