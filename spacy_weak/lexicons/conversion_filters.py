"""Filters applied while an open vocabulary is converted (``spacy-weak lexicon convert``).

* **Tree branches** (CTD MEDIC ``TreeNumbers``, MeSH tree numbers such as ``C23.550.210``
  Chromosome Aberrations): a concept is dropped when its tree numbers lie in the given
  branches (``tree_mode="all"``: every one of them, so a concept that is also elsewhere
  stays; ``"any"``: at least one). Applied by the CTD reader (the only open vocabulary here
  with tree numbers); counted as ``dropped (tree_branch)``.
* **Term shapes** (:mod:`.shapes`): drop terms of the given shapes, e.g. ``gene_symbol``
  synonyms of a disease concept ("BRCA1" for breast cancer); counted as
  ``dropped (shape:<name>)``.
* **Spelling variants**: add the British and the American spelling of every term
  (tumour/tumor, anaemia/anemia, haemorrhage/hemorrhage, oedema/edema, sulphate/sulfate,
  immunisation/immunization, ...), from the generic spelling rules in :data:`SPELLING_RULES`
  (English orthography, no corpus word list); counted as ``added (spelling_variant)``.
"""
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from ..errors import Errors, SpacyWeakError
from .records import LexiconRecord, LexiconSummary
from .shapes import shape_predicate

TREE_MODES = ("all", "any")

# (American pattern, British replacement), (British pattern, American replacement); word-level
# regular expressions applied case-insensitively. Sources: the regular American/British
# spelling correspondences of English (Greek/Latin digraphs ae/oe, -our/-or, -ise/-ize,
# -yse/-yze, -tre/-ter, -ogue/-og, sulph-/sulf-).
SPELLING_RULES: list[tuple[tuple[str, str], tuple[str, str]]] = [
    # ae / e: anaemia, leukaemia, haemorrhage, haematoma, paediatric, gynaecology, caecum, aetiology
    ((r"(?<=[b-df-hj-np-tv-z])emia\b", "aemia"), (r"(?<=[a-z])aemia\b", "emia")),
    ((r"\bhem(?=[aoi][a-z])(?!is)", "haem"), (r"\bhaem(?=[aoi])", "hem")),
    ((r"(?<=[a-z])hem(?=[ao][a-z])", "haem"), (r"(?<=[a-z])haem(?=[ao])", "hem")),
    ((r"\bped(?=iatr)", "paed"), (r"\bpaed(?=iatr)", "ped")),
    ((r"(?<=ortho)ped(?=ic)", "paed"), (r"(?<=ortho)paed(?=ic)", "ped")),
    ((r"(?<=gyn)ec(?=o)", "aec"), (r"(?<=gyn)aec(?=o)", "ec")),
    ((r"\bcec(?=um|al)", "caec"), (r"\bcaec(?=um|al)", "cec")),
    ((r"\bet(?=iolog)", "aet"), (r"\baet(?=iolog)", "et")),
    # oe / e: oedema, oesophagus, oestrogen, foetus, coeliac, diarrhoea, amenorrhoea
    ((r"\bedem(?=a)", "oedem"), (r"\boedem(?=a)", "edem")),
    ((r"\besophag", "oesophag"), (r"\boesophag", "esophag")),
    ((r"\bestr(?=o?gen|adiol|us\b|ous)", "oestr"), (r"\boestr(?=o?gen|adiol|us\b|ous)", "estr")),
    ((r"\bfet(?=al\b|us\b|uses\b|o)", "foet"), (r"\bfoet(?=al\b|us\b|uses\b|o)", "fet")),
    ((r"\bceli(?=ac)", "coeli"), (r"\bcoeli(?=ac)", "celi")),
    ((r"rrhea\b", "rrhoea"), (r"rrhoea\b", "rrhea")),
    # -or / -our (the stems that take -our in British spelling)
    ((r"\b(tum|hum|col|od|vap|behavi|lab|fav|flav|rum)or(s?)\b", r"\1our\2"),
     (r"\b(tum|hum|col|od|vap|behavi|lab|fav|flav|rum)our(s?)\b", r"\1or\2")),
    # -ize / -ise, -yze / -yse (verbs and their nouns)
    ((r"(?<=[a-z]{3})iz(e|ed|es|ing|ation|ations)\b", r"is\1"),
     (r"(?<=[a-z]{3})is(e|ed|es|ing|ation|ations)\b", r"iz\1")),
    ((r"(?<=[a-z]{2})yz(e|ed|es|ing)\b", r"ys\1"), (r"(?<=[a-z]{2})ys(e|ed|es|ing)\b", r"yz\1")),
    # -ter / -tre: centre, fibre, litre, calibre
    ((r"\b(cen|fib|lit|calib|sab)er(s?)\b", r"\1re\2"), (r"\b(cen|fib|lit|calib|sab)re(s?)\b", r"\1er\2")),
    # -og / -ogue: analogue, catalogue
    ((r"\b(analog|catalog|dialog)(s?)\b", r"\1ue\2"), (r"\b(analog|catalog|dialog)ue(s?)\b", r"\1\2")),
    # sulf- / sulph-
    ((r"sulf", "sulph"), (r"sulph", "sulf")),
]

