"""Config overrides on the command line, spaCy's syntax, and their effect on saved pipelines.

Every command that loads a pipeline takes extra options as config overrides,
exactly as ``spacy train`` does: ``--paths.lexicon data/ctd.tsv``,
``--components.hmm.n_iter 1``, ``--components.hmm.merge_adjacent false``,
``--components.hmm.sources '["gaz_*", "rx"]'`` (values are parsed as JSON
when they parse, so lists and dicts are written as JSON; ``--key=value`` works
too; an option with no value is ``true``).

How a parsed override takes effect on a saved pipeline (never ignored) is the
run layer's part: :mod:`spacy_weak.runs.overrides`.
"""
from typing import Any, Dict, Iterable, List

import srsly

from ..errors import Errors, SpacyWeakError, Warnings, warn



def parse_overrides(args: List[str]) -> Dict[str, Any]:
    """``["--paths.ctd", "x.tsv", "--vars.n=3"]`` -> ``{"paths.ctd": "x.tsv", "vars.n": 3}`` (values JSON if they parse)."""
    out: Dict[str, Any] = {}
    i = 0
    while i < len(args):
        opt = args[i]
        if not opt.startswith("--") or "." not in opt.split("=", 1)[0]:
            raise SpacyWeakError(
                Errors.E212.format(param="config override", value=opt, options="--section.key VALUE")
            )
        key = opt[2:]
        if "=" in key:
            key, value = key.split("=", 1)
            i += 1
        elif i + 1 < len(args) and not args[i + 1].startswith("--"):
            value = args[i + 1]
            i += 2
        else:
            value = "true"
            i += 1
        out[key.replace("-", "_")] = parse_value(value)
    return out


def split_variadic(paths, extra_args: List[str]):
    """A variadic path argument swallows unknown options: ``(paths, override args)``."""
    items = [str(p) for p in paths]
    for i, item in enumerate(items):
        if item.startswith("--"):
            return [type(paths[0])(p) for p in items[:i]] if i else [], items[i:] + list(extra_args)
    return list(paths), list(extra_args)


def parse_value(value: str) -> Any:
    try:
        return srsly.json_loads(value)
    except ValueError:
        return value


def parse_set_options(pairs: Iterable[str]) -> Dict[str, Any]:
    """The deprecated ``--set KEY=VALUE`` form of ``fit`` (warns W252)."""
    out: Dict[str, Any] = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise SpacyWeakError(Errors.E262.format(value=pair))
        key, value = pair.split("=", 1)
        warn(Warnings.W252.format(key=key.strip(), value=value))
        out[key.strip()] = parse_value(value)
    return out
