import subprocess
import sys

import spacy


def test_factories_available_without_import():
    code = (
        "import spacy, sys\n"
        "nlp = spacy.blank('en')\n"
        "assert nlp.has_factory('weak_gazetteer')\n"
        "print(sorted(m for m in sys.modules if m.startswith(('hmmlearn', 'sklearn'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # building a Language imports our factory module, which must stay cheap
    assert out.stdout.strip() == "[]"


def test_all_factories_registered():
    nlp = spacy.blank("en")
    for name in ["weak_gazetteer", "weak_regex", "weak_function", "weak_model", "weak_doc_function",
                 "weak_doc_keywords", "weak_abbreviations", "weak_doc_consistency", "weak_vote",
                 "weak_hmm", "weak_doc_vote", "weak_doc_em"]:
        assert nlp.has_factory(name)


def test_cli_help():
    out = subprocess.run([sys.executable, "-m", "spacy_weak", "--help"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "spacy-weak" in out.stdout or "Usage" in out.stdout
