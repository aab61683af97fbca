"""``weak_regex``: labelled regular expressions as a labelling source.

Patterns (config ``patterns`` or ``initialize(patterns=...)``), one dict each:

* ``{"label": "Chemical", "pattern": "\\w+(?:ine|ol)\\b"}`` — the whole match
  (or the group named by ``"group"``) is one span labelled ``label``;
* ``{"pattern": "(?P<Chemical>\\w+ine) (?P<O>\\d+ mg)"}`` — no ``label``: each
  named group that matched is one span labelled with the group's name;
* optional ``"flags": ["IGNORECASE"]`` (added to the component's ``flags``),
  ``"id"`` (written as the span's ``kb_id``).

Matches are searched in ``doc.text`` and aligned to tokens with
``alignment_mode`` (strict / contract / expand). Matches that cannot be aligned
are dropped and counted in ``self.stats["unaligned"]`` (logged at debug).
"""
import logging
import re
import warnings
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import srsly
from spacy.tokens import Doc, Span

from ..errors import Errors, SpacyWeakError, Warnings
from ._align import SourcePipe, char_span, check_alignment_mode, doc_text, parse_flags

logger = logging.getLogger(__name__)

PatternType = Dict[str, Any]
# (compiled regex, label or None for named groups, group for labelled patterns, kb_id)
Compiled = Tuple["re.Pattern[str]", Optional[str], Any, str]

PATTERN_KEYS = {"label", "pattern", "flags", "id", "group"}
PATTERNS_FILE = "patterns.jsonl"


