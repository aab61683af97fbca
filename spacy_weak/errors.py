"""Coded errors and warnings, spaCy style: ``[E001] ...`` so users can search them.

Every message names what is wrong and where (file and line, or the config
parameter). ``docs/errors.md`` lists each code with its meaning and fix.

Code ranges, one per area of the package:
    E001-E049 / W001-W049  lexicons and the gazetteer
    E050-E099 / W050-W099  other annotators (regex, function, model, doc-level)
    E100-E149 / W100-W149  aggregation
    E150-E199 / W150-W199  evaluation and reports
    E200-E249 / W200-W249  corpora readers and writers
    E250-E299 / W250-W299  CLI, sharded runs, resuming
"""
import warnings

from spacy.errors import ErrorsWithCodes


class SpacyWeakError(ValueError):
    """Raised for bad user input; the message starts with its code."""


class Warnings(metaclass=ErrorsWithCodes):
    # --- lexicons and the gazetteer (W001-W049)
    W001 = "Lexicon {path} is empty: no term survived reading and filtering ({dropped}). The gazetteer will match nothing."
    # --- other annotators (W050-W099)
    # --- aggregation (W100-W149)
    # --- evaluation (W150-W199)
    # --- corpora (W200-W249)
    # --- CLI (W250-W299)


class Errors(metaclass=ErrorsWithCodes):
    # --- lexicons and the gazetteer (E001-E049)
    E001 = "Lexicon file not found: {path}"
    # --- other annotators (E050-E099)
    E050 = "Invalid value {value!r} for parameter '{param}'. Options: {options}."
    E051 = "Label map sends {raw!r} to {target!r}, which is not one of the labels ({labels})."
    E052 = "Label {label!r} is not in the label map (unknown='error'). Known labels: {known}."
    # --- aggregation (E100-E149)
    # --- evaluation (E150-E199)
    # --- corpora (E200-E249)
    # --- CLI, sharded runs (E250-E299)


def warn(message: str, *, stacklevel: int = 2) -> None:
    """Emit a coded warning (a UserWarning, filterable with spaCy's tools)."""
    warnings.warn(message, UserWarning, stacklevel=stacklevel + 1)
