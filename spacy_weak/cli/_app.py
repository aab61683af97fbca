"""The typer application every command module attaches to."""
import typer

app = typer.Typer(
    name="spacy-weak",
    help="Weak supervision for spaCy: compile lexicons, annotate, fit, aggregate, analyse.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
