"""`spacy train --code scripts/register_training.py`: registers spacy-weak's augmenter and vote features where the
package's entry points are not installed (an installed spacy-weak announces it itself)."""
import spacy_weak.training.augment  # noqa: F401
import spacy_weak.training.features  # noqa: F401 (weak_token_features, spacy_weak.vote_dropout.v1)
