"""The UMLS Semantic Groups (McCray et al.) and the semantic map: semantic type -> label.

``SEMGROUPS_TXT`` is the NLM file ``SemGroups_2018.txt`` (one line per semantic type:
``GROUP|Group name|TUI|Semantic type name``; 15 groups, 127 semantic types), embedded as data.
Source: https://lhncbc.nlm.nih.gov/ii/tools/MetaMap/Docs/SemGroups_2018.txt; see
McCray AT, Burgun A, Bodenreider O. Aggregating UMLS semantic types for reducing conceptual
complexity. Stud Health Technol Inform 2001;84(Pt 1):216-20, and Bodenreider O, McCray AT.
Exploring semantic groups through visual approaches. J Biomed Inform 2003;36(6):414-32.

A :class:`SemanticMap` maps a concept's semantic types to labels. Its keys may be a TUI
(``"T047"``), a semantic type name (``"Disease or Syndrome"``, case-insensitive), a group
abbreviation (``"DISO"``) or a group name (``"Disorders"``); a TUI key wins over a name key,
which wins over a group key. A key that is none of these raises ``[E003]``.
"""
import difflib
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple, Union

import srsly

from ..errors import Errors, SpacyWeakError

SEMGROUPS_TXT = """\
LIVB|Living Beings|T001|Organism
LIVB|Living Beings|T002|Plant
LIVB|Living Beings|T004|Fungus
LIVB|Living Beings|T005|Virus
LIVB|Living Beings|T007|Bacterium
LIVB|Living Beings|T008|Animal
LIVB|Living Beings|T010|Vertebrate
LIVB|Living Beings|T011|Amphibian
LIVB|Living Beings|T012|Bird
LIVB|Living Beings|T013|Fish
LIVB|Living Beings|T014|Reptile
LIVB|Living Beings|T015|Mammal
LIVB|Living Beings|T016|Human
ANAT|Anatomy|T017|Anatomical Structure
ANAT|Anatomy|T018|Embryonic Structure
DISO|Disorders|T019|Congenital Abnormality
DISO|Disorders|T020|Acquired Abnormality
ANAT|Anatomy|T021|Fully Formed Anatomical Structure
ANAT|Anatomy|T022|Body System
ANAT|Anatomy|T023|Body Part, Organ, or Organ Component
ANAT|Anatomy|T024|Tissue
ANAT|Anatomy|T025|Cell
ANAT|Anatomy|T026|Cell Component
GENE|Genes & Molecular Sequences|T028|Gene or Genome
ANAT|Anatomy|T029|Body Location or Region
ANAT|Anatomy|T030|Body Space or Junction
ANAT|Anatomy|T031|Body Substance
PHYS|Physiology|T032|Organism Attribute
DISO|Disorders|T033|Finding
PHEN|Phenomena|T034|Laboratory or Test Result
DISO|Disorders|T037|Injury or Poisoning
PHEN|Phenomena|T038|Biologic Function
PHYS|Physiology|T039|Physiologic Function
PHYS|Physiology|T040|Organism Function
PHYS|Physiology|T041|Mental Process
PHYS|Physiology|T042|Organ or Tissue Function
PHYS|Physiology|T043|Cell Function
PHYS|Physiology|T044|Molecular Function
PHYS|Physiology|T045|Genetic Function
DISO|Disorders|T046|Pathologic Function
DISO|Disorders|T047|Disease or Syndrome
DISO|Disorders|T048|Mental or Behavioral Dysfunction
DISO|Disorders|T049|Cell or Molecular Dysfunction
DISO|Disorders|T050|Experimental Model of Disease
ACTI|Activities & Behaviors|T051|Event
ACTI|Activities & Behaviors|T052|Activity
ACTI|Activities & Behaviors|T053|Behavior
ACTI|Activities & Behaviors|T054|Social Behavior
ACTI|Activities & Behaviors|T055|Individual Behavior
ACTI|Activities & Behaviors|T056|Daily or Recreational Activity
ACTI|Activities & Behaviors|T057|Occupational Activity
PROC|Procedures|T058|Health Care Activity
PROC|Procedures|T059|Laboratory Procedure
PROC|Procedures|T060|Diagnostic Procedure
PROC|Procedures|T061|Therapeutic or Preventive Procedure
PROC|Procedures|T062|Research Activity
PROC|Procedures|T063|Molecular Biology Research Technique
ACTI|Activities & Behaviors|T064|Governmental or Regulatory Activity
PROC|Procedures|T065|Educational Activity
ACTI|Activities & Behaviors|T066|Machine Activity
PHEN|Phenomena|T067|Phenomenon or Process
PHEN|Phenomena|T068|Human-caused Phenomenon or Process
PHEN|Phenomena|T069|Environmental Effect of Humans
PHEN|Phenomena|T070|Natural Phenomenon or Process
OBJC|Objects|T071|Entity
OBJC|Objects|T072|Physical Object
OBJC|Objects|T073|Manufactured Object
DEVI|Devices|T074|Medical Device
DEVI|Devices|T075|Research Device
CONC|Concepts & Ideas|T077|Conceptual Entity
CONC|Concepts & Ideas|T078|Idea or Concept
CONC|Concepts & Ideas|T079|Temporal Concept
CONC|Concepts & Ideas|T080|Qualitative Concept
CONC|Concepts & Ideas|T081|Quantitative Concept
CONC|Concepts & Ideas|T082|Spatial Concept
GEOG|Geographic Areas|T083|Geographic Area
GENE|Genes & Molecular Sequences|T085|Molecular Sequence
GENE|Genes & Molecular Sequences|T086|Nucleotide Sequence
GENE|Genes & Molecular Sequences|T087|Amino Acid Sequence
GENE|Genes & Molecular Sequences|T088|Carbohydrate Sequence
CONC|Concepts & Ideas|T089|Regulation or Law
OCCU|Occupations|T090|Occupation or Discipline
OCCU|Occupations|T091|Biomedical Occupation or Discipline
ORGA|Organizations|T092|Organization
ORGA|Organizations|T093|Health Care Related Organization
ORGA|Organizations|T094|Professional Society
ORGA|Organizations|T095|Self-help or Relief Organization
LIVB|Living Beings|T096|Group
LIVB|Living Beings|T097|Professional or Occupational Group
LIVB|Living Beings|T098|Population Group
LIVB|Living Beings|T099|Family Group
LIVB|Living Beings|T100|Age Group
LIVB|Living Beings|T101|Patient or Disabled Group
CONC|Concepts & Ideas|T102|Group Attribute
CHEM|Chemicals & Drugs|T103|Chemical
CHEM|Chemicals & Drugs|T104|Chemical Viewed Structurally
CHEM|Chemicals & Drugs|T109|Organic Chemical
CHEM|Chemicals & Drugs|T114|Nucleic Acid, Nucleoside, or Nucleotide
CHEM|Chemicals & Drugs|T116|Amino Acid, Peptide, or Protein
CHEM|Chemicals & Drugs|T120|Chemical Viewed Functionally
CHEM|Chemicals & Drugs|T121|Pharmacologic Substance
CHEM|Chemicals & Drugs|T122|Biomedical or Dental Material
CHEM|Chemicals & Drugs|T123|Biologically Active Substance
CHEM|Chemicals & Drugs|T125|Hormone
CHEM|Chemicals & Drugs|T126|Enzyme
CHEM|Chemicals & Drugs|T127|Vitamin
CHEM|Chemicals & Drugs|T129|Immunologic Factor
CHEM|Chemicals & Drugs|T130|Indicator, Reagent, or Diagnostic Aid
CHEM|Chemicals & Drugs|T131|Hazardous or Poisonous Substance
OBJC|Objects|T167|Substance
OBJC|Objects|T168|Food
CONC|Concepts & Ideas|T169|Functional Concept
CONC|Concepts & Ideas|T170|Intellectual Product
CONC|Concepts & Ideas|T171|Language
DISO|Disorders|T184|Sign or Symptom
CONC|Concepts & Ideas|T185|Classification
DISO|Disorders|T190|Anatomical Abnormality
DISO|Disorders|T191|Neoplastic Process
CHEM|Chemicals & Drugs|T192|Receptor
LIVB|Living Beings|T194|Archaeon
CHEM|Chemicals & Drugs|T195|Antibiotic
CHEM|Chemicals & Drugs|T196|Element, Ion, or Isotope
CHEM|Chemicals & Drugs|T197|Inorganic Chemical
CHEM|Chemicals & Drugs|T200|Clinical Drug
PHYS|Physiology|T201|Clinical Attribute
DEVI|Devices|T203|Drug Delivery Device
LIVB|Living Beings|T204|Eukaryote
"""

