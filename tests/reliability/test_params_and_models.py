"""Classes 4 and 5 of issue 15: parameters validated where components are built;
saved models carry a format version and are validated on load."""
import math

import pytest
import spacy
import srsly
from spacy.tokens import Span

from spacy_weak.errors import SpacyWeakError
from spacy_weak.spans import set_doc_votes, set_source_spans

from .helpers import assert_coded_failure, run_cli


def make_doc(nlp, text, groups):
    doc = nlp.make_doc(text)
    for key, spans in groups.items():
        set_source_spans(doc, key, [Span(doc, s, e, label=label) for s, e, label in spans], source=key)
    return doc


def fitted_hmm_pipeline():
    nlp = spacy.blank("en")
    docs = [
        make_doc(nlp, "aspirin causes headache today", {"a": [(0, 1, "Chemical")], "b": [(2, 3, "Disease"), (0, 1, "Chemical")]})
        for _ in range(5)
    ]
    nlp.add_pipe("weak_hmm", config={"n_iter": 3}).fit(docs)
    return nlp, docs


def fitted_doc_em_pipeline():
    nlp = spacy.blank("en")
    docs = []
    for i in range(6):
        doc = nlp.make_doc(f"message {i}")
        set_doc_votes(doc, "kw", {"SPAM": 1 if i % 2 else 0}, source="kw")
        set_doc_votes(doc, "len", {"HAM": 1} if i % 3 else {"SPAM": 1}, source="len")
        docs.append(doc)
    nlp.add_pipe("weak_doc_em", config={"labels": ["SPAM", "HAM"], "n_iter": 5}).fit(docs)
    return nlp, docs


# ------------------------------------------------------------- class 4: parameters


@pytest.mark.parametrize(
    "factory,param,value",
    [
        ("weak_hmm", "anchor_strength", -1.0),
        ("weak_hmm", "prior_strength", -0.5),
        ("weak_hmm", "pseudo_count", -0.1),
        ("weak_hmm", "pseudo_count", 0.0),
        ("weak_hmm", "n_iter", -3),
        ("weak_hmm", "tol", math.nan),
        ("weak_hmm", "tol", -1e-3),
        ("weak_hmm", "prior_strength", math.inf),
        ("weak_hmm", "weights", {"a": -1.0}),
        ("weak_hmm", "weights", {"a": math.nan}),
        ("weak_vote", "weights", {"a": -2.0}),
        ("weak_doc_vote", "weights", {"kw": -1.0}),
        ("weak_doc_em", "n_iter", -1),
        ("weak_doc_em", "tol", math.nan),
        ("weak_doc_em", "prior_strength", -2.0),
        ("weak_doc_em", "class_priors", {"SPAM": -0.3, "HAM": 1.3}),
        ("weak_doc_em", "class_priors", {"SPAM": 0.0, "HAM": 0.0}),
        ("weak_doc_em", "class_priors", {"SPAM": math.nan}),
    ],
)
def test_bad_numeric_parameter_is_refused_at_build_time(factory, param, value):
    nlp = spacy.blank("en")
    config = {param: value}
    if factory == "weak_doc_em":
        config["labels"] = ["SPAM", "HAM"]
    with pytest.raises(SpacyWeakError, match=r"^\[E100\]") as info:
        if all(math.isfinite(v) for v in _numbers(config)):
            nlp.add_pipe(factory, config=config)
        else:  # spaCy refuses NaN in add_pipe configs; a config file or --set can still carry it
            _build(nlp, factory, config)
    assert param in str(info.value)


