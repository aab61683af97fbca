"""Which ``O`` tokens of a silver doc to trust: ``spacy_weak.suspect_outside.v1``.

The silver's false negatives (mentions no source votes for) are labelled ``O`` and teach the
NER that forms it has never seen are not entities. Dropping ``O`` tokens at random
(``partial_annotation.v1``'s ``outside_keep``) buys recall on unseen forms at a precision cost:
most dropped tokens are plain words ("the", "patients") the NER should keep learning as ``O``.
This policy drops only the *suspect* ``O`` tokens, the ones that could belong to a missed
mention, and keeps every other ``O``:

* a **lexicon near miss**: the token's lower-cased form is a word of a lexicon term (of at
  least ``min_word_length`` characters, not a stop word) though no source matched a term there
  ("renal" of an unmatched "renal tubular damage");
* an **entity-like shape** (``shapes``): a word with a capital letter that does not start its
  sentence, a word mixing letters and digits, or a word with a chemical or disease suffix
  (``-itis``, ``-emia``, ``-ine``, ``-mycin``, ...).

Words the silver itself shows to be plain words are never suspect: :meth:`SuspectOutside.fit` reads
the training docs' aggregate spans and leaves out every word seen at least ``min_count`` times
of which less than ``min_entity_share`` of the occurrences lie inside a silver entity ("induced",
"treatment"; "renal", "acute" stay suspect). A suspect ``O`` token is kept as ``O`` with probability ``suspect_keep`` (seeded per doc text;
0 makes every suspect token missing); the other ``O`` tokens follow ``outside_keep`` as in
``partial_annotation.v1``. Entities and the ``missing_voted`` rule are those of
``partial_annotation.v1`` (``spacy_weak.training.partial``).
"""
import re
import zlib
from pathlib import Path
from typing import FrozenSet, Iterable, List, Optional, Sequence, Union

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Doc, Token
from spacy.util import registry

from ..spans import SILVER_KEY
from .partial import PartialAnnotation, Policy, TokenAnnotation, check_fraction

NAME = "spacy_weak.suspect_outside.v1"
SUFFIXES = (
    "itis", "osis", "oses", "emia", "aemia", "pathy", "pathies", "oma", "omas", "algia", "plegia", "trophy", "penia",
    "ine", "ines", "ide", "ides", "ate", "ates", "ol", "one", "azole", "mycin", "cillin", "statin", "pril", "olol",
    "sartan", "mab", "vir", "caine", "pam", "lam", "barb", "dipine", "oxin", "amide",
)
_WORD = re.compile(r"[a-z][a-z0-9\-']+")
_HAS_DIGIT = re.compile(r"\d")
_HAS_ALPHA = re.compile(r"[A-Za-z]")


def lexicon_words(paths: Sequence[Union[str, Path]], *, labels: Optional[Sequence[str]] = None,
                  min_word_length: int = 4) -> FrozenSet[str]:
    """The lower-cased words of the lexicon terms (of ``labels``; stop words and short words left out)."""
    from .augment import read_terms

    wanted = set(labels or [])
    words = set()
    for term, label, _ in read_terms(list(paths), name=NAME):
        if wanted and label not in wanted:
            continue
        for w in _WORD.findall(term.lower()):
            if len(w) >= min_word_length and w not in STOP_WORDS:
                words.add(w)
    return frozenset(words)


def entity_like_shape(token: Token) -> bool:
    text = token.text
    if not _HAS_ALPHA.search(text) or token.is_stop or len(text) < 3:
        return False
    if _HAS_DIGIT.search(text):
        return True
    if any(c.isupper() for c in text) and not token.is_sent_start and token.i > 0:
        return True
    lower = text.lower()
    return len(lower) >= 5 and lower.endswith(SUFFIXES)


