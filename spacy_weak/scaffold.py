"""``spacy-weak init``: a weak-supervision project for the user's own text.

:func:`scaffold` writes, into a new (or empty) folder::

    configs/weak.cfg    the labelling sources (a gazetteer, a regex, two Python functions)
                        and the aggregators (majority vote ``mv``, the HMM ``hmm``)
    configs/ner.cfg     spaCy's own NER config (``spacy init config``) for the last step
    rules.py            two labelling functions written with @spacy_weak.span_source
    lexicon.tsv         the gazetteer's terms, seeded from the data (edit it)
    scripts/convert.py  the data (.txt folder / .txt / JSONL / CSV / TSV) -> corpus/docs.spacy
    scripts/train.py    ``spacy train`` with eval_frequency at most the steps (model-best from a trained model)
    project.yml         convert -> annotate -> fit -> silver -> analyze -> train
    README.md           what each file is and the next steps

It never overwrites a file (``[E288]`` lists the ones in the way). :func:`run_first_pass`
then runs the workflow's steps up to the report, in process, on the data.
"""
import json
import os
from collections import Counter
from pathlib import Path
from typing import Dict, List

from .errors import Errors, SpacyWeakError

SOURCES = ["gaz_terms", "rx_acronyms", "capitalised_names", "numbers_are_not_entities"]
N_SEED_TERMS = 20

CONFIG = '''# Labelling sources and aggregators of this project (written by `spacy-weak init`).
# Every source writes doc.spans[<its name>]; mv and hmm combine them into silver labels.
# Run by project.yml (`spacy project run all`); the Python sources live in rules.py (--code rules.py).

[paths]
lexicon = "lexicon.tsv"

[vars]
labels = ["{label}"]

[nlp]
lang = "{lang}"
pipeline = {pipeline}

[components]

# dictionary matching: the terms of lexicon.tsv (term<TAB>label). Case-insensitive ("acme" matches
# "Acme"), except terms of at most short_term_max_len characters (acronyms such as "IT", "May"),
# which match only with the case written in lexicon.tsv; 0 turns that rule off.{gaz_note}
[components.gaz_terms]
factory = "weak_gazetteer"
case_sensitive = false
short_term_max_len = 3

# a regular expression: an acronym (2-6 capitals or digits), but not a word of a run of capitals
# ("CHECK OUT MY CHANNEL" is shouting, not three names); in a .cfg file a backslash is written
# twice: \\b is "\\\\b"
[components.rx_acronyms]
factory = "weak_regex"
patterns = [{{"label": "{label}", "pattern": "(?<![A-Z0-9] )\\\\b[A-Z][A-Z0-9]{{1,5}}\\\\b(?! [A-Z0-9]{{2}})"}}]

# the two labelling functions of rules.py (factories registered by @spacy_weak.span_source)
[components.capitalised_names]
factory = "capitalised_names"

[components.numbers_are_not_entities]
factory = "numbers_are_not_entities"

# majority vote (no fitting): doc.spans["mv"], a baseline for the report
[components.mv]
factory = "weak_vote"
sources = {sources}
labels = ${{vars.labels}}
spans_key = "mv"
annotate_ents = false

# the hidden Markov model, fitted on the annotated docs without labels (`spacy-weak fit`)
[components.hmm]
factory = "weak_hmm"
sources = {sources}
labels = ${{vars.labels}}
spans_key = "silver"
annotate_ents = true
n_iter = 20
seed = 0

[initialize]

[initialize.components]

[initialize.components.gaz_terms]

[initialize.components.gaz_terms.lexicon]
@misc = "spacy_weak.lexicon.v1"
path = ${{paths.lexicon}}
'''

