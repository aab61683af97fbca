"""Write the recipe configs (configs/bc5cdr.cfg, configs/sample.cfg) from one set of rules.

The two recipes share every rule source and the aggregators; they differ only in
their gazetteers: the BC5CDR recipe reads three open vocabularies (TSV made by
``spacy-weak lexicon convert``), the sample recipe the small UMLS-style RRF lexicon
in ``corpora/lexicon``. Edit the lists here and rerun:

    python scripts/make_recipe_configs.py

The word lists are generic biomedical morphology and vocabulary (INN drug stems,
disease suffixes and head nouns, units, protein suffixes); they were written and
pruned by looking at BC5CDR train/dev errors only (docs/bc5cdr.md records each
change and its dev score). Nothing here names a corpus's own entities.
"""
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHEM_STEMS = ["caine","azepam","azolam","oxacin","cycline","cillin","profen","prazole","triptan","setron","lukast","sartan","dipine","olol","statin","pril","parin","platin","rubicin","taxel","limus","mustine","vudine","navir","ciclovir","afil","oxetine","triptyline","pramine","peridol","barbital","thiazide","semide","mycin","micin","conazole","dazole","fibrate","glitazone","gliptin","tinib","mab","tidine","phylline","coxib","terol","sone","olone","estrol","gestrel","dronate","tecan","trexate","uracil","arabine","pamil","zosin","apine","opine","epine","idone","perone","flurane","curium","curonium","amine","phine","idine","azine","oxide","chloride","sulfate","phosphate","nitrate","carbonate","acetate","citrate","bromide","iodide","fluoride","hydroxide","peroxide","ethanol","methanol","steroid","cortisol","adrenaline","noradrenaline","epinephrine","serotonin","histamine","dopamine","glutamate","glycine","tropine","nicotine","ketamine","morphine","codeine","heroin","cocaine","lithium"]
# plural class names (steroids, benzodiazepines, anesthetics are annotated as chemicals)
PLURAL_STEMS = [s + "s" for s in ["steroid","azepine","caine","cycline","cillin","oxacin","statin","sartan","dipine","olol",
                                  "thiazide","glycoside","barbiturate","amphetamine",
                                  "contraceptive","salicylate","nitrate","anthracycline","taxane","retinoid",
                                  "glucocorticoid","corticosteroid","estrogen","androgen","triptan","alkaloid","flavonoid"]]
CHEM_BROAD = ["ine","ide","ol","one","in","yl","ium"]
DIS_SUFFIX = ["itis","osis","emia","aemia","pathy","pathies","algia","toxicity","toxicities","uria","penia","plasia","trophy","cardia","rrhea","rrhoea","rrhage","plegia","lepsy","kinesia","kinesias","tension","ectasia","megaly","sclerosis","ataxia","aphasia","cytosis","edema","oedema","ischemia","ischaemia","thrombosis","embolism","fibrillation","somnia","psychosis","dementia","anemia","carcinoma","carcinomas","oma","omas","sarcoma","leukemia","lymphoma","tensive","toxic"]
DIS_WORDS = ["pain","seizure","seizures","convulsion","convulsions","tremor","tremors","nausea","vomiting","headache","headaches","fever","cancer","cancers","tumor","tumors","tumour","tumours","asthma","stroke","overdose","confusion","depression","anxiety","delirium","fatigue","obesity","diabetes","migraine","rigidity","catalepsy","akathisia","dyskinesia","fibrosis","necrosis","infection","infections","inflammation","ulcer","ulcers","shock","coma","agitation","hallucinations","insomnia","pruritus","rash","hepatotoxicity","nephrotoxicity","cardiotoxicity","ototoxicity","neurotoxicity","myopathy","hyperactivity","hypoxia","apnea","dysfunction","malformation","malformations","metastasis","metastases",
             "myelosuppression","paralysis","deafness","blindness","arrhythmia","arrhythmias","hemorrhage","haemorrhage","bleeding","thrombocytopenia"]
