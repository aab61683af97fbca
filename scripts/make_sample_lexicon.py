"""Build the small UMLS-style sample lexicon in ``corpora/lexicon/`` (real RRF layout).

    python scripts/make_sample_lexicon.py [--shared ../shared/data] [--out corpora/lexicon]

Concepts come from two open vocabularies (never CTD, whose terms may not be redistributed):
DrugBank open vocabulary (CC0; semantic types T121 Pharmacologic Substance, plus T109 Organic
Chemical for drugs with an InChI key) and the Disease Ontology 2016-09-01 (CC BY 3.0; T047
Disease or Syndrome; names + EXACT synonyms of non-obsolete terms). Kept: every concept one of
whose names matches (weak_gazetteer, default settings) in the first 50 abstracts of the BC5CDR
training set, plus a deterministic random sample of other concepts (``random.Random(0)``) until
about ``--max-terms`` names. Concept ids are synthetic CUIs (``C9`` + 6 digits, in order of the
source id); the source id (``DB00001``, ``DOID:0001816``) is kept in the SCUI/CODE columns with
SAB ``DRUGBANK`` / ``DOID``. The same inputs always give the same files.
"""
import argparse
import random
import sys
from collections import OrderedDict
from pathlib import Path
from typing import Dict, List, Tuple

import spacy

from spacy_weak.lexicons.compiled import CompiledLexicon
from spacy_weak.lexicons.open_vocab import read_disease_ontology, read_drugbank
from spacy_weak.lexicons.rrf import STANDARD_COLUMNS

STY = {"T121": "Pharmacologic Substance", "T109": "Organic Chemical", "T047": "Disease or Syndrome"}
STN = {"T121": "A1.4.1.1.1", "T109": "A1.4.1.2.1", "T047": "B2.2.1.2.1"}


def first_abstracts(path: Path, n: int) -> List[str]:
    texts: "OrderedDict[str, List[str]]" = OrderedDict()
    with open(path, encoding="utf8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("|", 2)
            if len(parts) == 3 and parts[1] in ("t", "a"):
                if parts[0] not in texts and len(texts) == n:
                    break
                texts.setdefault(parts[0], []).append(parts[2])
    return [" ".join(v) for v in texts.values()]


def inchi_drugs(path: Path) -> set:
    import csv

    with open(path, encoding="utf8", newline="") as fh:
        return {row["DrugBank ID"] for row in csv.DictReader(fh) if (row.get("Standard InChI Key") or "").strip()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "corpora" / "lexicon")
    ap.add_argument("--abstracts", type=int, default=50)
    ap.add_argument("--max-terms", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    drugbank_csv = args.shared / "drugbank_open_vocabulary" / "drugbank_vocabulary.csv"
    doid_obo = args.shared / "disease_ontology" / "doid_2016-09-01.obo"
    bc5cdr = args.shared / "bc5cdr" / "CDR_TrainingSet.PubTator.txt"

    # concept -> (sab, names, types)
    concepts: "OrderedDict[str, Tuple[str, List[str], List[str]]]" = OrderedDict()
    small = inchi_drugs(drugbank_csv)
    for rec in read_drugbank(drugbank_csv):
        sab, names, types = concepts.setdefault(rec.id, ("DRUGBANK", [], ["T121", "T109"] if rec.id in small else ["T121"]))
        names.append(rec.term)
    for rec in read_disease_ontology(doid_obo):
        concepts.setdefault(rec.id, ("DOID", [], ["T047"]))[1].append(rec.term)

    # concepts named in the first abstracts
    lexicon = CompiledLexicon.build((name, "X", cid) for cid, (_, names, _) in concepts.items() for name in names)
    nlp = spacy.blank("en")
    gaz = nlp.add_pipe("weak_gazetteer", name="sample")
    gaz.set_lexicon(lexicon)
    seen: List[str] = []
    for doc in nlp.pipe(first_abstracts(bc5cdr, args.abstracts)):
        for span in doc.spans["sample"]:
            for cid in span.kb_id_.split("|"):
                if cid and cid not in seen:
                    seen.append(cid)
    chosen = list(seen)
    n_terms = sum(len(concepts[c][1]) for c in chosen)
    rng = random.Random(args.seed)
    others = [c for c in concepts if c not in set(chosen)]
    rng.shuffle(others)
    for cid in others:
        if n_terms >= args.max_terms:
            break
        chosen.append(cid)
        n_terms += len(concepts[cid][1])

    # synthetic CUIs in order of the source id
    def sort_key(cid: str) -> Tuple[int, str]:
        return (0 if cid.startswith("DB") else 1, cid)

    args.out.mkdir(parents=True, exist_ok=True)
    rows_conso = rows_sty = 0
    by_label: Dict[str, int] = {"Chemical": 0, "Disease": 0}
    with open(args.out / "MRCONSO.RRF", "w", encoding="utf8", newline="\n") as conso, open(
        args.out / "MRSTY.RRF", "w", encoding="utf8", newline="\n"
    ) as mrsty:
        for i, cid in enumerate(sorted(chosen, key=sort_key), 1):
            sab, names, types = concepts[cid]
            cui = f"C9{i:06d}"
            for j, name in enumerate(names):
                row = [cui, "ENG", "P" if j == 0 else "S", f"L9{i:06d}", "PF", f"S9{i:06d}{j:02d}", "Y" if j == 0 else "N",
                       f"A9{i:06d}{j:02d}", "", cid, cid, sab, "PT" if j == 0 else "SY", cid, name, "0", "N", "256"]
                conso.write("|".join(row) + "|\n")
                rows_conso += 1
                by_label["Disease" if sab == "DOID" else "Chemical"] += 1
            for k, tui in enumerate(types):
                mrsty.write("|".join([cui, tui, STN[tui], STY[tui], f"AT9{i:06d}{k}", "256"]) + "|\n")
                rows_sty += 1
    with open(args.out / "MRFILES.RRF", "w", encoding="utf8", newline="\n") as fh:
        for fil, des, rows in (("MRCONSO.RRF", "Concept names and sources", rows_conso),
                               ("MRFILES.RRF", "Relation Relation", 3),
                               ("MRSTY.RRF", "Semantic Types", rows_sty)):
            cols = STANDARD_COLUMNS[fil]
            size = (args.out / fil).stat().st_size if fil != "MRFILES.RRF" else 0
            fh.write("|".join([fil, des, ",".join(cols), str(len(cols)), str(rows), str(size)]) + "|\n")
    print(f"{len(chosen)} concepts ({len(seen)} named in the first {args.abstracts} abstracts), "
          f"{rows_conso} MRCONSO rows ({by_label}), {rows_sty} MRSTY rows -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
