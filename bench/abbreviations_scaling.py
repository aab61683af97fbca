"""Time ``weak_abbreviations`` on synthetic abbreviation-heavy documents of growing size.

Each definition is ``the w1 w2 (TWW) was seen with TWW .`` with random words; a source
labels either the long forms (``--label long``) or the short forms (``--label short``, the
branch that looks long forms up everywhere). Prints tokens, seconds and spans per size.

    python bench/abbreviations_scaling.py --sizes 2000 8000 14000 --label short
"""
import argparse
import random
import string
import time

import spacy
from spacy.tokens import Span

from spacy_weak.spans import set_source_spans


def make_doc(nlp, n, label):
    rng = random.Random(0)
    words = ["".join(rng.choice(string.ascii_lowercase) for _ in range(6)) for _ in range(3000)]
    parts = []
    for _ in range(n):
        w = ["the"] + rng.sample(words, 2)
        sf = "".join(x[0].upper() for x in w)
        parts.append(f"{w[0]} {w[1]} {w[2]} ({sf}) was seen with {sf} and the {w[2]} {sf} .")
    doc = nlp.make_doc(" ".join(parts))
    spans = []
    for i, t in enumerate(doc):
        if t.text == "(" and 3 <= i < len(doc) - 1:
            spans.append(Span(doc, i - 3, i, label="Chemical") if label == "long" else Span(doc, i + 1, i + 2, label="Chemical"))
    set_source_spans(doc, "gaz", spans, source="gaz")
    return doc


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 8000, 14000])
    parser.add_argument("--label", choices=["long", "short"], default="short")
    parser.add_argument("--json", default=None, help="also write the rows here")
    args = parser.parse_args()
    rows = []
    nlp = spacy.blank("en")
    abbr = nlp.add_pipe("weak_abbreviations", config={"sources": ["gaz"]})
    print("| definitions | tokens | seconds | spans |\n|---|---|---|---|")
    for n in args.sizes:
        doc = make_doc(nlp, n, args.label)
        start = time.perf_counter()
        abbr(doc)
        seconds = time.perf_counter() - start
        rows.append({"definitions": n, "tokens": len(doc), "seconds": seconds,
                     "spans": len(doc.spans["weak_abbreviations"])})
        print(f"| {n} | {len(doc)} | {seconds:.2f} | {rows[-1]['spans']} |")
    if args.json:
        import srsly

        srsly.write_json(args.json, {"label": args.label, "rows": rows})


if __name__ == "__main__":
    main()