DIS_HEADS = ["failure","injury","injuries","damage","disease","diseases","disorder","disorders","syndrome","syndromes","infarction","insufficiency","deficiency","dysfunction","arrest","palsy","impairment","toxicity","stenosis","loss","neoplasm","neoplasms","depression","hypertension","hypotension","tachycardia","bradycardia","arrhythmia","arrhythmias","fibrosis","necrosis","atrophy","degeneration","retardation","ischemia","neuropathy","cardiomyopathy","nephropathy","encephalopathy","hepatitis","carcinoma","cancer","tumor","tumors","hemorrhage","thrombosis","fibrillation","block","edema","pain","anemia","calcification","microangiopathy","leukemia","lymphoma","sclerosis","effusion","infection",
             "myalgia","delirium","hypertrophy","spasm","embolism","rigidity","mania","rhinitis","myocarditis",
             "vasculitis","seizures","seizure","convulsions","epilepsy","epilepsies","tachyarrhythmia","hyperactivity",
             "neuropathy","fasciculation","dyskinesia","nephritis","pneumonia","psychosis",
             "disturbance","disturbances","complication","complications","deficit","deficits","abnormality",
             "abnormalities","malformation","malformations"]
MODIFIERS = ["acute","chronic","severe","mild","fatal","progressive","congenital","idiopathic","primary","secondary","heart","liver","kidney","lung","brain","bone","breast","prostate","bladder","skin","artery","renal","hepatic","cardiac","end","stage","small","cell","non","ventricular","atrial","myocardial","coronary","pulmonary","peripheral","diabetic","alcoholic","neuroleptic","malignant","tardive","deep","vein","hearing","memory","weight","sudden","drug"]
MOD_SUFFIXES = ["al","ic","ar","ous","ive","ary","oid","ial","eal","tory"]
ELEMENTS = ["hydrogen","lithium","sodium","potassium","magnesium","calcium","iron","zinc","copper","manganese","cobalt","nickel","chromium","selenium","iodine","fluorine","chlorine","bromine","nitrogen","oxygen","carbon","sulfur","sulphur","phosphorus","aluminum","aluminium","mercury","cadmium","arsenic","platinum","barium","strontium","cesium","rubidium","boron","silicon","titanium","vanadium","bismuth","thallium","uranium","gallium","lanthanum","gadolinium","alcohol","ethanol","glucose","cholesterol","nitric","oxide","ammonia","urea","creatinine","bilirubin"]
NEG_WORDS = ["patients","patient","rats","rat","mice","mouse","subjects","volunteers","controls","control","group","groups","dose","doses","dosage","treatment","treatments","therapy","therapies","drug","drugs","effect","effects","study","studies","case","cases","placebo","children","women","men","animals","animal","incidence","risk","level","levels","concentration","concentrations","administration","injection","infusion","use","response","activity","serum","plasma","blood","cells","tissue","baseline","protein","median","within","determine","indicate","investigate","evaluate","examine","moderate","mechanism","role","receptor","receptors","gene","genes","enzyme","mg","kg"]
UNITS = ["mg","g","kg","mcg","µg","ug","ng","ml","mL","l","L","mM","nM","µM","uM","mmol","µmol","mol","IU","U","mg/kg","mg/day","mg/m2","%","h","hr","hrs","hour","hours","day","days","week","weeks","month","months","year","years","min","s","microg","micrograms","mg/kg/day"]

