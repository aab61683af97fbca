"""Document-level labelling sources (text classification): ``weak_doc_function``, ``weak_doc_keywords``.

Both write the convention of :func:`spacy_weak.spans.set_doc_votes`: an empty
span group ``doc.spans[spans_key]`` whose ``attrs["doc_votes"]`` maps
label -> 1 (vote for) or 0 (explicit vote against); ``{}`` = ran and abstained.
The document aggregators (``weak_doc_vote``, ``weak_doc_em``) read it.

``weak_doc_function`` wraps a registered maker (``{"@misc": "my_lfs.has_link.v1"}``)
returning a function ``Doc -> result``, where the result is one of

* ``None`` — abstain;
* a label (``str``) — vote 1 for it;
* a list / tuple / set of labels — vote 1 for each;
* a dict ``{label: 1 | 0}`` (``True``/``False`` accepted) — votes for and against.

``weak_doc_keywords`` votes ``vote`` (1 or 0) for ``label`` when at least
``min_matches`` keyword / pattern matches occur in the text.
"""
import logging
import re
from typing import Any, Callable, Dict, List, Optional, Sequence

import srsly
from spacy.tokens import Doc

from ..errors import Errors, SpacyWeakError
from ..spans import set_doc_votes
from ._align import SourcePipe, function_name, map_label

logger = logging.getLogger(__name__)

KEYWORDS_FILE = "keywords.json"


class _DocSource(SourcePipe):
    def __call__(self, doc: Doc) -> Doc:
        error_handler = self.get_error_handler()
        try:
            self.set_annotations(doc, self.predict(doc))
            return doc
        except Exception as e:
            return error_handler(self.name, self, [doc], e)

    def predict(self, doc: Doc) -> Dict[str, int]:  # pragma: no cover - abstract
        raise NotImplementedError

    def set_annotations(self, doc: Doc, votes: Dict[str, int]) -> None:
        set_doc_votes(doc, self.spans_key, votes, source=self.name)
        self.stats["docs"] += 1
        self.stats["abstained" if not votes else "voted"] += 1


class DocFunctionAnnotator(_DocSource):
    def __init__(
        self,
        vocab,
        *,
        name: str = "weak_doc_function",
        function: Callable[[Doc], Any],
        spans_key: Optional[str] = None,
        label_map: Optional[Callable[[str], Optional[str]]] = None,
    ) -> None:
        self._init_source(vocab, name, spans_key, label_map)
        if not callable(function):
            raise SpacyWeakError(Errors.E060.format(name=name, value=repr(function)[:100]))
        self.function = function
        self.function_name = function_name(function)

    def predict(self, doc: Doc) -> Dict[str, int]:
        try:
            result = self.function(doc)
        except Exception as e:
            raise SpacyWeakError(
                Errors.E058.format(function=self.function_name, name=self.name, type=type(e).__name__, error=e)
            ) from e
        raw = self._raw_votes(result)
        votes: Dict[str, int] = {}
        for label, vote in raw.items():
            mapped = self._map(label)
            if mapped is None:
                continue
            # two raw labels mapped to one label: a vote for wins over a vote against
            votes[mapped] = max(vote, votes.get(mapped, 0))
        return votes

    def _raw_votes(self, result: Any) -> Dict[str, int]:
        if result is None:
            return {}
        if isinstance(result, str):
            return {result: 1} if result else self._bad(result)
        if isinstance(result, dict):
            votes = {}
            for label, vote in result.items():
                if not isinstance(label, str) or not label:
                    self._bad(result)
                if vote not in (0, 1) or (not isinstance(vote, (bool, int))):
                    raise SpacyWeakError(
                        Errors.E065.format(function=self.function_name, name=self.name, label=label, vote=vote)
                    )
                votes[label] = int(vote)
            return votes
        if isinstance(result, (list, tuple, set, frozenset)):
            if not all(isinstance(label, str) and label for label in result):
                self._bad(result)
            return {label: 1 for label in sorted(result)}
        return self._bad(result)

    def _bad(self, result: Any):
        raise SpacyWeakError(Errors.E064.format(function=self.function_name, name=self.name, value=repr(result)[:100]))

    def _cfg(self):
        return {"spans_key": self.spans_key, "function": self.function_name}


