"""Deterministic synthetic biomedical lexicon for the benchmarks.

    python bench/synthetic_lexicon.py 100000 out.tsv [--seed 0] [--format tsv|jsonl]

``synthetic_terms(n, seed)`` returns ``n`` unique ``(term, label, id)`` records that look
like a biomedical vocabulary: chemical names built from IUPAC-like morphemes
("4-hydroxy-methylbenzamide"), drug stems ("velotinib"), gene symbols ("BRCA2", "IL-6
receptor"), disease phrases ("chronic myeloid leukaemia", "Wilson disease type 2") and
multi-word descriptors. At 1M terms: 45% Chemical, 35% Disease, 20% Gene; about 28% one word, 26% two, 20%
three, 8% four, 19% five or more (whitespace-separated); ~28 characters on average, in
the range of UMLS English strings. The same ``(n, seed)`` always gives the same list, in the
same order, on every platform (only ``random.Random`` with an integer seed is used), and
the first ``k`` records of ``synthetic_terms(n)`` are those of ``synthetic_terms(k)``.
"""
import argparse
import random
import sys
from typing import Iterator, List, Tuple

Record = Tuple[str, str, str]

LABELS = ("Chemical", "Disease", "Gene")

_CHEM_PREFIXES = (
    "hydroxy", "methyl", "ethyl", "propyl", "butyl", "chloro", "fluoro", "bromo", "iodo",
    "amino", "nitro", "oxo", "dimethyl", "trimethyl", "acetyl", "benzyl", "phenyl",
    "carboxy", "sulfo", "cyano", "thio", "dihydro", "tetrahydro", "deoxy", "isopropyl",
    "methoxy", "ethoxy", "hexa", "penta", "tri", "di", "cyclo", "iso", "nor", "des",
)
_CHEM_ROOTS = (
    "benz", "pyrid", "pyrimid", "quinol", "indol", "imidazol", "piperazin", "morpholin",
    "furan", "thiophen", "naphthal", "anthracen", "purin", "pteridin", "steroid", "estr",
    "androst", "cholest", "glucos", "fructos", "ribos", "adenos", "guanos", "cytid",
    "uracil", "thymid", "tyros", "tryptoph", "serot", "dopam", "histam", "acetylchol",
    "prostagland", "leukotri", "phosphat", "sulfon", "carbam", "urea", "acryl", "oxal",
)
_CHEM_SUFFIXES = (
    "ine", "ide", "ate", "ol", "one", "ene", "ane", "amide", "amine", "acid", "ester",
    "azole", "azine", "oside", "ase", "in", "yl", "ite", "al", "oic acid",
)
_DRUG_STEMS = (
    "tinib", "mab", "pril", "sartan", "olol", "statin", "vir", "cillin", "cycline",
    "floxacin", "azepam", "oxetine", "dronate", "parin", "gliptin", "lukast", "setron",
    "triptan", "profen", "conazole", "afil", "dipine", "semide", "tidine", "prazole",
)
_SYLLABLES = (
    "ba", "be", "bi", "bo", "ca", "ce", "ci", "da", "de", "di", "do", "fa", "fe", "ga",
    "ge", "la", "le", "li", "lo", "ma", "me", "mi", "mo", "na", "ne", "ni", "no", "pa",
    "pe", "pi", "ra", "re", "ri", "ro", "sa", "se", "si", "ta", "te", "ti", "to", "va",
    "ve", "vi", "xa", "za", "zo", "tra", "clo", "pro", "flu", "ben", "dex", "lev", "val",
)
_GENE_LETTERS = "ABCDEFGHIKLMNPRSTVWXZ"
_GENE_WORDS = (
    "receptor", "kinase", "protein", "factor", "channel", "transporter", "ligand",
    "subunit", "binding protein", "homolog", "antigen", "phosphatase", "synthase",
)
_DISEASE_ROOTS = (
    "hepat", "nephr", "card", "neur", "derm", "arthr", "gastr", "enter", "col", "mening",
    "encephal", "myel", "oste", "my", "pancreat", "thyroid", "aden", "lymph", "angi",
    "vascul", "pneumon", "bronch", "cyst", "prostat", "retin", "kerat", "glomerulonephr",
)
_DISEASE_SUFFIXES = ("itis", "osis", "oma", "opathy", "algia", "emia", "ectasia", "plasia",
                     "trophy", "sclerosis", "megaly", "penia")
_DISEASE_HEADS = (
    "disease", "syndrome", "disorder", "deficiency", "carcinoma", "leukaemia", "leukemia",
    "lymphoma", "sarcoma", "anemia", "neuropathy", "infection", "failure", "insufficiency",
    "dystrophy", "atrophy", "toxicity", "injury", "tumor", "cancer", "malformation",
)
_MODIFIERS = (
    "acute", "chronic", "congenital", "hereditary", "familial", "juvenile", "adult-onset",
    "primary", "secondary", "idiopathic", "autoimmune", "malignant", "benign", "recurrent",
    "severe", "mild", "progressive", "drug-induced", "early-onset", "late-onset", "atypical",
    "metastatic", "diffuse", "focal", "bilateral", "non-small-cell", "small cell",
)
_ORGANS = (
    "liver", "kidney", "heart", "lung", "brain", "skin", "bone", "muscle", "breast",
    "prostate", "colon", "pancreas", "thyroid", "blood", "bladder", "ovarian", "gastric",
    "renal", "hepatic", "cardiac", "pulmonary", "cerebral", "spinal", "retinal", "myeloid",
)
_EPONYMS = ("Wilson", "Parkinson", "Alzheimer", "Crohn", "Hodgkin", "Graves", "Addison",
            "Cushing", "Huntington", "Kawasaki", "Sjogren", "Behcet", "Fabry", "Gaucher")
