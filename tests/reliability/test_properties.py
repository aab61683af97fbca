"""Property tests over the command line (issue 15): corrupted manifests, DocBins and
saved models. Whatever hypothesis generates, a command either succeeds or fails with a
coded ``[E...]`` message and exit code != 0, without a traceback, and no file that the
command did not write is deleted or changed (its inputs, a user's file in its output
directory, and everything when it fails)."""
import shutil
import tempfile
import zlib
from pathlib import Path

import pytest
import spacy
import srsly
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from spacy.tokens import DocBin, Span

from spacy_weak.corpora.convert import convert_corpus
from spacy_weak.spans import set_source_spans

from .helpers import assert_clean as _assert_clean, make_model, run_cli, snapshot, write_pubtator

PROPS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    root = tmp_path_factory.mktemp("props")
    src = write_pubtator(root / "docs.txt", n=5)
    convert_corpus("pubtator", src, root / "gold", shard_size=2, show_progress=False)
    model = make_model(root / "model")
    assert run_cli("apply", model, root / "gold", root / "silver", "--shard-size", "2").exit_code == 0
    # a fitted HMM pipeline for the saved-model properties
    nlp = spacy.blank("en")
    docs = []
    for _ in range(4):
        doc = nlp.make_doc("aspirin causes headache today")
        set_source_spans(doc, "a", [Span(doc, 0, 1, label="Chemical")], source="a")
        set_source_spans(doc, "b", [Span(doc, 2, 3, label="Disease")], source="b")
        docs.append(doc)
    nlp.add_pipe("weak_hmm", config={"n_iter": 2}).fit(docs)
    nlp.to_disk(root / "hmm")
    DocBin(docs=docs, store_user_data=True).to_disk(root / "annotated.spacy")
    return root


def assert_clean(result):
    _assert_clean(result)
    code = result.output.split("[", 1)[1][:4] if result.exit_code and "[" in result.output else "ok"
    event(f"exit {result.exit_code} {code}")


def workdir(base: Path, *names: str) -> Path:
    work = Path(tempfile.mkdtemp(dir=base))
    for name in names:
        if (base / name).is_dir():
            shutil.copytree(base / name, work / name)
        else:
            shutil.copy(base / name, work / name)
    return work


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 10**6) | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
manifest_keys = st.sampled_from(["format", "settings", "shard_size", "shards", "docs", "complete", "summary", "pending", "writer"])
shard_keys = st.sampled_from(["file", "docs", "counts"])


@st.composite
def manifest_mutations(draw):
    ops = []
    for _ in range(draw(st.integers(1, 2))):
        # mostly well-formed JSON with wrong content; sometimes bytes that are not JSON at all
        kind = draw(st.sampled_from(["drop", "set", "set", "shard_drop", "shard_set", "shard_set", "shard_set", "bytes", "truncate"]))
        if kind in ("drop", "set"):
            ops.append((kind, draw(manifest_keys), draw(json_values)))
        elif kind in ("shard_drop", "shard_set"):
            ops.append((kind, draw(st.integers(0, 3)), draw(shard_keys), draw(json_values | st.sampled_from(
                ["../../x.spacy", "/etc/passwd", "shard-00000.spacy", "shard-00009.spacy", 0, -1, 10**9, "2"]))))
        elif kind == "bytes":
            ops.append((kind, draw(st.binary(max_size=40))))
        else:
            ops.append((kind, draw(st.integers(0, 400))))
    return ops


def apply_mutations(path: Path, ops) -> None:
    data = srsly.read_json(path)
    raw = None
    for op in ops:
        if op[0] == "drop" and isinstance(data, dict):
            data.pop(op[1], None)
        elif op[0] == "set" and isinstance(data, dict):
            data[op[1]] = op[2]
        elif op[0] in ("shard_drop", "shard_set") and isinstance(data, dict) and isinstance(data.get("shards"), list):
            shards = data["shards"]
            if shards and isinstance(shards[op[1] % len(shards)], dict):
                entry = shards[op[1] % len(shards)]
                if op[0] == "shard_drop":
                    entry.pop(op[2], None)
                else:
                    entry[op[2]] = op[3]
        elif op[0] == "bytes":
            raw = srsly.json_dumps(data).encode("utf8") + op[1]
        elif op[0] == "truncate":
            raw = srsly.json_dumps(data).encode("utf8")[: op[1]]
    path.write_bytes(raw if raw is not None else srsly.json_dumps(data).encode("utf8"))


def user_files_unchanged(before, after, own_dir_prefix: str):
    """Files outside the command's own output (and user files inside it) are unchanged."""
    for name, value in before.items():
        if name.startswith(own_dir_prefix) and (Path(name).name.startswith("shard-") or Path(name).name == "manifest.json"):
            continue
        assert after.get(name) == value, name


