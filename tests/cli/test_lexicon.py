import subprocess
import sys
from pathlib import Path

from spacy_weak.lexicons.compiled import CompiledLexicon

REPO = Path(__file__).resolve().parents[2]


def run(*args):
    return subprocess.run([sys.executable, "-m", "spacy_weak", "lexicon", *map(str, args)], capture_output=True, text=True)


def test_compile_info_convert(tmp_path):
    tsv = tmp_path / "extra.tsv"
    tsv.write_text("aspirin\tChemical\tD001241\nx\tChemical\n", encoding="utf8")
    out = run("compile", REPO / "corpora" / "lexicon", tsv, "--semantic-map", REPO / "configs" / "sample_semantic_map.json",
              "--output", tmp_path / "compiled")
    assert out.returncode == 0, out.stderr
    assert "Chemical" in out.stdout and "Disease" in out.stdout and "too_short: 1" in out.stdout
    lex = CompiledLexicon.from_disk(tmp_path / "compiled")
    assert lex.lookup("aspirin") == [("Chemical", "C9000083|D001241")]  # ids of one term and label joined
    info = run("info", tmp_path / "compiled")
    assert info.returncode == 0 and "terms:" in info.stdout and info.stdout.endswith("\n")
    obo = tmp_path / "d.obo"
    obo.write_text('[Term]\nid: DOID:1\nname: flu\nsynonym: "grippe" EXACT []\n', encoding="utf8")
    conv = run("convert", "doid", obo, tmp_path / "d.tsv")
    assert conv.returncode == 0, conv.stderr
    assert (tmp_path / "d.tsv").read_text(encoding="utf8") == "flu\tDisease\tDOID:1\ngrippe\tDisease\tDOID:1\n"


def test_coded_error_exit(tmp_path):
    out = run("compile", tmp_path / "missing.tsv", "--output", tmp_path / "c")
    assert out.returncode == 1 and "[E001]" in out.stderr
