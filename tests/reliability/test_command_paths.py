"""Classes 2, 3 and 8 of issue 26: no output lands on an input or on another output (whatever the
spelling: symlinks, ``..``), and a command replaces its own earlier output, never anyone else's file."""
import inspect
import os
import re
import typing
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.tokens import DocBin

from spacy_weak.cli import app
from spacy_weak.cli._guard import _is_path_type
from spacy_weak.corpora.command_paths import STAMP_FILE, check_command_paths, check_file_outputs, stamp
from spacy_weak.errors import SpacyWeakError

from ..training._data import make_docs
from .helpers import assert_coded_failure, run_cli, snapshot


@pytest.fixture()
def corpus(tmp_path):
    path = tmp_path / "in.spacy"
    DocBin(docs=make_docs(6)).to_disk(path)
    shards = tmp_path / "shards"
    shards.mkdir()
    DocBin(docs=make_docs(4)).to_disk(shards / "shard-00000.spacy")
    return tmp_path, path, shards


# --------------------------------------------------------------- every command
def _commands(typer_app, prefix=()):
    for info in typer_app.registered_commands:
        yield (*prefix, info.name), info.callback
    for group in typer_app.registered_groups:
        yield from _commands(group.typer_instance, (*prefix, group.name))


OUTPUT_NAME = re.compile(r"output|json|html|markdown|^dev$|^directory$|stop_terms|lexicon_out")


def test_every_command_declares_its_outputs():
    """The guard treats every undeclared path parameter as an input; an output-looking parameter
    that is not declared would escape the check. (New commands: declare outputs={...}.)"""
    seen = []
    for name, callback in _commands(app):
        declared = getattr(callback, "__spacy_weak_outputs__", None)
        assert declared is not None, f"{name} is not registered through the guard"
        fn = inspect.unwrap(callback)
        hints = typing.get_type_hints(fn)
        for param, hint in hints.items():
            if param == "return" or not _is_path_type(hint):
                continue
            if OUTPUT_NAME.search(param) and not (name == ("lexicon", "compile") and param == "stop_terms"):
                assert param in declared, f"{' '.join(name)}: path parameter {param!r} looks like an output"
        seen.append(" ".join(name))
    assert {"analyze", "apply", "export-training", "review export", "card", "diagnose terms", "init"} <= set(seen)


# ------------------------------------------------------- the examples
OUT_ON_IN = [
    lambda t, i, s: ["analyze", s, "--json", s / "shard-00000.spacy", "--overwrite"],
    lambda t, i, s: ["export-training", i, "-o", i, "--overwrite"],
    lambda t, i, s: ["refit", t / "lm", i, "-o", t / "lm2", "--silver-output", i, "--overwrite"],
    lambda t, i, s: ["review", "export", i, "-p", t / "pipe", "-o", i, "--overwrite"],
    lambda t, i, s: ["review", "import", t / "r.jsonl", "--corpus", i, "-o", i, "--labels", "X", "--overwrite"],
    lambda t, i, s: ["card", i, "-o", i, "--overwrite"],
    lambda t, i, s: ["diagnose", "terms", i, "--key", "src_chem", "--json", i, "--overwrite"],
    lambda t, i, s: ["diagnose", "breakdown", s, "--key", "src_chem", "--json", s / ".." / "shards" / "x.json"],
    lambda t, i, s: ["audit", i, "-p", t / "pipe", "--json", i, "--overwrite"],
    lambda t, i, s: ["crossfit", s, "-o", t, "--config", t / "c.cfg"],
    lambda t, i, s: ["self-train", t / "lm", i, "-o", t, "--config", t / "c.cfg"],
    lambda t, i, s: ["apply", t / "pipe", s, s / "out"],
    lambda t, i, s: ["fit", t / "c.cfg", s, "-o", s],
    lambda t, i, s: ["lexicon", "convert", "ctd", i, i, "--overwrite"],
    lambda t, i, s: ["lexicon", "compile", s, "-o", s / "lex"],
    lambda t, i, s: ["analyze", i, "--code", t / "rules.py", "--markdown", t / "rules.py", "--overwrite"],
]


@pytest.mark.parametrize("make_args", OUT_ON_IN)
def test_an_output_on_an_input_is_refused_even_with_overwrite(corpus, make_args):
    tmp, path, shards = corpus
    (tmp / "rules.py").write_text("x = 1\n")
    before = snapshot(tmp)
    out = assert_coded_failure(run_cli(*make_args(tmp, path, shards)), "E263")
    assert "resolves" in out or str(tmp) in out
    assert snapshot(tmp) == before  # nothing read, written or deleted


TWO_OUTPUTS = [
    lambda t, i, x: ["analyze", i, "--json", x, "--html", x, "--markdown", x],
    lambda t, i, x: ["diagnose", "terms", i, "--key", "src_chem", "--stop-terms", x, "--json", x],
    lambda t, i, x: ["export-training", i, "-o", x, "--dev-output", x],
    lambda t, i, x: ["card", i, "-o", x, "--json", x],
    lambda t, i, x: ["refit", t / "lm", i, "-o", t / "new", "--silver-output", t / "new" / "silver.spacy"],
    lambda t, i, x: ["review", "import", t / "r.jsonl", "--corpus", i, "-o", x, "--dev", x, "--labels", "X"],
]


