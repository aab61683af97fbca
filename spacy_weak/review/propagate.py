"""Review propagation: what people decided in the reviewed documents, as a labelling source
for the others.

From the reviewed documents, every reviewed entity's text (lower-cased tokens) votes for its
label, and (``negatives=True``) every silver span the reviewer did not keep votes ``"O"`` (the
label model's mistake, rejected); a text with both kinds of votes takes the majority (ties:
the entity). The negatives are off by default: on BC5CDR they lowered the label model's test
F1 (docs/review.md).
:func:`annotate` writes the matches (longest first, no overlaps) into
``doc.spans["human_lexicon"]`` of every document: an ordinary source whose accuracy the label
model learns (it is not clamped), so a decision made once reaches the same string elsewhere.
"""
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from spacy.tokens import Doc, Span

from ..spans import NEGATIVE_LABEL, set_source_spans

PROPAGATED_KEY = "human_lexicon"


def review_lexicon(
    docs: Sequence[Doc], reviewed: Iterable[int], *, key: str = "human", silver_key: str = "silver",
    negatives: bool = False,
) -> dict[tuple[str, ...], str]:
    """``{lower-cased token tuple: label or "O"}`` from the reviewed documents."""
    votes: dict[tuple[str, ...], Counter] = defaultdict(Counter)
    for i in reviewed:
        doc = docs[i]
        if key not in doc.spans:
            continue
        kept = {(s.start, s.end, s.label_) for s in doc.spans[key] if s.label_ != NEGATIVE_LABEL}
        for s, e, label in kept:
            votes[tuple(t.lower_ for t in doc[s:e])][label] += 1
        for span in doc.spans.get(silver_key, []) if negatives else []:
            if (span.start, span.end, span.label_) not in kept:
                votes[tuple(t.lower_ for t in span)][NEGATIVE_LABEL] += 1
    out = {}
    for text, counter in votes.items():
        best = max(counter.items(), key=lambda kv: (kv[1], kv[0] != NEGATIVE_LABEL))
        out[text] = best[0]
    return out


def annotate(docs: Iterable[Doc], lexicon: dict[tuple[str, ...], str], *, key: str = PROPAGATED_KEY) -> int:
    """Write the lexicon's matches into ``doc.spans[key]``; returns the number of spans."""
    max_len = max((len(k) for k in lexicon), default=0)
    n = 0
    for doc in docs:
        lows = [t.lower_ for t in doc]
        spans = []
        i = 0
        while i < len(doc):
            for length in range(min(max_len, len(doc) - i), 0, -1):
                label = lexicon.get(tuple(lows[i : i + length]))
                if label is not None:
                    spans.append(Span(doc, i, i + length, label=label))
                    i += length
                    break
            else:
                i += 1
        set_source_spans(doc, key, spans)
        n += len(spans)
    return n
