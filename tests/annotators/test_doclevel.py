import pytest
import spacy
from spacy.tokens import DocBin
from spacy.util import load_config_from_str, load_model_from_config

from spacy_weak.errors import SpacyWeakError
from spacy_weak.spans import get_doc_votes


@spacy.registry.misc("test_doc.link.v1")
def make_link():
    return lambda doc: "SPAM" if any(t.like_url for t in doc) else None


@spacy.registry.misc("test_doc.result.v1")
def make_result(result):
    return lambda doc: result


@spacy.registry.misc("test_doc.raises.v1")
def make_raises():
    def raises(doc):
        return 1 / 0

    return raises


def add_fn(nlp, name="lf", **fn):
    return nlp.add_pipe("weak_doc_function", name=name, config={"function": fn})


@pytest.mark.parametrize(
    "result,votes",
    [
        (None, {}),
        ("SPAM", {"SPAM": 1}),
        (["SPAM", "PROMO"], {"PROMO": 1, "SPAM": 1}),
        ({"SPAM": 1, "HAM": 0}, {"SPAM": 1, "HAM": 0}),
        ({"SPAM": True, "HAM": False}, {"SPAM": 1, "HAM": 0}),
    ],
)
def test_doc_function_results(result, votes):
    nlp = spacy.blank("en")
    lf = add_fn(nlp, **{"@misc": "test_doc.result.v1", "result": result})
    doc = nlp("some text")
    assert get_doc_votes(doc, "lf") == votes
    group = doc.spans["lf"]
    assert len(group) == 0 and group.attrs["level"] == "doc" and group.attrs["source"] == "lf"
    assert lf.stats["abstained" if not votes else "voted"] == 1


def test_doc_function_label_map_and_docbin():
    nlp = spacy.blank("en")
    add_fn(nlp, **{"@misc": "test_doc.result.v1", "result": {"spam": 1, "junk": 1, "ham": 0}})
    nlp.remove_pipe("lf")
    nlp.add_pipe(
        "weak_doc_function",
        name="lf",
        config={
            "function": {"@misc": "test_doc.result.v1", "result": {"spam": 1, "junk": 1, "ham": 0}},
            "label_map": {"@misc": "spacy_weak.label_map.v1", "mapping": {"spam": "SPAM", "junk": None, "ham": "HAM"}},
        },
    )
    doc = nlp("x")
    db = DocBin()
    db.add(doc)
    doc2 = list(DocBin().from_bytes(db.to_bytes()).get_docs(nlp.vocab))[0]
    assert get_doc_votes(doc2, "lf") == {"SPAM": 1, "HAM": 0}
    assert nlp.get_pipe("lf").stats["dropped_by_label_map"] == 1


@pytest.mark.parametrize(
    "result,code",
    [(3, "E064"), ({"SPAM": 2}, "E065"), ({"SPAM": "yes"}, "E065"), ([1, 2], "E064"), ("", "E064")],
)
def test_doc_function_bad_results(result, code):
    nlp = spacy.blank("en")
    add_fn(nlp, name="bad", **{"@misc": "test_doc.result.v1", "result": result})
    with pytest.raises(SpacyWeakError, match=f"{code}.*make_result.*'bad'"):
        nlp("x")


def test_doc_function_raising_is_coded():
    nlp = spacy.blank("en")
    add_fn(nlp, **{"@misc": "test_doc.raises.v1"})
    with pytest.raises(SpacyWeakError, match="E058.*raised ZeroDivisionError"):
        nlp("x")


def add_kw(nlp, name="kw", **config):
    return nlp.add_pipe("weak_doc_keywords", name=name, config=config)