def _numbers(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _numbers(v)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield float(value)


def _build(nlp, factory, config):
    from spacy_weak.aggregation.doc_components import DocEMAggregator
    from spacy_weak.aggregation.hmm_component import HMMAggregator

    cls = {"weak_hmm": HMMAggregator, "weak_doc_em": DocEMAggregator}[factory]
    return cls(nlp.vocab, name=factory, **config)


def test_nan_from_a_config_file_is_refused(tmp_path):
    cfg = tmp_path / "config.cfg"
    cfg.write_text(
        "[nlp]\nlang = \"en\"\npipeline = [\"hmm\"]\n\n[components]\n\n[components.hmm]\nfactory = \"weak_hmm\"\ntol = NaN\n"
    )
    from spacy import util

    config = util.load_config(cfg)
    assert math.isnan(config["components"]["hmm"]["tol"])
    # spaCy refuses a NaN in a component config itself (a coded [E961]); the
    # components refuse it too when built directly (test above)
    with pytest.raises(ValueError, match=r"\[E\d+\]"):
        util.load_model_from_config(config, auto_fill=True)


@pytest.mark.parametrize("param,value", [("min_term_length", -1), ("short_term_max_len", -2)])
def test_gazetteer_bad_lengths_are_refused(param, value):
    nlp = spacy.blank("en")
    with pytest.raises(SpacyWeakError, match=r"^\[E007\].*" + param):
        nlp.add_pipe("weak_gazetteer", config={param: value})


def test_good_parameters_still_build():
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_hmm", config={"n_iter": 0, "tol": 0.0, "weights": {"a": 0.0, "b": 2.5}, "anchor_strength": 0.0})
    nlp.add_pipe("weak_doc_em", config={"labels": ["A", "B"], "class_priors": {"A": 0.2, "B": 0.8}})
    nlp.add_pipe("weak_gazetteer", config={"min_term_length": 0})


# ------------------------------------------------------------- class 5: saved models


def _mutate_model(path, fn):
    state = srsly.msgpack_loads(path.read_bytes())
    fn(state)
    path.write_bytes(srsly.msgpack_dumps(state))


def test_saved_states_carry_a_format_version(tmp_path):
    nlp, _ = fitted_hmm_pipeline()
    nlp.to_disk(tmp_path / "hmm")
    assert srsly.msgpack_loads((tmp_path / "hmm" / "weak_hmm" / "model").read_bytes())["format"] == "spacy_weak.weak_hmm.v1"
    nlp2, _ = fitted_doc_em_pipeline()
    nlp2.to_disk(tmp_path / "em")
    assert srsly.msgpack_loads((tmp_path / "em" / "weak_doc_em" / "model").read_bytes())["format"] == "spacy_weak.weak_doc_em.v1"


def _set_start(state, index, value):
    state["hmm"]["startprob"][index] = value


def _emission_shape(state):
    state["hmm"]["emissionprob"] = state["hmm"]["emissionprob"][:1]


HMM_CORRUPTIONS = {
    "nan-startprob": (lambda s: _set_start(s, 0, float("nan")), "E112", "NaN"),
    "negative-startprob": (lambda s: (_set_start(s, 0, -1e-9), _set_start(s, 1, s["hmm"]["startprob"][1] + 1e-9)), "E112", "outside [0, 1]"),
    "startprob-not-normalised": (lambda s: _set_start(s, 0, s["hmm"]["startprob"][0] + 0.01), "E112", "sums to"),
    "transmat-row-not-normalised": (lambda s: s["hmm"]["transmat"][0].__setitem__(0, 5.0), "E112", "transmat"),
    "emission-shape": (_emission_shape, "E112", "emissionprob"),
    "sources-do-not-match": (lambda s: s["sources"].append("c"), "E112", "sources"),
    "other-format": (lambda s: s.__setitem__("format", "spacy_weak.weak_hmm.v9"), "E114", "v9"),
    "labels-not-names": (lambda s: s.__setitem__("labels", [1, 2]), "E112", "labels"),
}


@pytest.mark.parametrize("case", sorted(HMM_CORRUPTIONS))
def test_corrupted_saved_hmm_is_refused_on_load(tmp_path, case):
    mutate, code, part = HMM_CORRUPTIONS[case]
    nlp, _ = fitted_hmm_pipeline()
    nlp.to_disk(tmp_path / "p")
    _mutate_model(tmp_path / "p" / "weak_hmm" / "model", mutate)
    with pytest.raises(SpacyWeakError, match=rf"^\[{code}\]") as info:
        spacy.load(tmp_path / "p")
    assert part in str(info.value) and "weak_hmm" in str(info.value)


def test_corrupted_saved_doc_em_is_refused_on_load(tmp_path):
    nlp, _ = fitted_doc_em_pipeline()
    nlp.to_disk(tmp_path / "p")
    _mutate_model(tmp_path / "p" / "weak_doc_em" / "model", lambda s: s["model"].__setitem__("priors", [0.9, 0.9]))
    with pytest.raises(SpacyWeakError, match=r"^\[E112\].*priors"):
        spacy.load(tmp_path / "p")


def test_legacy_state_without_format_still_loads(tmp_path):
    nlp, docs = fitted_hmm_pipeline()
    nlp.to_disk(tmp_path / "p")
    _mutate_model(tmp_path / "p" / "weak_hmm" / "model", lambda s: s.pop("format"))
    loaded = spacy.load(tmp_path / "p")
    assert loaded.get_pipe("weak_hmm").is_fitted


@pytest.mark.parametrize("part", ["model", "cfg"])
def test_missing_model_file_is_a_coded_error(tmp_path, part):
    nlp, _ = fitted_hmm_pipeline()
    nlp.to_disk(tmp_path / "p")
    (tmp_path / "p" / "weak_hmm" / part).unlink()
    with pytest.raises(SpacyWeakError, match=r"^\[E113\].*weak_hmm"):
        spacy.load(tmp_path / "p")


def test_cli_on_corrupted_saved_model_no_traceback(tmp_path):
    nlp, docs = fitted_hmm_pipeline()
    nlp.to_disk(tmp_path / "p")
    _mutate_model(tmp_path / "p" / "weak_hmm" / "model", lambda s: _set_start(s, 0, float("nan")))
    from spacy.tokens import DocBin

    DocBin(docs=docs, store_user_data=True).to_disk(tmp_path / "in.spacy")
    result = run_cli("apply", tmp_path / "p", tmp_path / "in.spacy", tmp_path / "out")
    assert_coded_failure(result, "E")
    assert "E112" in result.output


def test_gazetteer_saved_without_its_lexicon_folder(tmp_path):
    import shutil

    nlp = spacy.blank("en")
    nlp.add_pipe("weak_gazetteer", name="gaz").initialize(lexicon=[("aspirin", "Chemical")])
    nlp.to_disk(tmp_path / "p")
    assert len(spacy.load(tmp_path / "p")("aspirin helps").spans["gaz"]) == 1
    shutil.rmtree(tmp_path / "p" / "gaz" / "lexicon")
    with pytest.raises(SpacyWeakError, match=r"^\[E017\].*'gaz'.*lexicon/"):
        spacy.load(tmp_path / "p")
    # a gazetteer saved without any lexicon still loads (and warns when initialised)
    empty = spacy.blank("en")
    empty.add_pipe("weak_gazetteer", name="gaz")
    empty.to_disk(tmp_path / "q")
    spacy.load(tmp_path / "q")


def _fit_inputs(tmp_path):
    from spacy.tokens import DocBin

    _, docs = fitted_hmm_pipeline()
    unfitted = spacy.blank("en")
    unfitted.add_pipe("weak_hmm", config={"n_iter": 2})
    unfitted.to_disk(tmp_path / "unfitted")
    DocBin(docs=docs).to_disk(tmp_path / "in.spacy")
    return tmp_path / "unfitted", tmp_path / "in.spacy"


def test_fit_cli_writes_the_package_version_into_meta_json(tmp_path):
    from spacy_weak.about import __version__

    model, data = _fit_inputs(tmp_path)
    result = run_cli("fit", model, data, "--output", tmp_path / "fitted")
    assert result.exit_code == 0, result.output
    meta = srsly.read_json(tmp_path / "fitted" / "meta.json")
    assert meta["spacy_weak"] == {"version": __version__}
    assert any(r.startswith(f"spacy-weak>={__version__}") for r in meta["requirements"])
    assert spacy.load(tmp_path / "fitted").meta["spacy_weak"]["version"] == __version__


def test_fit_cli_output_overlapping_its_input_is_refused(tmp_path):
    from spacy.tokens import DocBin

    nlp, docs = fitted_hmm_pipeline()
    nlp.to_disk(tmp_path / "model")
    (tmp_path / "data").mkdir()
    DocBin(docs=docs).to_disk(tmp_path / "data" / "in.spacy")
    result = run_cli("fit", tmp_path / "model", tmp_path / "data" / "in.spacy", "--output", tmp_path / "data")
    assert_coded_failure(result, "E263")
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["in.spacy"]


def test_saved_cfg_with_a_bad_value_is_refused_on_load(tmp_path):
    nlp, _ = fitted_hmm_pipeline()
    nlp.to_disk(tmp_path / "p")
    cfg = srsly.read_json(tmp_path / "p" / "weak_hmm" / "cfg")
    cfg["pseudo_count"] = -1
    srsly.write_json(tmp_path / "p" / "weak_hmm" / "cfg", cfg)
    with pytest.raises(SpacyWeakError, match=r"^\[E100\].*pseudo_count"):
        spacy.load(tmp_path / "p")


@pytest.mark.parametrize("config", [{"cats_threshold": 3.0}, {"cats_threshold": -0.1}, {"batch_size": 0}])
def test_weak_model_numeric_parameters(config):
    nlp = spacy.blank("en")
    param = next(iter(config))
    with pytest.raises(SpacyWeakError, match=rf"^\[E050\].*'{param}'"):
        nlp.add_pipe("weak_model", config={"model": "no_such_model", **config})


def test_fit_cli_never_overwrites_a_directory_of_user_files(tmp_path):
    model, data = _fit_inputs(tmp_path)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "config.cfg").write_text("my notes")
    for extra in ([], ["--component-only"]):
        result = run_cli("fit", model, data, "--output", mine, *extra)
        assert_coded_failure(result, "E276")
        assert sorted(p.name for p in mine.iterdir()) == ["config.cfg"]
        assert (mine / "config.cfg").read_text() == "my notes"


def test_fit_cli_refuses_to_save_over_the_pipeline_it_loaded(tmp_path):
    model, data = _fit_inputs(tmp_path)
    result = run_cli("fit", model, data, "--output", tmp_path / "fitted")
    assert result.exit_code == 0, result.output
    before = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "fitted").rglob("*")}
    result = run_cli("fit", tmp_path / "fitted", data, "--output", tmp_path / "fitted")
    assert_coded_failure(result, "E263")
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "fitted").rglob("*")} == before


def test_fit_cli_replaces_its_own_earlier_output(tmp_path):
    model, data = _fit_inputs(tmp_path)
    for _ in range(2):
        result = run_cli("fit", model, data, "--output", tmp_path / "fitted")
        assert result.exit_code == 0, result.output
    assert spacy.load(tmp_path / "fitted").get_pipe("weak_hmm").is_fitted
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left
