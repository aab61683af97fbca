"""Class 5 of issue 26: saved state that would validate but is wrong is refused."""
import math

import pytest
import spacy
import srsly

from spacy_weak.errors import SpacyWeakError

from .test_params_and_models import fitted_doc_em_pipeline, fitted_hmm_pipeline


def _numeric_places(value, path=()):
    """One place per distinct key path holding numbers (the first number of each list)."""
    if isinstance(value, dict):
        for k, v in value.items():
            if path == () and k in ("history", "loglik_history"):
                continue
            yield from _numeric_places(v, (*path, k))
    elif isinstance(value, list) and value:
        if isinstance(value[0], (int, float)) and not isinstance(value[0], bool):
            yield (*path, 0)
        else:
            yield from _numeric_places(value[0], (*path, 0))
    elif isinstance(value, float):
        yield path


def _set(state, path, value):
    target = state
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


@pytest.mark.parametrize("make", [fitted_hmm_pipeline, fitted_doc_em_pipeline])
def test_a_non_finite_number_anywhere_in_a_saved_model_is_refused(tmp_path, make):
    nlp, _ = make()
    name = nlp.pipe_names[-1]
    if name == "weak_hmm":  # per-source weights are saved in the model too
        hmm = nlp.get_pipe(name)
        hmm._hmm_state["source_weights"] = [1.0] * len(hmm.sources_)
    nlp.to_disk(tmp_path / "p")
    model = tmp_path / "p" / name / "model"
    state = srsly.msgpack_loads(model.read_bytes())
    places = list(_numeric_places(state))
    assert len(places) >= 3
    if name == "weak_hmm":
        assert ("hmm", "source_weights", 0) in places
    cases = [(place, math.nan) for place in places] + [(places[-1], math.inf), (places[0], -math.inf)]
    for place, bad in cases:
        broken = srsly.msgpack_loads(srsly.msgpack_dumps(state))
        _set(broken, place, bad)
        model.write_bytes(srsly.msgpack_dumps(broken))
        with pytest.raises(SpacyWeakError, match=r"^\[E112\].*NaN or infinite") as info:
            spacy.load(tmp_path / "p")
        assert str(place[0]) in str(info.value), place
    model.write_bytes(srsly.msgpack_dumps(state))
    assert spacy.load(tmp_path / "p").get_pipe(name).is_fitted


def test_lexicon_info_checks_the_tables_it_summarises(tmp_path):
    from .helpers import assert_coded_failure, run_cli

    lex = tmp_path / "lex.tsv"
    lex.write_text("".join(f"term {i}\tChemical\tC{i}\n" for i in range(200)))
    out = tmp_path / "compiled"
    assert run_cli("lexicon", "compile", lex, "-o", out).exit_code == 0
    assert run_cli("lexicon", "info", out).exit_code == 0
    tables = out / "tables.npz"
    tables.write_bytes(tables.read_bytes()[: tables.stat().st_size // 2])
    assert_coded_failure(run_cli("lexicon", "info", out), "E009")