@pytest.mark.parametrize("make_args", TWO_OUTPUTS)
def test_two_outputs_on_one_path_are_refused(corpus, make_args):
    tmp, path, _ = corpus
    before = snapshot(tmp)
    assert_coded_failure(run_cli(*make_args(tmp, path, tmp / "x.out")), "E277")
    assert snapshot(tmp) == before


def test_symlinked_and_dotted_spellings_of_one_file_are_refused(corpus):
    tmp, path, _ = corpus
    (tmp / "link").symlink_to(tmp, target_is_directory=True)
    spelled = tmp / "link" / "shards" / ".." / "in.spacy"
    assert_coded_failure(run_cli("export-training", path, "-o", spelled, "--overwrite"), "E263")
    assert_coded_failure(run_cli("card", path, "-o", tmp / "c.md", "--json", tmp / "link" / "c.md"), "E277")


# -------------------------------------------------------------- property
SEGMENTS = st.lists(st.sampled_from(["a", "b", "la", "lb", ".", ".."]), max_size=6)


def _spell(root: Path, segments, target: str) -> Path:
    """A spelling of ``root/target`` through ``segments``, then back to root via the real tree."""
    path = root
    for seg in segments:
        path = path / seg
    real = Path(os.path.realpath(path))
    if not os.path.isdir(path) or not str(real).startswith(str(root)):  # the OS must walk it
        return root / target
    depth = len(real.relative_to(root).parts)
    return path.joinpath(*([".."] * depth), target) if depth else path / target


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = Path(os.path.realpath(tmp_path_factory.mktemp("alias")))
    (root / "a" / "b").mkdir(parents=True)
    (root / "b").mkdir()
    (root / "la").symlink_to(root / "a", target_is_directory=True)
    (root / "a" / "lb").symlink_to(root / "b", target_is_directory=True)
    (root / "lb").symlink_to(root / "a" / "b", target_is_directory=True)
    (root / "data.spacy").write_bytes(b"x")
    (root / "other.spacy").write_bytes(b"y")
    return root


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=SEGMENTS, second=SEGMENTS, same=st.booleans())
def test_aliases_through_symlinks_and_dotdot(tree, first, second, same):
    """Two spellings through symlinks and '..': refused exactly when they name one file."""
    a = _spell(tree, first, "data.spacy")
    b = _spell(tree, second, "data.spacy" if same else "other.spacy")
    assert os.path.samefile(a, b) == same
    if same:
        with pytest.raises(SpacyWeakError, match=r"\[E263\]"):
            check_command_paths([("IN", [b])], [("--output", a, "file")])
        with pytest.raises(SpacyWeakError, match=r"\[E277\]"):
            check_command_paths([], [("--json", a, "file"), ("--html", b, "file")])
        with pytest.raises(SpacyWeakError, match=r"\[E263\]"):  # an output directory holding the input
            check_command_paths([("IN", b)], [("--output", a.parent, "dir")])
    else:
        check_command_paths([("IN", [b])], [("--output", a, "file")])
        check_command_paths([], [("--json", a, "file"), ("--html", b, "file")])


# --------------------------------------------------------- reruns (class 8)
def test_a_command_replaces_its_own_output_never_anyone_elses(corpus):
    tmp, path, _ = corpus
    md, js = tmp / "card.md", tmp / "card.json"
    first = run_cli("card", path, "-o", md, "--json", js)
    assert first.exit_code == 0, first.output
    assert (tmp / STAMP_FILE).is_file()
    again = run_cli("card", path, "-o", md, "--json", js)  # a rerun (e.g. spacy project run) just works
    assert again.exit_code == 0, again.output
    # another command may not replace the card, even with the same file name
    assert_coded_failure(run_cli("export-training", path, "-o", md), "E701")
    assert md.read_text(encoding="utf8").startswith("#")
    # a card edited by hand is no longer the command's own output
    md.write_text(md.read_text(encoding="utf8") + "\nmy notes\n", encoding="utf8")
    assert_coded_failure(run_cli("card", path, "-o", md), "E701")
    assert md.read_text(encoding="utf8").endswith("my notes\n")
    assert run_cli("card", path, "-o", md, "--overwrite").exit_code == 0


def test_export_training_and_review_export_rerun_onto_their_output(corpus):
    tmp, path, _ = corpus
    out, dev = tmp / "train.spacy", tmp / "dev.spacy"
    for _ in range(2):
        result = run_cli("export-training", path, "-o", out, "--dev-output", dev, "--dev-every", "3")
        assert result.exit_code == 0, result.output
    user = tmp / "notes.txt"
    user.write_text("mine\n")
    assert_coded_failure(run_cli("export-training", path, "-o", user), "E701")
    assert user.read_text() == "mine\n"


def test_stamps_unit(tmp_path):
    out = tmp_path / "o.json"
    out.write_text("{}")
    with pytest.raises(SpacyWeakError, match=r"\[E701\]"):
        check_file_outputs([("--json", out)], "cmd")
    stamp([out], "cmd")
    check_file_outputs([("--json", out)], "cmd")
    with pytest.raises(SpacyWeakError, match=r"\[E701\]"):
        check_file_outputs([("--json", out)], "other")
    (tmp_path / STAMP_FILE).write_text("not json")  # a damaged stamp file: refusal, never a loss
    with pytest.raises(SpacyWeakError, match=r"\[E701\]"):
        check_file_outputs([("--json", out)], "cmd")
    with pytest.raises(SpacyWeakError, match=r"\[E274\]"):
        check_file_outputs([("--json", tmp_path)], "cmd")