# Semantic types retired from the Semantic Network but still found in older UMLS releases
# (no semantic group in SemGroups_2018). They may be mapped by TUI or name.
RETIRED_TYPES = {
    "T006": "Rickettsia or Chlamydia",
    "T009": "Invertebrate",
    "T110": "Steroid",
    "T111": "Eicosanoid",
    "T115": "Organophosphorus Compound",
    "T118": "Carbohydrate",
    "T119": "Lipid",
    "T124": "Neuroreactive Substance or Biogenic Amine",
}


def _parse() -> Tuple[Dict[str, str], Dict[str, str], Dict[str, str], Dict[str, str]]:
    tui_name: Dict[str, str] = {}
    tui_group: Dict[str, str] = {}
    group_name: Dict[str, str] = {}
    for line in SEMGROUPS_TXT.strip().splitlines():
        group, gname, tui, sty = line.split("|")
        tui_name[tui] = sty
        tui_group[tui] = group
        group_name[group] = gname
    for tui, sty in RETIRED_TYPES.items():
        tui_name[tui] = sty
    return tui_name, tui_group, group_name, {v.lower(): k for k, v in tui_name.items()}


TUI_NAME, TUI_GROUP, GROUP_NAME, _NAME_TUI = _parse()
_GROUP_BY_NAME = {name.lower(): group for group, name in GROUP_NAME.items()}


