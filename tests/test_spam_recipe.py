"""The YouTube spam recipe (configs/youtube_spam.cfg + scripts/spam_rules.py) on hand-written comments."""
from pathlib import Path

import pytest
import spacy
from spacy.tokens import DocBin
from spacy.util import import_file, load_config, load_model_from_config, registry

from spacy_weak.spans import get_doc_votes

ROOT = Path(__file__).resolve().parent.parent
RECIPE = ROOT / "configs" / "youtube_spam.cfg"
RULES = ROOT / "scripts" / "spam_rules.py"

SPAMMY = [
    "Check out my channel http://example.com please!",
    "PLEASE SUBSCRIBE TO MY CHANNEL GUYS, I MAKE COVERS EVERY WEEK",
    "plz visit my page and share it on facebook",
    "Earn money online with gift cards, check it out www.cashnow.com",
    "Subscribe to my channel for more videos",
    "Hey guys check out my new song on my channel",
]
HAMMY = [
    "I love this song",
    "best song ever :)",
    "This video has 2 billion views and it still makes me dance",
    "Love Song",
    "the beat of this song is so catchy, her voice is beautiful",
    "Who is still listening to this song in 2015?",
]


@pytest.fixture(scope="module")
def rules():
    return import_file("spam_rules", str(RULES))


@pytest.fixture(scope="module")
def nlp(rules):
    return load_model_from_config(load_config(RECIPE), auto_fill=True)


@pytest.fixture(scope="module")
def blank(rules):
    return spacy.blank("en")


def lf_names(nlp):
    return [n for n in nlp.pipe_names if n.startswith("lf_")]


def test_recipe_assembles(nlp):
    names = nlp.pipe_names
    assert names[-2:] == ["vote", "em"]
    assert len(lf_names(nlp)) >= 12
    assert nlp.get_pipe_meta("em").factory == "weak_doc_em"
    assert nlp.get_pipe_meta("lf_please_my").factory == "weak_doc_function"
    assert nlp.get_pipe_meta("lf_check_out").factory == "weak_doc_keywords"


def test_sources_write_doc_votes(nlp):
    with nlp.select_pipes(enable=lf_names(nlp)):
        doc = nlp(SPAMMY[0])
        ham = nlp(HAMMY[0])
    # every source ran (key present); abstaining sources hold {}
    assert all(get_doc_votes(doc, n) is not None for n in lf_names(nlp))
    assert get_doc_votes(doc, "lf_check_out") == {"SPAM": 1}
    assert get_doc_votes(doc, "lf_link") == {"SPAM": 1}
    assert get_doc_votes(doc, "lf_my_channel") == {"SPAM": 1}
    assert get_doc_votes(doc, "lf_song") == {}
    assert get_doc_votes(ham, "lf_song") == {"HAM": 1}
    assert get_doc_votes(ham, "lf_love") == {"HAM": 1}
    assert get_doc_votes(ham, "lf_short") == {"HAM": 1}
    assert get_doc_votes(ham, "lf_check_out") == {}


def test_aggregators_write_cats(nlp):
    with nlp.select_pipes(enable=lf_names(nlp)):
        docs = list(nlp.pipe(SPAMMY + HAMMY))
    vote, em = nlp.get_pipe("vote"), nlp.get_pipe("em")
    for doc, expected in zip(docs, ["SPAM"] * len(SPAMMY) + ["HAM"] * len(HAMMY)):
        cats = vote(doc).cats
        assert set(cats) == {"HAM", "SPAM"} and abs(sum(cats.values()) - 1) < 1e-6
        assert cats[expected] > 0.5, (doc.text, cats)
    em.fit(docs)
    for doc, expected in zip(docs, ["SPAM"] * len(SPAMMY) + ["HAM"] * len(HAMMY)):
        cats = em(doc).cats
        assert set(cats) == {"HAM", "SPAM"} and abs(sum(cats.values()) - 1) < 1e-6
        assert cats[expected] > 0.5, (doc.text, cats)
    # the whole pipeline, as it writes the silver DocBin
    doc = nlp("check out my channel, subscribe!")
    assert doc.cats["SPAM"] > 0.5
    # votes and cats survive the DocBin round trip (no store_user_data)
    back = list(DocBin(docs=[doc]).get_docs(spacy.blank("en").vocab))[0]
    assert back.cats == doc.cats
    assert get_doc_votes(back, "lf_subscribe") == {"SPAM": 1}


# ------------------------------------------------------------------ the registered rules


def rule(name, **kwargs):
    return registry.misc.get(name)(**kwargs)


@pytest.mark.parametrize(
    "name,text,expected",
    [
        ("spam.short_comment.v1", "Love Song", "HAM"),
        ("spam.short_comment.v1", "go to http://spam.example now", None),
        ("spam.short_comment.v1", "this one has quite a few more words in it", None),
        ("spam.all_caps.v1", "PLEASE SUBSCRIBE TO MY CHANNEL GUYS", "SPAM"),
        ("spam.all_caps.v1", "LOL", None),
        ("spam.all_caps.v1", "I like this song a lot, it is great", None),
        ("spam.emoji.v1", "still shuffling to this song 🎶🎵", "HAM"),
        ("spam.emoji.v1", "great :)", "HAM"),
        ("spam.emoji.v1", "no emoji here", None),
        ("spam.please_my.v1", "please take a look at my video", "SPAM"),
        ("spam.please_my.v1", "my favourite, please never stop", None),
        ("spam.link.v1", "see kidsmediausa . com", "SPAM"),
        ("spam.link.v1", "https://www.example.org/x", "SPAM"),
        ("spam.link.v1", "no link at all", None),
        ("spam.about_the_video.v1", "this song is 2 billion views old", "HAM"),
        ("spam.about_the_video.v1", "nice song, check my channel", None),
    ],
)
def test_rules(blank, name, text, expected):
    assert rule(name)(blank.make_doc(text)) == expected


def test_long_comment(blank):
    fn = rule("spam.long_comment.v1", min_words=10)
    assert fn(blank.make_doc(" ".join(["word"] * 10))) == "SPAM"
    assert fn(blank.make_doc("short one")) is None
