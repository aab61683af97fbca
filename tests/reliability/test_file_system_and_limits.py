"""Classes 8 and 9 of issue 15: coded errors instead of raw tracebacks from the file
system and spaCy; documented limits on pathological input; our own code linear."""
import errno
import random
import string
import time

import pytest
import spacy
from spacy.tokens import DocBin, Span

from spacy_weak.cli._guard import describe_exception, guard
from spacy_weak.corpora.limits import token_work
from spacy_weak.corpora.shards import read_docs
from spacy_weak.errors import SpacyWeakError
from spacy_weak.spans import set_source_spans

from .helpers import assert_coded_failure, make_model, run_cli, write_pubtator

META = "tests/fixtures/umls_META"


def copy_meta(tmp_path, **replace):
    import shutil

    dst = tmp_path / "META"
    shutil.copytree(META, dst)
    for name, text in replace.items():
        (dst / name).write_text(text, encoding="utf-8")
    return dst


# ------------------------------------------------------------- class 8: file system


def test_mrfiles_header_lacking_a_column(tmp_path):
    mrfiles = (copy_meta(tmp_path) / "MRFILES.RRF").read_text(encoding="utf-8")
    broken = mrfiles.replace("CUI,TUI,STN,STY,ATUI,CVF", "CUI,STN,STY,ATUI,CVF,X")
    assert broken != mrfiles
    meta = copy_meta(tmp_path / "b", **{"MRFILES.RRF": broken})
    result = run_cli("lexicon", "compile", meta, "--output", tmp_path / "lex")
    out = assert_coded_failure(result, "E020")
    assert "TUI" in out and "MRSTY.RRF" in out


def test_rrf_sets_sharing_no_concept(tmp_path):
    meta = copy_meta(tmp_path)
    mrsty = (meta / "MRSTY.RRF").read_text(encoding="utf-8")
    shifted = "\n".join("X" + line[1:] for line in mrsty.splitlines() if line)  # other concepts
    (meta / "MRSTY.RRF").write_text(shifted + "\n", encoding="utf-8")
    result = run_cli("lexicon", "compile", meta, "--output", tmp_path / "lex")
    out = assert_coded_failure(result, "E018")
    assert "share no concept" in out or "semantic type" in out
    assert not (tmp_path / "lex").exists()


def test_directory_where_a_file_is_expected(tmp_path):
    (tmp_path / "stops").mkdir()
    (tmp_path / "lex.tsv").write_text("aspirin\tChemical\n", encoding="utf-8")
    assert_coded_failure(
        run_cli("lexicon", "compile", tmp_path / "lex.tsv", "--output", tmp_path / "o", "--stop-terms", tmp_path / "stops"),
        "E274",
    )
    (tmp_path / "dir.tsv").mkdir()
    assert_coded_failure(run_cli("lexicon", "compile", tmp_path / "dir.tsv", "--output", tmp_path / "o2"), "E")
    # a directory named manifest.json inside an output directory
    (tmp_path / "out" / "manifest.json").mkdir(parents=True)
    src = write_pubtator(tmp_path / "docs.txt")
    assert_coded_failure(run_cli("convert", "pubtator", src, tmp_path / "out"), "E274")


def test_non_utf8_stop_term_file(tmp_path):
    (tmp_path / "lex.tsv").write_text("aspirin\tChemical\n", encoding="utf-8")
    (tmp_path / "stops.txt").write_bytes(b"ok\ncaf\xe9\n")
    out = assert_coded_failure(
        run_cli("lexicon", "compile", tmp_path / "lex.tsv", "--output", tmp_path / "o", "--stop-terms", tmp_path / "stops.txt"),
        "E011",
    )
    assert "line 2" in out


def test_list_valued_label_in_jsonl_lexicon(tmp_path):
    (tmp_path / "lex.jsonl").write_text('{"term": "aspirin", "label": ["Chemical", "Drug"]}\n', encoding="utf-8")
    out = assert_coded_failure(run_cli("lexicon", "compile", tmp_path / "lex.jsonl", "--output", tmp_path / "o"), "E019")
    assert "line 1" in out and "label" in out


@pytest.mark.parametrize(
    "err,code",
    [
        (OSError(errno.ENOSPC, "No space left on device", "/data/out/shard-00003.spacy"), "E271"),
        (PermissionError(errno.EACCES, "Permission denied", "/data/out"), "E270"),
        (IsADirectoryError(errno.EISDIR, "Is a directory", "/data/x.tsv"), "E270"),
        (RuntimeError("boom"), "E272"),
    ],
)
def test_cli_guard_turns_exceptions_into_coded_messages(err, code):
    msg = describe_exception(err)
    assert msg.startswith(f"[{code}]"), msg
    if isinstance(err, OSError):
        assert err.filename in msg

    import typer

    @guard
    def command():
        raise err

    with pytest.raises(typer.Exit):
        command()


