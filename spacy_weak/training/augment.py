"""Dictionary knowledge into the end model: a spaCy augmenter that swaps silver mentions for
other lexicon terms of the same label (``spacy_weak.lexicon_swap.v1``).

Used through the corpus reader of a ``spacy train`` config::

    [corpora.train.augmenter]
    @augmenters = "spacy_weak.lexicon_swap.v1"
    lexicon = ["lexicons/drugbank.tsv", "lexicons/ctd.tsv"]
    rate = 0.5
    seed = 0

Each training example is yielded as it is (``keep_original``) and once more with each
entity of the reference (the silver ``doc.ents``) replaced, with probability ``rate``, by a
term drawn from the lexicon terms of its label (of the same concept type where the lexicon
knows one: the namespace of the concept id, e.g. ``MESH:C`` / ``MESH:D`` / ``DOID:``); the
context words, the other entities and the *missing* tokens of a partial annotation are kept.
The NER then sees the dictionary's terms in the contexts the silver found, instead of only
the terms the corpus happens to contain.

The lexicon is a term list (TSV ``term, label[, id]``, JSONL, RRF: anything
:func:`~spacy_weak.lexicons.readers.iter_records` reads), a compiled gazetteer folder
(``lexicon compile`` output, a ``weak_gazetteer`` component folder, or a saved pipeline whose
gazetteers hold their lexicons), or a list of those. Compiled lexicons keep normalised
(lower-cased) keys, so their terms are swapped in lower case.

Checked when the augmenter is built (config resolution, before training starts): ``rate``
outside [0, 1] is ``E313``, an unreadable lexicon ``E315``, a lexicon without a term of the
wanted labels ``E314``. Counts (examples, mentions, swaps, per label, mentions without an
alternative term) are in ``augmenter.summary`` and logged every ``log_every`` examples.
"""
import logging
import math
import random
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from spacy.tokens import Doc, Span
from spacy.training import Example
from spacy.util import registry

from ..errors import Errors, SpacyWeakError, Warnings, warn

logger = logging.getLogger(__name__)

NAME = "spacy_weak.lexicon_swap.v1"
_BAD_TERM = re.compile(r"[,;()\[\]{}<>\"]")
_TYPE = re.compile(r"^([A-Za-z_]+:?[A-Za-z]?)")


def concept_type(kb_id: str) -> str:
    """The namespace of a concept id (``MESH:D003920`` -> ``MESH:D``, ``DB00001`` -> ``DB``); '' if none."""
    m = _TYPE.match(kb_id.split("|")[0].strip()) if kb_id else None
    return m.group(1) if m else ""


def check_rate(value, *, name: str = NAME, param: str = "rate") -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise SpacyWeakError(Errors.E313.format(name=name, param=param, value=value)) from None
    if isinstance(value, bool) or math.isnan(v) or not 0.0 <= v <= 1.0:
        raise SpacyWeakError(Errors.E313.format(name=name, param=param, value=value))
    return v


def _compiled_dirs(path: Path) -> List[Path]:
    """Compiled lexicon folders at ``path``: the folder itself, a component's ``lexicon/``, or a pipeline's."""
    from ..lexicons.compiled import is_compiled_dir

    if is_compiled_dir(path):
        return [path]
    if is_compiled_dir(path / "lexicon"):
        return [path / "lexicon"]
    return sorted(p / "lexicon" for p in path.iterdir() if p.is_dir() and is_compiled_dir(p / "lexicon"))


def _compiled_records(path: Path) -> Iterator[Tuple[str, str, str]]:
    from ..lexicons.compiled import CompiledLexicon

    lex = CompiledLexicon.from_disk(path)
    for k, key in enumerate(lex.keys_in_order()):
        if key is None:
            continue
        for e in lex.entries(k):
            c = int(lex.entry_cased[e])
            term = lex.cased_forms[c] if c >= 0 else key
            yield term, lex.labels[int(lex.entry_label[e])], lex.kb_id(e)


