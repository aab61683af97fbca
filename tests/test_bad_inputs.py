"""The bad-input catalogue (issue 8): each bad input gets a coded error naming the
file and line or the parameter, or a documented coded warning, or (BOM, CRLF,
another vocabulary, empty documents...) is accepted *and parsed correctly* —
never an uncaught traceback of another kind or a silent wrong result.

One parametrised test runs every case; a case is a function of ``tmp_path``
registered with :func:`case`. Cases marked ``xfail(strict=True, reason="GAP: ...")``
assert the right behaviour of code whose owner still has to add it.
"""
import re
import warnings
from pathlib import Path
from typing import Callable, Dict, List

import pytest
import spacy
import srsly
from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span
from typer.testing import CliRunner

from spacy_weak.cli import _load_commands, app
from spacy_weak.errors import SpacyWeakError
from spacy_weak.spans import set_source_spans

_load_commands()

CASES: List = []


def case(case_id: str, *, gap: str = ""):
    """Register a case; ``gap`` marks it xfail(strict) with that reason."""

    def deco(fn: Callable[[Path], None]) -> Callable[[Path], None]:
        marks = [pytest.mark.xfail(strict=True, reason=f"GAP: {gap}")] if gap else []
        CASES.append(pytest.param(fn, id=case_id, marks=marks))
        return fn

    return deco


# ------------------------------------------------------------------- helpers


def raises(code: str, fn: Callable, *parts) -> str:
    """``fn()`` raises SpacyWeakError ``[code] ...`` whose message contains every part."""
    with pytest.raises(SpacyWeakError) as info:
        fn()
    msg = str(info.value)
    assert msg.startswith(f"[{code}]"), msg
    for part in parts:
        assert str(part) in msg, (part, msg)
    return msg


def warns(code: str, fn: Callable, *parts):
    """``fn()`` emits the coded warning ``[code]`` (message containing ``parts``); returns fn's result."""
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        result = fn()
    msgs = [str(w.message) for w in record if str(w.message).startswith(f"[{code}]")]
    assert msgs, (code, [str(w.message) for w in record])
    for part in parts:
        assert any(str(part) in m for m in msgs), (part, msgs)
    return result


def no_warnings(fn: Callable):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        return fn()


