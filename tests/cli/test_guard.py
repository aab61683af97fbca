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
    # typer.Exit is not click's Exit in recent typer: it must not become "[E272] Unexpected Exit"
    result = CliRunner().invoke(_app(exc), [])
    assert "E272" not in result.output
    assert result.exit_code == (exc.exit_code if isinstance(exc, typer.Exit) else 1)


def test_spacy_weak_error_is_its_message():
    result = CliRunner().invoke(_app(SpacyWeakError("[E001] bad")), [])
    assert result.exit_code == 1 and "[E001] bad" in result.output and "Traceback" not in result.output


def _commands(typer_app, prefix=()):
    for info in typer_app.registered_commands:
        yield (*prefix, info.name or info.callback.__name__), info.callback
    for group in typer_app.registered_groups:
        yield from _commands(group.typer_instance, (*prefix, group.name))


def test_every_command_and_subcommand_is_guarded():
    # `review import` on a non-UTF-8 file printed a raw traceback: sub-apps were plain typer.Typer
    from spacy_weak.cli import _load_commands, app

    _load_commands()
    commands = dict(_commands(app))
    assert ("review", "import") in commands and ("diagnose", "terms") in commands
    unguarded = [" ".join(name) for name, cb in commands.items() if not hasattr(cb, "__wrapped__")]
    assert unguarded == []


def test_command_line_warnings_are_the_coded_message_alone():
    from spacy_weak.cli import format_warning

    text = format_warning("[W100] Aggregator 'hmm': source 'x' wrote no spans.", UserWarning,
                          "/site-packages/spacy_weak/aggregation/hmm_component.py", 175, "return self._fit_arrays(X)")
    assert text == "warning: [W100] Aggregator 'hmm': source 'x' wrote no spans.\n"
