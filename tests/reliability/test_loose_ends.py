"""Class 7 of issue 26: --cluster errors without a stray traceback, crossfit's lock, E059, init's project.yml."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import spacy
from spacy.tokens import DocBin

from spacy_weak.corpora.output_dir import DirectoryLock
from spacy_weak.errors import SpacyWeakError

from ..training._data import CONFIG, make_docs
from .helpers import assert_coded_failure, run_cli

ROOT = Path(__file__).resolve().parents[2]


def test_unreachable_scheduler_is_e450_without_a_client_traceback():
    pytest.importorskip("distributed")
    code = ("from spacy_weak.distributed.cluster import connect\n"
            "try:\n    connect('tcp://127.0.0.1:1', timeout=1)\nexcept Exception as err:\n    print(str(err)[:7])\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.stdout.strip() == "[E450]", proc.stdout + proc.stderr
    assert "Exception ignored" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


@pytest.mark.parametrize("args,code", [
    (["--cluster", "http://nowhere:1"], "E451"),
    (["--cluster", "local:1", "--cluster-timeout", "-1"], "E458"),
    (["--cluster", "local:1", "--cluster-timeout", "0"], "E458"),
])
def test_cluster_options_are_checked_first(tmp_path, args, code):
    pytest.importorskip("distributed")
    corpus = tmp_path / "c.spacy"
    DocBin(docs=make_docs(2)).to_disk(corpus)
    assert_coded_failure(run_cli("apply", tmp_path / "model", corpus, tmp_path / "out", *args), code)
    assert not (tmp_path / "out").exists()


def test_crossfit_takes_the_output_lock(tmp_path):
    corpus = tmp_path / "c.spacy"
    DocBin(docs=make_docs(6)).to_disk(corpus)
    out = tmp_path / "cf"
    out.mkdir()
    holder = DirectoryLock(out)
    holder.acquire(lambda: "test")
    try:
        result = run_cli("crossfit", corpus, "-o", out, "--config", CONFIG, "--folds", "2", "--steps", "1")
        assert_coded_failure(result, "E265")
        assert sorted(p.name for p in out.iterdir()) == []  # nothing written or deleted
    finally:
        holder.release()


def test_a_span_source_yielding_another_docs_span_is_e059():
    from spacy_weak import span_source

    other = spacy.blank("en")("a different document here")

    @span_source("test_other_doc_span_src")
    def bad(doc):
        yield other[0:1]  # no label: the decorator used to re-anchor it on `doc` silently

    nlp = spacy.blank("en")
    nlp.add_pipe("test_other_doc_span_src", config={"label": "X"})
    with pytest.raises(SpacyWeakError, match=r"\[E059\]"):
        nlp("some text of mine")


@pytest.mark.parametrize("folder", ["my texts", "it's data", "données 2024"])
def test_init_project_yml_works_with_spaces_and_quotes(tmp_path, folder):
    from weasel.util.commands import split_command
    from weasel.util.config import load_project_config

    from spacy_weak.scaffold import scaffold

    data = tmp_path / folder
    data.mkdir()
    (data / "a.txt").write_text("Aspirin causes headache.\nIbuprofen helps.\n")
    scaffold(tmp_path / "proj", data, label="ENTITY", lang="en", text_field="text field")
    config = load_project_config(tmp_path / "proj")  # weasel's own loading and ${vars} substitution
    convert = next(c for c in config["commands"] if c["name"] == "convert")
    argv = split_command(convert["script"][0])
    assert argv[2] == f"../{folder}" and argv[argv.index("--text-field") + 1] == "text field"
    assert convert["deps"][0] == f"../{folder}"
    assert (tmp_path / "proj" / argv[2]).resolve() == data.resolve()


@pytest.mark.parametrize("folder", ['a"b', "a$b", "a\\b"])
def test_init_refuses_a_path_project_yml_cannot_carry(tmp_path, folder):
    data = tmp_path / folder
    data.mkdir()
    (data / "a.txt").write_text("Aspirin causes headache.\n")
    out = assert_coded_failure(run_cli("init", tmp_path / "proj", "--data", data, "--no-run"), "E284")
    assert not (tmp_path / "proj" / "project.yml").exists(), out
