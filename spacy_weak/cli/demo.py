"""``spacy-weak demo``: the main job on the embedded sample in ``corpora/``."""
import typer

from ._app import app


@app.command("demo")
def demo_cli() -> None:
    """Annotate the embedded sample corpus and aggregate silver labels (not yet implemented)."""
    raise typer.Exit(code=1)