def keyword_regex(keyword: str) -> str:
    """A keyword as a regex that matches whole words only where the keyword has word characters at its edges."""
    body = r"\s+".join(re.escape(part) for part in keyword.split())  # any run of whitespace between words
    if keyword[:1].isalnum() or keyword[:1] == "_":
        body = r"(?<!\w)" + body
    if keyword[-1:].isalnum() or keyword[-1:] == "_":
        body = body + r"(?!\w)"
    return body


class DocKeywordAnnotator(_DocSource):
    def __init__(
        self,
        vocab,
        *,
        name: str = "weak_doc_keywords",
        label: str,
        spans_key: Optional[str] = None,
        keywords: Sequence[str] = (),
        patterns: Sequence[str] = (),
        case_sensitive: bool = False,
        vote: int = 1,
        min_matches: int = 1,
        label_map: Optional[Callable[[str], Optional[str]]] = None,
    ) -> None:
        self._init_source(vocab, name, spans_key, label_map)
        if vote not in (0, 1) or isinstance(vote, float):
            raise SpacyWeakError(Errors.E050.format(param="vote", value=vote, options="1 (for the label), 0 (against)"))
        if not isinstance(min_matches, int) or min_matches < 1:
            raise SpacyWeakError(Errors.E050.format(param="min_matches", value=min_matches, options="an integer >= 1"))
        if not label or not isinstance(label, str):
            raise SpacyWeakError(Errors.E050.format(param="label", value=label, options="a non-empty string"))
        if not keywords and not patterns:
            raise SpacyWeakError(Errors.E066.format(name=name))
        self.label = label
        self.keywords = [str(k) for k in keywords if str(k).strip()]
        self.patterns = [str(p) for p in patterns]
        self.case_sensitive = case_sensitive
        self.vote = int(vote)
        self.min_matches = min_matches
        self._compile()
        self.mapped_label = map_label(self.label_map, label)

    def _compile(self) -> None:
        flags = 0 if self.case_sensitive else re.IGNORECASE
        label, name = self.label, self.name
        self._regexes: List["re.Pattern[str]"] = [re.compile(keyword_regex(k), flags) for k in self.keywords]
        for i, pattern in enumerate(self.patterns):
            try:
                self._regexes.append(re.compile(pattern, flags))
            except re.error as e:
                raise SpacyWeakError(
                    Errors.E053.format(index=i, label=label, name=name, error=e, pattern=pattern)
                ) from None

    def count(self, doc: Doc) -> int:
        """Number of keyword and pattern matches in the text (non-overlapping per keyword/pattern)."""
        n = 0
        text = doc.text  # rebuilt at each access: read once
        for regex in self._regexes:
            for _ in regex.finditer(text):
                n += 1
                if n >= self.min_matches:
                    return n
        return n

    def predict(self, doc: Doc) -> Dict[str, int]:
        if self.mapped_label is None:
            self.stats["dropped_by_label_map"] += 1
            return {}
        if self.count(doc) < self.min_matches:
            return {}
        return {self.mapped_label: self.vote}

    def _cfg(self):
        return {"spans_key": self.spans_key, "label": self.label, "vote": self.vote}

    # The config writer escapes "$" as "$$" and spaCy's loader does not undo it in lists
    # (confection), so the keywords and patterns are also saved as data. On load, a config
    # value that is exactly the escaped form of the saved one is the saved one; any other
    # value is a config override and wins.
    def _to_disk_extra(self):
        return {KEYWORDS_FILE: lambda p: srsly.write_json(p, {"keywords": self.keywords, "patterns": self.patterns})}

    def _from_disk_extra(self):
        def read(p) -> None:
            if p.exists():
                self._restore(srsly.read_json(p))

        return {KEYWORDS_FILE: read}

    def _to_bytes_extra(self):
        return {"keywords": lambda: srsly.json_dumps({"keywords": self.keywords, "patterns": self.patterns})}

    def _from_bytes_extra(self):
        return {"keywords": lambda b: self._restore(srsly.json_loads(b))}

    def _restore(self, saved) -> None:
        changed = False
        for attr in ("keywords", "patterns"):
            values = [str(v) for v in saved.get(attr, [])]
            if values != getattr(self, attr) and [v.replace("$", "$$") for v in values] == getattr(self, attr):
                setattr(self, attr, values)
                changed = True
        if changed:
            self._compile()
