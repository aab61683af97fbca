"""Saving a pipeline or component directory: never over files a command did not write,
never half-written (spacy_weak/corpora/saved_dir.py)."""
import os

import pytest
import spacy
import srsly

from spacy_weak.corpora.saved_dir import check_saved_dir, save_dir_atomic
from spacy_weak.errors import SpacyWeakError
from spacy_weak.pipeline_meta import stamp_meta
from spacy_weak.portable import save_pipeline


def _pipeline():
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_hmm", config={"n_iter": 2})
    return nlp


def test_new_and_empty_directories_are_accepted(tmp_path):
    check_saved_dir(tmp_path / "new")
    (tmp_path / "empty").mkdir()
    check_saved_dir(tmp_path / "empty")
    check_saved_dir(tmp_path / "empty2", kind="component")


def test_a_directory_of_user_files_is_refused_and_untouched(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "config.cfg").write_text("my own config")
    with pytest.raises(SpacyWeakError, match=r"^\[E276\].*config\.cfg"):
        check_saved_dir(out)
    with pytest.raises(SpacyWeakError, match=r"^\[E276\]"):
        check_saved_dir(out, kind="component")
    assert (out / "config.cfg").read_text() == "my own config"


def test_a_pipeline_not_written_by_spacy_weak_is_refused(tmp_path):
    spacy.blank("en").to_disk(tmp_path / "p")  # meta.json without the spacy-weak stamp
    with pytest.raises(SpacyWeakError, match=r"^\[E276\]"):
        check_saved_dir(tmp_path / "p")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "meta.json").write_text("{not json")
    with pytest.raises(SpacyWeakError, match=r"^\[E276\]"):
        check_saved_dir(tmp_path / "bad")


def test_an_earlier_output_is_replaced_whole(tmp_path):
    nlp = _pipeline()
    stamp_meta(nlp)
    save_pipeline(nlp, tmp_path / "p")
    (tmp_path / "p" / "stale").mkdir()  # e.g. a component of the earlier pipeline
    check_saved_dir(tmp_path / "p")
    save_pipeline(nlp, tmp_path / "p")
    assert not (tmp_path / "p" / "stale").exists()
    assert srsly.read_json(tmp_path / "p" / "meta.json")["spacy_weak"]
    assert spacy.load(tmp_path / "p").pipe_names == ["weak_hmm"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p"]  # no temporary left behind


def test_a_component_folder_is_ours_only_with_cfg_and_model(tmp_path):
    comp = tmp_path / "c"
    comp.mkdir()
    (comp / "cfg").write_text("{}")
    (comp / "model").write_bytes(b"")
    check_saved_dir(comp, kind="component")
    (comp / "notes.txt").write_text("mine")
    with pytest.raises(SpacyWeakError, match=r"^\[E276\].*notes\.txt"):
        check_saved_dir(comp, kind="component")


def test_the_output_may_not_be_an_input(tmp_path):
    (tmp_path / "model").mkdir()
    with pytest.raises(SpacyWeakError, match=r"^\[E263\]"):
        check_saved_dir(tmp_path / "model", [tmp_path / "model"])
    (tmp_path / "f").write_text("x")
    with pytest.raises(SpacyWeakError, match=r"^\[E264\]"):
        check_saved_dir(tmp_path / "f")


def test_a_failed_write_keeps_the_old_output_and_leaves_no_temporary(tmp_path):
    out = tmp_path / "out"
    save_dir_atomic(out, lambda p: (p / "a").write_text("old"))

    def broken(p):
        (p / "a").write_text("half")
        raise OSError("disk gone")

    with pytest.raises(OSError):
        save_dir_atomic(out, broken)
    assert (out / "a").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_the_directory_gets_the_umask_mode(tmp_path, umask):
    old = os.umask(umask)
    try:
        save_dir_atomic(tmp_path / "o", lambda p: (p / "a").write_text("x"))
    finally:
        os.umask(old)
    assert (tmp_path / "o").stat().st_mode & 0o777 == 0o777 & ~umask
