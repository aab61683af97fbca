"""Classes 1, 2, 3 and 11 of issue 15: input never destroyed, one writer per output
directory, manifests validated, files written with the umask's mode."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import spacy
from spacy.tokens import DocBin

from spacy_weak.corpora.convert import convert_corpus
from spacy_weak.corpora.shards import ShardWriter, read_docs, read_manifest
from spacy_weak.errors import SpacyWeakError
from spacy_weak.io import write_bytes_atomic

from .helpers import assert_coded_failure, make_model, run_cli, snapshot, write_pubtator

REPO = Path(__file__).parent.parent.parent


@pytest.fixture()
def setup(tmp_path):
    src = write_pubtator(tmp_path / "in" / "docs.PubTator.txt")
    gold = tmp_path / "gold"
    convert_corpus("pubtator", src, gold, shard_size=4, show_progress=False)
    model = make_model(tmp_path / "model")
    return {"src": src, "gold": gold, "model": model, "base": tmp_path}


def docs_of(path):
    return [d.text for d in read_docs(path, spacy.blank("en").vocab)]


# ------------------------------------------------------------- class 1: input destroyed


def test_apply_output_equal_to_input_is_refused_untouched(setup):
    before = snapshot(setup["gold"])
    result = run_cli("apply", setup["model"], setup["gold"], setup["gold"])
    assert_coded_failure(result, "E263")
    assert snapshot(setup["gold"]) == before


def test_apply_input_shard_inside_output_is_refused_untouched(setup):
    shard = setup["gold"] / "shard-00000.spacy"
    before = snapshot(setup["gold"])
    result = run_cli("apply", setup["model"], shard, setup["gold"])
    assert_coded_failure(result, "E263")
    assert snapshot(setup["gold"]) == before


def test_convert_input_inside_output_is_refused_untouched(setup):
    before = snapshot(setup["base"] / "in")
    result = run_cli("convert", "pubtator", setup["src"], setup["base"] / "in")
    assert_coded_failure(result, "E263")
    assert snapshot(setup["base"] / "in") == before


def test_overlap_through_a_symlink_is_refused(setup):
    link = setup["base"] / "link"
    link.symlink_to(setup["gold"], target_is_directory=True)
    before = snapshot(setup["gold"])
    assert_coded_failure(run_cli("apply", setup["model"], setup["gold"], link), "E263")
    assert snapshot(setup["gold"]) == before


def test_overwrite_deletes_only_what_the_manifest_lists(setup):
    out = setup["base"] / "out"
    assert run_cli("apply", setup["model"], setup["gold"], out, "--shard-size", "2").exit_code == 0
    (out / "notes.txt").write_text("mine")
    (out / ".shard-00009.spacy.tmp.bak").write_text("mine too")
    assert run_cli("apply", setup["model"], setup["gold"], out, "--overwrite", "--shard-size", "3").exit_code == 0
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / ".shard-00009.spacy.tmp.bak").read_text() == "mine too"
    assert read_manifest(out)["shard_size"] == 3


def test_foreign_shard_file_is_refused_not_deleted(setup):
    out = setup["base"] / "out"
    assert run_cli("apply", setup["model"], setup["gold"], out, "--shard-size", "4").exit_code == 0
    foreign = out / "shard-00007.spacy"
    DocBin().to_disk(foreign)
    data = foreign.read_bytes()
    for extra in ([], ["--overwrite"]):
        assert_coded_failure(run_cli("apply", setup["model"], setup["gold"], out, "--shard-size", "4", *extra), "E269")
        assert foreign.read_bytes() == data
    # without any manifest, --overwrite does not delete shard-like files either
    bare = setup["base"] / "bare"
    bare.mkdir()
    DocBin().to_disk(bare / "shard-00000.spacy")
    assert_coded_failure(run_cli("apply", setup["model"], setup["gold"], bare, "--overwrite"), "E269")
    assert (bare / "shard-00000.spacy").exists()


def test_output_path_that_is_a_file(setup):
    target = setup["base"] / "file.txt"
    target.write_text("keep")
    assert_coded_failure(run_cli("apply", setup["model"], setup["gold"], target), "E264")
    assert_coded_failure(run_cli("convert", "pubtator", setup["src"], target), "E264")
    assert target.read_text() == "keep"


# ---------------------------------------------------------------- class 2: two writers


def test_second_writer_fails_at_once_naming_the_holder(setup):
    out = setup["base"] / "out"
    first = ShardWriter(out, settings={"run": 1}, shard_size=2)
    try:
        with pytest.raises(SpacyWeakError, match=rf"E265.*pid {os.getpid()} on "):
            ShardWriter(out, settings={"run": 1}, shard_size=2)
        with pytest.raises(SpacyWeakError, match="E265"):
            ShardWriter(out, settings={"run": 2}, shard_size=2, overwrite=True)
    finally:
        first.close()
    ShardWriter(out, settings={"run": 1}, shard_size=2).close()  # released: a resume works


def test_second_cli_run_fails_while_first_holds_the_lock(setup):
    out = setup["base"] / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", (
            "import sys, time; from spacy_weak.corpora.shards import ShardWriter\n"
            f"w = ShardWriter({str(out)!r}, settings={{'x': 1}}, shard_size=2)\n"
            "print('locked', flush=True); time.sleep(60)"
        )],
        stdout=subprocess.PIPE, cwd=REPO,
    )
    try:
        assert holder.stdout.readline().strip() == b"locked"
        start = time.time()
        result = run_cli("apply", setup["model"], setup["gold"], out)
        assert time.time() - start < 30
        msg = assert_coded_failure(result, "E265")
        assert f"pid {holder.pid}" in msg
    finally:
        holder.kill()
        holder.wait()
    # the kernel released the lock of the killed holder: the directory is usable
    ShardWriter(out, settings={"x": 1}, shard_size=2).close()


def test_manifest_taken_over_by_another_writer_is_not_completed(setup):
    out = setup["base"] / "out"
    nlp = spacy.blank("en")
    writer = ShardWriter(out, settings={"run": 1}, shard_size=2)
    writer.add(nlp("one"))
    # another run (e.g. on a file system where flock is not enforced) rewrites the manifest
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["writer"] = {"pid": 4242, "host": "elsewhere", "started": "x", "token": "feedface"}
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(SpacyWeakError, match="E266.*pid 4242 on elsewhere"):
        writer.add(nlp("two"))
    with pytest.raises(SpacyWeakError, match="E266"):
        writer.finish()
    writer.close()
    assert read_manifest(out)["complete"] is False


# ------------------------------------------------------------------ class 3: manifests


def _complete_run(setup, out):
    assert run_cli("apply", setup["model"], setup["gold"], out, "--shard-size", "2").exit_code == 0
    return json.loads((out / "manifest.json").read_text())


@pytest.mark.parametrize(
    "mutate,code",
    [
        (lambda m: m["shards"][0].__setitem__("docs", 5), "E267"),  # more than shard_size / the total
        (lambda m: m["shards"][0].__setitem__("docs", "two"), "E267"),
        (lambda m: m["shards"][0].pop("docs"), "E267"),
        (lambda m: m.pop("shards"), "E267"),
        (lambda m: m["shards"][0].__setitem__("file", "../../etc/passwd"), "E267"),
        (lambda m: m["shards"][0].__setitem__("file", "/tmp/shard-00000.spacy"), "E267"),
        (lambda m: m.__setitem__("complete", "yes"), "E267"),
        (lambda m: m.__setitem__("shard_size", 0), "E267"),
        (lambda m: m.__setitem__("pending", "../x"), "E267"),
        (lambda m: m.__setitem__("pending", ["../x"]), "E267"),
        (lambda m: m.__setitem__("pending", ["shard-00000.spacy"]), "E267"),
        (lambda m: m.__setitem__("pending", ["shard-99999.spacy", "shard-99998.spacy"]), "E267"),
    ],
    ids=["docs-too-many", "docs-not-a-number", "docs-missing", "shards-missing", "file-escapes",
         "file-absolute", "complete-not-bool", "shard-size-zero", "pending-escapes", "pending-list-escapes",
         "pending-list-listed-shard", "pending-list-unordered"],
)
def test_invalid_manifest_is_a_coded_error_and_nothing_changes(setup, mutate, code):
    out = setup["base"] / "out"
    manifest = _complete_run(setup, out)
    mutate(manifest)
    (out / "manifest.json").write_text(json.dumps(manifest))
    before = snapshot(setup["base"])
    for args in (("apply", setup["model"], setup["gold"], out, "--shard-size", "2"),
                 ("apply", setup["model"], out, setup["base"] / "again")):
        assert_coded_failure(run_cli(*args), code)
    after = snapshot(setup["base"])
    assert {k: v for k, v in after.items() if not k.startswith("again")} == before


def test_shard_count_checked_against_the_file_on_resume_and_read(setup):
    out = setup["base"] / "out"
    manifest = _complete_run(setup, out)
    # claim a full shard where the file holds one document (consistent totals); a manifest of an
    # older version, without content hashes (with them, E281 comes first: test_swapped_shards...)
    manifest["complete"] = False
    for shard in manifest["shards"]:
        shard.pop("sha256")
    DocBin(docs=list(DocBin().from_disk(out / "shard-00000.spacy").get_docs(spacy.blank("en").vocab))[:1]).to_disk(
        out / "shard-00000.spacy"
    )
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert_coded_failure(run_cli("apply", setup["model"], setup["gold"], out, "--shard-size", "2"), "E268")
    with pytest.raises(SpacyWeakError, match="E268"):
        docs_of(out)


def test_swapped_shards_are_detected_on_resume(setup):
    """Issue 26, class 5: two complete shards swapped by hand hold the right counts; their hashes differ."""
    out = setup["base"] / "out"
    manifest = _complete_run(setup, out)
    assert all(len(s["sha256"]) == 64 for s in manifest["shards"])
    manifest["complete"] = False
    (out / "manifest.json").write_text(json.dumps(manifest))
    a, b = out / "shard-00000.spacy", out / "shard-00001.spacy"
    data_a, data_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(data_b)
    b.write_bytes(data_a)
    before = snapshot(out)
    out_text = assert_coded_failure(run_cli("apply", setup["model"], setup["gold"], out, "--shard-size", "2"), "E281")
    assert "shard-00000.spacy" in out_text
    assert snapshot(out) == before
    manifest["shards"][0]["sha256"] = "not a digest"
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert_coded_failure(run_cli("apply", setup["model"], setup["gold"], out, "--shard-size", "2"), "E267")


# ---------------------------------------------------------------------- class 11: umask


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_atomic_writes_follow_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        write_bytes_atomic(tmp_path / "a.bin", b"x")
        with open(tmp_path / "plain.bin", "wb") as fh:
            fh.write(b"x")
        writer = ShardWriter(tmp_path / "out", settings={}, shard_size=1)
        writer.add(spacy.blank("en")("text"))
        writer.finish()
        writer.close()
    finally:
        os.umask(old)
    expected = (tmp_path / "plain.bin").stat().st_mode & 0o777
    assert expected == 0o666 & ~umask
    for path in [tmp_path / "a.bin", tmp_path / "out" / "manifest.json", tmp_path / "out" / "shard-00000.spacy"]:
        assert path.stat().st_mode & 0o777 == expected, path


def test_saved_pipeline_files_follow_the_umask(tmp_path):
    from spacy_weak.lexicons.compiled import CompiledLexicon

    old = os.umask(0o022)
    try:
        lex = CompiledLexicon.build([("aspirin", "Chemical")])
        lex.to_disk(tmp_path / "lex")
    finally:
        os.umask(old)
    modes = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "lex").iterdir() if p.is_file()}
    assert modes and set(modes.values()) == {0o644}, modes


# ------------------------------------------------------------ lexicon commands


def test_lexicon_compile_never_overwrites_a_foreign_directory(tmp_path):
    lex = tmp_path / "lex.tsv"
    lex.write_text("aspirin\tChemical\n", encoding="utf-8")
    other = tmp_path / "project"
    other.mkdir()
    (other / "meta.json").write_text('{"mine": true}')
    before = snapshot(other)
    assert_coded_failure(run_cli("lexicon", "compile", lex, "--output", other), "E269")
    assert snapshot(other) == before
    # an input inside the output folder
    assert_coded_failure(run_cli("lexicon", "compile", lex, "--output", tmp_path), "E263")
    # its own earlier output is rewritten
    assert run_cli("lexicon", "compile", lex, "--output", tmp_path / "compiled").exit_code == 0
    assert run_cli("lexicon", "compile", lex, "--output", tmp_path / "compiled").exit_code == 0


def test_lexicon_convert_output_equal_to_input(tmp_path):
    src = tmp_path / "drugbank.csv"
    src.write_text("DrugBank ID,Accession Numbers,Common name,CAS,UNII,Synonyms,Standard InChI Key\n", encoding="utf-8")
    before = snapshot(tmp_path)
    assert_coded_failure(run_cli("lexicon", "convert", "drugbank", src, src), "E263")
    assert snapshot(tmp_path) == before


def test_lexicon_convert_never_replaces_an_existing_file_without_overwrite(tmp_path):
    src = tmp_path / "drugbank.csv"
    src.write_text(
        "DrugBank ID,Accession Numbers,Common name,CAS,UNII,Synonyms,Standard InChI Key\n"
        "DB00001,BTD00024,Lepirudin,138068-37-8,Y43GF64R34,Hirudin variant-1,\n",
        encoding="utf-8",
    )
    mine = tmp_path / "curated.tsv"
    mine.write_text("my term\tChemical\tX1\n", encoding="utf-8")
    assert_coded_failure(run_cli("lexicon", "convert", "drugbank", src, mine), "E701")
    assert mine.read_text(encoding="utf-8") == "my term\tChemical\tX1\n"
    result = run_cli("lexicon", "convert", "drugbank", src, mine, "--overwrite")
    assert result.exit_code == 0, result.output
    assert "Lepirudin\tChemical\tDB00001" in mine.read_text(encoding="utf-8")
    names = sorted(p.name for p in tmp_path.iterdir() if p.name != ".spacy-weak-outputs.json")  # the stamp
    assert names == ["curated.tsv", "drugbank.csv"]  # no temporary left
