import pytest

from spacy_weak.errors import SpacyWeakError
from spacy_weak.lexicons.compiled import CompiledLexicon
from spacy_weak.lexicons.readers import LexiconSource, detect_format, read_lexicon


def test_detect_and_read(tmp_path, umls_meta):
    (tmp_path / "a.tsv").write_text("aspirin\tChemical\n", encoding="utf8")
    (tmp_path / "a.jsonl").write_text('{"term": "aspirin", "label": "Chemical"}\n', encoding="utf8")
    assert detect_format(tmp_path / "a.tsv") == "tsv"
    assert detect_format(tmp_path / "a.jsonl") == "jsonl"
    assert detect_format(umls_meta) == "rrf"
    assert detect_format(umls_meta / "MRCONSO.RRF") == "rrf"
    src = read_lexicon(tmp_path / "a.tsv")
    assert isinstance(src, LexiconSource)
    assert [tuple(r) for r in src] == [("aspirin", "Chemical", "")]
    assert list(src) == list(src)  # re-iterable
    assert src.summary.read == 1
    CompiledLexicon.build(src).to_disk(tmp_path / "compiled")
    assert detect_format(tmp_path / "compiled") == "compiled"
    assert isinstance(read_lexicon(tmp_path / "compiled"), CompiledLexicon)


def test_errors(tmp_path, umls_meta):
    with pytest.raises(SpacyWeakError, match=r"\[E001\]"):
        read_lexicon(tmp_path / "missing.tsv")
    (tmp_path / "lex.csv").write_text("a,b\n", encoding="utf8")
    with pytest.raises(SpacyWeakError, match=r"\[E006\]"):
        read_lexicon(tmp_path / "lex.csv")
    with pytest.raises(SpacyWeakError, match=r"\[E007\].*semantic_map"):
        read_lexicon(tmp_path / "lex.csv", format="tsv", semantic_map={"T047": "Disease"})
    with pytest.raises(SpacyWeakError, match=r"\[E007\]"):
        read_lexicon(umls_meta, format="xml")


def test_registered_reader(umls_meta):
    from spacy.util import registry

    make = registry.misc.get("spacy_weak.lexicon.v1")
    src = make(path=str(umls_meta), semantic_map={"T121": "Drug"}, language=["ENG"])
    assert [r.term for r in src] == ["1,2-Dipalmitoylphosphatidylcholine"]