RULES = '''"""Labelling functions of this project, plain Python (see spacy-weak's docs/sources.md).

Each decorator registers a pipeline component of the same name, used in configs/weak.cfg.
Every command that loads the pipeline imports this file: `--code rules.py` (spacy-weak and
spacy train alike). Change the functions, add new ones (and their names to the config's
`pipeline`, `mv.sources` and `hmm.sources`), then `spacy project run all`.
"""
import spacy_weak

LABEL = "{label}"
SENTENCE_END = {{".", "!", "?", ":", "\\n"}}


@spacy_weak.span_source("capitalised_names", label=LABEL, resources={{"min_length": 3}})
def capitalised_names(doc, min_length):
    """Runs of capitalised words that do not start a sentence: often names."""
    start = None
    for token in doc:
        starts_sentence = token.i == 0 or doc[token.i - 1].text in SENTENCE_END
        if token.is_title and token.is_alpha and len(token) >= min_length and not starts_sentence:
            start = token.i if start is None else start
            continue
        if start is not None:
            yield start, token.i
            start = None
    if start is not None:
        yield start, len(doc)


@spacy_weak.span_source("numbers_are_not_entities")
def numbers_are_not_entities(doc):
    """Numbers are not entities: an explicit vote for "O", which the label model learns from."""
    return [(token.i, token.i + 1, "O") for token in doc if token.like_num]
'''

CONVERT = '''"""The project's data (a folder of .txt files, a .txt file with one document per line,
JSONL with a "text" field, or CSV/TSV with a "text" column) -> a DocBin of unlabelled docs.

    python scripts/convert.py DATA corpus/docs.spacy [--lang en] [--text-field text]
"""
import argparse

import spacy

from spacy_weak.corpora.plain_text import texts_to_docbin

ap = argparse.ArgumentParser(description=__doc__)
ap.add_argument("data")
ap.add_argument("output")
ap.add_argument("--lang", default="en")
ap.add_argument("--text-field", default="text")
args = ap.parse_args()
n = texts_to_docbin(spacy.blank(args.lang), args.data, args.output, text_field=args.text_field)
print(f"Wrote {{n}} documents to {{args.output}}")
'''

TRAIN = '''"""Train spaCy's NER on the silver labels: `spacy train` with eval_frequency at most the number of
steps. spaCy picks model-best at its evaluations; with fewer steps than eval_frequency (200 in
configs/ner.cfg) only the untrained model of step 0 would be scored, and model-best would be it.

    python scripts/train.py configs/ner.cfg training/ner --paths.train silver --paths.dev silver --steps 2000
"""
import argparse

from spacy.cli.train import train
from spacy.util import load_config

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("config")
ap.add_argument("output")
ap.add_argument("--paths.train", dest="train", required=True)
ap.add_argument("--paths.dev", dest="dev", required=True)
ap.add_argument("--steps", type=int, default=2000)
args = ap.parse_args()
every = int(load_config(args.config, interpolate=False)["training"].get("eval_frequency", 200))
if args.steps < every:
    print(f"eval_frequency {{every}} > {{args.steps}} steps: evaluating every {{args.steps}} steps instead")
    every = args.steps
if args.train == args.dev:
    print("dev = the training silver: ENTS_F below is how well the model reproduces its own training labels, "
          "not its accuracy. For accuracy, label 50-100 documents by hand and give them as --paths.dev.")
train(args.config, args.output, overrides={{"paths.train": args.train, "paths.dev": args.dev,
                                           "training.max_steps": args.steps, "training.eval_frequency": every}})
'''

