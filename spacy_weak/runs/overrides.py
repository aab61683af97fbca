"""Config overrides made to take effect on a pipeline loaded from disk.

A saved pipeline keeps its components' settings in their own files (``cfg``),
which ``from_disk`` reads after the config has built the component, so spaCy
would let them win silently over an override. :func:`enforce_component_overrides`
makes the override win, or refuses it with ``[E285]`` when it cannot take
effect (a setting that defines a fitted model, on a command that does not fit
it again): an override is never ignored. Parsing overrides from the command
line is the CLI's part (``cli/_overrides.py``).
"""
from typing import Any, Dict, Iterable, List

from ..errors import Errors, SpacyWeakError, Warnings, warn

# aggregator settings that define the fitted model: changing them needs a new fit
MODEL_KEYS = ("sources", "labels", "scheme", "multilabel", "class_priors")
_PLAIN = (str, int, float, bool, list, dict, type(None))


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
            warn(Warnings.W254.format(key=key))
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
                raise SpacyWeakError(Errors.E285.format(
                    key=key, name=name, saved=cfg[setting], value=value,
                    why="it defines the fitted model; fit it again with `spacy-weak fit ... -c " + name + "`"))
            cfg[setting] = value
            applied.append(key)
            continue
        current = getattr(proc, setting, None)
        if current is not None and _plain(current) and _plain(value) and current != value:
            if isinstance(current, (list, tuple)) and list(current) == list(value or []):
                continue
            raise SpacyWeakError(Errors.E285.format(
                key=key, name=name, saved=current, value=value,
                why="the saved component keeps its own value; change it in the config and build the pipeline again"))
    return applied