AIN_WORDS = ["certain","uncertain","maintain","explain","obtain","contain","remain","again","brain","domain","retain","sustain","attain","main","chain","gain","strain","plain","train","detain","ascertain","protein","proteins","within","begin","origin","margin","cabin","skin","twin"]
# generic English / anatomical words caught by the broad chemical endings (-ine, -ide, -ol, -one, -ium)
ENGLISH_ENDINGS = ["provide","provided","decide","guide","inside","outside","beside","aside","override","divide","reside",
                   "worldwide","nationwide","routine","routines","medicine","medicines","machine","engine","examine","determine",
                   "baseline","borderline","midline","guideline","guidelines","decline","define","combine","outline","discipline",
                   "doctrine","genuine","feminine","masculine","marine","pristine","intestine","endocrine","exocrine","famine",
                   "underline","online","offline","pipeline","timeline","headline","deadline","hairline","waistline","midline",
                   "protocol","protocols","control","controls","patrol","symbol","symbols",
                   "undergone","someone","anyone","everyone","alone","phone","telephone","backbone","cornerstone","milestone",
                   "epithelium","endothelium","myocardium","pericardium","endocardium","endometrium","atrium","medium",
                   "premium","stadium","equilibrium","consortium","hormone","hormones","peptide","peptides","polypeptide",
                   "polypeptides"]
PROTEIN_SUFFIXES = ["ase","ases","globin","albumin","hormone","hormones","factor","factors","receptor","receptors","antibody","antibodies","protein","proteins","cytokine","cytokines","interleukin","interferon","kinase","enzyme","enzymes","lectin"]
STOP_TERMS = ["was", "all", "can", "has", "his", "her", "men", "man", "act", "aim", "air", "arm", "art", "bad", "bed", "big", "car", "cut", "end", "fit", "hot", "ice", "key", "map", "may", "net", "old", "pan", "pet", "red", "run", "sun", "tan", "top", "war", "yes", "lead", "gold", "iron", "cell", "cells", "drug", "drugs", "water", "salt", "blood", "oxygen", "control", "protein", "proteins", "agent", "agents", "dose", "rest", "peak", "fast", "soft", "sleep", "rats", "mice", "liver", "kidney", "heart", "brain", "treatment", "therapy", "placebo", "vitamin", "hormone", "enzyme", "receptor", "antagonist", "agonist", "inhibitor", "inhibitors", "metabolite", "metabolites", "syndrome", "disease", "disorder", "infection", "lesion", "lesions", "tumor", "tumors", "pain", "fever", "death", "included", "same", "strain", "strains", "recurrence", "emergency", "immediate", "relapse", "certain", "separate", "routine", "monitor", "protocol", "adequate", "appropriate", "body weight", "cord", "ect"]

# adjectives derived from disease names (epilepsy -> epileptic, ischemia -> ischemic, psychosis -> psychotic)
DIS_ADJ_SUFFIXES = ["leptic", "abetic", "schemic", "nemic", "glycemic", "kalemic", "natremic", "uremic", "psychotic",
                    "rrhotic", "phrotic", "mbotic", "sonian", "hrenic", "manic", "depressive", "tensive", "toxic",
                    "asthmatic", "arrhythmic", "leukemic", "septic", "cancerous", "psychiatric"]
DIS_ADJ_EXCLUDE = ["antiepileptic", "antipsychotic", "antidiabetic", "antihypertensive", "antiarrhythmic", "antiseptic",
                   "aseptic", "systemic", "cytotoxic", "nontoxic", "endemic", "epidemic", "academic", "germanic", "romanic",
                   "neuroleptic", "neuroleptics", "antiparkinsonian", "anticataleptic", "anticonvulsive", "antidepressive",
                   "extensive", "intensive", "expensive", "inexpensive", "normotensive", "normoglycemic", "euglycemic"]
LABELS = ["Chemical", "Disease"]
DIS_SUFFIX_EXCLUDE = ["apoptosis", "mitosis", "meiosis", "osmosis", "hypnosis", "symbiosis", "anastomosis",
                      "diagnosis", "doses", "prognosis", "analysis", "basis", "hypothesis", "synthesis", "emphasis",
                      "thesis", "tension", "attention", "extension", "intention", "pretension", "extensive", "intensive",
                      "expensive", "inexpensive", "normotensive", "cytotoxic", "nontoxic", "antihypertensive"]