class SuspectOutside(PartialAnnotation):
    """``partial_annotation.v1`` whose missing ``O`` tokens are the suspect ones, not a random share."""

    name = NAME

    def __init__(self, *, words: Iterable[str] = (), shapes: bool = True, suspect_keep: float = 0.0,
                 spans_key: str = SILVER_KEY, entity_threshold: float = 0.5, missing_voted: bool = True,
                 outside_keep: float = 1.0, exclude: Sequence[str] = (), seed: int = 0,
                 min_entity_share: float = 0.1, min_count: int = 3):
        super().__init__(spans_key=spans_key, entity_threshold=entity_threshold, missing_voted=missing_voted,
                         outside_keep=outside_keep, exclude=exclude, seed=seed)
        self.words = frozenset(words)
        self.shapes = bool(shapes)
        self.suspect_keep = check_fraction("suspect_keep", suspect_keep, policy=self.name)
        self.min_entity_share = check_fraction("min_entity_share", min_entity_share, policy=self.name)
        self.min_count = int(min_count)
        self.plain: FrozenSet[str] = frozenset()

    def fit(self, docs: Iterable[Doc]) -> "SuspectOutside":
        """Learn the plain words (frequent, rarely inside a silver entity) from the training docs."""
        from collections import Counter

        from .partial import _aggregate

        total, inside = Counter(), Counter()
        for doc in docs:
            spans, _ = _aggregate(doc, self.spans_key)
            ent = {t for s in spans for t in range(s.start, s.end)}
            for token in doc:
                total[token.lower_] += 1
                inside[token.lower_] += token.i in ent
        self.plain = frozenset(w for w, n in total.items()
                               if n >= self.min_count and inside[w] / n < self.min_entity_share)
        return self

    def is_suspect(self, token: Token) -> bool:
        if token.is_punct or token.is_space or token.is_stop or token.lower_ in self.plain:
            return False
        if token.lower_ in self.words:
            return True
        return self.shapes and entity_like_shape(token)

    def __call__(self, doc: Doc) -> TokenAnnotation:
        ann = super().__call__(doc)
        if self.suspect_keep >= 1.0:
            return ann
        import numpy as np

        in_entity = {t for s, e, _ in ann.entities for t in range(s, e)}
        missing = set(ann.missing)
        rng = np.random.default_rng([self.seed, 1, zlib.crc32(doc.text.encode("utf8"))])
        draws = rng.random(len(doc))
        for token in doc:
            i = token.i
            if i in in_entity or i in missing or draws[i] < self.suspect_keep:
                continue
            if self.is_suspect(token):
                missing.add(i)
        return TokenAnnotation(ann.entities, sorted(missing))


@registry.misc(NAME)
def make_suspect_outside(
    lexicon: Optional[List[str]] = None,
    labels: Optional[List[str]] = None,
    min_word_length: int = 4,
    shapes: bool = True,
    suspect_keep: float = 0.0,
    spans_key: str = SILVER_KEY,
    entity_threshold: float = 0.5,
    missing_voted: bool = True,
    outside_keep: float = 1.0,
    exclude: Sequence[str] = (),
    seed: int = 0,
    min_entity_share: float = 0.1,
    min_count: int = 3,
) -> Policy:
    """Partial annotation whose ``O`` tokens are missing where they look like a missed mention.

    lexicon (list): term lists or compiled gazetteer folders (as ``spacy_weak.lexicon_swap.v1``) whose
        words make an ``O`` token suspect; none: shapes only.
    labels (list): the lexicon labels read (default all).
    min_word_length (int): shorter lexicon words are ignored.
    shapes (bool): capitalised mid-sentence words, letters with digits and chemical / disease suffixes
        are suspect too.
    suspect_keep (float, 0-1): share of the suspect ``O`` tokens kept as ``O`` (seeded).
    min_entity_share (float, 0-1), min_count (int): after ``fit(docs)``, a word seen ``min_count``
        times or more, less than ``min_entity_share`` of them inside a silver entity, is plain (never suspect).
    The other parameters are those of ``spacy_weak.partial_annotation.v1``.
    """
    words = lexicon_words(lexicon, labels=labels, min_word_length=min_word_length) if lexicon else ()
    return SuspectOutside(words=words, shapes=shapes, suspect_keep=suspect_keep, spans_key=spans_key,
                          entity_threshold=entity_threshold, missing_voted=missing_voted, outside_keep=outside_keep,
                          exclude=exclude, seed=seed, min_entity_share=min_entity_share, min_count=min_count)
