"""Documented limits on the text a command tokenises, checked before spaCy's tokenizer runs.

Two limits (both raised from the command line):

* ``max_length`` (``--max-length``): characters per document, spaCy's
  ``nlp.max_length`` (default 1,000,000). A longer document is ``E273``
  naming it, instead of spaCy's raw ``ValueError``.
* ``max_token_work`` (``--max-token-work``, default 20,000,000): spaCy's
  tokenizer splits each whitespace-free run of characters by matching
  prefixes, suffixes and infixes again and again, so a run of ``n``
  characters with ``p`` punctuation/bracket characters costs about ``n * p``
  steps (``"(" * 5000 + "a" + ")" * 5000`` took 37 s, 10,000 of each 123 s).
  The sum of ``n * p`` over the runs of 64 characters or more is computed
  in linear time; a document above the limit is ``E275``. Ordinary text
  (runs of a few dozen characters) costs nothing here; the default allows
  on the order of 10-20 s of tokenizer time for one document.

Documents read from DocBins are already tokenised and are not checked.
"""
import re
from typing import Any, Optional

from ..errors import Errors, SpacyWeakError

DEFAULT_MAX_TOKEN_WORK = 20_000_000
LONG_RUN = re.compile(r"\S{64,}")
PUNCT = re.compile(r"[^\w\s]")


def token_work(text: str) -> int:
    """Estimated splitting work of spaCy's tokenizer on ``text`` (see the module docstring)."""
    work = 0
    for match in LONG_RUN.finditer(text):
        run = match.group()
        work += len(run) * len(PUNCT.findall(run))
    return work


def _describe(text: str) -> str:
    head = text[:40].replace("\n", " ")
    return repr(head + ("..." if len(text) > 40 else ""))


class GuardedTokenizer:
    """Wraps a tokenizer: checks the limits, then tokenises. Other attributes pass through."""

    def __init__(self, tokenizer: Any, *, max_length: int, max_token_work: int) -> None:
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.max_token_work = max_token_work

    def __call__(self, text: str):
        if len(text) > self.max_length:
            raise SpacyWeakError(Errors.E273.format(doc=_describe(text), n=len(text), max_length=self.max_length))
        if self.max_token_work and len(text) >= 64:
            work = token_work(text)
            if work > self.max_token_work:
                raise SpacyWeakError(
                    Errors.E275.format(
                        doc=_describe(text),
                        problem=f"has long runs of punctuation without spaces (tokenizer work {work:,})",
                        limit=f"{self.max_token_work:,}",
                        option="max-token-work",
                    )
                )
        return self.tokenizer(text)

    def __getattr__(self, name: str):
        return getattr(self.tokenizer, name)


def guard_tokenizer(nlp: Any, *, max_length: Optional[int] = None, max_token_work: Optional[int] = None) -> None:
    """Install the limits on ``nlp`` (in memory only; nothing is saved)."""
    for param, value in (("max_length", max_length), ("max_token_work", max_token_work)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise SpacyWeakError(Errors.E212.format(param=param, value=value, options="an integer >= 1"))
    if isinstance(nlp.tokenizer, GuardedTokenizer):
        nlp.tokenizer = nlp.tokenizer.tokenizer
    limit = int(max_length) if max_length else int(nlp.max_length)
    # spaCy's own check (a raw ValueError) gives way to ours, which names the document
    nlp.max_length = max(limit + 1, nlp.max_length)
    nlp.tokenizer = GuardedTokenizer(
        nlp.tokenizer,
        max_length=limit,
        max_token_work=DEFAULT_MAX_TOKEN_WORK if max_token_work is None else int(max_token_work),
    )
