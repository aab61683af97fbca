"""Config overrides on the command line, spaCy's syntax, and their effect on saved pipelines.

Every command that loads a pipeline takes extra options as config overrides,
exactly as ``spacy train`` does: ``--paths.lexicon data/ctd.tsv``,
``--components.hmm.n_iter 1``, ``--components.hmm.merge_adjacent false``,
``--components.hmm.sources '["gaz_*", "rx"]'`` (values are parsed as JSON
when they parse, so lists and dicts are written as JSON; ``--key=value`` works
too; an option with no value is ``true``).

A saved pipeline keeps its components' settings in their own files (``cfg``),
which ``from_disk`` reads after the config has built the component, so spaCy
would let them win silently over an override. :func:`enforce_component_overrides`
makes the override win, or refuses it with ``[E554]`` when it cannot take
effect (a setting that defines a fitted model, on a command that does not fit
it again): an override is never ignored.
"""
from typing import Any, Dict, Iterable, List

import srsly

from ..errors import Errors, SpacyWeakError, Warnings, warn

# aggregator settings that define the fitted model: changing them needs a new fit
MODEL_KEYS = ("sources", "labels", "scheme", "multilabel", "class_priors")
_PLAIN = (str, int, float, bool, list, dict, type(None))


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
    """The deprecated ``--set KEY=VALUE`` form of ``fit`` (warns W550)."""
    out: Dict[str, Any] = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise SpacyWeakError(Errors.E109.format(value=pair))
        key, value = pair.split("=", 1)
        warn(Warnings.W550.format(key=key.strip(), value=value))
        out[key.strip()] = parse_value(value)
    return out


def _plain(value: Any) -> bool:
    return isinstance(value, _PLAIN)


def enforce_component_overrides(nlp, overrides: Dict[str, Any], *, refit: Iterable[str] = ()) -> List[str]:
    """Make ``components.<name>.<setting>`` overrides take effect on a pipeline loaded from disk.

    Returns the overrides applied to saved settings. ``refit`` names components
    that are fitted again afterwards (their model-defining settings may change).
    """
    refit = set(refit)
    applied: List[str] = []
    config = nlp.config
    for key in sorted(overrides):
        parts = key.split(".")
        if parts[0] in ("paths", "initialize"):
            # read only when a config is initialised; a saved pipeline holds its data already
            warn(Warnings.W552.format(key=key))
            continue
        if parts[0] != "components" or len(parts) < 3 or parts[1] not in nlp.pipe_names:
            continue
        name, setting = parts[1], parts[2]
        value = config["components"][name].get(setting, overrides[key])
        proc = nlp.get_pipe(name)
        cfg = getattr(proc, "cfg", None)
        if isinstance(cfg, dict) and setting in cfg:
            if cfg[setting] == value:
                continue
            if setting in MODEL_KEYS and name not in refit and getattr(proc, "is_fitted", False):
                raise SpacyWeakError(Errors.E554.format(
                    key=key, name=name, saved=cfg[setting], value=value,
                    why="it defines the fitted model; fit it again with `spacy-weak fit ... -c " + name + "`"))
            cfg[setting] = value
            applied.append(key)
            continue
        current = getattr(proc, setting, None)
        if current is not None and _plain(current) and _plain(value) and current != value:
            if isinstance(current, (list, tuple)) and list(current) == list(value or []):
                continue
            raise SpacyWeakError(Errors.E554.format(
                key=key, name=name, saved=current, value=value,
                why="the saved component keeps its own value; change it in the config and build the pipeline again"))
    return applied
