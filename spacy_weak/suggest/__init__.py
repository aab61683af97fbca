"""``spacy-weak suggest``: recipe changes proposed from a few reviewed documents, each with a
cross-validated effect, and applied to a new recipe (docs/improving-a-recipe.md)."""
