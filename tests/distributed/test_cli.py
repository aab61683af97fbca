"""``--cluster`` on the command line; an unreachable cluster is a coded error before any output."""
import socket

import pytest
import spacy
from spacy.tokens import DocBin
from typer.testing import CliRunner

from spacy_weak.cli import _load_commands, app
from spacy_weak.distributed.cluster import parse_address
from spacy_weak.errors import SpacyWeakError

from ..cli.test_apply import CODE, SHARD, corpus, signatures  # noqa: F401
from .test_fit import PER_SHARD, synthetic_docs

runner = CliRunner()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again: nothing listens there


def test_apply_unreachable_cluster_is_coded_error_before_output(corpus, tmp_path):  # noqa: F811
    _load_commands()
    address = f"tcp://127.0.0.1:{free_port()}"
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["apply", str(corpus["model"]), str(corpus["gold"]), str(out), "--code", str(CODE), "--cluster", address, "--cluster-timeout", "1"],
    )
    assert result.exit_code == 1
    assert "[E450]" in result.output and address in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_fit_unreachable_cluster_is_coded_error_before_output(tmp_path):
    _load_commands()
    address = f"127.0.0.1:{free_port()}"
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_hmm")
    nlp.to_disk(tmp_path / "p")
    DocBin().to_disk(tmp_path / "a.spacy")
    result = runner.invoke(
        app, ["fit", str(tmp_path / "p"), str(tmp_path / "a.spacy"), "-o", str(tmp_path / "o"), "--cluster", address, "--cluster-timeout", "1"]
    )
    assert result.exit_code == 1
    assert "[E450]" in result.output and address in result.output
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("value", ["local:0", "local:x", "", "tcp://a b"])
def test_bad_cluster_address(value):
    with pytest.raises(SpacyWeakError, match="E451"):
        parse_address(value)


def test_cli_apply_and_fit_on_a_scheduler_address(client, corpus, tmp_path):  # noqa: F811
    """The CLI connects to a running scheduler (the session's LocalCluster, by its tcp:// address)."""
    _load_commands()
    address = client.scheduler.address
    assert address.startswith("tcp://")
    ref = tmp_path / "ref"
    assert runner.invoke(app, ["apply", str(corpus["model"]), str(corpus["gold"]), str(ref), "--code", str(CODE), "--shard-size", str(SHARD)]).exit_code == 0
    out = tmp_path / "out"
    with pytest.warns(UserWarning) as record:
        result = runner.invoke(
            app,
            ["apply", str(corpus["model"]), str(corpus["gold"]), str(out), "--code", str(CODE), "--shard-size", str(SHARD), "--cluster", address, "--n-process", "2"],
        )
    assert "W450" in str([str(w.message) for w in record])
    assert result.exit_code == 0, result.output
    assert "Wrote 100 documents" in result.output
    assert signatures(out) == signatures(ref)
    assert [p.read_bytes() for p in sorted(out.glob("shard-*"))] == [p.read_bytes() for p in sorted(ref.glob("shard-*"))]

    shards = tmp_path / "annotated"
    shards.mkdir()
    docs = synthetic_docs(n=50)
    for k in range(0, len(docs), PER_SHARD):
        DocBin(docs=docs[k : k + PER_SHARD]).to_disk(shards / f"shard-{k // PER_SHARD:05d}.spacy")
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_hmm", config={"n_iter": 3})
    nlp.to_disk(tmp_path / "unfitted")
    fitted = {}
    for name, extra in (("one", []), ("dask", ["--cluster", address])):
        res = runner.invoke(app, ["fit", str(tmp_path / "unfitted"), str(shards), "-o", str(tmp_path / name), *extra])
        assert res.exit_code == 0, res.output
        fitted[name] = spacy.load(tmp_path / name).get_pipe("weak_hmm")
    import numpy as np

    for key in ("startprob", "transmat", "emissionprob"):
        np.testing.assert_allclose(fitted["dask"]._hmm_state[key], fitted["one"]._hmm_state[key], atol=1e-6, rtol=0)

    # the fitted pipeline applied on the cluster: silver stamped with the same provenance, same bytes
    from spacy_weak.runs.apply import apply_pipeline
    from spacy_weak.distributed import apply as dask_apply
    from spacy_weak.review.card import read_provenance

    silver = {"one": tmp_path / "silver_one", "dask": tmp_path / "silver_dask"}
    apply_pipeline(tmp_path / "one", shards, silver["one"], shard_size=SHARD, show_progress=False)
    dask_apply(client, tmp_path / "one", shards, silver["dask"], shard_size=SHARD, show_progress=False)
    assert [p.read_bytes() for p in sorted(silver["dask"].glob("shard-*"))] == [p.read_bytes() for p in sorted(silver["one"].glob("shard-*"))]
    from spacy_weak.corpora.shards import read_docs

    first = next(read_docs(silver["dask"], spacy.blank("en").vocab))
    assert read_provenance(first) is not None
