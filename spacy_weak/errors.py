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
    W230 = "{path} line {line}: empty text, row skipped (tabular text reader, skip_empty=True)."
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
    E230 = "Tabular text file not found or unreadable: {path} (give a CSV/TSV file, a folder of them, or a glob)."
    E231 = "Column {column!r} not found in the header of {path}. Header: {header}. Set text_column / label_column / id_column."
    E232 = "{path} line {line}: row cannot be read: {reason}. Check the delimiter, quoting and encoding."
    E233 = "{path} line {line}: empty label in column {column!r}. Map '' in label_map (e.g. to null) or fix the row."
    E234 = "{path} line {line}: label {value!r} is not known. Known: {known}. Extend label_map / labels, or set unknown_label='skip' or 'keep'."
    E235 = "{path} is empty: no header line."
    E236 = "Delimiter must be one character, got {delimiter!r}."
    E237 = "{path} line {line}: {n} labels {labels} for an exclusive classification (textcat). Use exclusive=False (textcat_multilabel) or fix the row."
    # --- CLI, sharded runs (E250-E299)


def warn(message: str, *, stacklevel: int = 2) -> None:
    """Emit a coded warning (a UserWarning, filterable with spaCy's tools)."""
    warnings.warn(message, UserWarning, stacklevel=stacklevel + 1)
