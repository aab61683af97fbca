"""Small corpora, pipelines and snapshots shared by the reliability tests."""
import hashlib
import os
from pathlib import Path
from typing import Dict, Tuple

import spacy
from typer.testing import CliRunner

from spacy_weak.cli import _load_commands, app

_load_commands()


def write_pubtator(path: Path, n: int = 6) -> Path:
    lines = []
    for i in range(n):
        pmid = str(2000 + i)
        title = f"Aspirin and headache case {i}."
        abstract = f"Patient {i} took ibuprofen."
        text = title + " " + abstract
        lines.append(f"{pmid}|t|{title}")
        lines.append(f"{pmid}|a|{abstract}")
        for word, label in (("Aspirin", "Chemical"), ("headache", "Disease")):
            start = text.index(word)
            lines.append(f"{pmid}\t{start}\t{start + len(word)}\t{word}\t{label}\tD{i}")
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def make_model(path: Path) -> Path:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("span_ruler", config={"spans_key": "ruler"})
    ruler.add_patterns([{"label": "Chemical", "pattern": [{"LOWER": {"IN": ["aspirin", "ibuprofen"]}}]}])
    nlp.to_disk(path)
    return path


def snapshot(root: Path) -> Dict[str, Tuple[str, int]]:
    """``{relative path: (sha256, mode)}`` of every file under ``root``."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            out[str(p.relative_to(root))] = (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mode & 0o777)
    return out


def run_cli(*args: str, env: Dict[str, str] = None):
    env = dict(env or {}, SPACY_WEAK_NO_PROGRESS="1")
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


def assert_coded_failure(result, code: str = "") -> str:
    """Exit code != 0, a coded ``[E...]`` message, no traceback."""
    out = result.output
    assert result.exit_code != 0, out
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in out, out
    assert f"[{code or 'E'}" in out, out
    return out


def assert_clean(result):
    """Success, or a coded failure without traceback."""
    if result.exit_code == 0:
        assert result.exception is None, repr(result.exception)
        return
    assert_coded_failure(result)


def umask_mode(umask: int) -> int:
    return 0o666 & ~umask


__all__ = ["write_pubtator", "make_model", "snapshot", "run_cli", "assert_coded_failure", "assert_clean", "os"]
