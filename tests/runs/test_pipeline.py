"""The one ``load_pipeline``: for a run (``apply``) and for a fit (``fit``)."""
import pytest

from spacy_weak.errors import SpacyWeakError
from spacy_weak.runs.pipeline import find_component, load_pipeline

from ..aggregation.test_components import _pipeline  # noqa: F401 - registers the test sources
from ..cli.test_fit import CONFIG


def test_config_for_fit_leaves_the_component_to_fit_unfitted(tmp_path):
    cfg = tmp_path / "recipe.cfg"
    cfg.write_text(CONFIG)
    nlp, fingerprint = load_pipeline(cfg, for_fit=True, component="weak_hmm", overrides={"components.weak_hmm.n_iter": 2})
    hmm = nlp.get_pipe("weak_hmm")
    assert not hmm.is_fitted and hmm.cfg["n_iter"] == 2 and len(fingerprint) == 64
    assert find_component(nlp, None, source_path=cfg) == "weak_hmm"  # the only pipe with fit()
    # for a run the same config must be initialised, and then its aggregator is unfitted: E287
    with pytest.raises(SpacyWeakError, match="E255"):
        load_pipeline(cfg)
    with pytest.raises(SpacyWeakError, match="E287"):
        load_pipeline(cfg, initialize=True)
    run_nlp, run_fingerprint = load_pipeline(cfg, initialize=True, exclude=["weak_hmm"])
    assert "weak_hmm" not in run_nlp.pipe_names and run_fingerprint != fingerprint  # the overrides differ


def test_errors_name_the_command(tmp_path):
    with pytest.raises(SpacyWeakError, match="E261.*spacy-weak fit"):
        load_pipeline(tmp_path / "missing", for_fit=True)
    with pytest.raises(SpacyWeakError, match="E255"):
        load_pipeline(tmp_path / "missing")
    cfg = tmp_path / "recipe.cfg"
    cfg.write_text(CONFIG)
    with pytest.raises(SpacyWeakError, match="E104"):
        load_pipeline(cfg, for_fit=True, component="nope")
    with pytest.raises(SpacyWeakError, match="E282"):
        load_pipeline(cfg, initialize=True, exclude=["nope"])
