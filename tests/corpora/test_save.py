"""save_docs / check_outputs (bench/quality.py --save-*)."""
import os

import pytest
import spacy
from spacy.tokens import DocBin, Span

from spacy_weak.corpora.save import check_outputs, save_docs
from spacy_weak.errors import SpacyWeakError


def test_save_docs_round_trip_and_umask(tmp_path):
    nlp = spacy.blank("en")
    doc = nlp("aspirin helps")
    doc.spans["gaz"] = [Span(doc, 0, 1, "Chemical")]
    path = save_docs(tmp_path / "out.spacy", [doc])
    back = list(DocBin().from_disk(path).get_docs(nlp.vocab))
    assert [(s.text, s.label_) for s in back[0].spans["gaz"]] == [("aspirin", "Chemical")]
    umask = os.umask(0)
    os.umask(umask)
    assert (path.stat().st_mode & 0o777) == (0o666 & ~umask)
    assert save_docs(None, [doc]) is None


def test_check_outputs_never_overwrites(tmp_path):
    existing = tmp_path / "x.spacy"
    existing.write_bytes(b"")
    check_outputs([None, tmp_path / "new.spacy"])
    with pytest.raises(SpacyWeakError, match=r"\[E701\]"):
        check_outputs([existing])
    check_outputs([existing], overwrite=True)