def write(path: Path, text: str = "", data: bytes = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if data is not None:
        path.write_bytes(data)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def make_doc(nlp: Language, text: str, groups: Dict[str, list]) -> Doc:
    doc = nlp.make_doc(text)
    for key, spans in groups.items():
        set_source_spans(doc, key, [Span(doc, s, e, label=label) for s, e, label in spans], source=key)
    return doc


def fitted_hmm(nlp: Language):
    docs = [
        make_doc(nlp, "aspirin causes headache today", {"a": [(0, 1, "Chemical")], "b": [(2, 3, "Disease"), (0, 1, "Chemical")]})
        for _ in range(5)
    ]
    hmm = nlp.add_pipe("weak_hmm")
    hmm.fit(docs)
    return hmm


def gazetteer(lexicon, **config):
    nlp = spacy.blank("en")
    gaz = nlp.add_pipe("weak_gazetteer", config=config)
    gaz.initialize(lexicon=lexicon)
    return nlp, gaz


def spans_of(doc: Doc, key: str):
    return [(s.text, s.label_) for s in doc.spans[key]]


MRCONSO_LINE = "C0000001|ENG|P|L1|PF|S1|Y|A1||||MSH|PT|D001|aspirin|0|N||"
MRSTY_LINE = "C0000001|T121|A1.4.1.1.1|Pharmacologic Substance|AT1|256|"


def rrf_folder(tmp: Path, mrconso: bytes, mrsty: str = MRSTY_LINE + "\n") -> Path:
    folder = tmp / "META"
    write(folder / "MRCONSO.RRF", data=mrconso)
    write(folder / "MRSTY.RRF", mrsty)
    return folder


def pubtator(tmp: Path, text: str, name: str = "corpus.txt") -> Path:
    return write(tmp / name, text)


PUBTATOR_OK = "1|t|Aspirin causes headache.\n1|a|Rarely.\n1\t0\t7\tAspirin\tChemical\tD001\n1\t15\t23\theadache\tDisease\tD002\n\n"


def cli(args: List[str]):
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result


def cli_error(code: str, args: List[str], *parts) -> str:
    """The command exits with code 1 and prints the coded error (no other exception)."""
    result = cli(args)
    assert result.exit_code == 1, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert f"[{code}]" in result.output, result.output
    for part in parts:
        assert str(part) in result.output, (part, result.output)
    return result.output


# ============================================================ lexicons: files


@case("rrf-too-few-columns")
def _(tmp):
    folder = rrf_folder(tmp, (MRCONSO_LINE + "\n" + "C0000002|ENG|P|L2|aspirin|\n").encode())
    from spacy_weak.lexicons.readers import read_lexicon

    raises("E002", lambda: list(read_lexicon(folder)), "MRCONSO.RRF", "line 2", "expected 18", "found 5")


@case("rrf-too-many-columns")
def _(tmp):
    folder = rrf_folder(tmp, (MRCONSO_LINE + "\n" + MRCONSO_LINE + "extra|more|\n").encode())
    from spacy_weak.lexicons.readers import read_lexicon

    raises("E002", lambda: list(read_lexicon(folder)), "MRCONSO.RRF", "line 2", "found 20")


@case("rrf-mrsty-wrong-columns")
def _(tmp):
    folder = rrf_folder(tmp, (MRCONSO_LINE + "\n").encode(), mrsty="C0000001|T121|\n")
    from spacy_weak.lexicons.readers import read_lexicon

    raises("E002", lambda: list(read_lexicon(folder)), "MRSTY.RRF", "line 1")


@case("rrf-non-utf8")
def _(tmp):
    bad = MRCONSO_LINE.replace("aspirin", "asp\xefrin").encode("latin-1")
    folder = rrf_folder(tmp, (MRCONSO_LINE + "\n").encode() + bad + b"\n")
    from spacy_weak.lexicons.readers import read_lexicon

    raises("E011", lambda: list(read_lexicon(folder)), "MRCONSO.RRF", "UTF-8")


@case("rrf-bom-accepted-and-parsed")
def _(tmp):
    folder = rrf_folder(tmp, ("\ufeff" + MRCONSO_LINE + "\n").encode())
    from spacy_weak.lexicons.readers import read_lexicon

    records = list(read_lexicon(folder))
    assert [(r.term, r.id) for r in records] == [("aspirin", "C0000001")]


@case("rrf-crlf-accepted-and-parsed")
def _(tmp):
    folder = rrf_folder(tmp, (MRCONSO_LINE + "\r\n").encode() * 2, mrsty=MRSTY_LINE + "\r\n")
    from spacy_weak.lexicons.readers import read_lexicon

    records = list(read_lexicon(folder))
    assert {(r.term, r.label, r.id) for r in records} == {("aspirin", "CHEM", "C0000001")}


@case("tsv-non-utf8")
def _(tmp):
    path = write(tmp / "lex.tsv", data=b"aspirin\tChemical\nibupro\xe9ne\tChemical\n")
    from spacy_weak.lexicons.readers import read_lexicon

    raises("E011", lambda: list(read_lexicon(path)), "lex.tsv", "UTF-8")


@case("lexicon-non-utf8-names-the-right-line")
def _(tmp):
    from spacy_weak.lexicons.readers import read_lexicon

    path = write(tmp / "lex.tsv", data=b"aspirin\tChemical\nibupro\xe9ne\tChemical\n")
    raises("E011", lambda: list(read_lexicon(path)), "lex.tsv line 2")
    bad = MRCONSO_LINE.replace("aspirin", "asp\xefrin").encode("latin-1")
    folder = rrf_folder(tmp, (MRCONSO_LINE + "\n").encode() + bad + b"\n")
    raises("E011", lambda: list(read_lexicon(folder)), "MRCONSO.RRF line 2")


@case("tsv-bom-accepted-and-parsed")
def _(tmp):
    from spacy_weak.lexicons.readers import read_lexicon

    path = write(tmp / "lex.tsv", data="\ufeffaspirin\tChemical\n".encode())
    assert [r.term for r in read_lexicon(path)] == ["aspirin"]
    path = write(tmp / "header.tsv", data="\ufeffterm\tlabel\naspirin\tChemical\n".encode())
    assert [r.term for r in read_lexicon(path)] == ["aspirin"]


@case("tsv-crlf-accepted-and-parsed")
def _(tmp):
    path = write(tmp / "lex.tsv", data=b"term\tlabel\tid\r\naspirin\tChemical\tD001\r\nheadache\tDisease\tD002\r\n")
    nlp, gaz = gazetteer(path)
    doc = nlp("Aspirin for headache")
    assert sorted((s.text, s.label_, s.kb_id_) for s in doc.spans["weak_gazetteer"]) == [
        ("Aspirin", "Chemical", "D001"),
        ("headache", "Disease", "D002"),
    ]


@case("tsv-wrong-field-count")
def _(tmp):
    path = write(tmp / "lex.tsv", "aspirin\tChemical\naspirin\tChemical\tD1\textra\n")
    from spacy_weak.lexicons.readers import read_lexicon

    raises("E004", lambda: list(read_lexicon(path)), "lex.tsv", "line 2", "found 4")


@case("tsv-comma-separated")
def _(tmp):
    path = write(tmp / "lex.tsv", "aspirin,Chemical\n")
    from spacy_weak.lexicons.readers import read_lexicon

    raises("E004", lambda: list(read_lexicon(path)), "line 1", "no tab")


@case("jsonl-invalid-line")
def _(tmp):
    path = write(tmp / "lex.jsonl", '{"term": "aspirin", "label": "Chemical"}\n{"term": "x", "label": \n')
    from spacy_weak.lexicons.readers import read_lexicon

    raises("E005", lambda: list(read_lexicon(path)), "lex.jsonl", "line 2", "invalid JSON")


@case("jsonl-missing-label")
def _(tmp):
    path = write(tmp / "lex.jsonl", '{"term": "aspirin"}\n')
    from spacy_weak.lexicons.readers import read_lexicon

    raises("E005", lambda: list(read_lexicon(path)), "line 1", "missing key 'label'")


@case("lexicon-missing-file")
def _(tmp):
    raises("E001", lambda: gazetteer(tmp / "nowhere.tsv"), "nowhere.tsv")


@case("lexicon-unknown-format")
def _(tmp):
    path = write(tmp / "lexicon.xlsx", "aspirin")
    raises("E006", lambda: gazetteer(path), "lexicon.xlsx", "tsv")


@case("lexicon-bad-format-option")
def _(tmp):
    from spacy_weak.lexicons.readers import read_lexicon

    path = write(tmp / "lex.tsv", "aspirin\tChemical\n")
    raises("E007", lambda: read_lexicon(path, format="csv"), "'csv'", "format")


@case("lexicon-empty-warns")
def _(tmp):
    path = write(tmp / "empty.tsv", "# nothing here\n\n")
    nlp, gaz = warns("W001", lambda: gazetteer(path), "empty.tsv")
    doc = nlp("aspirin")
    assert spans_of(doc, "weak_gazetteer") == []


@case("lexicon-whitespace-only-terms-dropped-and-counted")
def _(tmp):
    path = write(tmp / "blank.tsv", "   \tDisease\n\u00a0\u2003\tDisease\n")
    warns("W001", lambda: gazetteer(path), "blank.tsv", "empty_term: 2")


@case("lexicon-punctuation-only-terms")
def _(tmp):
    path = write(tmp / "punct.tsv", "...\tDisease\n!!\tDisease\n--\tDisease\n")
    nlp, gaz = warns("W001", lambda: gazetteer(path), "punct.tsv")
    assert spans_of(nlp("Wait ... what !! ok"), "weak_gazetteer") == []


@case("lexicon-duplicate-terms-conflicting-labels")
def _(tmp):
    # documented: ambiguous="keep_all" -> one span per label; "drop" -> none; counted as ambiguous
    path = write(tmp / "lex.tsv", "cold\tDisease\tD1\ncold\tTemperature\tT1\ncold\tDisease\tD1\n")
    nlp, gaz = gazetteer(path)
    assert sorted(spans_of(nlp("a cold day"), "weak_gazetteer")) == [("cold", "Disease"), ("cold", "Temperature")]
    assert gaz.lexicon.summary.ambiguous == 1
    assert gaz.lexicon.summary.dropped["duplicate"] == 1
    nlp, gaz = gazetteer(path, ambiguous="drop")
    assert spans_of(nlp("a cold day"), "weak_gazetteer") == []


@case("semantic-map-unknown-type")
def _(tmp):
    folder = rrf_folder(tmp, (MRCONSO_LINE + "\n").encode())
    from spacy_weak.lexicons.readers import read_lexicon

    raises("E003", lambda: list(read_lexicon(folder, semantic_map={"T999": "Chemical"})), "'T999'")


@case("semantic-map-file-not-json")
def _(tmp):
    folder = rrf_folder(tmp, (MRCONSO_LINE + "\n").encode())
    smap = write(tmp / "map.json", "T121: Chemical\n")
    from spacy_weak.lexicons.readers import read_lexicon

    raises("E010", lambda: list(read_lexicon(folder, semantic_map=smap)), "map.json", "not valid JSON")


@case("semantic-map-to-label-outside-label-map")
def _(tmp):
    # the semantic map sends T121 to 'Drug'; the component's label map only knows Chemical/Disease
    folder = rrf_folder(tmp, (MRCONSO_LINE + "\n").encode())
    from spacy_weak.lexicons.readers import read_lexicon

    records = read_lexicon(folder, semantic_map={"T121": "Drug"})
    label_map = {"@misc": "spacy_weak.label_map.v1", "mapping": {"Chem": "Chemical"}, "unknown": "error"}
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_gazetteer", config={"label_map": label_map})
    raises("E052", lambda: nlp.get_pipe("weak_gazetteer").initialize(lexicon=records), "'Drug'", "Chem")


@case("compiled-lexicon-other-options")
def _(tmp):
    from spacy_weak.lexicons.compiled import CompiledLexicon

    CompiledLexicon.build([("aspirin", "Chemical")], case_sensitive=True).to_disk(tmp / "compiled")
    raises("E008", lambda: gazetteer(tmp / "compiled"), "compiled", "case_sensitive")


@case("gazetteer-bad-ambiguous-option")
def _(tmp):
    nlp = spacy.blank("en")
    raises("E007", lambda: nlp.add_pipe("weak_gazetteer", config={"ambiguous": "random"}), "'random'", "ambiguous")


@case("gazetteer-malformed-in-memory-records")
def _(tmp):
    nlp = spacy.blank("en")
    gaz = nlp.add_pipe("weak_gazetteer", name="gaz")
    for index, bad in ((0, [("aspirin",)]), (1, [("aspirin", "Chemical"), {"term": "aspirin"}]), (0, [(None, "Chemical")]), (0, [("aspirin", 7)])):
        raises("E012", lambda: gaz.initialize(lexicon=bad), f"record {index}")
    raises("E013", lambda: gaz.initialize(lexicon=5), "'gaz'")


@case("gazetteer-saved-automaton-truncated")
def _(tmp):
    nlp, gaz = gazetteer([("aspirin", "Chemical", "D1"), ("headache", "Disease", "D2")])
    nlp.to_disk(tmp / "pipe")
    auto = tmp / "pipe" / "weak_gazetteer" / "lexicon" / "automaton.bin"
    auto.write_bytes(auto.read_bytes()[:10])
    raises("E009", lambda: spacy.load(tmp / "pipe"), "lexicon", "automaton.bin")


@case("gazetteer-saved-tables-truncated")
def _(tmp):
    nlp, gaz = gazetteer([("aspirin", "Chemical", "D1")])
    nlp.to_disk(tmp / "pipe")
    tables = tmp / "pipe" / "weak_gazetteer" / "lexicon" / "tables.npz"
    tables.write_bytes(tables.read_bytes()[:40])
    raises("E009", lambda: spacy.load(tmp / "pipe"), "tables.npz")


# ===================================================== other annotators


@case("regex-invalid-pattern")
def _(tmp):
    nlp = spacy.blank("en")
    patterns = [{"label": "Dose", "pattern": r"\d+ mg"}, {"label": "Chemical", "pattern": r"(\w+ine"}]
    raises("E053", lambda: nlp.add_pipe("weak_regex", config={"patterns": patterns}), "pattern 1", "'Chemical'", "w+ine", "missing )")


@case("regex-unknown-flag")
def _(tmp):
    nlp = spacy.blank("en")
    raises("E055", lambda: nlp.add_pipe("weak_regex", config={"flags": ["IGNORECAS"]}), "'IGNORECAS'", "flags")


@case("regex-pattern-without-label-or-groups")
def _(tmp):
    nlp = spacy.blank("en")
    raises("E054", lambda: nlp.add_pipe("weak_regex", config={"patterns": [{"pattern": r"\d+"}]}), "Pattern 0", "named groups")


@case("regex-bad-alignment-mode")
def _(tmp):
    nlp = spacy.blank("en")
    raises("E050", lambda: nlp.add_pipe("weak_regex", config={"alignment_mode": "fuzzy"}), "'fuzzy'", "alignment_mode")


@case("regex-no-patterns-warns")
def _(tmp):
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_regex", name="rx")
    doc = warns("W051", lambda: nlp("aspirin 5 mg"), "'rx'")
    assert "rx" in doc.spans and len(doc.spans["rx"]) == 0


@case("regex-saved-patterns-truncated")
def _(tmp):
    nlp = spacy.blank("en")
    rx = nlp.add_pipe("weak_regex", name="rx")
    rx.add_patterns([{"label": "Dose", "pattern": r"\d+ mg"}])
    nlp.to_disk(tmp / "pipe")
    path = tmp / "pipe" / "rx" / "patterns.jsonl"
    path.write_text(path.read_text()[:15])
    raises("E071", lambda: spacy.load(tmp / "pipe"), "rx", "patterns.jsonl")


@spacy.registry.misc("test_bad_inputs.boom.v1")
def make_boom():
    def boom(doc):
        raise KeyError("missing_feature")

    return boom


@spacy.registry.misc("test_bad_inputs.past_the_end.v1")
def make_past_the_end():
    def past_the_end(doc):
        yield len(doc) - 1, len(doc) + 1, "Chemical"

    return past_the_end


@case("function-registered-raises")
def _(tmp):
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_function", name="lf", config={"function": {"@misc": "test_bad_inputs.boom.v1"}})
    raises("E058", lambda: nlp("aspirin"), "boom", "'lf'", "KeyError", "missing_feature")


@case("function-registered-out-of-range-span")
def _(tmp):
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_function", name="lf", config={"function": {"@misc": "test_bad_inputs.past_the_end.v1"}})
    raises("E057", lambda: nlp("aspirin works"), "past_the_end", "'lf'", "(1, 3)", "0-2")


@case("function-error-handler-skips-doc")
def _(tmp):
    # with spaCy's error handler set, the coded error goes to the handler and the run continues
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_function", name="lf", config={"function": {"@misc": "test_bad_inputs.boom.v1"}})
    seen = []
    nlp.set_error_handler(lambda name, proc, docs, e: seen.append((name, str(e)[:6])))
    docs = list(nlp.pipe(["one", "two"]))
    assert len(docs) == 2 and seen == [("lf", "[E058]"), ("lf", "[E058]")]


@case("function-out-of-range-token-span")
def _(tmp):
    from spacy_weak.annotators.function import FunctionAnnotator

    nlp = spacy.blank("en")
    comp = FunctionAnnotator(nlp.vocab, name="lf", function=lambda doc: [(1, 5, "Chemical")])
    raises("E057", lambda: comp(nlp.make_doc("aspirin works")), "(1, 5)", "token", "0-2")


@case("function-out-of-range-char-span")
def _(tmp):
    from spacy_weak.annotators.function import FunctionAnnotator

    nlp = spacy.blank("en")
    comp = FunctionAnnotator(nlp.vocab, name="lf", function=lambda doc: [(-3, 4, "Chemical")], offsets="char")
    raises("E057", lambda: comp(nlp.make_doc("aspirin")), "(-3, 4)", "char")


@case("function-span-of-another-doc")
def _(tmp):
    from spacy_weak.annotators.function import FunctionAnnotator

    nlp = spacy.blank("en")
    other = nlp.make_doc("other text")
    comp = FunctionAnnotator(nlp.vocab, name="lf", function=lambda doc: [Span(other, 0, 1, label="X")])
    raises("E059", lambda: comp(nlp.make_doc("aspirin")), "'lf'", "other")


@case("function-bad-item")
def _(tmp):
    from spacy_weak.annotators.function import FunctionAnnotator

    nlp = spacy.blank("en")
    comp = FunctionAnnotator(nlp.vocab, name="lf", function=lambda doc: ["aspirin"])
    raises("E056", lambda: comp(nlp.make_doc("aspirin")), "'aspirin'", "tuple")


@case("function-not-callable")
def _(tmp):
    from spacy_weak.annotators.function import FunctionAnnotator

    nlp = spacy.blank("en")
    raises("E060", lambda: FunctionAnnotator(nlp.vocab, name="lf", function="my_rules.v1"), "'lf'", "my_rules.v1")


@case("function-bad-offsets-param")
def _(tmp):
    from spacy_weak.annotators.function import FunctionAnnotator

    nlp = spacy.blank("en")
    raises("E050", lambda: FunctionAnnotator(nlp.vocab, function=len, offsets="byte"), "'byte'", "offsets")


@case("doc-function-bad-return")
def _(tmp):
    from spacy_weak.annotators.doclevel import DocFunctionAnnotator

    nlp = spacy.blank("en")
    comp = DocFunctionAnnotator(nlp.vocab, name="dlf", function=lambda doc: 0.7)
    raises("E064", lambda: comp(nlp.make_doc("spam spam")), "'dlf'", "0.7")


@case("doc-keywords-nothing-to-match")
def _(tmp):
    nlp = spacy.blank("en")
    raises("E066", lambda: nlp.add_pipe("weak_doc_keywords", name="kw", config={"label": "SPAM"}), "'kw'")


@case("abbreviations-bad-max-short-length")
def _(tmp):
    nlp = spacy.blank("en")
    raises("E050", lambda: nlp.add_pipe("weak_abbreviations", config={"max_short_length": 1}), "max_short_length")


@case("consistency-bad-min-votes")
def _(tmp):
    nlp = spacy.blank("en")
    raises("E050", lambda: nlp.add_pipe("weak_doc_consistency", config={"min_votes": 0}), "min_votes")


@case("label-map-target-not-a-label")
def _(tmp):
    nlp = spacy.blank("en")
    label_map = {"@misc": "spacy_weak.label_map.v1", "mapping": {"CHEM": "Chemcial"}, "labels": ["Chemical", "Disease"]}
    raises("E051", lambda: nlp.add_pipe("weak_regex", config={"label_map": label_map}), "'CHEM'", "'Chemcial'")


@case("label-map-not-a-mapping")
def _(tmp):
    from spacy_weak.annotators.regex import RegexAnnotator

    nlp = spacy.blank("en")
    raises("E069", lambda: RegexAnnotator(nlp.vocab, label_map=["CHEM", "Chemical"]), "label_map", "CHEM")


@case("label-map-unknown-label-at-runtime")
def _(tmp):
    nlp = spacy.blank("en")
    label_map = {"@misc": "spacy_weak.label_map.v1", "mapping": {"Chem": "Chemical"}, "unknown": "error"}
    nlp.add_pipe("weak_regex", config={"label_map": label_map, "patterns": [{"label": "Dose", "pattern": r"\d+"}]})
    raises("E052", lambda: nlp("take 5 mg"), "'Dose'", "Chem")


@case("model-missing")
def _(tmp):
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_model", name="wm", config={"model": str(tmp / "no_such_pipeline")})
    raises("E061", lambda: nlp.initialize(), "no_such_pipeline", "'wm'")


@case("model-with-other-tokenizer-warns-and-keeps-our-tokens")
def _(tmp):
    # a German pipeline (its tokenizer would split differently) wrapped in an English one:
    # a coded warning, and the spans it finds are on *our* tokens
    other = spacy.blank("de")
    other.add_pipe("entity_ruler").add_patterns([{"label": "Chemical", "pattern": [{"LOWER": "aspirin"}]}])
    other.to_disk(tmp / "de_pipe")
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_model", name="wm", config={"model": str(tmp / "de_pipe")})
    warns("W050", lambda: nlp.initialize(), "'de'", "'en'")
    doc = nlp("Take aspirin, don't wait.")
    assert [(s.start, s.end, s.text, s.label_) for s in doc.spans["wm"]] == [(1, 2, "aspirin", "Chemical")]


@case("model-that-retokenizes")
def _(tmp):
    other = spacy.blank("en")
    other.add_pipe("entity_ruler").add_patterns([{"label": "Chemical", "pattern": "acetyl salicylic acid"}])
    other.add_pipe("merge_entities")
    other.to_disk(tmp / "merging")
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_model", name="wm", config={"model": str(tmp / "merging")})
    nlp.initialize()
    raises("E070", lambda: nlp("Take acetyl salicylic acid now"), "'wm'", "5 tokens in, 3 out")


@case("doc-function-bad-vote")
def _(tmp):
    from spacy_weak.annotators.doclevel import DocFunctionAnnotator

    nlp = spacy.blank("en")
    comp = DocFunctionAnnotator(nlp.vocab, name="dlf", function=lambda doc: {"SPAM": 2})
    raises("E065", lambda: comp(nlp.make_doc("spam")), "'dlf'", "'SPAM'", "2")


@case("doc-keywords-invalid-pattern")
def _(tmp):
    nlp = spacy.blank("en")
    config = {"label": "SPAM", "patterns": ["buy now", "free [money"]}
    raises("E053", lambda: nlp.add_pipe("weak_doc_keywords", name="kw", config=config), "pattern 1", "'kw'")


@case("model-bad-annotation")
def _(tmp):
    nlp = spacy.blank("en")
    raises("E050", lambda: nlp.add_pipe("weak_model", config={"model": "x", "annotation": "tags"}), "'tags'", "annotation")


@case("model-spans-without-key")
def _(tmp):
    nlp = spacy.blank("en")
    raises("E062", lambda: nlp.add_pipe("weak_model", name="wm", config={"model": "x", "annotation": "spans"}), "'wm'")


@case("model-spans-key-not-written")
def _(tmp):
    other = spacy.blank("en")
    other.add_pipe("span_ruler", config={"spans_key": "ruler"}).add_patterns([{"label": "X", "pattern": "zzz"}])
    nlp = spacy.blank("en")
    from spacy_weak.annotators.model import ModelAnnotator

    comp = ModelAnnotator(nlp.vocab, name="wm", model=other, annotation="spans", source_spans_key="sc")
    raises("E063", lambda: comp(nlp.make_doc("aspirin")), "'wm'", "'sc'", "ruler")


@case("model-saved-copy-corrupted")
def _(tmp):
    other = spacy.blank("en")
    other.add_pipe("entity_ruler")
    other.to_disk(tmp / "inner")
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_model", name="wm", config={"model": str(tmp / "inner")})
    nlp.initialize()
    nlp.to_disk(tmp / "outer")
    cfg = tmp / "outer" / "wm" / "model" / "config.cfg"
    cfg.write_text(cfg.read_text()[:100])
    raises("E068", lambda: spacy.load(tmp / "outer"), "'wm'", str(Path("wm") / "model"))


@case("regex-saved-bytes-corrupted")
def _(tmp):
    nlp = spacy.blank("en")
    rx = nlp.add_pipe("weak_regex", name="rx")
    data = srsly.msgpack_dumps({"cfg": b"{}", "patterns": b'[{"label": "X", "patt'})
    raises("E071", lambda: rx.from_bytes(data), "'rx'", "bytes")


@case("regex-group-not-in-pattern")
def _(tmp):
    nlp = spacy.blank("en")
    patterns = [{"label": "Dose", "pattern": r"(\d+) mg", "group": 2}]
    raises("E054", lambda: nlp.add_pipe("weak_regex", config={"patterns": patterns}), "Pattern 0", "'group' 2")


@case("vote-bad-level")
def _(tmp):
    nlp = spacy.blank("en")
    raises("E100", lambda: nlp.add_pipe("weak_vote", name="mv", config={"level": "sentence"}), "'mv'", "'sentence'", "level")


@case("hmm-negative-n-iter")
def _(tmp):
    nlp = spacy.blank("en")
    raises("E100", lambda: nlp.add_pipe("weak_hmm", config={"n_iter": -1}), "n_iter", "-1")


# ================================================================= documents


def source_pipeline() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_gazetteer", name="gaz").initialize(lexicon=[("aspirin", "Chemical", "D1")])
    nlp.add_pipe("weak_regex", name="rx", config={"patterns": [{"label": "Chemical", "pattern": r"\w+ine\b"}]})
    return nlp


@case("empty-document")
def _(tmp):
    nlp = source_pipeline()
    nlp.add_pipe("weak_vote")
    doc = no_warnings(lambda: nlp(""))
    assert len(doc) == 0
    for key in ("gaz", "rx", "silver"):
        assert key in doc.spans and len(doc.spans[key]) == 0
    hmm = fitted_hmm(spacy.blank("en"))
    empty = hmm(spacy.blank("en").make_doc(""))
    assert len(empty.spans["silver"]) == 0 and len(empty.ents) == 0


@case("one-megabyte-single-token-document-processed")
def _(tmp):
    nlp = source_pipeline()
    text = "x" * (1 << 20) + "ine"
    # spaCy's own coded limit comes first (it names nlp.max_length); raised, the sources cope
    with pytest.raises(ValueError, match=r"\[E088\].*max_length"):
        nlp(text)
    nlp.max_length = len(text) + 1
    doc = nlp(text)
    assert len(doc) == 1
    assert [(s.start, s.end, s.label_) for s in doc.spans["rx"]] == [(0, 1, "Chemical")]
    assert spans_of(doc, "gaz") == []


@case("documents-without-source-spans-leave-aggregator-unfitted")
def _(tmp):
    from spacy.training import Example

    nlp = spacy.blank("en")
    nlp.add_pipe("weak_hmm")
    docs = [nlp.make_doc("no sources ran here")]
    warns("W102", lambda: nlp.initialize(lambda: [Example(d, d) for d in docs]), "'weak_hmm'")
    raises("E103", lambda: nlp("still no sources"), "'weak_hmm'", "not fitted")


@case("documents-with-empty-source-groups")
def _(tmp):
    nlp = spacy.blank("en")
    hmm = nlp.add_pipe("weak_hmm")
    docs = [make_doc(nlp, "nothing fires here", {"a": [], "b": []}) for _ in range(3)]
    raises("E102", lambda: hmm.fit(docs), "'weak_hmm'", "a, b", "labels")


@case("source-that-never-fires")
def _(tmp):
    nlp = spacy.blank("en")
    hmm = nlp.add_pipe("weak_hmm")
    docs = [make_doc(nlp, "aspirin causes headache", {"a": [(0, 1, "Chemical")], "silent": []}) for _ in range(3)]
    warns("W100", lambda: hmm.fit(docs), "silent", "3 docs")
    assert "silent" in hmm.sources


@case("aggregator-fitted-on-no-matching-source")
def _(tmp):
    nlp = spacy.blank("en")
    hmm = nlp.add_pipe("weak_hmm", config={"sources": ["gaz_*"]})
    docs = [make_doc(nlp, "aspirin causes headache", {"rx": [(0, 1, "Chemical")]})]
    raises("E101", lambda: hmm.fit(docs), "gaz_*", "1 docs")


@case("aggregator-applied-to-sources-it-was-not-fitted-on")
def _(tmp):
    nlp = spacy.blank("en")
    hmm = fitted_hmm(nlp)
    doc = make_doc(nlp, "one two three four five six", {"c": [(0, 1, "Chemical")]})
    doc = warns("W103", lambda: hmm(doc), "'weak_hmm'", "(a, b)", "keys there: c")
    assert len(doc.spans["silver"]) == 0


@case("aggregator-weights-name-unknown-source")
def _(tmp):
    nlp = spacy.blank("en")
    hmm = nlp.add_pipe("weak_hmm", config={"weights": {"typo_source": 3.0}})
    docs = [make_doc(nlp, "aspirin causes headache", {"a": [(0, 1, "Chemical")], "b": [(2, 3, "Disease")]})] * 3
    warns("W104", lambda: hmm.fit(docs), "'weak_hmm'", "typo_source", "weights")


@case("aggregator-unfitted")
def _(tmp):
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_hmm", name="agg")
    doc = make_doc(nlp, "aspirin", {"a": [(0, 1, "Chemical")]})
    raises("E103", lambda: nlp.get_pipe("agg")(doc), "'agg'", "spacy-weak fit")


@case("aggregator-bad-span-prob")
def _(tmp):
    nlp = spacy.blank("en")
    raises("E100", lambda: nlp.add_pipe("weak_hmm", config={"span_prob": "max"}), "'max'", "span_prob")


@case("aggregator-class-priors-unknown-label")
def _(tmp):
    nlp = spacy.blank("en")
    em = nlp.add_pipe("weak_doc_em", name="em", config={"class_priors": {"SPAM": 0.3, "EGGS": 0.7}, "labels": ["SPAM", "HAM"]})
    docs = []
    for i in range(4):
        doc = nlp.make_doc(f"message {i}")
        from spacy_weak.spans import set_doc_votes

        set_doc_votes(doc, "kw", {"SPAM": i % 2}, source="kw")
        docs.append(doc)
    raises("E107", lambda: em.fit(docs), "'em'", "'EGGS'")


@case("aggregator-saved-model-truncated")
def _(tmp):
    nlp = spacy.blank("en")
    fitted_hmm(nlp)
    nlp.to_disk(tmp / "pipe")
    model = tmp / "pipe" / "weak_hmm" / "model"
    model.write_bytes(model.read_bytes()[:50])
    raises("E108", lambda: spacy.load(tmp / "pipe"), "'weak_hmm'", str(Path("weak_hmm") / "model"), "truncated")


# =================================================================== corpora


@case("docbin-truncated")
def _(tmp):
    nlp = spacy.blank("en")
    db = DocBin(docs=[nlp("aspirin causes headache")] * 3)
    data = db.to_bytes()
    write(tmp / "corpus.spacy", data=data[: len(data) // 2])
    from spacy_weak.corpora import read_docs

    raises("E215", lambda: list(read_docs(tmp / "corpus.spacy", nlp.vocab)), "corpus.spacy", "truncated")


@case("docbin-from-another-vocab-read-correctly")
def _(tmp):
    other = spacy.blank("de")
    doc = other("Aspirin verursacht Kopfschmerzen")
    set_source_spans(doc, "gaz", [Span(doc, 0, 1, label="Chemical", kb_id="D001")], source="gaz")
    doc.ents = [Span(doc, 2, 3, label="Disease")]
    DocBin(docs=[doc]).to_disk(tmp / "de.spacy")
    from spacy_weak.corpora import read_docs

    nlp = spacy.blank("en")  # a fresh vocabulary that has never seen these strings
    (back,) = list(read_docs(tmp / "de.spacy", nlp.vocab))
    assert back.vocab is nlp.vocab
    assert back.text == "Aspirin verursacht Kopfschmerzen"
    assert [(s.text, s.label_, s.kb_id_) for s in back.spans["gaz"]] == [("Aspirin", "Chemical", "D001")]
    assert [(e.text, e.label_) for e in back.ents] == [("Kopfschmerzen", "Disease")]


@case("docbin-directory-without-shards")
def _(tmp):
    (tmp / "empty_dir").mkdir()
    from spacy_weak.corpora import read_docs

    raises("E216", lambda: list(read_docs(tmp / "empty_dir", spacy.blank("en").vocab)), "empty_dir")


@case("pubtator-offsets-do-not-match-text")
def _(tmp):
    path = pubtator(tmp, "1|t|Aspirin causes headache.\n1|a|Rarely.\n1\t1\t8\tAspirin\tChemical\tD001\n\n")
    from spacy_weak.corpora.pubtator import read_pubtator

    raises("E203", lambda: list(read_pubtator(path, spacy.blank("en"))), "corpus.txt", "line 3", "'Aspirin'", "'spirin '")


@case("pubtator-offsets-outside-text")
def _(tmp):
    path = pubtator(tmp, "1|t|Aspirin.\n1|a|Rarely.\n1\t10\t90\tRarely\tChemical\n\n")
    from spacy_weak.corpora.pubtator import read_pubtator

    raises("E204", lambda: list(read_pubtator(path, spacy.blank("en"))), "line 3", "10-90", "length 16")


@case("pubtator-annotation-in-other-block")
def _(tmp):
    path = pubtator(tmp, "1|t|Aspirin.\n1|a|Rarely.\n2\t0\t7\tAspirin\tChemical\n\n")
    from spacy_weak.corpora.pubtator import read_pubtator

    raises("E205", lambda: list(read_pubtator(path, spacy.blank("en"))), "line 3", "'2'")


@case("pubtator-unreadable-line")
def _(tmp):
    path = pubtator(tmp, "1|t|Aspirin.\n1|a|Rarely.\njust some text\n\n")
    from spacy_weak.corpora.pubtator import read_pubtator

    raises("E202", lambda: list(read_pubtator(path, spacy.blank("en"))), "line 3", "just some text")


@case("pubtator-non-utf8")
def _(tmp):
    path = write(tmp / "corpus.txt", data=PUBTATOR_OK.encode() + b"2|t|Caf\xe9ine\n")
    from spacy_weak.corpora.pubtator import read_pubtator

    raises("E201", lambda: list(read_pubtator(path, spacy.blank("en"))), "corpus.txt", "line 6", "UTF-8")


@case("pubtator-bom-and-crlf-accepted-and-parsed")
def _(tmp):
    path = write(tmp / "corpus.txt", data=("\ufeff" + PUBTATOR_OK).replace("\n", "\r\n").encode())
    from spacy_weak.corpora import get_doc_id
    from spacy_weak.corpora.pubtator import read_pubtator

    (doc,) = no_warnings(lambda: list(read_pubtator(path, spacy.blank("en"))))
    assert get_doc_id(doc) == "1"
    assert doc.text == "Aspirin causes headache. Rarely."
    assert [(s.text, s.label_, s.kb_id_) for s in doc.spans["gold"]] == [
        ("Aspirin", "Chemical", "D001"),
        ("headache", "Disease", "D002"),
    ]


@case("corpus-empty-file-warns")
def _(tmp):
    path = write(tmp / "empty.txt", "")
    from spacy_weak.corpora import read_corpus

    docs = warns("W207", lambda: list(read_corpus(path, spacy.blank("en"), format="pubtator")), "empty.txt")
    assert docs == []


@case("corpus-unknown-format")
def _(tmp):
    path = write(tmp / "notes.txt", "Just a plain text note, no annotations.\n")
    from spacy_weak.corpora import read_corpus

    raises("E214", lambda: read_corpus(path, spacy.blank("en")), "notes.txt", "pubtator")


@case("corpus-missing-file")
def _(tmp):
    from spacy_weak.corpora import read_corpus

    raises("E200", lambda: read_corpus(tmp / "gone.txt", spacy.blank("en")), "gone.txt")


@case("iob-i-tag-after-o")
def _(tmp):
    path = write(tmp / "train.iob", "Aspirin\tB-Chemical\ncauses\tO\nhead\tI-Disease\n\n")
    from spacy_weak.corpora.iob import read_iob

    raises("E213", lambda: list(read_iob(path, spacy.blank("en"))), "train.iob", "line 3", "'I-Disease'", "follows O")


@case("iob-i-tag-after-o-fix-mode-warns-and-repairs")
def _(tmp):
    path = write(tmp / "train.iob", "Aspirin\tB-Chemical\ncauses\tO\nhead\tI-Disease\nache\tI-Disease\n\n")
    from spacy_weak.corpora.iob import read_iob

    (doc,) = warns("W203", lambda: list(read_iob(path, spacy.blank("en"), mode="fix")), "train.iob", "1 invalid")
    assert [(e.text, e.label_) for e in doc.ents] == [("Aspirin", "Chemical"), ("head ache", "Disease")]


@case("iob-invalid-tag")
def _(tmp):
    path = write(tmp / "train.iob", "Aspirin\tB_Chemical\n\n")
    from spacy_weak.corpora.iob import read_iob

    raises("E211", lambda: list(read_iob(path, spacy.blank("en"))), "line 1", "'B_Chemical'")


@case("iob-missing-tag-column")
def _(tmp):
    path = write(tmp / "train.iob", "Aspirin\tB-Chemical\ncauses\n\n")
    from spacy_weak.corpora.iob import read_iob

    raises("E210", lambda: list(read_iob(path, spacy.blank("en"))), "line 2", "'causes'")


@case("bioc-invalid-xml")
def _(tmp):
    path = write(tmp / "corpus.xml", "<?xml version='1.0'?>\n<collection><document><id>1</id>\n</collection>\n")
    from spacy_weak.corpora import read_corpus

    raises("E206", lambda: list(read_corpus(path, spacy.blank("en"))), "corpus.xml", "line 3")


@case("iob-bad-sentences-per-doc")
def _(tmp):
    path = write(tmp / "train.iob", "Aspirin\tB-Chemical\n\n")
    from spacy_weak.corpora.iob import read_iob

    raises("E212", lambda: list(read_iob(path, spacy.blank("en"), sentences_per_doc=0)), "sentences_per_doc", "0")


@case("iob-bom-and-crlf-accepted-and-parsed")
def _(tmp):
    path = write(tmp / "train.iob", data="\ufeffAspirin\tB-Chemical\r\ncauses\tO\r\nhead\tB-Disease\r\nache\tI-Disease\r\n\r\n".encode())
    from spacy_weak.corpora import read_corpus

    (doc,) = no_warnings(lambda: list(read_corpus(path, spacy.blank("en"))))
    assert [t.text for t in doc] == ["Aspirin", "causes", "head", "ache"]
    assert [(e.text, e.label_) for e in doc.ents] == [("Aspirin", "Chemical"), ("head ache", "Disease")]


BIOC_HEAD = "<?xml version='1.0' encoding='UTF-8'?><collection><source>t</source>"


@case("bioc-offset-not-an-integer")
def _(tmp):
    path = write(
        tmp / "c.xml",
        BIOC_HEAD + "<document><id>7</id><passage><offset>0</offset><text>Aspirin works.</text>"
        "<annotation id='1'><infon key='type'>Chemical</infon><location offset='zero' length='7'/>"
        "<text>Aspirin</text></annotation></passage></document></collection>",
    )
    from spacy_weak.corpora.bioc import read_bioc

    raises("E208", lambda: list(read_bioc(path, spacy.blank("en"))), "c.xml", "'7'", "'zero'")


@case("bioc-mention-does-not-match-text")
def _(tmp):
    path = write(
        tmp / "c.xml",
        BIOC_HEAD + "<document><id>7</id><passage><offset>0</offset><text>Aspirin works.</text>"
        "<annotation id='1'><infon key='type'>Chemical</infon><location offset='1' length='7'/>"
        "<text>Aspirin</text></annotation></passage></document></collection>",
    )
    from spacy_weak.corpora.bioc import read_bioc

    raises("E209", lambda: list(read_bioc(path, spacy.blank("en"))), "c.xml", "'7'", "'Aspirin'")


@case("pubtator-duplicate-document-id-warns")
def _(tmp):
    path = pubtator(tmp, PUBTATOR_OK + PUBTATOR_OK)
    from spacy_weak.corpora.pubtator import read_pubtator

    docs = warns("W205", lambda: list(read_pubtator(path, spacy.blank("en"))), "line 6", "'1'", "line 1")
    assert len(docs) == 2


@case("pubtator-misaligned-mention-dropped-and-warned")
def _(tmp):
    # "Asp" ends inside the token "Aspirin": strict alignment drops it and says so
    path = pubtator(tmp, "1|t|Aspirin works.\n1\t0\t3\tAsp\tChemical\n\n")
    from spacy_weak.corpora.pubtator import read_pubtator

    (doc,) = warns("W200", lambda: list(read_pubtator(path, spacy.blank("en"), alignment_mode="strict")), "1 of 1")
    assert len(doc.spans["gold"]) == 0


# ------------------------------------------------------------ tabular text


def read_tab(path, **options):
    from spacy_weak.corpora.tabular_text import read_tabular_records

    return list(read_tabular_records(path, **options))


@case("csv-missing-file")
def _(tmp):
    raises("E230", lambda: read_tab(tmp / "gone.csv"), "gone.csv")


@case("csv-missing-column")
def _(tmp):
    path = write(tmp / "data.csv", "CONTENT,CLASS\nhello,1\n")
    raises("E231", lambda: read_tab(path), "'text'", "data.csv", "'CONTENT'")


@case("csv-row-wrong-field-count")
def _(tmp):
    path = write(tmp / "data.csv", "text,label\nhello,ham\n\"multi\nline\",spam\nbad,row,extra\n")
    raises("E232", lambda: read_tab(path), "data.csv", "line 5", "3 fields")


@case("csv-unclosed-quote")
def _(tmp):
    path = write(tmp / "data.csv", 'text,label\nhello,ham\n"never closed,spam\n')
    raises("E232", lambda: read_tab(path, delimiter=","), "data.csv", "line 3")


@case("csv-non-utf8")
def _(tmp):
    path = write(tmp / "data.csv", data=b"text,label\nhello,ham\ncaf\xe9,spam\n")
    raises("E232", lambda: read_tab(path, delimiter=","), "data.csv", "utf-8")


@case("csv-empty-label")
def _(tmp):
    path = write(tmp / "data.csv", "text,label\nhello,ham\nbuy now,\n")
    raises("E233", lambda: read_tab(path), "line 3", "'label'")


@case("csv-unknown-label")
def _(tmp):
    path = write(tmp / "data.csv", "text,label\nhello,0\nbuy now,2\n")
    raises("E234", lambda: read_tab(path, label_map={"0": "HAM", "1": "SPAM"}), "line 3", "'2'", "'0', '1'")


@case("csv-empty-file")
def _(tmp):
    path = write(tmp / "data.csv", "")
    raises("E235", lambda: read_tab(path), "data.csv")


@case("csv-bad-delimiter")
def _(tmp):
    path = write(tmp / "data.csv", "text,label\nhello,ham\n")
    raises("E236", lambda: read_tab(path, delimiter=",,"), "',,'")


@case("csv-empty-text-warns")
def _(tmp):
    path = write(tmp / "data.csv", "text,label\nhello,ham\n  ,spam\n")
    records = warns("W230", lambda: read_tab(path), "data.csv line 3")
    assert [(r.text, r.labels) for r in records] == [("hello", ["ham"])]


@case("csv-exclusive-with-two-labels")
def _(tmp):
    path = write(tmp / "data.csv", "text,label\nhello,ham\nbuy now,spam|ham\n")
    from spacy_weak.corpora.tabular_text import read_tabular_text

    raises(
        "E237",
        lambda: list(read_tabular_text(spacy.blank("en"), path, label_separator="|", exclusive=True)),
        "data.csv line 3",
    )


@case("csv-bom-and-crlf-accepted-and-parsed")
def _(tmp):
    path = write(tmp / "data.csv", data="\ufefftext,label\r\nhello,ham\r\n\"two\r\nlines\",spam\r\n".encode())
    records = read_tab(path)
    assert [(r.text, r.labels, r.line) for r in records] == [("hello", ["ham"], 2), ("two\r\nlines", ["spam"], 3)]


# ======================================================================= CLI


@case("cli-apply-missing-model")
def _(tmp):
    corpus = pubtator(tmp, PUBTATOR_OK)
    cli_error("E255", ["apply", tmp / "no_model", corpus, tmp / "out"], "no_model")


@case("cli-apply-missing-code-file")
def _(tmp):
    spacy.blank("en").to_disk(tmp / "model")
    corpus = pubtator(tmp, PUBTATOR_OK)
    cli_error("E256", ["apply", tmp / "model", corpus, tmp / "out", "--code", tmp / "rules.py"], "rules.py")


@case("cli-apply-bad-shard-size")
def _(tmp):
    spacy.blank("en").to_disk(tmp / "model")
    corpus = pubtator(tmp, PUBTATOR_OK)
    cli_error("E257", ["apply", tmp / "model", corpus, tmp / "out", "--shard-size", "0"], "shard_size", "0")


@case("cli-apply-bad-n-process")
def _(tmp):
    spacy.blank("en").to_disk(tmp / "model")
    corpus = pubtator(tmp, PUBTATOR_OK)
    cli_error("E212", ["apply", tmp / "model", corpus, tmp / "out", "--n-process", "0"], "n_process")


@case("cli-apply-bad-config-override")
def _(tmp):
    spacy.blank("en").to_disk(tmp / "model")
    corpus = pubtator(tmp, PUBTATOR_OK)
    cli_error("E212", ["apply", tmp / "model", corpus, tmp / "out", "paths.x"], "config override", "paths.x")


@case("cli-apply-output-dir-without-manifest")
def _(tmp):
    spacy.blank("en").to_disk(tmp / "model")
    corpus = pubtator(tmp, PUBTATOR_OK)
    write(tmp / "out" / "shard-00000.spacy", data=DocBin().to_bytes())
    cli_error("E251", ["apply", tmp / "model", corpus, tmp / "out"], "out", "manifest.json")


@case("cli-apply-pipeline-needs-code")
def _(tmp):
    # a saved pipeline whose weak_function refers to a function registered in a file not given with --code
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_function", name="lf", config={"function": {"@misc": "test_bad_inputs.boom.v1"}})
    nlp.to_disk(tmp / "model")
    cfg = tmp / "model" / "config.cfg"
    cfg.write_text(cfg.read_text().replace("test_bad_inputs.boom.v1", "not_imported.rules.v1"))
    corpus = pubtator(tmp, PUBTATOR_OK)
    cli_error("E255", ["apply", tmp / "model", corpus, tmp / "out"], "model", "not_imported.rules.v1")


@case("cli-apply-unfitted-aggregator")
def _(tmp):
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_regex", name="rx", config={"patterns": [{"label": "Chemical", "pattern": "Aspirin"}]})
    nlp.add_pipe("weak_hmm", name="hmm")
    nlp.to_disk(tmp / "model")
    corpus = pubtator(tmp, PUBTATOR_OK)
    cli_error("E103", ["apply", tmp / "model", corpus, tmp / "out"], "'hmm'", "spacy-weak fit")


@case("cli-apply-bad-input-format")
def _(tmp):
    spacy.blank("en").to_disk(tmp / "model")
    corpus = pubtator(tmp, PUBTATOR_OK)
    cli_error("E212", ["apply", tmp / "model", corpus, tmp / "out", "--format", "csv"], "'csv'", "format")


@case("cli-convert-corrupted-manifest")
def _(tmp):
    corpus = pubtator(tmp, PUBTATOR_OK)
    assert cli(["convert", "pubtator", corpus, tmp / "out"]).exit_code == 0
    (tmp / "out" / "manifest.json").write_text('{"format": "spacy_weak')
    cli_error("E252", ["convert", "pubtator", corpus, tmp / "out"], "manifest.json", "--overwrite")


@case("cli-convert-rerun-with-other-settings-warns-and-replaces")
def _(tmp):
    corpus = pubtator(tmp, PUBTATOR_OK)
    assert cli(["convert", "pubtator", corpus, tmp / "out"]).exit_code == 0
    result = warns("W251", lambda: cli(["convert", "pubtator", corpus, tmp / "out", "--labels", "Disease"]), "out")
    assert result.exit_code == 0
    from spacy_weak.corpora import read_docs

    (doc,) = list(read_docs(tmp / "out", spacy.blank("en").vocab))
    assert [(s.text, s.label_) for s in doc.spans["gold"]] == [("headache", "Disease")]


@case("cli-convert-empty-corpus")
def _(tmp):
    corpus = write(tmp / "empty.txt", "\n\n")
    result = warns("W207", lambda: cli(["convert", "pubtator", corpus, tmp / "out"]), "empty.txt")
    assert result.exit_code == 0
    from spacy_weak.corpora import read_docs

    assert list(read_docs(tmp / "out", spacy.blank("en").vocab)) == []


@case("cli-convert-unknown-format")
def _(tmp):
    corpus = pubtator(tmp, PUBTATOR_OK)
    cli_error("E212", ["convert", "brat", corpus, tmp / "out"], "'brat'", "format")


@case("cli-convert-bad-label-map")
def _(tmp):
    corpus = pubtator(tmp, PUBTATOR_OK)
    cli_error("E258", ["convert", "pubtator", corpus, tmp / "out", "--label-map", "Chemical:Drug"], "'Chemical:Drug'")


@case("cli-convert-unknown-tokenizer")
def _(tmp):
    corpus = pubtator(tmp, PUBTATOR_OK)
    cli_error("E259", ["convert", "pubtator", corpus, tmp / "out", "--tokenizer", "no_such_tokenizer.v9"], "no_such_tokenizer.v9")


@case("cli-convert-pubtator-offset-mismatch")
def _(tmp):
    corpus = pubtator(tmp, "1|t|Aspirin causes headache.\n1|a|Rarely.\n1\t1\t8\tAspirin\tChemical\tD001\n\n")
    cli_error("E203", ["convert", "pubtator", corpus, tmp / "out"], "corpus.txt line 3")


@case("cli-lexicon-compile-missing-input")
def _(tmp):
    cli_error("E001", ["lexicon", "compile", tmp / "umls.tsv", "-o", tmp / "out"], "umls.tsv")


@case("cli-lexicon-compile-unknown-format")
def _(tmp):
    lex = write(tmp / "lex.tsv", "aspirin\tChemical\n")
    cli_error("E007", ["lexicon", "compile", lex, "-o", tmp / "out", "--format", "csv"], "'csv'", "format")


@case("cli-lexicon-convert-unknown-vocabulary")
def _(tmp):
    lex = write(tmp / "lex.tsv", "aspirin\tChemical\n")
    cli_error("E007", ["lexicon", "convert", "mesh", lex, tmp / "out.tsv"], "'mesh'", "vocabulary")


@case("cli-demo-missing-lexicon")
def _(tmp):
    config = write(tmp / "recipe.cfg", "[nlp]\nlang = \"en\"\n")  # exists: the lexicon is what is missing
    args = ["demo", "-o", tmp / "out", "--config", config, "--lexicon", tmp / "no_lexicon"]
    cli_error("E260", args, "no_lexicon", "--lexicon")


@case("cli-analyze-missing-input")
def _(tmp):
    cli_error("E150", ["analyze", tmp / "silver.spacy"], "silver.spacy")


@case("cli-fit-unknown-component")
def _(tmp):
    spacy.blank("en").to_disk(tmp / "model")
    DocBin().to_disk(tmp / "silver.spacy")
    cli_error("E104", ["fit", tmp / "model", tmp / "silver.spacy", "-c", "weak_hmm", "-o", tmp / "out"], "'weak_hmm'")


@case("cli-fit-missing-model")
def _(tmp):
    DocBin().to_disk(tmp / "silver.spacy")
    cli_error("E261", ["fit", tmp / "no_model", tmp / "silver.spacy", "-o", tmp / "out"], "no_model")


# ====================================================================== test


def test_catalogue_is_large_enough():
    ids = [p.id for p in CASES]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 40


def test_every_code_is_documented():
    """docs/errors.md has a row for every code of spacy_weak/errors.py (users search the page for it)."""
    from spacy_weak.errors import Errors, Warnings

    text = (Path(__file__).parent.parent / "docs" / "errors.md").read_text(encoding="utf-8")
    codes = [k for k in list(vars(Errors)) + list(vars(Warnings)) if re.fullmatch(r"[EW]\d{3}", k)]
    assert len(codes) > 100
    assert [c for c in codes if f"| {c} |" not in text] == []


@pytest.mark.parametrize("check", CASES)
def test_bad_input(check, tmp_path):
    check(tmp_path)