def semantic_group(tui: str) -> Optional[str]:
    """The semantic group abbreviation of a TUI (``"T047"`` -> ``"DISO"``), or None."""
    return TUI_GROUP.get(tui)


def group_tuis(group: str) -> List[str]:
    return sorted(t for t, g in TUI_GROUP.items() if g == group)


class SemanticMap:
    """Semantic type (TUI / name / group) -> label. ``None`` or ``""`` as label drops the type."""

    def __init__(self, mapping: Mapping[str, Optional[str]], *, source: str = "") -> None:
        self.mapping = dict(mapping)
        self.source = source
        self._by_tui: Dict[str, Optional[str]] = {}
        self._by_name: Dict[str, Optional[str]] = {}
        by_group: Dict[str, Optional[str]] = {}
        for key, label in self.mapping.items():
            k = str(key).strip()
            label = str(label) if label else None
            if k.upper() in TUI_NAME:
                self._by_tui[k.upper()] = label
            elif k.lower() in _NAME_TUI:
                self._by_name[k.lower()] = label
            elif k.upper() in GROUP_NAME:
                by_group[k.upper()] = label
            elif k.lower() in _GROUP_BY_NAME:
                by_group[_GROUP_BY_NAME[k.lower()]] = label
            else:
                raise SpacyWeakError(
                    Errors.E003.format(key=key, where=f" {source}" if source else "", hint=_hint(k))
                )
        # resolve every TUI once: TUI key > name key > group key
        self._resolved: Dict[str, Optional[str]] = {}
        for tui, name in TUI_NAME.items():
            if tui in self._by_tui:
                self._resolved[tui] = self._by_tui[tui]
            elif name.lower() in self._by_name:
                self._resolved[tui] = self._by_name[name.lower()]
            elif TUI_GROUP.get(tui) in by_group:
                self._resolved[tui] = by_group[TUI_GROUP[tui]]

    @property
    def labels(self) -> List[str]:
        return sorted({label for label in self._resolved.values() if label})

    def label(self, tui: str, sty: str = "") -> Optional[str]:
        """The label of one semantic type (by TUI, else by its name), or None (unmapped)."""
        if tui in self._resolved:
            return self._resolved[tui]
        if sty:
            return self._by_name.get(sty.lower())
        return None

    def is_mapped(self, tui: str, sty: str = "") -> bool:
        return tui in self._resolved or bool(sty and sty.lower() in self._by_name)

    def to_dict(self) -> Dict[str, Optional[str]]:
        return dict(self.mapping)

    @classmethod
    def groups(cls) -> "SemanticMap":
        """Every semantic type labelled with its semantic group abbreviation (``DISO``, ``CHEM``...)."""
        return cls({group: group for group in GROUP_NAME}, source="(semantic groups)")

    @classmethod
    def from_file(cls, path: Union[str, Path]) -> "SemanticMap":
        path = Path(path)
        if not path.exists():
            raise SpacyWeakError(Errors.E001.format(path=path))
        try:
            data = srsly.read_json(path)
        except ValueError as e:
            raise SpacyWeakError(Errors.E010.format(path=path, problem=f"not valid JSON ({e})")) from None
        if not isinstance(data, dict):
            raise SpacyWeakError(Errors.E010.format(path=path, problem=f"top level is {type(data).__name__}"))
        return cls(data, source=str(path))


def _hint(key: str) -> str:
    choices = list(TUI_NAME) + list(TUI_NAME.values()) + list(GROUP_NAME) + list(GROUP_NAME.values())
    close = difflib.get_close_matches(key, choices, n=3, cutoff=0.6)
    return f" Did you mean: {', '.join(repr(c) for c in close)}?" if close else ""


def as_semantic_map(value: Union[None, str, Path, Mapping, SemanticMap]) -> SemanticMap:
    """A SemanticMap from a map, a JSON file path, or None (label = semantic group)."""
    if value is None:
        return SemanticMap.groups()
    if isinstance(value, SemanticMap):
        return value
    if isinstance(value, (str, Path)):
        return SemanticMap.from_file(value)
    return SemanticMap(value)