# element symbols as whole tokens (case-sensitive; none that is also a common English word or abbreviation)
ELEMENT_SYMBOLS = ["Na", "K", "Ca", "Li", "Mg", "Fe", "Zn", "Cu", "Pb", "Hg", "Cd", "Mn", "Cl", "Al", "Se", "Ba", "Sr",
                   "Cs", "Rb", "Au", "Ag", "Cr", "Ni", "Bi", "Tl", "Gd", "Br", "Sn"]
_ELEMENT_RE = ("He|Li|Be|Ne|Na|Mg|Al|Si|Cl|Ar|Ca|Sc|Ti|Cr|Mn|Fe|Co|Ni|Cu|Zn|Ga|Ge|As|Se|Br|Kr|Rb|Sr|Zr|Mo|Ag|Cd|In|"
               "Sn|Sb|Te|Xe|Cs|Ba|La|Gd|Pt|Au|Hg|Tl|Pb|Bi|Ac|[HBCNOFPSKVIWU]")
# chemical formulas: two or more element groups, with a digit or a lower-case letter (NaCl, CaCl2, H2O2, NH4Ac)
FORMULA_PATTERN = r"\b(?=[A-Za-z0-9]*[a-z0-9])(?:(?:" + _ELEMENT_RE + r")\d*){2,}\b"
CODE_PATTERN = r"\b[A-Z]{1,5}-?\d{3,}[A-Za-z0-9]*\b"


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def function_source(name: str, maker: str, **args) -> str:
    lines = [f"[components.{name}]", 'factory = "weak_function"', "", f"[components.{name}.function]", f'@misc = "{maker}"']
    lines += [f"{k} = {dumps(v)}" for k, v in args.items()]
    return "\n".join(lines) + "\n\n"


def gazetteer_source(name: str) -> str:
    return f"""[components.{name}]
factory = "weak_gazetteer"
case_sensitive = false
short_term_max_len = 3
normalize_unicode = true
fold_hyphens = true
min_term_length = 3
stop_terms = ${{vars.stop_terms}}
ambiguous = "keep_all"

"""


RULES = {
    "chem_stems": function_source("chem_stems", "spacy_weak.token_suffixes.v1", label="Chemical",
                                  suffixes=CHEM_STEMS + PLURAL_STEMS, min_length=6, exclude=NEG_WORDS),
    "chem_broad": function_source("chem_broad", "spacy_weak.token_suffixes.v1", label="Chemical", suffixes=CHEM_BROAD,
                                  min_length=7, exclude=NEG_WORDS + AIN_WORDS + ENGLISH_ENDINGS),
    "chem_words": function_source("chem_words", "spacy_weak.token_words.v1", label="Chemical", words=ELEMENTS),
    "chem_codes": "[components.chem_codes]\nfactory = \"weak_regex\"\npatterns = "
    + dumps([{"label": "Chemical", "pattern": CODE_PATTERN}]) + "\n\n",
    "chem_symbols": function_source("chem_symbols", "spacy_weak.token_words.v1", label="Chemical", words=ELEMENT_SYMBOLS,
                                    case_sensitive=True),
    "chem_formulas": "[components.chem_formulas]\nfactory = \"weak_regex\"\npatterns = "
    + dumps([{"label": "Chemical", "pattern": FORMULA_PATTERN}]) + "\n\n",
    "dis_suffixes": function_source("dis_suffixes", "spacy_weak.token_suffixes.v1", label="Disease", suffixes=DIS_SUFFIX,
                                    min_length=6, exclude=DIS_SUFFIX_EXCLUDE),
    "dis_adjectives": function_source("dis_adjectives", "spacy_weak.token_suffixes.v1", label="Disease",
                                      suffixes=DIS_ADJ_SUFFIXES, min_length=7, exclude=DIS_ADJ_EXCLUDE),
    "dis_words": function_source("dis_words", "spacy_weak.token_words.v1", label="Disease", words=DIS_WORDS),
    "dis_phrases": function_source("dis_phrases", "spacy_weak.head_phrases.v1", label="Disease", heads=DIS_HEADS,
                                   modifiers=MODIFIERS, modifier_suffixes=MOD_SUFFIXES, max_modifiers=1, min_modifiers=1),
    "neg_units": function_source("neg_units", "spacy_weak.numbers_with_units.v1", units=UNITS, label="O"),
    "neg_words": function_source("neg_words", "spacy_weak.token_words.v1", label="O", words=NEG_WORDS),
    "neg_proteins": function_source("neg_proteins", "spacy_weak.token_suffixes.v1", label="O", suffixes=PROTEIN_SUFFIXES, min_length=5),
}
PROPAGATION = """[components.abbrev]
factory = "weak_abbreviations"
sources = ["gaz_*", "chem_*", "dis_*"]
max_short_length = 10
min_long_coverage = 0.0

[components.consistency]
factory = "weak_doc_consistency"
sources = ["gaz_*", "chem_*", "dis_*", "abbrev"]
min_votes = 1
case_sensitive = false

"""


