"""skweak 0.3.3's GazetteerAnnotator on a TSV lexicon (runs in the peers venv).

    bench/.peers-venv/bin/python bench/_peers/skweak_gazetteer.py LEXICON.tsv TEXTS.json [--repeats N]

LEXICON.tsv: ``term<TAB>label[<TAB>id]``; TEXTS.json: a list of strings. One token-level
``Trie`` per label is built from the terms tokenised by ``spacy.blank("en")`` (as skweak's
own ``extract_json_data`` does), lower-cased, and searched with ``case_sensitive=False``
(the closest to an ``attr="LOWER"`` match). Prints one JSON line: build time, and per
repeat (median) the tokens/s of the tokenizer alone, of tokenizer + annotator, and of the
annotator alone on pre-tokenised Docs. Times are CPU seconds of this process (``time.process_time``), as in bench/speed.py.
Nothing of spacy-weak is imported here.
"""
import json
import statistics
import sys
import time
from collections import defaultdict


def main(argv):
    if len(argv) < 2 or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    repeats = int(argv[argv.index("--repeats") + 1]) if "--repeats" in argv else 3
    import spacy
    from skweak.gazetteers import GazetteerAnnotator, Trie

    nlp = spacy.blank("en")
    # the terms are tokenised by a Language of their own: a million terms in the
    # tokenizer cache / vocab of ``nlp`` would slow its tokenizer down for everyone
    term_nlp = spacy.blank("en")
    texts = json.load(open(argv[1], encoding="utf8"))
    t0 = time.process_time()
    by_label = defaultdict(list)
    with open(argv[0], encoding="utf8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            by_label[cols[1]].append(cols[0].lower())
    tries = {}
    for label, terms in by_label.items():
        trie = Trie()
        for doc in term_nlp.tokenizer.pipe(terms, batch_size=10000):
            trie.add([t.text for t in doc])
        tries[label] = trie
    annotator = GazetteerAnnotator("skweak_gaz", tries, case_sensitive=False)
    build_s = time.process_time() - t0

    docs = list(nlp.pipe(texts))
    n_tokens = sum(len(d) for d in docs)
    tok, pipe, comp = [], [], []
    n_spans = 0
    for _ in range(repeats):
        t0 = time.process_time()
        for _doc in nlp.pipe(texts):
            pass
        tok.append(time.process_time() - t0)
        t0 = time.process_time()
        n_spans = 0
        for doc in nlp.pipe(texts):
            n_spans += len(annotator(doc).spans["skweak_gaz"])
        pipe.append(time.process_time() - t0)
        t0 = time.process_time()
        for doc in docs:
            annotator(doc)
        comp.append(time.process_time() - t0)
    med = statistics.median
    print(json.dumps({
        "terms": sum(len(v) for v in by_label.values()), "build_s": build_s, "tokens": n_tokens,
        "tokenizer_s": med(tok), "pipeline_s": med(pipe), "component_s": med(comp),
        "tokenizer_tokens_per_s": n_tokens / med(tok), "pipeline_tokens_per_s": n_tokens / med(pipe),
        "component_tokens_per_s": n_tokens / med(comp), "spans": n_spans,
        "component_s_all": comp, "spacy": spacy.__version__, "skweak": "0.3.3",
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
