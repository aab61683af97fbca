"""Lexicon records and the summary every reader and the compiler keep.

A record is one ``(term, label, id)`` triple. Readers are generators (a
vocabulary of millions of terms is never held as Python objects); each fills
a :class:`LexiconSummary` as it goes so nothing is dropped without a count.
"""
import logging
from collections import Counter
from typing import Dict, Iterable, List, NamedTuple, Optional

logger = logging.getLogger(__name__)


class LexiconRecord(NamedTuple):
    term: str
    label: str
    id: str = ""


class LexiconSummary:
    """Counts of a lexicon read / compile: records per label, dropped and why."""

    def __init__(self, source: str = "") -> None:
        self.source = source
        self.read = 0  # input rows / records seen
        self.kept: Counter = Counter()  # records kept, per label
        self.dropped: Counter = Counter()  # reason -> count
        self.terms = 0  # distinct normalised terms (keys) after compiling
        self.entries = 0  # distinct (term, label) entries after compiling
        self.ambiguous = 0  # terms with more than one label
        self.flagged: Counter = Counter()  # kept but flagged (e.g. "shape:gene_symbol"), see noise.py

    def drop(self, reason: str, n: int = 1) -> None:
        self.dropped[reason] += n

    def flag(self, reason: str, n: int = 1) -> None:
        self.flagged[reason] += n

    def keep(self, label: str, n: int = 1) -> None:
        self.kept[label] += n

    @property
    def n_kept(self) -> int:
        return sum(self.kept.values())

    @property
    def n_dropped(self) -> int:
        return sum(self.dropped.values())

    def merge(self, other: "LexiconSummary") -> "LexiconSummary":
        self.read += other.read
        self.kept.update(other.kept)
        self.dropped.update(other.dropped)
        self.flagged.update(other.flagged)
        return self

    def dropped_text(self) -> str:
        if not self.dropped:
            return "nothing dropped"
        return ", ".join(f"{reason}: {n}" for reason, n in sorted(self.dropped.items()))

    def to_dict(self) -> Dict:
        return {
            "source": self.source,
            "read": self.read,
            "kept": dict(sorted(self.kept.items())),
            "dropped": dict(sorted(self.dropped.items())),
            "terms": self.terms,
            "entries": self.entries,
            "ambiguous": self.ambiguous,
            "flagged": dict(sorted(self.flagged.items())),
        }

    @classmethod
    def from_dict(cls, data: Dict) -> "LexiconSummary":
        s = cls(data.get("source", ""))
        s.read = int(data.get("read", 0))
        s.kept.update(data.get("kept", {}))
        s.dropped.update(data.get("dropped", {}))
        s.terms = int(data.get("terms", 0))
        s.entries = int(data.get("entries", 0))
        s.ambiguous = int(data.get("ambiguous", 0))
        s.flagged.update(data.get("flagged", {}))
        return s

    def log(self, level: int = logging.INFO) -> None:
        per_label = ", ".join(f"{label}: {n}" for label, n in sorted(self.kept.items())) or "none"
        logger.log(
            level,
            "Lexicon %s: %d records read; kept per label: %s; dropped: %s%s",
            self.source or "(records)",
            self.read,
            per_label,
            self.dropped_text(),
            "; flagged: " + ", ".join(f"{k}: {n}" for k, n in sorted(self.flagged.items())) if self.flagged else "",
        )

    def __repr__(self) -> str:
        return f"LexiconSummary({self.to_dict()!r})"


def as_record(item) -> LexiconRecord:
    """Accept a LexiconRecord, a ``(term, label[, id])`` tuple or a ``{"term", "label", "id"}`` dict."""
    if isinstance(item, LexiconRecord):
        return item
    if isinstance(item, dict):
        return LexiconRecord(str(item["term"]), str(item["label"]), str(item.get("id") or ""))
    term, label, *rest = item
    return LexiconRecord(str(term), str(label), str(rest[0]) if rest and rest[0] is not None else "")


class RecordList(List[LexiconRecord]):
    """A materialised list of records with the summary of the read that produced it."""

    def __init__(self, records: Iterable = (), summary: Optional[LexiconSummary] = None) -> None:
        super().__init__(as_record(r) for r in records)
        self.summary = summary or LexiconSummary()