def build(title: str, gazetteers: dict, paths: dict) -> str:
    sources = list(gazetteers) + list(RULES) + ["abbrev", "consistency"]
    out = [title, "", "[paths]"] + [f"{k} = null" for k in paths] + [""]
    out += ["[vars]", f"labels = {dumps(LABELS)}", f"stop_terms = {dumps(STOP_TERMS)}", ""]
    out += ["[nlp]", 'lang = "en"', f"pipeline = {dumps(sources + ['mv', 'hmm'])}", "",
            "[nlp.tokenizer]", '@tokenizers = "spacy_weak.biomedical_tokenizer.v1"', "", "[components]", ""]
    text = "\n".join(out) + "\n"
    text += "".join(gazetteer_source(name) for name in gazetteers)
    text += "".join(RULES.values()) + PROPAGATION
    text += f"""[components.mv]
factory = "weak_vote"
sources = {dumps(sources)}
labels = ${{vars.labels}}
spans_key = "mv"
annotate_ents = false
level = "token"

[components.hmm]
factory = "weak_hmm"
sources = {dumps(sources)}
labels = ${{vars.labels}}
spans_key = "silver"
annotate_ents = true
n_iter = 20
seed = 0
merge_adjacent = true

[initialize]

[initialize.components]

"""
    for name, (path_var, options) in gazetteers.items():
        text += f"[initialize.components.{name}]\n\n[initialize.components.{name}.lexicon]\n"
        text += f'@misc = "spacy_weak.lexicon.v1"\npath = ${{paths.{path_var}}}\n'
        text += "".join(f"{k} = {dumps(v)}\n" for k, v in options.items()) + "\n"
    return text.rstrip("\n") + "\n"


BC5CDR_TITLE = """# Recipe: Chemical and Disease from open vocabularies and generic biomedical rules.
# Nothing in it is specific to one corpus beyond its two labels. Generated by
# scripts/make_recipe_configs.py (edit the lists there). See docs/bc5cdr.md."""
SAMPLE_TITLE = """# Sample recipe: the BC5CDR recipe's rules with one gazetteer over the small UMLS-style
# RRF lexicon in corpora/lexicon (semantic groups CHEM -> Chemical, DISO -> Disease).
# Used by `spacy-weak demo` and the `sample` workflow. Generated by scripts/make_recipe_configs.py."""

if __name__ == "__main__":
    bc5cdr = build(BC5CDR_TITLE, {"gaz_drugbank": ("drugbank", {}), "gaz_ctd": ("ctd", {}), "gaz_doid": ("doid", {})},
                   {"drugbank": None, "ctd": None, "doid": None})
    sample = build(SAMPLE_TITLE, {"gaz_umls": ("lexicon", {"semantic_map": {"CHEM": "Chemical", "DISO": "Disease"}})},
                   {"lexicon": None})
    (ROOT / "configs" / "bc5cdr.cfg").write_text(bc5cdr, encoding="utf8")
    (ROOT / "configs" / "sample.cfg").write_text(sample, encoding="utf8")
    print("wrote configs/bc5cdr.cfg and configs/sample.cfg")
