"""A tiny PubTator corpus and lexicons for the bench scripts' smoke runs (seconds each)."""
from pathlib import Path
from typing import Dict

_DOCS = [
    ("Naloxone reverses the antihypertensive effect of clonidine.",
     "In unanesthetized, spontaneously hypertensive rats the decrease in blood pressure and heart rate "
     "produced by intravenous clonidine, 5 to 20 micrograms/kg, was inhibited or reversed by nalozone. "
     "Lidocaine-induced cardiac asystole was not seen; 5-FU and IL-2 were given with aspirin.",
     [("Naloxone", "Chemical"), ("clonidine", "Chemical"), ("hypertensive", "Disease"), ("Lidocaine", "Chemical")]),
    ("Cardiac asystole after lidocaine in a patient with chronic myeloid leukemia.",
     "Intravenous administration of a single 50 mg bolus of lidocaine in a 67-year-old man resulted in "
     "profound depression of the activity of the sinoatrial and atrioventricular nodal pacemakers. "
     "The patient had type 2 diabetes mellitus and Parkinson's disease (PD); PD worsened with haloperidol.",
     [("asystole", "Disease"), ("lidocaine", "Chemical"), ("chronic myeloid leukemia", "Disease"),
      ("type 2 diabetes mellitus", "Disease"), ("Parkinson's disease", "Disease"), ("haloperidol", "Chemical")]),
    ("Suxamethonium infusion rate and observed fasciculations.",
     "Suxamethonium chloride (Sch) was administered i.v. to 36 adult males; fasciculations and myalgia "
     "were recorded. Nitric oxide (NO) and sodium chloride were measured; hepatitis B and non-small-cell "
     "lung cancer were excluded. Tamoxifen, cisplatin and doxorubicin caused nephrotoxicity in rats.",
     [("Suxamethonium", "Chemical"), ("fasciculations", "Disease"), ("myalgia", "Disease"),
      ("Tamoxifen", "Chemical"), ("cisplatin", "Chemical"), ("nephrotoxicity", "Disease")]),
]

LEXICONS = {
    "drugbank": [("naloxone", "Chemical", "DB01183"), ("clonidine", "Chemical", "DB00575"),
                 ("lidocaine", "Chemical", "DB00281"), ("aspirin", "Chemical", "DB00945"),
                 ("haloperidol", "Chemical", "DB00502"), ("tamoxifen", "Chemical", "DB00675"),
                 ("cisplatin", "Chemical", "DB00515"), ("doxorubicin", "Chemical", "DB00997"),
                 ("5-FU", "Chemical", "DB00544"), ("sodium chloride", "Chemical", "DB09153"),
                 ("NO", "Chemical", "DB00435"), ("suxamethonium chloride", "Chemical", "DB00202")],
    "ctd": [("asystole", "Disease", "MESH:D006323"), ("chronic myeloid leukemia", "Disease", "MESH:D015464"),
            ("type 2 diabetes mellitus", "Disease", "MESH:D003924"), ("myalgia", "Disease", "MESH:D063806"),
            ("hepatitis B", "Disease", "MESH:D006509"), ("nephrotoxicity", "Disease", "MESH:D007674"),
            ("non-small-cell lung cancer", "Disease", "MESH:D002289"), ("hypertensive", "Disease", "MESH:D006973")],
    "doid": [("Parkinson's disease", "Disease", "DOID:14330"), ("PD", "Disease", "DOID:14330"),
             ("fasciculation", "Disease", "DOID:0000"), ("lung cancer", "Disease", "DOID:1324")],
}

SPLITS = ("CDR_TrainingSet", "CDR_DevelopmentSet", "CDR_TestSet")


def write_corpus(directory: Path, copies: int = 2) -> Path:
    """The three BC5CDR file names, each with ``copies`` x the documents (PubTator, with offsets)."""
    directory.mkdir(parents=True, exist_ok=True)
    pmid = 1000
    for split in SPLITS:
        lines = []
        for _ in range(copies):
            for title, abstract, mentions in _DOCS:
                pmid += 1
                text = f"{title} {abstract}"
                lines += [f"{pmid}|t|{title}", f"{pmid}|a|{abstract}"]
                for mention, label in mentions:
                    start = text.find(mention)
                    if start >= 0:
                        lines.append(f"{pmid}\t{start}\t{start + len(mention)}\t{mention}\t{label}\tD000")
                lines.append("")
        (directory / f"{split}.PubTator.txt").write_text("\n".join(lines) + "\n", encoding="utf8")
    return directory


def write_lexicons(directory: Path) -> Dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, records in LEXICONS.items():
        path = directory / f"{name}.tsv"
        path.write_text("".join(f"{t}\t{lab}\t{i}\n" for t, lab, i in records), encoding="utf8")
        out[name] = path
    return out
