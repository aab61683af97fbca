"""Pool documents for NER training: the label model's silver over the unlabelled pool, kept where it is
confident (every silver span's probability >= --min-confidence) and holds an entity, a seeded
subsample of at most --docs (spacy_weak.training.pool.select_pool; docs/training.md explains why
not all of it).

    python scripts/select_pool.py silver/pool corpus/pool_selected.spacy --docs 1000 --min-confidence 0.9
"""
import argparse
import sys
from pathlib import Path

import spacy

from spacy_weak.corpora.readers import read_corpus
from spacy_weak.corpora.shards import read_docs
from spacy_weak.errors import SpacyWeakError
from spacy_weak.training.pool import drop_evaluation_docs, select_pool
from spacy_weak.training.trainer import save_docbin


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("silver", type=Path, help="the pool's silver (spacy-weak apply LABEL_MODEL annotated/pool OUT)")
    ap.add_argument("output", type=Path, help="DocBin of the selected documents")
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--min-confidence", type=float, default=0.9)
    ap.add_argument("--spans-key", default="silver")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--exclude", type=Path, action="append", default=[], help="evaluation corpora (any format "
                    "read_corpus reads): pool documents with the same text are left out, with warning W302")
    args = ap.parse_args(argv)
    try:
        nlp = spacy.blank("en")
        docs = list(read_docs(args.silver, nlp.vocab))
        for path in args.exclude:
            docs = drop_evaluation_docs(docs, list(read_corpus(path, nlp)), path=args.silver, what=str(path))
        kept = select_pool(docs, n=args.docs, min_confidence=args.min_confidence, spans_key=args.spans_key, seed=args.seed)
    except SpacyWeakError as err:
        print(err, file=sys.stderr)
        return 1
    n = save_docbin(kept, args.output)
    print(f"kept {n} of {len(docs)} pool documents (min confidence {args.min_confidence}) in {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