@PROPS
@given(ops=manifest_mutations())
def test_corrupted_manifest_of_the_output_directory(base, ops):
    work = workdir(base, "gold", "model", "silver")
    apply_mutations(work / "silver" / "manifest.json", ops)
    (work / "silver" / "notes.txt").write_text("mine")
    before = snapshot(work)
    result = run_cli("apply", work / "model", work / "gold", work / "silver", "--shard-size", "2")
    assert_clean(result)
    after = snapshot(work)
    if result.exit_code != 0:
        assert after == before
    else:
        user_files_unchanged(before, after, "silver/")


@PROPS
@given(ops=manifest_mutations())
def test_corrupted_manifest_of_the_input_directory(base, ops):
    work = workdir(base, "gold", "model")
    apply_mutations(work / "gold" / "manifest.json", ops)
    before = snapshot(work)
    result = run_cli("apply", work / "model", work / "gold", work / "out", "--shard-size", "2")
    assert_clean(result)
    after = snapshot(work)
    assert {k: v for k, v in after.items() if not k.startswith("out/")} == before


@st.composite
def docbin_corruptions(draw):
    kind = draw(st.sampled_from(["truncate", "flip", "garbage", "msgpack"]))
    if kind == "msgpack":
        key = draw(st.sampled_from(["lengths", "tokens", "spaces", "strings", "attrs", "flags", "cats", "span_groups", "user_data"]))
        return kind, key, draw(json_values)
    return kind, draw(st.integers(0, 10**6)), draw(st.binary(min_size=1, max_size=8))


def corrupt_docbin(path: Path, corruption) -> None:
    data = path.read_bytes()
    kind = corruption[0]
    if kind == "truncate":
        path.write_bytes(data[: corruption[1] % max(len(data), 1)])
    elif kind == "flip":
        i = corruption[1] % len(data)
        path.write_bytes(data[:i] + corruption[2] + data[i + len(corruption[2]):])
    elif kind == "garbage":
        path.write_bytes(corruption[2] * 50)
    else:
        msg = srsly.msgpack_loads(zlib.decompress(data))
        msg[corruption[1]] = corruption[2]
        path.write_bytes(zlib.compress(srsly.msgpack_dumps(msg)))


@PROPS
@given(corruption=docbin_corruptions(), which=st.sampled_from(["shard-00000.spacy", "shard-00002.spacy"]))
def test_corrupted_docbin_input(base, corruption, which):
    work = workdir(base, "gold", "model")
    corrupt_docbin(work / "gold" / which, corruption)
    before = snapshot(work)
    result = run_cli("apply", work / "model", work / "gold", work / "out", "--shard-size", "2")
    assert_clean(result)
    after = snapshot(work)
    assert {k: v for k, v in after.items() if not k.startswith("out/")} == before
    if result.exit_code == 0:  # a corruption that still reads as documents: all of them written
        assert "Wrote" in result.output


numbers = st.floats(allow_nan=True, allow_infinity=True) | st.integers(-5, 5)


@st.composite
def hmm_state_mutations(draw):
    key = draw(st.sampled_from(["startprob", "transmat", "emissionprob", "n_labels", "n_sources", "prior_strength", "sources", "labels", "format"]))
    kind = draw(st.sampled_from(["value", "shrink", "replace"]))
    return key, kind, draw(numbers), draw(json_values)


def mutate_hmm(path: Path, mutation) -> None:
    key, kind, number, value = mutation
    state = srsly.msgpack_loads(path.read_bytes())
    target = state if key in ("sources", "labels", "format") else state["hmm"]
    current = target.get(key)
    if kind == "value" and isinstance(current, list) and current:
        flat = current
        while isinstance(flat[0], list) and flat[0]:
            flat = flat[0]
        flat[0] = number
    elif kind == "shrink" and isinstance(current, list):
        target[key] = current[:-1]
    else:
        target[key] = value
    path.write_bytes(srsly.msgpack_dumps(state))


@PROPS
@given(mutation=hmm_state_mutations())
def test_corrupted_saved_model(base, mutation):
    work = workdir(base, "hmm", "annotated.spacy")
    mutate_hmm(work / "hmm" / "weak_hmm" / "model", mutation)
    before = snapshot(work)
    result = run_cli("apply", work / "hmm", work / "annotated.spacy", work / "out")
    assert_clean(result)
    after = snapshot(work)
    assert {k: v for k, v in after.items() if not k.startswith("out/")} == before
    if result.exit_code == 0:
        # whatever loaded is a valid model: every silver probability is a probability
        from spacy_weak.corpora.shards import read_docs

        for doc in read_docs(work / "out", spacy.blank("en").vocab):
            for p in doc.spans["silver"].attrs.get("probs", []):
                assert 0.0 <= p <= 1.0
