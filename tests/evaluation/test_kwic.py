import spacy
from spacy.tokens import Doc, Span

from spacy_weak.corpora.align import set_gold
from spacy_weak.evaluation.breakdown import classify_key, collect_for_key
from spacy_weak.evaluation.kwic import keyword_in_context, missed_lexicon_rows, write_missed_lexicon
from spacy_weak.spans import set_source_spans


def _data():
    nlp = spacy.blank("en")
    docs = []
    for words in ("loss of VHL expression in renal cells".split(), "the VHL gene and mesna given".split()):
        doc = Doc(nlp.vocab, words=words)
        gold = [Span(doc, i, i + 1, label="Chemical") for i, w in enumerate(words) if w == "mesna"]
        set_gold(doc, gold)
        set_source_spans(doc, "gaz", [Span(doc, i, i + 1, label="Disease") for i, w in enumerate(words) if w == "VHL"])
        docs.append(doc)
    data = collect_for_key(docs, "gaz")
    return data, classify_key(data, "gaz")


def test_contexts_of_error_strings():
    data, classified = _data()
    out = keyword_in_context(data, classified, width=2)
    assert out["spurious"][0]["text"] == "VHL" and out["spurious"][0]["count"] == 2
    assert out["spurious"][0]["contexts"][0] == "loss of [VHL] expression in …"
    assert out["missed_no_vote"][0]["contexts"] == ["… gene and [mesna] given"]


def test_missed_strings_as_lexicon(tmp_path):
    data, classified = _data()
    rows = missed_lexicon_rows(data, classified)
    assert rows == [("mesna", "Chemical", 1)]
    path = tmp_path / "missed.tsv"
    assert write_missed_lexicon(path, rows) == 1
    assert path.read_text() == "term\tlabel\nmesna\tChemical\n"
    from spacy_weak.lexicons.tabular import iter_tsv

    assert [(r.term, r.label) for r in iter_tsv(path)] == [("mesna", "Chemical")]
