import pytest
import srsly

from spacy_weak.errors import SpacyWeakError
from spacy_weak.training import crossfit as cf_module
from spacy_weak.training.crossfit import CrossFitter, assign_folds, write_predictions
from spacy_weak.training.partial import make_hard_labels, make_partial_annotation

from ._data import CONFIG, make_docs


def _fitter(**kw):
    args = {"config": CONFIG, "n_folds": 2, "steps": 2, "policy": make_hard_labels(), "labels": ["Chemical", "Disease"],
            "beam_width": 4}
    args.update(kw)
    return CrossFitter(**args)


def test_assign_folds_is_balanced_and_seeded():
    folds = assign_folds(10, 3, seed=0)
    assert sorted(folds.count(k) for k in range(3)) == [3, 3, 4]
    assert folds == assign_folds(10, 3, seed=0) and folds != assign_folds(10, 3, seed=1)


def test_out_of_fold_predictions_are_written_per_fold_with_probabilities(tmp_path):
    docs = make_docs(8)
    extra = make_docs(2)
    result = _fitter().run(docs, tmp_path / "cf", extra=extra)
    assert result.trained == [0, 1] and result.resumed == []
    manifest = srsly.read_json(tmp_path / "cf" / "manifest.json")
    assert manifest["n_docs"] == 8 and manifest["token_columns"] == ["O", "Chemical", "Disease"]
    for fold in (0, 1):
        meta = srsly.read_json(tmp_path / "cf" / f"fold_{fold}.json")
        assert meta["fold"] == fold and meta["n_docs"] == result.folds.count(fold)
        probs = srsly.read_msgpack(tmp_path / "cf" / f"fold_{fold}.probs.msgpack")
        assert probs["doc_index"] == [i for i, f in enumerate(result.folds) if f == fold]
    for doc, fold, probs in zip(result.docs, result.folds, result.token_probs):
        group = doc.spans["model_oof"]
        assert group.attrs["fold"] == fold and len(group.attrs["probs"]) == len(group)
        assert group.attrs["abstain_outside"] is True  # no opinion outside its spans
        assert all(0.0 <= p <= 1.0 for p in group.attrs["probs"])
        assert probs.shape == (len(doc), 3) and abs(probs.sum(axis=1) - 1).max() < 1e-5
        assert "src_chem" in doc.spans and "silver" in doc.spans  # sources kept for the refit
    assert len(result.extra_docs) == 2 and all(d.spans["model_oof"].attrs["fold"] == -1 for d in result.extra_docs)
    write_predictions(result, tmp_path / "cf")
    assert (tmp_path / "cf" / "predictions.spacy").exists() and (tmp_path / "cf" / "predictions_extra.spacy").exists()
    stored = srsly.read_msgpack(tmp_path / "cf" / "predictions.probs.msgpack")
    assert stored["folds"] == result.folds and len(stored["probs"]) == 8


def test_a_run_killed_during_a_fold_resumes_from_the_finished_folds(tmp_path, monkeypatch):
    docs = make_docs(9)
    real = cf_module.train_pipeline
    calls = []

    def dies_on_second_fold(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # killed while training fold 1
        return real(*args, **kwargs)

    monkeypatch.setattr(cf_module, "train_pipeline", dies_on_second_fold)
    with pytest.raises(KeyboardInterrupt):
        _fitter(n_folds=3).run(docs, tmp_path / "cf")
    out = tmp_path / "cf"
    assert (out / "fold_0.json").exists() and not (out / "fold_1.json").exists()
    assert not list(out.glob(".fold_*"))  # the fold's work folder is gone
    # a half-written fold output (DocBin written, meta not) is not read as finished
    (out / "fold_1.spacy").write_bytes(b"garbage")
    monkeypatch.setattr(cf_module, "train_pipeline", real)
    result = _fitter(n_folds=3).run(docs, out)
    assert result.resumed == [0] and result.trained == [1, 2]
    assert all("model_oof" in d.spans for d in result.docs)
    # a third run trains nothing; other settings retrain (W301)
    again = _fitter(n_folds=3).run(docs, out)
    assert again.resumed == [0, 1, 2] and again.trained == []
    with pytest.warns(UserWarning, match=r"\[W301\]"):
        changed = _fitter(n_folds=3, steps=3).run(docs, out)
    assert changed.trained == [0, 1, 2]


def test_output_of_other_input_is_refused(tmp_path):
    _fitter().run(make_docs(4), tmp_path / "cf")
    with pytest.raises(SpacyWeakError, match=r"\[E307\]"):
        _fitter().run(make_docs(6), tmp_path / "cf")


@pytest.mark.parametrize("n_folds", [1, 5, 2.5])
def test_fold_count_must_fit_the_documents(tmp_path, n_folds):
    with pytest.raises(SpacyWeakError) as err:
        _fitter(n_folds=n_folds).run(make_docs(4), tmp_path / "cf")
    assert "[E302]" in str(err.value) and "n_folds" in str(err.value)


@pytest.mark.parametrize("steps", [0, -3, 1.5, "x"])
def test_zero_steps_is_a_coded_error(steps):
    with pytest.raises(SpacyWeakError) as err:
        _fitter(steps=steps)
    assert "[E303]" in str(err.value) and "steps" in str(err.value)


def test_missing_config_is_a_coded_error(tmp_path):
    with pytest.raises(SpacyWeakError) as err:
        _fitter(config=tmp_path / "nope.cfg")
    assert "[E305]" in str(err.value) and "nope.cfg" in str(err.value) and "config" in str(err.value)


def test_corpus_without_silver_entities_is_a_coded_error(tmp_path):
    with pytest.raises(SpacyWeakError) as err:
        _fitter(policy=make_partial_annotation()).run(make_docs(4, with_silver=False), tmp_path / "cf")
    assert "[E304]" in str(err.value) and "silver" in str(err.value)