PROJECT = '''title: {title_yaml}
description: >
  Written by `spacy-weak init`. Labelling sources (configs/weak.cfg, rules.py, lexicon.tsv)
  annotate the documents; a hidden Markov model fitted without labels combines their votes into
  silver labels; a report shows each source's coverage, overlaps and conflicts; a spaCy NER is
  trained on the silver labels. `spacy project run all` runs every step; unchanged steps are skipped.

vars:
  data: {data_yaml}
  text_field: {text_field_yaml}
  lang: {lang_yaml}
  train_steps: 2000

directories: ["corpus", "annotated", "training", "silver", "reports", "metrics"]

workflows:
  all:
    - convert
    - annotate
    - fit
    - silver
    - analyze
    - train

commands:
  - name: convert
    help: "The text of ${{vars.data}} -> corpus/docs.spacy"
    script:
      - 'python scripts/convert.py "${{vars.data}}" corpus/docs.spacy --lang ${{vars.lang}} --text-field "${{vars.text_field}}"'
    deps:
      - "${{vars.data}}"
      - "scripts/convert.py"
    outputs:
      - "corpus/docs.spacy"

  - name: annotate
    help: "Run the labelling sources (not the HMM, which is not fitted yet)"
    script:
      - "python -m spacy_weak apply configs/weak.cfg corpus/docs.spacy annotated --initialize --exclude hmm --code rules.py"
    deps:
      - "corpus/docs.spacy"
      - "configs/weak.cfg"
      - "rules.py"
      - "lexicon.tsv"
    outputs:
      - "annotated"

  - name: fit
    help: "Fit the HMM on the sources' votes, without labels"
    script:
      - "python -m spacy_weak fit configs/weak.cfg annotated -c hmm -o training/label_model --code rules.py"
    deps:
      - "annotated"
    outputs:
      - "training/label_model"

  - name: silver
    help: "Apply the fitted pipeline: silver labels in doc.ents and doc.spans['silver']"
    script:
      - "python -m spacy_weak apply training/label_model corpus/docs.spacy silver --code rules.py"
    deps:
      - "training/label_model"
      - "corpus/docs.spacy"
    outputs:
      - "silver"

  - name: analyze
    help: "Per-source coverage, overlaps, conflicts and what the HMM learned: reports/report.html"
    script:
      - "python -m spacy_weak analyze silver --aggregates mv,silver --model training/label_model --code rules.py --html reports/report.html --json metrics/analysis.json --quiet"
    deps:
      - "silver"
      - "training/label_model"
    outputs:
      - "reports/report.html"
      - "metrics/analysis.json"

  - name: train
    help: "Train a spaCy NER on the silver labels (no gold: dev = silver too)"
    script:
      - "python scripts/train.py configs/ner.cfg training/ner --paths.train silver --paths.dev silver --steps ${{vars.train_steps}}"
    deps:
      - "silver"
      - "configs/ner.cfg"
      - "scripts/train.py"
    outputs:
      - "training/ner/model-best"
'''

README = '''# Silver {label} labels for {name}

Written by `spacy-weak init` for the text in `{data}` ({n_docs} documents).

| file | what it is |
|---|---|
| `configs/weak.cfg` | the labelling sources and the aggregators (`mv` majority vote, `hmm` the label model) |
| `rules.py` | two labelling functions in plain Python (`@spacy_weak.span_source`) |
| `lexicon.tsv` | the gazetteer's terms (`term<TAB>label`, one per line, `#` starts a comment): seeded with the words your text writes capitalised inside sentences and never in lower case (likely names), or empty; **keep the right ones and add your vocabulary** (a list of product names, people, places...) |
| `scripts/convert.py` | the data -> `corpus/docs.spacy` |
| `scripts/train.py` | `spacy train` on the silver labels, evaluating at least once in `--steps` steps (`--vars.train_steps 100` works) |
| `configs/ner.cfg` | spaCy's NER config (`spacy init config`) for the last step |
| `project.yml` | the workflow: convert -> annotate -> fit -> silver -> analyze -> train |

## Run it

```bash
spacy project run all          # every step; unchanged steps are skipped when you run it again
```

Open `reports/report.html`: per source, how much of the text it labels (coverage), how often it
agrees and conflicts with the others, and what the HMM learned about it. Without gold labels it
cannot tell you accuracy; label 50-100 documents by hand and pass them to
`spacy-weak analyze silver --gold GOLD.spacy` to measure.

## Improve the sources

* Edit `lexicon.tsv`, the regex in `configs/weak.cfg`, the functions in `rules.py`, or add
  functions (a new `@spacy_weak.span_source` plus its name in the config's `pipeline`,
  `components.mv.sources` and `components.hmm.sources`).
* Sources that say what is *not* an entity (label `"O"`, like `numbers_are_not_entities`) help
  the label model as much as positive ones.
* Any setting can be changed for one run on the command line, as with spaCy:
  `spacy-weak fit configs/weak.cfg annotated -c hmm -o training/label_model --code rules.py --components.hmm.n_iter 50`.
'''


def _write_new(path: Path, text: str) -> None:
    from .io import write_bytes_atomic

    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(path, text.encode("utf8"))


