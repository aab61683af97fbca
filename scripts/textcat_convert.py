"""CSV/TSV files -> a DocBin with gold ``doc.cats`` (one row = one document).

    python scripts/textcat_convert.py "assets/youtube_spam/Youtube0[1-4]*.csv" corpus/textcat_train.spacy \
        --text-column CONTENT --label-column label --label-map 0=HAM,1=SPAM

The input is a file, a folder or a glob; see spacy_weak.corpora.tabular_text for the options.
"""
import argparse
import sys

import spacy

from spacy_weak.corpora.tabular_text import tabular_to_docbin


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input", help="CSV/TSV file, folder or glob")
    ap.add_argument("output", help="DocBin to write (.spacy)")
    ap.add_argument("--lang", default="en")
    ap.add_argument("--text-column", default="text")
    ap.add_argument("--label-column", default="label", help="'' for an unlabelled corpus")
    ap.add_argument("--label-map", default="", help="raw=LABEL,raw=LABEL")
    ap.add_argument("--delimiter", default=None, help="default: detected")
    ap.add_argument("--multilabel", action="store_true", help="several labels per row (textcat_multilabel)")
    ap.add_argument("--label-separator", default=None, help="separator of several labels in a cell")
    args = ap.parse_args(argv)
    label_map = dict(kv.split("=", 1) for kv in args.label_map.split(",")) if args.label_map else None
    n = tabular_to_docbin(
        spacy.blank(args.lang),
        args.input,
        args.output,
        text_column=args.text_column,
        label_column=args.label_column or None,
        label_map=label_map,
        delimiter=args.delimiter,
        exclusive=not args.multilabel,
        label_separator=args.label_separator,
    )
    print(f"{n} docs -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