def test_disk_full_during_apply_is_coded_and_resumable(tmp_path, monkeypatch):
    from spacy_weak.corpora.convert import convert_corpus

    src = write_pubtator(tmp_path / "docs.txt", n=6)
    convert_corpus("pubtator", src, tmp_path / "gold", shard_size=2, show_progress=False)
    model = make_model(tmp_path / "model")
    out = tmp_path / "out"
    import spacy_weak.corpora.shards as shards

    calls = {"n": 0}
    original = DocBin.to_disk

    def full_disk(self, path):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return original(self, path)

    monkeypatch.setattr(shards.DocBin, "to_disk", full_disk)
    result = run_cli("apply", model, tmp_path / "gold", out, "--shard-size", "2")
    out_text = assert_coded_failure(result, "E271")
    assert "resume" in out_text
    monkeypatch.setattr(shards.DocBin, "to_disk", original)
    result = run_cli("apply", model, tmp_path / "gold", out, "--shard-size", "2")
    assert result.exit_code == 0, result.output
    assert len(list(read_docs(out, spacy.blank("en").vocab))) == 6
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_inconsistent_docbin_is_coded(tmp_path):
    import srsly
    import zlib

    nlp = spacy.blank("en")
    DocBin(docs=[nlp("one two three"), nlp("four five")]).to_disk(tmp_path / "x.spacy")
    msg = srsly.msgpack_loads(zlib.decompress((tmp_path / "x.spacy").read_bytes()))
    msg["lengths"] = [7, 9]  # more tokens than the arrays hold
    (tmp_path / "bad.spacy").write_bytes(zlib.compress(srsly.msgpack_dumps(msg)))
    with pytest.raises(SpacyWeakError, match=r"^\[E215\]"):
        list(read_docs(tmp_path / "bad.spacy", nlp.vocab))
    model = make_model(tmp_path / "model")
    assert_coded_failure(run_cli("apply", model, tmp_path / "bad.spacy", tmp_path / "out"), "E215")


def test_document_longer_than_max_length(tmp_path):
    src = tmp_path / "long.txt"
    text = "word " * 300
    src.write_text(f"1|t|Title\n1|a|{text}\n\n", encoding="utf-8")
    model = make_model(tmp_path / "model")
    out = assert_coded_failure(
        run_cli("apply", model, src, tmp_path / "out", "--format", "pubtator", "--max-length", "100"), "E273"
    )
    assert "--max-length" in out
    ok = run_cli("apply", model, src, tmp_path / "out2", "--format", "pubtator", "--max-length", "5000")
    assert ok.exit_code == 0, ok.output
    assert_coded_failure(run_cli("convert", "pubtator", src, tmp_path / "out3", "--max-length", "100"), "E273")
    assert_coded_failure(run_cli("apply", model, src, tmp_path / "out4", "--max-length", "0"), "E212")


# ----------------------------------------------------------- class 9: pathological input


def test_token_work_is_linear_and_flags_nested_brackets():
    assert token_work("plain words, with (some) punctuation. " * 1000) == 0
    assert token_work("(" * 5000 + "a" + ")" * 5000) == 10001 * 10000
    start = time.perf_counter()
    token_work("x(y)" * 250_000)
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize("text", ["(" * 5000 + "a" + ")" * 5000, "([{" * 2000 + "x" + "}])" * 2000, "a" + "-(" * 4000])
def test_pathological_brackets_are_refused_fast(tmp_path, text):
    src = tmp_path / "nested.txt"
    src.write_text(f"1|t|Title\n1|a|{text}\n\n", encoding="utf-8")
    model = make_model(tmp_path / "model")
    # refused before spaCy's tokenizer runs (it takes 37 s and more on the first text)
    out = assert_coded_failure(run_cli("apply", model, src, tmp_path / "out", "--format", "pubtator"), "E275")
    assert "--max-token-work" in out


def test_ordinary_long_document_passes_the_limits(tmp_path):
    src = tmp_path / "ok.txt"
    text = "Aspirin (ASA) and ibuprofen [NSAID] reduce pain; see doi:10.1000/xyz-123. " * 2000
    src.write_text(f"1|t|Title\n1|a|{text}\n\n", encoding="utf-8")
    model = make_model(tmp_path / "model")
    result = run_cli("apply", model, src, tmp_path / "out", "--format", "pubtator")
    assert result.exit_code == 0, result.output


def _abbreviation_doc(nlp, n, *, label_long: bool):
    random.seed(0)
    words = ["".join(random.choice(string.ascii_lowercase) for _ in range(6)) for _ in range(3000)]
    parts = []
    for _ in range(n):
        w = ["the"] + random.sample(words, 2)
        sf = "".join(x[0].upper() for x in w)
        parts.append(f"{w[0]} {w[1]} {w[2]} ({sf}) was seen with {sf} .")
    doc = nlp.make_doc(" ".join(parts))
    spans = []
    for i, t in enumerate(doc):
        if t.text == "(" and i >= 3:
            spans.append(Span(doc, i - 3, i, label="Chemical") if label_long else Span(doc, i + 1, i + 2, label="Chemical"))
    set_source_spans(doc, "gaz", spans, source="gaz")
    return doc


@pytest.mark.parametrize("label_long", [True, False])
def test_abbreviations_on_an_abbreviation_heavy_document(label_long):
    """Every definition of a long abbreviation-heavy document is found. How the time grows
    with the document (linear; the quadratic version took 50x for 8x the tokens) is measured
    by ``bench/abbreviations_scaling.py``, not by a timed unit test."""
    nlp = spacy.blank("en")
    abbr = nlp.add_pipe("weak_abbreviations", config={"sources": ["gaz"]})
    for n in (500, 4000):
        doc = _abbreviation_doc(nlp, n, label_long=label_long)
        abbr(doc)
        assert len(doc.spans["weak_abbreviations"]) >= n
