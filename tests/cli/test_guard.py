import pytest
import typer
from typer.testing import CliRunner

from spacy_weak.cli._guard import guard
from spacy_weak.errors import SpacyWeakError


def _app(exc):
    app = typer.Typer()

    @app.command()
    @guard
    def run():
        typer.echo("[E155] already reported", err=True)
        raise exc

    return app


@pytest.mark.parametrize("exc", [typer.Exit(code=1), typer.Exit(code=3), typer.Abort()])
def test_typer_exit_passes_through_the_guard(exc):
    # typer.Exit is not click's Exit in recent typer: it must not become "[E509] Unexpected Exit"
    result = CliRunner().invoke(_app(exc), [])
    assert "E509" not in result.output
    assert result.exit_code == (exc.exit_code if isinstance(exc, typer.Exit) else 1)


def test_spacy_weak_error_is_its_message():
    result = CliRunner().invoke(_app(SpacyWeakError("[E001] bad")), [])
    assert result.exit_code == 1 and "[E001] bad" in result.output and "Traceback" not in result.output
