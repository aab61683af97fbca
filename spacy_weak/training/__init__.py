"""Silver labels -> spaCy training data (partial annotation), cross-fitting, self-training.

See ``docs/training.md``. Imports stay cheap: each module loads what it needs.
"""
