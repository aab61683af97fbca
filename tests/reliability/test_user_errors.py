"""Class 6 of issue 26: a user's mistake gets a coded message naming the place, never E272 ("a bug")."""
import errno
import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest
import srsly
from spacy.tokens import DocBin

from spacy_weak.cli._guard import describe_exception

from ..training._data import make_docs
from .helpers import assert_coded_failure, run_cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "code,line,kind",
    [("import spacy\nx = 1\nraise ValueError('boom')\n", 3, "ValueError"),
     ("x = 1\ndef f(:\n    pass\n", 2, "SyntaxError"),
     ("import no_such_module_xyz\n", 1, "ModuleNotFoundError")],
)
def test_a_code_file_that_fails_names_file_and_line(tmp_path, code, line, kind):
    path = tmp_path / "rules.py"
    path.write_text(code)
    out = assert_coded_failure(run_cli("analyze", tmp_path / "none.spacy", "--code", path), "E278")
    assert "rules.py" in out and f"line {line}" in out and kind in out and "E272" not in out


def test_a_truncated_gz_vocabulary_is_named(tmp_path):
    data = gzip.compress("".join(f"term{i}\tD{i}\tx\n" for i in range(5000)).encode())
    bad = tmp_path / "CTD_diseases.tsv.gz"
    bad.write_bytes(data[: len(data) // 2])
    out = assert_coded_failure(run_cli("lexicon", "convert", "ctd", bad, tmp_path / "o.tsv"), "E279")
    assert "CTD_diseases.tsv.gz" in out
    lex = tmp_path / "lex.tsv.gz"
    lex.write_bytes(gzip.compress(b"aspirin\tChemical\n" * 3000)[:40])
    assert_coded_failure(run_cli("lexicon", "compile", lex, "-o", tmp_path / "compiled"), "E279")


def test_unknown_language_code(tmp_path):
    texts = tmp_path / "texts.txt"
    texts.write_text("one text\nanother text\n")
    assert_coded_failure(run_cli("init", tmp_path / "p", "--data", texts, "--lang", "zz", "--no-run"), "E280")
    assert not (tmp_path / "p").exists()


def test_iob_document_over_max_length_is_e510(tmp_path):
    iob = tmp_path / "a.iob"
    iob.write_text("Aspirin\tB-Chemical\ncauses\tO\nheadache\tB-Disease\n.\tO\n\n")
    assert_coded_failure(run_cli("convert", "iob", iob, tmp_path / "out", "--max-length", "10"), "E273")


@pytest.mark.parametrize(
    "record,field",
    [({"text": "T", "meta": "d1", "spans": []}, "'meta'"),
     ({"text": "T", "meta": {"doc_id": "d1"}, "spans": {"start": 0}}, "'spans'"),
     ({"id": "d1", "fields": ["T"], "responses": {}}, "'fields'"),
     ({"id": "d1", "fields": {"text": "T"}, "responses": ["x"]}, "'responses'"),
     ({"id": "d1", "fields": {"text": "T"}, "responses": {"entities": {"value": []}}}, "'responses.entities'"),
     ({"id": "d1", "fields": {"text": "T"}, "responses": {"entities": ["x"]}}, "'responses.entities[0]'"),
     ({"id": "d1", "fields": {"text": "T"}, "responses": {"entities": [{"value": "x"}]}}, ".value'")],
)
def test_review_records_of_the_wrong_shape_name_file_and_line(tmp_path, record, field):
    corpus = tmp_path / "c.spacy"
    DocBin(docs=make_docs(2)).to_disk(corpus)
    reviewed = tmp_path / "r.jsonl"
    srsly.write_jsonl(reviewed, [{"text": "other", "answer": "ignore"}, record])
    out = assert_coded_failure(run_cli("review", "import", reviewed, "--corpus", corpus, "-o", tmp_path / "o.spacy",
                                       "--labels", "Chemical"), "E400")
    assert f"{reviewed}:2" in out and field in out


def test_no_space_left_names_the_outputs_not_unknown_path():
    err = OSError(errno.ENOSPC, "No space left on device")
    text = describe_exception(err, ["out/report.json"])
    assert "[E271]" in text and "out/report.json" in text and "unknown path" not in text
    assert "unknown path" not in describe_exception(err)


def test_output_piped_to_head_ends_quietly(tmp_path):
    corpus = tmp_path / "c.spacy"
    DocBin(docs=make_docs(40)).to_disk(corpus)
    env = dict(os.environ, PYTHONPATH=str(ROOT), SPACY_WEAK_NO_PROGRESS="1")
    proc = subprocess.Popen([sys.executable, "-m", "spacy_weak", "analyze", str(corpus)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    stderr = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert "BrokenPipe" not in stderr and "E270" not in stderr and "Traceback" not in stderr, stderr
    assert proc.returncode in (0, 141)
