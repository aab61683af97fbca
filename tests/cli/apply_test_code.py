"""Test-only code for ``spacy-weak apply --code``: a component that can be slowed down.

``slow_marker`` marks capitalised tokens in ``doc.spans["marker"]`` and sleeps
``SPACY_WEAK_TEST_SLEEP`` seconds per document (0 when unset), so a test can
kill a run mid-way. Not a test module (pytest does not collect it).
"""
import os
import time

from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup


class SlowMarker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        delay = float(os.environ.get("SPACY_WEAK_TEST_SLEEP", "0") or 0)
        if delay:
            time.sleep(delay)
        spans = [Span(doc, i, i + 1, label="MARK") for i, token in enumerate(doc) if token.is_title]
        doc.spans["marker"] = SpanGroup(doc, name="marker", attrs={"source": self.name, "level": "span"}, spans=spans)
        return doc


if not Language.has_factory("test_slow_marker"):

    @Language.factory("test_slow_marker")
    def make_slow_marker(nlp: Language, name: str) -> SlowMarker:
        return SlowMarker(name)
