"""spacy-weak vectors: floret vectors from a corpus and a JSONL pool, resumable, coded errors."""
import json
from pathlib import Path

from typer.testing import CliRunner

from spacy_weak.cli import _load_commands
from spacy_weak.cli._app import app

_load_commands()
runner = CliRunner()
SAMPLE = Path(__file__).resolve().parents[2] / "corpora" / "bc5cdr_sample.PubTator.txt"
ARGS = ["--dim", "8", "--epoch", "1", "--min-count", "1", "--bucket", "500"]


def test_vectors_from_corpus_and_pool(tmp_path):
    pool = tmp_path / "pool.jsonl"
    pool.write_text(json.dumps({"text": "Aspirin reduced the fever in mice."}) + "\n", encoding="utf8")
    out = tmp_path / "vec"
    result = runner.invoke(app, ["vectors", str(SAMPLE), str(pool), "--output", str(out), *ARGS])
    assert result.exit_code == 0, result.output
    assert "8 dimensions" in result.output and (out / "model" / "vocab").is_dir()
    again = runner.invoke(app, ["vectors", str(SAMPLE), str(pool), "--output", str(out), *ARGS])
    assert again.exit_code == 0 and (out / "vectors.floret").exists()
    other = runner.invoke(app, ["vectors", str(SAMPLE), str(pool), "--output", str(out), "--dim", "16", "--epoch", "1"])
    assert other.exit_code == 1 and "[E319]" in other.output


def test_bad_pool_is_a_coded_error(tmp_path):
    pool = tmp_path / "pool.jsonl"
    pool.write_text("not json\n", encoding="utf8")
    result = runner.invoke(app, ["vectors", str(pool), "--output", str(tmp_path / "v"), *ARGS])
    assert result.exit_code == 1 and "[E316]" in result.output and "pool.jsonl" in result.output
    assert not (tmp_path / "v").exists()
    pool.write_text("", encoding="utf8")
    empty = runner.invoke(app, ["vectors", str(pool), "--output", str(tmp_path / "v"), *ARGS])
    assert empty.exit_code == 1 and "[E316]" in empty.output and "no document" in empty.output
