"""`spacy train --code scripts/register_training.py`: registers spacy-weak's augmenter where the
package's entry points are not installed (an installed spacy-weak announces it itself)."""
import spacy_weak.training.augment  # noqa: F401