def read_terms(paths: Sequence[Union[str, Path]], *, name: str = NAME) -> Iterator[Tuple[str, str, str]]:
    """``(term, label, id)`` from every lexicon in ``paths`` (E315 when one cannot be read)."""
    from ..lexicons.readers import iter_records

    for p in paths:
        path = Path(p)
        try:
            if path.is_dir() and _compiled_dirs(path):
                for d in _compiled_dirs(path):
                    yield from _compiled_records(d)
            else:
                for rec in iter_records(path):
                    yield rec.term, rec.label, rec.id
        except SpacyWeakError as err:
            raise SpacyWeakError(Errors.E315.format(name=name, path=path, err=err)) from None
        except (OSError, ValueError) as err:
            raise SpacyWeakError(Errors.E315.format(name=name, path=path, err=f"{type(err).__name__}: {err}")) from None


def match_case(term: str, mention: str) -> str:
    """Lexicons capitalise entries ("Myocardial Infarction"); running text mostly does not: a
    title-cased word of the term is lower-cased when the mention it replaces starts in lower case."""
    if not mention[:1].islower():
        return term
    return " ".join(w[:1].lower() + w[1:] if w[:1].isupper() and w[1:].islower() else w for w in term.split(" "))


class TermTable:
    """Terms per label and per (label, concept type), deduplicated (case-insensitively), in reading order."""

    def __init__(self, records: Iterable[Tuple[str, str, str]], *, labels: Optional[Sequence[str]] = None,
                 max_words: int = 6, min_chars: int = 3):
        self.by_label: Dict[str, List[str]] = defaultdict(list)
        self.by_type: Dict[Tuple[str, str], List[str]] = defaultdict(list)
        self.type_of: Dict[Tuple[str, str], str] = {}
        seen = set()
        wanted = set(labels) if labels else None
        for term, label, kb_id in records:
            term = " ".join(str(term).split())
            if wanted is not None and label not in wanted:
                continue
            if len(term) < min_chars or len(term.split()) > max_words or _BAD_TERM.search(term):
                continue
            key = (term.lower(), label)
            if key in seen:
                continue
            seen.add(key)
            ctype = concept_type(kb_id)
            self.by_label[label].append(term)
            self.by_type[(label, ctype)].append(term)
            self.type_of.setdefault(key, ctype)

    def __len__(self) -> int:
        return sum(len(v) for v in self.by_label.values())

    def candidates(self, text: str, label: str) -> List[str]:
        """Terms to swap in for mention ``text`` of ``label``: its concept type's, else its label's."""
        ctype = self.type_of.get((text.lower(), label))
        if ctype is not None and len(self.by_type.get((label, ctype), ())) > 1:
            return self.by_type[(label, ctype)]
        return self.by_label.get(label, [])