def seed_terms(nlp, data: Path, *, text_field: str = "text", n: int = N_SEED_TERMS, max_docs: int = 2000,
               min_count: int = 2) -> List[str]:
    """Words the data itself shows to be names: written capitalised inside a sentence at
    least ``min_count`` times and never in lower case anywhere, not a stop word of the
    language and (when wordfreq is installed) not a frequent word of it. Sentence-initial
    and common words ("The", "Free", "Update", "May") are what a plain frequency count
    of capitalised words gives; they would become noise in the silver labels."""
    from .corpora.plain_text import read_texts

    counts: Counter = Counter()
    lower: set = set()
    for i, (text, _) in enumerate(read_texts(data, text_field=text_field)):
        if i >= max_docs:
            break
        doc = nlp.make_doc(text)
        previous = None
        for token in doc:
            if token.is_space:
                continue
            if token.is_alpha and token.text.islower():
                lower.add(token.text)
            # a sentence starts after end punctuation, quotes, emoji and the like
            starts = previous is None or previous.text in {".", "!", "?", ":", "\"", "'", "\u2026"} or not (
                previous.is_alpha or previous.is_punct or previous.like_num)
            if not starts and token.is_title and token.is_alpha and len(token) >= 3:
                counts[token.text] += 1
            previous = token
    stop_words = getattr(nlp.Defaults, "stop_words", set())
    frequent = _frequent_word_test(nlp.lang)
    keep = [term for term, count in counts.most_common() if count >= min_count and term.lower() not in lower
            and term.lower() not in stop_words and not frequent(term.lower())]
    return keep[:n]


def _frequent_word_test(lang: str, zipf: float = 5.0):
    """``word -> bool``: among the most frequent words of ``lang`` (wordfreq, optional)."""
    try:
        import warnings

        from wordfreq import available_languages, zipf_frequency
    except ImportError:
        return lambda word: False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if lang not in available_languages():
            return lambda word: False
    return lambda word: zipf_frequency(word, lang) >= zipf


LEXICON_HEADER = """# The gazetteer's terms: one per line, term<TAB>label; lines starting with # are ignored.
# Matching ignores case, except for terms of up to 3 characters (see configs/weak.cfg).
# {seeded}
# Add the names you know (products, people, places, ...): a list you already have is the best
# source there is. Then `spacy project run all`.
"""


UNPASSABLE = '"\\$'  # `spacy project run` substitutes vars into its config text: these break it


def check_project_var(value: str, what: str) -> None:
    """``E284`` for a value project.yml cannot carry (a double quote, backslash or dollar sign)."""
    bad = sorted({ch for ch in value if ch in UNPASSABLE})
    if bad:
        raise SpacyWeakError(Errors.E284.format(what=what, value=value, chars=" ".join(bad)))


def project_files(target: Path, data: Path, *, label: str, lang: str, text_field: str, terms: List[str],
                  n_docs: int) -> Dict[str, str]:
    """The text of every file :func:`scaffold` writes, by path relative to ``target``."""
    try:
        data_ref = os.path.relpath(data, target)
    except ValueError:  # another drive (Windows)
        data_ref = str(data)
    name = data.name or str(data)
    # an empty lexicon.tsv: the gazetteer would match nothing (W001, W100); it waits outside the pipeline
    sources = SOURCES if terms else [s for s in SOURCES if s != "gaz_terms"]
    gaz_note = "" if terms else (
        '\n# lexicon.tsv holds no term yet, so gaz_terms is not in the pipeline: once it has terms, add "gaz_terms"'
        '\n# to [nlp] pipeline and to the sources of mv and hmm.')
    pipeline = sources + ["mv", "hmm"]
    quoted = "[" + ", ".join(f'"{s}"' for s in sources) + "]"
    fmt = {"label": label, "lang": lang, "data": data_ref, "name": name, "text_field": text_field,
           "pipeline": "[" + ", ".join(f'"{p}"' for p in pipeline) + "]", "sources": quoted, "n_docs": n_docs,
           "gaz_note": gaz_note}
    seeded = (f"Seeded by `spacy-weak init` with {len(terms)} words your text writes capitalised inside sentences and "
              "never in lower case: keep the ones that are " + label + ", delete the others." if terms else
              "`spacy-weak init` found no word your text always capitalises inside sentences: nothing is seeded.")
    lexicon = LEXICON_HEADER.format(seeded=seeded) + "".join(f"{term}\t{label}\n" for term in terms)
    # project.yml: values as YAML (JSON) strings; the scripts, which `spacy project run` splits with
    # shlex, put them in double quotes: "my texts" or a single quote in a name stays one argument
    check_project_var(data_ref, "--data")
    check_project_var(text_field, "--text-field")
    fmt.update({
        "title_yaml": json.dumps(f"Weak supervision: silver {label} labels for {name}"),
        "data_yaml": json.dumps(data_ref), "text_field_yaml": json.dumps(text_field),
        "lang_yaml": json.dumps(lang),
    })
    return {
        "configs/weak.cfg": CONFIG.format(**fmt),
        "rules.py": RULES.format(**fmt),
        "lexicon.tsv": lexicon,
        "scripts/convert.py": CONVERT.format(**fmt),
        "scripts/train.py": TRAIN.format(**fmt),
        "project.yml": PROJECT.format(**fmt),
        "README.md": README.format(**fmt),
    }