_COMPILED = [
    ((re.compile(a, re.IGNORECASE), ra), (re.compile(b, re.IGNORECASE), rb)) for (a, ra), (b, rb) in SPELLING_RULES
]
# ise -> ize must not touch words that end in -ise in both spellings
_ISE_SAME = re.compile(
    r"\b(advis|comprom|devis|exercis|improvis|revis|supervis|surpris|televis|excis|incis|precis|concis|premis|"
    r"promis|nois|pois|rais|prais|wis|otherwis|cois|franchis|merchandis|enterpris|demis|expertis|disguis|chastis)e",
    re.IGNORECASE,
)


def _apply(term: str, rules) -> str:
    out = term
    for pattern, repl in rules:
        new = pattern.sub(repl, out)
        if new != out and _ISE_SAME.search(out) and "is" in pattern.pattern and "iz" in str(repl):
            continue
        out = new
    if out and term and term[0].isupper() and out[0].islower():
        out = out[0].upper() + out[1:]
    return out


def spelling_variants(term: str) -> list[str]:
    """The British and American spellings of ``term`` that differ from it (0-2 strings)."""
    british = _apply(term, [r[0] for r in _COMPILED])
    american = _apply(term, [r[1] for r in _COMPILED])
    out = []
    for v in (british, american):
        if v != term and v.lower() != term.lower() and v not in out:
            out.append(v)
    return out


def in_branches(tree_numbers: Sequence[str], branches: Sequence[str], mode: str = "all") -> bool:
    """Do the tree numbers (``C23.550.210.110`` or CTD's ``C23.550.210/C538289``) lie in the
    branches (prefixes at a ``.`` boundary)? ``mode``: every one of them, or any."""
    nums = [t.split("/", 1)[0].strip() for t in tree_numbers if t.strip()]
    if not nums or not branches:
        return False
    hits = [any(n == b or n.startswith(b + ".") for b in branches) for n in nums]
    return all(hits) if mode == "all" else any(hits)


@dataclass
class ConversionFilters:
    """What ``spacy-weak lexicon convert`` filters and adds (validated at construction)."""

    drop_trees: Sequence[str] = ()
    tree_mode: str = "all"
    drop_shapes: Sequence[str] = ()
    spelling_variants: bool = False
    added: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        if self.tree_mode not in TREE_MODES:
            raise SpacyWeakError(Errors.E007.format(value=self.tree_mode, param="tree_mode", options=", ".join(TREE_MODES)))
        bad = [t for t in self.drop_trees if not re.fullmatch(r"[A-Z][0-9]{2}(\.[0-9]{3})*", t.strip())]
        if bad:
            raise SpacyWeakError(Errors.E022.format(values=", ".join(repr(b) for b in bad)))
        self.drop_trees = [t.strip() for t in self.drop_trees]
        self._shapes = [(name, shape_predicate(name)) for name in self.drop_shapes]

    @property
    def active(self) -> bool:
        return bool(self.drop_trees or self.drop_shapes or self.spelling_variants)

    def apply(self, records: Iterable[LexiconRecord], summary: LexiconSummary) -> Iterator[LexiconRecord]:
        """Drop records of the given shapes, add spelling variants that are not already names of
        the same concept (records of one concept are consecutive); every change counted."""
        group: list[LexiconRecord] = []
        for rec in records:
            shape = next((name for name, pred in self._shapes if pred(rec.term)), None)
            if shape is not None:
                summary.drop(f"shape:{shape}")
                summary.kept[rec.label] -= 1
                continue
            if group and (rec.id != group[0].id or not rec.id):
                yield from self._with_variants(group, summary)
                group = []
            group.append(rec)
        if group:
            yield from self._with_variants(group, summary)

    def _with_variants(self, group: list[LexiconRecord], summary: LexiconSummary) -> Iterator[LexiconRecord]:
        yield from group
        if not self.spelling_variants:
            return
        seen = {(r.term.lower(), r.label) for r in group}
        for rec in group:
            for variant in spelling_variants(rec.term):
                if (variant.lower(), rec.label) in seen:
                    continue
                seen.add((variant.lower(), rec.label))
                summary.keep(rec.label)
                self.added["spelling_variant"] += 1
                yield LexiconRecord(variant, rec.label, rec.id)


__all__ = ["SPELLING_RULES", "TREE_MODES", "ConversionFilters", "in_branches", "spelling_variants"]
