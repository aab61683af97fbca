"""A `spacy train` config for the end model from a base config: static vectors, the lexicon-swap
augmenter, and the recipe's labelling sources as input features of the NER (weak_token_features:
the sources of the fitted label-model pipeline run in front of the NER, frozen; their votes are
the TAG feature; docs/components/token_features.md).

    python scripts/training_config.py configs/ner_best.cfg training/ner_best.cfg \
        --features-from training/label_model --feature-dropout 0.5
"""
import argparse
import sys
from pathlib import Path

from spacy_weak.errors import Errors, SpacyWeakError
from spacy_weak.training.features import source_components
from spacy_weak.training.trainer import variant_config


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("base", type=Path, help="the NER's spacy train config")
    ap.add_argument("output", type=Path, help="the config to write (never one of the inputs)")
    ap.add_argument("--features-from", type=Path, required=True, help="saved pipeline with the labelling sources")
    ap.add_argument("--feature-dropout", type=float, default=0.0, help="share of voted runs hidden per training step")
    args = ap.parse_args(argv)
    try:
        if args.output.resolve() == args.base.resolve():
            raise SpacyWeakError(Errors.E305.format(path=args.output, param="output",
                                                    err="it is the base config: write the variant elsewhere"))
        names = source_components(args.features_from)
        variant_config(args.base, args.output, features_from=args.features_from, feature_sources=names,
                       feature_dropout=args.feature_dropout)
    except SpacyWeakError as err:
        print(err, file=sys.stderr)
        return 1
    print(f"wrote {args.output}: {len(names)} sources in front of the NER ({', '.join(names)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