def ner_config(lang: str) -> str:
    from spacy.cli.init_config import init_config

    config = init_config(lang=lang, pipeline=["ner"], optimize="efficiency", gpu=False, pretraining=False, silent=True)
    header = "# spaCy's NER config (spacy init config --pipeline ner --optimize efficiency), trained on silver labels.\n"
    return header + config.to_str()


def scaffold(target: Path, data: Path, *, label: str = "ENTITY", lang: str = "en", text_field: str = "text") -> Dict:
    """Write the project (see the module docstring); returns ``{"files": [...], "n_docs": n, "terms": [...]}``."""
    import spacy

    from .corpora.plain_text import read_texts

    if not label or not label.replace("_", "").replace("-", "").isalnum() or label == "O":
        raise SpacyWeakError(Errors.E289.format(label=label))
    target, data = Path(target), Path(data)
    if data.resolve() == target.resolve() or target.resolve() in data.resolve().parents:
        # the project's own files (lexicon.tsv, corpus/...) would be read back as the user's text
        raise SpacyWeakError(Errors.E263.format(input=data, output=target))
    nlp = spacy.blank(lang)
    n_docs = sum(1 for _ in read_texts(data, text_field=text_field))  # reads every file once: errors first
    if n_docs == 0:
        raise SpacyWeakError(Errors.E219.format(path=data, problem="no non-empty text"))
    terms = seed_terms(nlp, data, text_field=text_field)
    files = project_files(target, data.resolve(), label=label, lang=lang, text_field=text_field, terms=terms,
                          n_docs=n_docs)
    files["configs/ner.cfg"] = ner_config(lang)
    existing = [rel for rel in files if (target / rel).exists()]
    if existing:
        raise SpacyWeakError(Errors.E288.format(path=target, files=", ".join(existing)))
    for rel, text in files.items():
        _write_new(target / rel, text)
    return {"files": sorted(files), "n_docs": n_docs, "terms": terms}


def run_first_pass(target: Path, data: Path = None, *, lang: str = "en", text_field: str = "text") -> Dict:
    """The workflow's steps up to the report (convert, annotate, fit, silver, analyze), run
    as ``spacy project run`` runs them (:mod:`spacy_weak.first_pass`) and recorded in
    ``project.lock``, so a later ``spacy project run all`` skips them and trains.
    ``data``, ``lang`` and ``text_field`` are read from ``project.yml`` (kept for callers).
    Returns ``{"documents": n, "silver": {"ents": {label: n}}, "warnings": [...]}``."""
    import spacy
    from spacy.tokens import DocBin

    from .first_pass import run_project_steps

    target = Path(target)
    done = run_project_steps(target)
    vocab = spacy.blank("xx").vocab
    n_docs = len(DocBin().from_disk(target / "corpus" / "docs.spacy"))
    ents: Counter = Counter()
    for shard in sorted((target / "silver").glob("*.spacy")):
        for doc in DocBin().from_disk(shard).get_docs(vocab):
            ents.update(e.label_ for e in doc.ents)
    return {"documents": n_docs, "silver": {"ents": dict(ents)}, "warnings": done["warnings"]}