class RegexAnnotator(SourcePipe):
    """Writes the aligned matches of its patterns into ``doc.spans[spans_key]``."""

    def __init__(
        self,
        vocab,
        *,
        name: str = "weak_regex",
        spans_key: Optional[str] = None,
        patterns: Sequence[PatternType] = (),
        flags: Sequence[str] = (),
        alignment_mode: str = "strict",
        label_map: Optional[Callable[[str], Optional[str]]] = None,
    ) -> None:
        self._init_source(vocab, name, spans_key, label_map)
        self.alignment_mode = check_alignment_mode(alignment_mode)
        self.flags = list(flags)
        self._global_flags = parse_flags(self.flags, where="flags", name=self.name)
        self._config_patterns: List[PatternType] = []
        self._added_patterns: List[PatternType] = []
        self._compiled: List[Compiled] = []
        self._warned_empty = False
        self._add(patterns, from_config=True)

    # --------------------------------------------------------------- patterns
    @property
    def patterns(self) -> List[PatternType]:
        """Every pattern: those of the config, then those added later."""
        return self._config_patterns + self._added_patterns

    @property
    def labels(self) -> Tuple[str, ...]:
        """Raw labels of the patterns (before the label map)."""
        labels = set()
        for regex, label, _group, _kb in self._compiled:
            if label is not None:
                labels.add(label)
            else:
                labels.update(regex.groupindex)
        return tuple(sorted(labels))

    def __len__(self) -> int:
        return len(self._compiled)

    def add_patterns(self, patterns: Iterable[PatternType]) -> None:
        """Validate, compile and add patterns (kept in ``to_disk``)."""
        self._add(patterns, from_config=False)

    def clear(self) -> None:
        """Remove the patterns added after construction (config patterns stay)."""
        self._added_patterns = []
        self._compiled = self._compiled[: len(self._config_patterns)]

    def _add(self, patterns: Iterable[PatternType], *, from_config: bool) -> None:
        patterns = list(patterns)
        # indices in messages are positions in the list the user gave (config or initialize)
        compiled = [self._compile(p, i) for i, p in enumerate(patterns)]
        # all valid: commit
        if from_config:
            self._config_patterns.extend(dict(p) for p in patterns)
            self._compiled = compiled + self._compiled
        else:
            self._added_patterns.extend(dict(p) for p in patterns)
            self._compiled.extend(compiled)

    def _compile(self, entry: Any, index: int) -> Compiled:
        def bad(reason: str) -> SpacyWeakError:
            return SpacyWeakError(Errors.E054.format(index=index, name=self.name, reason=reason))

        if not isinstance(entry, dict):
            raise bad(f"expected a dict, got {type(entry).__name__} {entry!r}")
        unknown = set(entry) - PATTERN_KEYS
        if unknown:
            raise bad(f"unknown keys {sorted(unknown)} (allowed: {sorted(PATTERN_KEYS)})")
        pattern = entry.get("pattern")
        if not isinstance(pattern, str) or not pattern:
            raise bad(f"'pattern' must be a non-empty string, got {pattern!r}")
        label = entry.get("label")
        if label is not None and (not isinstance(label, str) or not label):
            raise bad(f"'label' must be a non-empty string, got {label!r}")
        flags = self._global_flags | parse_flags(entry.get("flags"), where=f"pattern {index}", name=self.name)
        try:
            regex = re.compile(pattern, flags)
        except re.error as e:
            raise SpacyWeakError(
                Errors.E053.format(index=index, label=label or "<named groups>", name=self.name, error=e, pattern=pattern)
            ) from None
        group = entry.get("group", 0)
        if label is None:
            if not regex.groupindex:
                raise bad("it has no 'label' and no named groups: give a label or name the groups after labels")
            if "group" in entry:
                raise bad("'group' needs a 'label' (without one, every named group is a span)")
        else:
            valid_group = (isinstance(group, int) and 0 <= group <= regex.groups) or group in regex.groupindex
            if not valid_group:
                raise bad(f"'group' {group!r} is not a group of the pattern")
        kb_id = entry.get("id") or ""
        return regex, label, group, str(kb_id)

    def initialize(
        self,
        get_examples: Optional[Callable] = None,
        *,
        nlp=None,
        patterns: Optional[Sequence[PatternType]] = None,
    ) -> None:
        """Replace the added patterns with ``patterns`` (``[initialize.components.<name>]``)."""
        if patterns is not None:
            self.clear()
            self.add_patterns(patterns)

    # -------------------------------------------------------------- matching
    def match(self, doc: Doc) -> List[Span]:
        """The aligned, label-mapped, de-duplicated spans of every pattern."""
        if not self._compiled and not self._warned_empty:
            warnings.warn(Warnings.W051.format(name=self.name))
            self._warned_empty = True
        text = doc_text(doc)  # == doc.text, without a Token per token
        seen = set()
        spans: List[Span] = []
        for regex, label, group, kb_id in self._compiled:
            for m in regex.finditer(text):
                if label is not None:
                    pieces = [(m.start(group), m.end(group), label)]
                else:
                    pieces = [(m.start(g), m.end(g), g) for g, value in m.groupdict().items() if value is not None]
                for start, end, raw in pieces:
                    if start < 0 or start >= end:  # group did not take part, or empty match
                        continue
                    mapped = self._map(raw)
                    if mapped is None:
                        continue
                    span = char_span(
                        doc, start, end, mapped, kb_id=kb_id, alignment_mode=self.alignment_mode, text_length=len(text)
                    )
                    if span is None:
                        self.stats["unaligned"] += 1
                        logger.debug(
                            "%s: match %r at %d-%d does not align with tokens (%s); dropped",
                            self.name, text[start:end], start, end, self.alignment_mode,
                        )
                        continue
                    key = (span.start, span.end, mapped, kb_id)
                    if key not in seen:
                        seen.add(key)
                        spans.append(span)
        return spans

    # --------------------------------------------------------- serialisation
    def _cfg(self) -> Dict[str, Any]:
        return {"spans_key": self.spans_key, "alignment_mode": self.alignment_mode, "flags": self.flags}

    def _load_patterns(self, patterns: Iterable[PatternType]) -> None:
        self.clear()
        self.add_patterns(patterns)

    def _to_disk_extra(self):
        return {PATTERNS_FILE: lambda p: srsly.write_jsonl(p, self._added_patterns)}

    def _from_disk_extra(self):
        def read(p: Path) -> None:
            if p.exists():
                try:
                    patterns = list(srsly.read_jsonl(p))
                except ValueError as e:  # invalid JSON on a line, or a truncated file
                    raise SpacyWeakError(Errors.E071.format(name=self.name, path=p, err=e)) from None
                self._load_patterns(patterns)

        return {PATTERNS_FILE: read}

    def _to_bytes_extra(self):
        return {"patterns": lambda: srsly.json_dumps(self._added_patterns)}

    def _from_bytes_extra(self):
        def read(b: bytes) -> None:
            try:
                patterns = srsly.json_loads(b)
            except ValueError as e:
                raise SpacyWeakError(Errors.E071.format(name=self.name, path="bytes", err=e)) from None
            if not isinstance(patterns, list):
                raise SpacyWeakError(
                    Errors.E071.format(name=self.name, path="bytes", err=f"a JSON {type(patterns).__name__}, not a list")
                )
            self._load_patterns(patterns)

        return {"patterns": read}
