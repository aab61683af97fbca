"""The pipeline that ships: the label model (refitted with the out-of-fold NER as the source
``model_oof``, `spacy-weak refit`) with the final NER in that source's place, abstaining outside its
spans (spacy_weak.training.ship). One `spacy.load`-able directory.

    python scripts/ship.py training/label_model_self training/ner_best/model-best training/shipped
"""
import argparse
import sys
from pathlib import Path

import spacy

from spacy_weak.errors import SpacyWeakError
from spacy_weak.training.ship import add_model_source, save_shipped


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("label_model", type=Path, help="pipeline: sources + the label model refitted with model_oof")
    ap.add_argument("ner", type=Path, help="the trained NER (model-best)")
    ap.add_argument("output", type=Path)
    ap.add_argument("--component", default="hmm", help="the label model component")
    ap.add_argument("--source", default="model_oof", help="the span group the label model knows the NER by")
    args = ap.parse_args(argv)
    try:
        nlp = spacy.load(args.label_model)
        add_model_source(nlp, args.ner, aggregator=args.component, name=args.source)
        save_shipped(nlp, args.output)
    except SpacyWeakError as err:
        print(err, file=sys.stderr)
        return 1
    print(f"shipped pipeline {args.output}: {', '.join(nlp.pipe_names)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