def test_keywords_whole_words_case_and_patterns():
    nlp = spacy.blank("en")
    add_kw(nlp, "sub", label="SPAM", keywords=["subscribe", "check out"])
    add_kw(nlp, "link", label="SPAM", keywords=[".com", "watch?v="], patterns=[r"https?://"])
    add_kw(nlp, "cs", label="SPAM", keywords=["FREE"], case_sensitive=True)
    add_kw(nlp, "song", label="SPAM", keywords=["song"], vote=0)
    docs = {
        "Please Check \n out": {"sub": {"SPAM": 1}, "link": {}, "cs": {}, "song": {}},
        "subscribers love this song": {"sub": {}, "link": {}, "cs": {}, "song": {"SPAM": 0}},
        "go to http://x.com/watch?v=1 FREE": {"sub": {}, "link": {"SPAM": 1}, "cs": {"SPAM": 1}, "song": {}},
        "free songs": {"sub": {}, "link": {}, "cs": {}, "song": {}},
    }
    for text, expected in docs.items():
        doc = nlp(text)
        assert {k: get_doc_votes(doc, k) for k in expected} == expected, text


def test_keywords_min_matches():
    nlp = spacy.blank("en")
    add_kw(nlp, label="SPAM", keywords=["click", "win"], min_matches=2)
    assert get_doc_votes(nlp("click here"), "kw") == {}
    assert get_doc_votes(nlp("click here and click there"), "kw") == {"SPAM": 1}
    assert get_doc_votes(nlp("click to win"), "kw") == {"SPAM": 1}


@pytest.mark.parametrize(
    "config,match",
    [
        ({"label": "SPAM"}, "E066.*'kw'"),
        ({"label": "SPAM", "keywords": ["a"], "vote": 2}, "E050.*vote"),
        ({"label": "SPAM", "keywords": ["a"], "min_matches": 0}, "E050.*min_matches"),
        ({"label": "SPAM", "patterns": ["ok", "(bad"]}, r"E053.*pattern 1 \(label 'SPAM'\).*'kw'.*missing \)"),
    ],
)
def test_keywords_errors(config, match):
    with pytest.raises(SpacyWeakError, match=match):
        add_kw(spacy.blank("en"), **config)


def test_config_string_and_disk_roundtrip(tmp_path):
    cfg = """
[nlp]
lang = "en"
pipeline = ["lf_link","lf_kw"]

[components]

[components.lf_link]
factory = "weak_doc_function"

[components.lf_link.function]
@misc = "test_doc.link.v1"

[components.lf_kw]
factory = "weak_doc_keywords"
label = "HAM"
keywords = ["song"]
"""
    nlp = load_model_from_config(load_config_from_str(cfg), auto_fill=True)
    nlp.initialize()
    texts = ["see www.spam.com", "nice song", "meh"]
    expected = [({"SPAM": 1}, {}), ({}, {"HAM": 1}), ({}, {})]
    assert [(get_doc_votes(d, "lf_link"), get_doc_votes(d, "lf_kw")) for d in nlp.pipe(texts)] == expected
    nlp.to_disk(tmp_path / "p")
    nlp2 = spacy.load(tmp_path / "p")
    assert [(get_doc_votes(d, "lf_link"), get_doc_votes(d, "lf_kw")) for d in nlp2.pipe(texts)] == expected


def test_keywords_with_dollar_survive_to_disk_and_config_overrides_win(tmp_path):
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("weak_doc_keywords", name="kw", config={"label": "SPAM", "keywords": ["$", "a$b"], "patterns": [r"\$\d"]})
    nlp.to_disk(tmp_path / "p")
    loaded = spacy.load(tmp_path / "p")
    assert loaded.get_pipe("kw").keywords == ["$", "a$b"]
    assert loaded.get_pipe("kw").patterns == [r"\$\d"]
    assert loaded("costs $5").spans["kw"].attrs["doc_votes"] == {"SPAM": 1}
    assert spacy.load(tmp_path / "p", config={"components.kw.keywords": ["x"]}).get_pipe("kw").keywords == ["x"]
    proc = loaded.get_pipe("kw")
    proc.from_bytes(nlp.get_pipe("kw").to_bytes())
    assert proc.keywords == ["$", "a$b"]
