"""The typer application every command module attaches to.

Every command registered with ``@app.command(...)`` is wrapped by
:func:`spacy_weak.cli._guard.guard`: a failure ends with a coded message
(``[E...]``) and exit code 1, never a raw traceback.
"""
import typer

from ._guard import guard


class GuardedTyper(typer.Typer):
    def command(self, *args, **kwargs):
        register = super().command(*args, **kwargs)

        def decorator(fn):
            register(guard(fn))
            return fn

        return decorator


app = GuardedTyper(
    name="spacy-weak",
    help="Weak supervision for spaCy: compile lexicons, annotate, fit, aggregate, analyse.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