class LexiconSwap:
    """The augmenter: ``augmenter(nlp, example)`` yields the example and its swapped copy."""

    def __init__(self, terms: TermTable, *, rate: float, seed: int = 0, keep_original: bool = True,
                 log_every: int = 1000, name: str = NAME):
        self.terms = terms
        self.rate = check_rate(rate, name=name)
        self.seed = int(seed)
        self.keep_original = bool(keep_original)
        self.log_every = int(log_every)
        self.name = name
        self.rng = random.Random(self.seed)
        self.summary: Dict[str, object] = {"examples": 0, "mentions": 0, "swapped": 0, "no_candidate": 0,
                                           "swapped_per_label": Counter(), "no_candidate_per_label": Counter(),
                                           "lexicon_terms": len(terms)}
        self._warned = False

    def __call__(self, nlp, example: Example) -> Iterator[Example]:
        if self.keep_original:
            yield example
        if self.rate > 0:
            swapped = self.swap(nlp, example)
            if swapped is not None:
                yield swapped
        self.summary["examples"] += 1
        if self.log_every and self.summary["examples"] % self.log_every == 0:
            self.log()

    def log(self) -> None:
        s = self.summary
        logger.info("%s: %d examples, %d of %d mentions swapped (%s), %d without another term", self.name,
                    s["examples"], s["swapped"], s["mentions"], dict(s["swapped_per_label"]), s["no_candidate"])
        if s["no_candidate"] and not self._warned and 2 * s["no_candidate"] >= s["mentions"]:
            self._warned = True
            warn(Warnings.W303.format(name=self.name, n=s["no_candidate"], total=s["mentions"],
                                      labels=sorted(s["no_candidate_per_label"])))

    def swap(self, nlp, example: Example) -> Optional[Example]:
        """The example with mentions swapped, or None when none was."""
        ref = example.reference
        words: List[str] = []
        spaces: List[bool] = []
        ents: List[Tuple[int, int, str]] = []
        missing: List[int] = []
        n_swapped = 0
        ent_at = {e.start: e for e in ref.ents}
        i = 0
        while i < len(ref):
            ent = ent_at.get(i)
            if ent is None:
                tok = ref[i]
                if tok.ent_iob == 0:
                    missing.append(len(words))
                words.append(tok.text)
                spaces.append(bool(tok.whitespace_))
                i += 1
                continue
            self.summary["mentions"] += 1
            start = len(words)
            new_words = None
            if self.rng.random() < self.rate:
                cands = self.terms.candidates(ent.text, ent.label_)
                pick = self._pick(cands, ent.text)
                if pick is None:
                    self.summary["no_candidate"] += 1
                    self.summary["no_candidate_per_label"][ent.label_] += 1
                else:
                    new_words = [(t.text, bool(t.whitespace_)) for t in nlp.make_doc(match_case(pick, ent.text))]
            if new_words:
                for w, sp in new_words[:-1]:
                    words.append(w)
                    spaces.append(sp)
                words.append(new_words[-1][0])
                spaces.append(bool(ref[ent.end - 1].whitespace_))
                n_swapped += 1
                self.summary["swapped"] += 1
                self.summary["swapped_per_label"][ent.label_] += 1
            else:
                for tok in ent:
                    words.append(tok.text)
                    spaces.append(bool(tok.whitespace_))
            ents.append((start, len(words), ent.label_))
            i = ent.end
        if not n_swapped:
            return None
        doc = Doc(nlp.vocab, words=words, spaces=spaces)
        spans = [Span(doc, s, e, label=label) for s, e, label in ents]
        doc.set_ents(spans, missing=[doc[m:m + 1] for m in missing], default="outside")
        pred = nlp.make_doc(doc.text)
        return Example(pred, doc)

    def _pick(self, cands: List[str], current: str) -> Optional[str]:
        if not cands or (len(cands) == 1 and cands[0].lower() == current.lower()):
            return None
        for _ in range(8):
            term = cands[self.rng.randrange(len(cands))]
            if term.lower() != current.lower():
                return term
        return None


def build_lexicon_swap(lexicon, *, rate: float = 0.5, labels: Optional[Sequence[str]] = None, seed: int = 0,
                       keep_original: bool = True, max_words: int = 6, log_every: int = 1000) -> LexiconSwap:
    rate = check_rate(rate)
    paths = [lexicon] if isinstance(lexicon, (str, Path)) else list(lexicon or [])
    if not paths:
        raise SpacyWeakError(Errors.E314.format(name=NAME, path="(none given)", detail="", labels=labels or "any"))
    for p in paths:
        if not Path(p).exists():
            raise SpacyWeakError(Errors.E315.format(name=NAME, path=p, err="no such file or folder"))
    terms = TermTable(read_terms(paths), labels=labels, max_words=max_words)
    if len(terms) == 0:
        detail = f" of the labels {list(labels)}" if labels else ""
        raise SpacyWeakError(Errors.E314.format(name=NAME, path=", ".join(map(str, paths)), detail=detail,
                                                labels=list(labels) if labels else "any"))
    logger.info("%s: %d terms (%s)", NAME, len(terms), {k: len(v) for k, v in terms.by_label.items()})
    return LexiconSwap(terms, rate=rate, seed=seed, keep_original=keep_original, log_every=log_every)


@registry.augmenters(NAME)
def create_lexicon_swap(
    lexicon: Union[str, List[str]],
    rate: float = 0.5,
    labels: Optional[List[str]] = None,
    seed: int = 0,
    keep_original: bool = True,
    max_words: int = 6,
    log_every: int = 1000,
):
    """Swap silver mentions for other lexicon terms of their label (see the module docstring).

    lexicon (str or list): term list(s) or compiled gazetteer folder(s).
    rate (float, 0-1): probability that a mention is swapped.
    labels (list or None): labels whose terms are read (default: all).
    seed (int): seed of the draws (one generator for the run: the swaps differ each epoch).
    keep_original (bool): also yield the unchanged example.
    max_words (int): longest term (in whitespace words) swapped in.
    log_every (int): log the summary every N examples (0: never).
    """
    return build_lexicon_swap(lexicon, rate=rate, labels=labels, seed=seed, keep_original=keep_original,
                              max_words=max_words, log_every=log_every)