_SALTS = ("hydrochloride", "sodium", "potassium", "sulfate", "acetate", "citrate",
          "maleate", "mesylate", "tartrate", "phosphate", "calcium", "bromide")


def _chem_word(r: random.Random) -> str:
    parts = []
    if r.random() < 0.35:
        parts.append(f"{r.randint(1, 9)}-")
    for _ in range(r.choice((0, 1, 1, 1, 2, 2, 3))):
        parts.append(r.choice(_CHEM_PREFIXES))
        if r.random() < 0.2:
            parts.append("-")
    parts.append(r.choice(_CHEM_ROOTS))
    parts.append(r.choice(_CHEM_SUFFIXES))
    return "".join(parts).replace("--", "-").strip("-")


def _drug_word(r: random.Random) -> str:
    n = r.choice((1, 2, 2, 3))
    return "".join(r.choice(_SYLLABLES) for _ in range(n)) + r.choice(_DRUG_STEMS)


def _gene_symbol(r: random.Random) -> str:
    letters = "".join(r.choice(_GENE_LETTERS) for _ in range(r.choice((2, 3, 3, 4))))
    sep = r.choice(("", "", "", "-"))
    suffix = str(r.randint(1, 30)) + (r.choice("ABC") if r.random() < 0.15 else "")
    return letters + sep + suffix


def _disease_word(r: random.Random) -> str:
    return r.choice(_DISEASE_ROOTS) + r.choice(_DISEASE_SUFFIXES)


def _chemical(r: random.Random) -> str:
    k = r.random()
    if k < 0.35:
        term = _chem_word(r)
    elif k < 0.6:
        term = _drug_word(r)
    elif k < 0.8:
        term = f"{_drug_word(r)} {r.choice(_SALTS)}"
    else:
        term = " ".join(_chem_word(r) for _ in range(r.choice((2, 2, 3))))
    if r.random() < 0.1:
        term += f" {r.choice(('(TN)', 'tablet', 'injection', 'oral solution', 'USP'))}"
    return term


def _disease(r: random.Random) -> str:
    k = r.random()
    if k < 0.1:
        term = _disease_word(r)
    elif k < 0.2:
        term = f"{r.choice(_ORGANS)} {r.choice(_DISEASE_HEADS)}"
    elif k < 0.25:
        term = f"{r.choice(_EPONYMS)} {r.choice(('disease', 'syndrome', 'disease type ' + str(r.randint(1, 4))))}"
    elif k < 0.5:
        term = f"{r.choice(_MODIFIERS)} {r.choice(_ORGANS)} {_disease_word(r) if r.random() < 0.5 else r.choice(_DISEASE_HEADS)}"
    else:
        words = r.sample(_MODIFIERS, r.choice((1, 2, 3)))
        words.append(_disease_word(r) if r.random() < 0.5 else r.choice(_ORGANS))
        words.append(r.choice(_DISEASE_HEADS))
        if r.random() < 0.3:
            words.extend(("of", "the", r.choice(_ORGANS)))
        term = " ".join(words)
    if r.random() < 0.08:
        term += f", type {r.choice(('I', 'II', 'III', '1', '2', '1A', '2B'))}"
    return term


def _gene(r: random.Random) -> str:
    k = r.random()
    if k < 0.4:
        return _gene_symbol(r)
    if k < 0.8:
        return f"{_gene_symbol(r)} {r.choice(_GENE_WORDS)}"
    return f"{_chem_word(r)} {r.choice(_GENE_WORDS)} {r.randint(1, 12)}"


_MAKERS = ((_chemical, "Chemical", 0.45), (_disease, "Disease", 0.35), (_gene, "Gene", 0.20))


def iter_synthetic_terms(seed: int = 0) -> Iterator[Record]:
    """Yield unique (term, label, id) records forever, deterministically for a seed."""
    r = random.Random(seed)
    seen = set()
    count = 0
    cumulative = []
    total = 0.0
    for maker, label, weight in _MAKERS:
        total += weight
        cumulative.append((total, maker, label))
    while True:
        x = r.random()
        for bound, maker, label in cumulative:
            if x < bound:
                break
        # Retry within the label so that the label mix does not drift as the
        # small sub-spaces (e.g. "<organ> <head>") fill up.
        while True:
            term = maker(r)
            key = term.lower()
            if key not in seen:
                break
        seen.add(key)
        count += 1
        yield term, label, f"SYN:{count:07d}"


def synthetic_terms(n: int, seed: int = 0) -> List[Record]:
    """The first ``n`` records of ``iter_synthetic_terms(seed)``."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    out = []
    for record in iter_synthetic_terms(seed):
        if len(out) >= n:
            break
        out.append(record)
    return out


def write_tsv(records, path) -> None:
    with open(path, "w", encoding="utf8") as f:
        for term, label, cid in records:
            f.write(f"{term}\t{label}\t{cid}\n")


def write_jsonl(records, path) -> None:
    import srsly

    srsly.write_jsonl(path, ({"term": t, "label": lab, "id": i} for t, lab, i in records))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("output")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--format", choices=("tsv", "jsonl"), default="tsv")
    args = parser.parse_args(argv)
    records = synthetic_terms(args.n, args.seed)
    (write_tsv if args.format == "tsv" else write_jsonl)(records, args.output)
    print(f"wrote {len(records)} terms to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
