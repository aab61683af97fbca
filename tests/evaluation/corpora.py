"""Hand-built corpora whose analysis numbers are computed by hand in the tests."""
from spacy.tokens import DocBin, Span

from spacy_weak.spans import set_aggregate, set_doc_votes, set_source_spans


def write_docbin(docs, path) -> str:
    """Write ``docs`` to ``path`` as one DocBin; returns the path as a string (a CLI argument)."""
    db = DocBin()
    for doc in docs:
        db.add(doc)
    db.to_disk(path)
    return str(path)


def make_span_corpus(nlp):
    """Two documents, three sources, a silver aggregate and gold under doc.spans["gold"].

    d1 "aspirin causes severe headache in patients" (tokens 0-5)
       a: Chemical[0,1) Disease[2,4)      b: Chemical[0,1) Chemical[3,4)
       c: O[1,2) Disease[3,4)             silver: Chemical[0,1) p=.9, Disease[2,4) p=.6
       gold: Chemical[0,1) Disease[3,4)
    d2 "no entities here" (tokens 6-8): a ran (no spans), c ran (no spans), b missing,
       no silver group, gold empty.
    """
    d1 = nlp("aspirin causes severe headache in patients")
    set_source_spans(d1, "a", [Span(d1, 0, 1, "Chemical"), Span(d1, 2, 4, "Disease")])
    set_source_spans(d1, "b", [Span(d1, 0, 1, "Chemical"), Span(d1, 3, 4, "Chemical")])
    set_source_spans(d1, "c", [Span(d1, 1, 2, "O"), Span(d1, 3, 4, "Disease")])
    set_aggregate(
        d1, "silver", [Span(d1, 0, 1, "Chemical"), Span(d1, 2, 4, "Disease")], [0.9, 0.6], [["a", "b"], ["a"]],
        aggregator="weak_hmm",
    )
    d1.spans["gold"] = [Span(d1, 0, 1, "Chemical"), Span(d1, 3, 4, "Disease")]
    d2 = nlp("no entities here")
    set_source_spans(d2, "a", [])
    set_source_spans(d2, "c", [])
    d2.spans["gold"] = []
    return [d1, d2]

def make_doc_corpus(nlp):
    """Four documents with two document-level sources, doc.cats, and gold cats in separate docs.

    lf1: d0 spam, d1 spam, d2 abstain, d3 did not run
    lf2: d0 ham,  d1 spam, d2 ham,     d3 "not spam"
    cats: d0 spam .6, d1 spam .9, d2 ham .7, d3 spam .6
    gold: spam, spam, ham, ham
    """
    texts = ["win money now", "cheap pills here", "nice video", "i like this song"]
    docs, gold = [], []
    lf1 = [{"spam": 1}, {"spam": 1}, {}, None]
    lf2 = [{"ham": 1}, {"spam": 1}, {"ham": 1}, {"spam": 0}]
    cats = [0.6, 0.9, 0.3, 0.6]
    gold_spam = [1.0, 1.0, 0.0, 0.0]
    for k, text in enumerate(texts):
        doc = nlp(text)
        if lf1[k] is not None:
            set_doc_votes(doc, "lf1", lf1[k])
        set_doc_votes(doc, "lf2", lf2[k])
        doc.cats = {"spam": cats[k], "ham": round(1 - cats[k], 6)}
        docs.append(doc)
        g = nlp(text)
        g.cats = {"spam": gold_spam[k], "ham": 1 - gold_spam[k]}
        gold.append(g)
    return docs, gold
