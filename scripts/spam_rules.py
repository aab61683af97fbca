"""Labelling functions of the YouTube spam recipe (``configs/youtube_spam.cfg``).

Loaded like any spaCy ``--code`` file: ``spacy.util.import_file("spam_rules", "scripts/spam_rules.py")``
or ``python -m spacy ... --code scripts/spam_rules.py``. Each ``@misc`` maker returns a
document-level labelling function for a ``weak_doc_function`` component: ``Doc -> label | None``
(``None`` = abstain). The keyword rules of the recipe are ``weak_doc_keywords`` components in the
config itself.

Written the way a practitioner writes them in an hour: from general knowledge of comment spam
and a look at ~70 comments of the TRAIN videos (files 01-04); the test video (05 Shakira) was
never looked at.
"""
import re
from typing import Callable, Optional

from spacy.tokens import Doc
from spacy.util import registry

SPAM = "SPAM"
HAM = "HAM"

LabellingFunction = Callable[[Doc], Optional[str]]

# pictographs, dingbats, music notes, hearts: fans decorate, spammers rarely do
EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF\u2665\u2764]")
EMOTICON = re.compile(r"(?:^|\s)(?:[:;]-?[)(DPp]|<3|xD|XD)(?:\s|$|\ufeff)")
PLEASE_MY = re.compile(r"\b(?:please|pls|plz|plzz+|pleas)\b.{0,60}\bmy\b", re.IGNORECASE | re.DOTALL)
DOMAIN = re.compile(r"\b[a-z0-9-]{2,}\s?\.\s?(?:com|net|org|ly|info|co)\b", re.IGNORECASE)


def _words(doc: Doc):
    return [t for t in doc if t.is_alpha]


@registry.misc("spam.short_comment.v1")
def make_short_comment(max_words: int = 5) -> LabellingFunction:
    """Very short comments ("best song", "Love Song") are reactions, not advertising: HAM."""

    def short_comment(doc: Doc) -> Optional[str]:
        words = _words(doc)
        if 0 < len(words) < max_words and not any(t.like_url for t in doc):
            return HAM
        return None

    return short_comment


@registry.misc("spam.long_comment.v1")
def make_long_comment(min_words: int = 60) -> LabellingFunction:
    """Long comments are mostly pitches (make money, a charity story, a band's bio): SPAM."""

    def long_comment(doc: Doc) -> Optional[str]:
        return SPAM if len(_words(doc)) >= min_words else None

    return long_comment


@registry.misc("spam.all_caps.v1")
def make_all_caps(min_letters: int = 20, min_ratio: float = 0.8) -> LabellingFunction:
    """Shouting ("PLEASE SUBSCRIBE TO MY CHANNEL") in a comment of some length: SPAM."""

    def all_caps(doc: Doc) -> Optional[str]:
        letters = [c for c in doc.text if c.isalpha()]
        if len(letters) < min_letters:
            return None
        return SPAM if sum(c.isupper() for c in letters) / len(letters) >= min_ratio else None

    return all_caps


@registry.misc("spam.emoji.v1")
def make_emoji() -> LabellingFunction:
    """Emoji and emoticons (":)", "<3", "🎶") are what fans write: HAM."""

    def emoji(doc: Doc) -> Optional[str]:
        if EMOJI.search(doc.text) or EMOTICON.search(doc.text):
            return HAM
        return None

    return emoji


@registry.misc("spam.please_my.v1")
def make_please_my() -> LabellingFunction:
    """"please ... my" (please visit my channel, plz check my video): SPAM."""

    def please_my(doc: Doc) -> Optional[str]:
        return SPAM if PLEASE_MY.search(doc.text) else None

    return please_my


@registry.misc("spam.link.v1")
def make_link() -> LabellingFunction:
    """A URL or a spelled-out domain ("kidsmediausa . com"): SPAM."""

    def link(doc: Doc) -> Optional[str]:
        if any(t.like_url for t in doc) or DOMAIN.search(doc.text):
            return SPAM
        return None

    return link


@registry.misc("spam.about_the_video.v1")
def make_about_the_video() -> LabellingFunction:
    """Talks about the song/video and its performer without asking for anything: HAM.

    Fans mention the song, views and years ("2 billion views", "2015"); a comment that also
    asks for something (subscribe, check, visit, click) is left to the other rules.
    """
    topic = re.compile(r"\b(?:song|songs|video|views|billion|lyrics|dance|dancing|music|beat|voice)\b", re.IGNORECASE)
    ask = re.compile(r"\b(?:subscribe|check|visit|click|channel|my|share|follow|http|www)\b", re.IGNORECASE)

    def about_the_video(doc: Doc) -> Optional[str]:
        if topic.search(doc.text) and not ask.search(doc.text):
            return HAM
        return None

    return about_the_video
