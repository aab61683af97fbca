"""The typer application every command module attaches to.

Every command registered with ``@app.command(...)`` is wrapped by
:func:`spacy_weak.cli._guard.guard`: a failure ends with a coded message
(``[E...]``) and exit code 1, never a raw traceback.
"""
import typer

from ._guard import guard


class GuardedTyper(typer.Typer):
    def command(self, *args, outputs=None, **kwargs):
        """``outputs``: ``{parameter: "file" | "dir"}``, the command's output paths (every other path
        parameter is an input); see :func:`spacy_weak.cli._guard.guard`."""
        register = super().command(*args, **kwargs)

        def decorator(fn):
            register(guard(fn, outputs))
            return fn

        return decorator


app = GuardedTyper(
    name="spacy-weak",
    help="Weak supervision for spaCy: compile lexicons, annotate, fit, aggregate, analyse.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # click's plain help: option descriptions wrap at the terminal's width and are never cut
    # with "…" (rich's tables cut long words such as spacy_weak.partial_annotation.v1 at 80 columns)
    rich_markup_mode=None,
    context_settings={"max_content_width": 120},
)


def _show_version(value: bool) -> None:
    if value:
        from ..about import __version__

        typer.echo(f"spacy-weak {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, metavar="", help="Show the version and exit."
    ),
) -> None:
    """Weak supervision for spaCy: compile lexicons, annotate, fit, aggregate, analyse."""


def command_with_plain_flags():
    """The click command of :data:`app`, with on/off flags shown without a value in ``--help``
    (typer labels them ``<bool>`` as if they took one)."""
    command = typer.main.get_command(app)
    stack = [command]
    while stack:
        cmd = stack.pop()
        for param in cmd.params:
            if getattr(param, "is_flag", False) and hasattr(param, "metavar"):
                param.metavar = ""
        help_option = cmd.get_help_option(typer.Context(cmd))  # cached by the command
        if help_option is not None:
            help_option.metavar = ""
        stack.extend(getattr(cmd, "commands", {}).values())
    return command
