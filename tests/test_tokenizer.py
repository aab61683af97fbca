from spacy.util import load_config_from_str, load_model_from_config

CONFIG = """
[nlp]
lang = "en"
pipeline = []

[nlp.tokenizer]
@tokenizers = "spacy_weak.biomedical_tokenizer.v1"
"""


def make_nlp():
    return load_model_from_config(load_config_from_str(CONFIG), auto_fill=True)


def test_splits_brackets_and_slashes():
    nlp = make_nlp()
    assert [t.text for t in nlp("doxorubicin (DOX)-induced")] == ["doxorubicin", "(", "DOX", ")", "-", "induced"]
    assert [t.text for t in nlp("[3H]-naloxone")] == ["[", "3H", "]", "-", "naloxone"]
    assert [t.text for t in nlp("ifosfamide/mesna")] == ["ifosfamide", "/", "mesna"]
    # spaCy's own rules still apply
    assert [t.text for t in nlp("Parkinson's disease, e.g. here")] == ["Parkinson", "'s", "disease", ",", "e.g.", "here"]


def test_tokenizer_survives_to_disk(tmp_path):
    import spacy

    nlp = make_nlp()
    nlp.to_disk(tmp_path / "m")
    nlp2 = spacy.load(tmp_path / "m")
    assert [t.text for t in nlp2("(DOX)-induced")] == ["(", "DOX", ")", "-", "induced"]
