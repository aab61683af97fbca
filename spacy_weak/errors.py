"""Coded errors and warnings, spaCy style: ``[E001] ...`` so users can search them.

Every message names what is wrong and where (file and line, or the config
parameter). ``docs/errors.md`` lists each code with its meaning and fix.

Code ranges, one per area of the package (a code lies in the range of the area that raises it):
    E001-E049 / W001-W049  lexicons and the gazetteer
    E050-E099 / W050-W099  annotators: rule, function, model, doc-level, boundary and span-filter sources, @span_source, label maps
    E100-E149 / W100-W149  aggregation: label models, their saved state, the label matrix
    E150-E199 / W150-W199  evaluation and reports
    E200-E249 / W200-W249  corpora: readers and writers
    E250-E299, E700-E749 / W250-W299, W700-W749  CLI and runs: commands, sharded output, manifests, locks, output directories, input limits
    E300-E349 / W300-W349  training from silver: export, cross-fitting, self-training, the end model
    E400-E449 / W400-W449  review: audit, export/import, crowd consensus, derivation card, drift
    E450-E499 / W450-W499  distributed execution (Dask)
    E600-E699 / W600-W699  diagnostics and suggest: error breakdown, boundary words, term precision, recipe changes
Retired (milestone ranges of earlier versions; their codes moved, see docs/errors.md
'Renumbered codes'; never reused): E350-E399, E500-E549, E550-E599 and the W counterparts.
"""
import warnings

from spacy.errors import ErrorsWithCodes


class SpacyWeakError(ValueError):
    """Raised for bad user input; the message starts with its code."""


class Warnings(metaclass=ErrorsWithCodes):
    # --- lexicons and the gazetteer (W001-W049)
    W001 = "Lexicon {path} is empty: no term survived reading and filtering ({dropped}). The gazetteer will match nothing."
    W002 = ("Component '{name}' (weak_gazetteer) was initialized without a lexicon: it will match nothing. Pass "
            "lexicon=<records or path> to initialize() or set [initialize.components.{name}.lexicon].")
    W003 = ("Gazetteer '{name}': split_shapes has '{shape}', but the compiled lexicon kept none of its {n} term(s) "
            "of that shape (min_term_length = {min_len}, stop_terms and the other options drop them), so the "
            "sub-source '{key}' cannot match. Remove '{shape}' from split_shapes, or keep such terms.")

    # --- annotators: rule, function, model, doc-level, boundary and span-filter sources, @span_source, label maps (W050-W099)
    W050 = ("Component '{name}' wraps pipeline {model} whose language is '{model_lang}', but this pipeline's is "
            "'{lang}'. Its components run on our tokens; check that its labels and vectors suit this language.")
    W051 = "Component '{name}' (weak_regex) has no patterns: it will write empty span groups. Add 'patterns' to its config or [initialize.components.{name}]."

    # --- aggregation: label models, their saved state, the label matrix (W100-W149)
    W100 = "Aggregator '{name}': source(s) {sources} produced no span in the {n_docs} docs it was fitted on; their emission probabilities are the prior only."
    W101 = "Aggregator '{name}' was fitted on an empty corpus (0 tokens): its parameters are the priors only."
    W102 = "Aggregator '{name}': no example given to initialize() carries source spans (nor got any from the preceding components), so it was left unfitted. Fit it with `spacy-weak fit` or `{name}.fit(docs)`."
    W103 = "Aggregator '{name}': none of its fitted sources ({sources}) ran on {n} document(s) (span keys there: {keys}); no silver span was written for them."
    W104 = "Aggregator '{name}': `weights` names {unknown}, which is not among its sources ({sources}); the weight is ignored."
    W105 = ("Aggregator '{name}': sources {sources} are identical on all {n_tokens} tokens it was fitted on (copies "
            "of one source?). With `dependencies = true` (the default) each of m copies weighs 1/m; with it off they "
            "count as independent witnesses. Remove the copies if they are a mistake.")
    W106 = ("Aggregator '{name}': in {n} of {total} document(s) of this batch (first positions: {first}) every "
            "source ({sources}) ran and abstained on every token; their silver group is empty (no evidence).")
    W107 = ("Aggregator '{name}': source(s) {missing} named in `sources` never appear in the {n_docs} docs it was "
            "fitted on; they are left out of the model (sources found: {found}). Check the names in `sources`.")
    W108 = ("Aggregator '{name}': source '{source}' labels spans {found!r}, which differs only in case from the model's "
            "label {label!r}; those spans are ignored. Make the labels agree (e.g. a label_map on the source).")
    W109 = ("Aggregator '{name}' cannot be identified from its sources: {problem}. Its posteriors follow the class "
            "priors rather than the data. Remedy: set `class_priors`, or add a source that votes for {missing}.")
    W110 = ("Aggregator '{name}': source '{source}' voted {n} span(s) labelled {label!r}, which is not one of the "
            "model's labels ({labels}); those votes are ignored. Add the label to `labels` or map it on the source.")

    # --- evaluation and reports (W150-W199)
    W150 = "Aggregate group {key!r} in document {doc} has {n_probs} probabilities for {n_spans} spans; its probabilities are ignored (read as 1.0)."
    W151 = "The {kind} {key!r} asked for was not found in any document; it is left out of the analysis."
    W152 = "Gold key {key!r} holds no gold in any document: scores against gold are left out. Check --gold / --gold-key."
    W153 = "The HMM report names source {source!r}, which is not among the analysed sources; its learned figures are shown without empirical ones."

    # --- corpora: readers and writers (W200-W249)
    W200 = "{path}: {dropped} of {total} gold spans do not align with token boundaries and were dropped (alignment_mode={mode!r}). First: {examples}"
    W201 = "Reading {path}: the run that wrote it is not complete ({docs} documents so far). Run the command that wrote it again to finish it."
    W202 = "{path}: {n} gold spans overlap others and are kept in doc.spans[{key!r}] only; doc.ents holds the longest non-overlapping spans."
    W203 = "{path}: {n} invalid IOB transitions (I- not continuing an entity of its type) were repaired by starting a new entity (mode='fix'). First: {examples}"
    W204 = "{path}: {n} discontinuous BioC annotations (several locations) were skipped (discontinuous='skip'); use 'cover' or 'split' to keep them."
    W205 = "{path} line {line}: document id {doc_id!r} already appeared at line {first}; both documents are kept."
    W206 = "{path}: in {n} BioC documents the passage offsets do not fit the annotation offsets, but the passages joined with single spaces do; the joined text was used."
    W207 = "{path} holds no documents."
    W230 = "{path} line {line}: empty text, row skipped (tabular text reader, skip_empty=True)."

    # --- CLI and runs: commands, sharded output, manifests, locks, output directories, input limits (W250-W299, W700-W749)
    W250 = "{path} already holds the complete output of this run ({docs} documents): nothing to do. Use --overwrite to redo it."
    W251 = "{path} held the complete output of a run with other settings ({key} differs); it is replaced by this run."
    W252 = "--set {key}={value} is deprecated: write config overrides as spaCy does, --{key} {value}."
    W253 = "`spacy-weak analyze --hmm` is deprecated (the option takes any fitted aggregator): write --model {path}."
    W254 = ("The override --{key} has no effect on a saved pipeline: [paths] and [initialize] are read only when a "
            "config is initialised, and the pipeline directory already holds its data. Give the config instead (with "
            "--initialize for apply), or leave the override out.")

    # --- training from silver: export, cross-fitting, self-training, the end model (W300-W349)
    W300 = "{what}: {n} of {total} documents have no silver entity and no source vote; they teach only 'O' (or nothing, with partial annotation)."
    W301 = "Cross-fitting in {path}: fold {fold} was finished by a run with other settings ({key} differs); it is trained again."
    W302 = "Unlabelled pool {path}: {n} of its documents have the same text as documents of {what} (first: {first}); they are left out of the pool."
    W303 = "Augmenter '{name}': {n} of the {total} silver mentions of label(s) {labels} have no other lexicon term of their label to swap in; they are kept as they are."

    # --- review: audit, export/import, crowd consensus, derivation card, drift (W400-W449)
    W400 = "Review import: {n} reviewed record(s) name a document that is not in the corpus; they were skipped. First: {examples}. Import against the corpus the export was made from."
    W401 = "Review import: span labels {labels} are not among the labels ({known}); those spans were skipped. Pass --labels or fix the annotation tool's label set."
    W402 = "Review import: annotator(s) {annotators} labelled nothing in their reviews ({files}); their documents count as reviewed with no entity. Check that the right responses were exported."
    W403 = "Review import: no reviewed document in {paths} ({n} records read): nothing was imported."
    W404 = "Review import: {fixed} span(s) did not align with the corpus tokens and were expanded to the covering tokens, {dropped} could not be aligned and were dropped (another tokenization or offsets outside the text). Examples: {examples}"
    W405 = "DocBin {path} carries no derivation provenance (silver group attrs 'recipe_hash' / 'package_version'); the card cannot say which recipe made it. Write silver with `spacy-weak apply`/`fit` of this version."
    W406 = "Audit: cleanlab is not installed; spans are ranked by the label-model evidence only (pip install -e '.[audit]' in the clone)."
    W407 = "Review design: a budget of {budget} documents is larger than the pool ({n} documents in {where}); every document is reviewed."
    W408 = "Review design: no random share ({where}): the reviewed documents are the ranking's top only, so figures measured on them (settings, model selection) describe the hard documents, not the corpus. Give a random share (e.g. 0.2) for an unbiased estimate."
    W409 = "Review rounds disagree on {n} reviewed document(s) (the later round's spans are kept, the earlier ones are in attrs 'previous_rounds'): {examples}"

    # --- distributed execution (Dask) (W450-W499)
    W450 = "--n-process {n} is ignored with --cluster: each Dask worker runs one process (start more workers instead)."

    # --- diagnostics and suggest: error breakdown, boundary words, term precision, recipe changes (W600-W699)


class Errors(metaclass=ErrorsWithCodes):
    # --- lexicons and the gazetteer (E001-E049)
    E001 = "Lexicon file not found: {path}"
    E002 = ("{path} line {line}: expected {expected} '|'-separated columns ({columns}) but found {found}. "
            "Check that the file is UMLS RRF (MRFILES.RRF lists the columns of each file).")
    E003 = ("Unknown semantic type {key!r} in the semantic map{where}: it is not a TUI (e.g. T047), a semantic type "
            "name (e.g. 'Disease or Syndrome') or a semantic group (e.g. DISO) of the UMLS Semantic Network.{hint}")
    E004 = ("{path} line {line}: expected 'term<TAB>label[<TAB>id]' (2 or 3 tab-separated fields), found {found} "
            "field(s){detail}.")
    E005 = "{path} line {line}: {problem}. Each line must be a JSON object {{\"term\": ..., \"label\": ...[, \"id\": ...]}}."
    E006 = ("Cannot tell the lexicon format of {path}. Pass format= one of: {formats} (an RRF folder holds "
            "MRCONSO.RRF, a compiled lexicon holds meta.json).")
    E007 = "Invalid value {value!r} for '{param}'. Options: {options}."
    E008 = ("The compiled lexicon {path} was built with {compiled}, but component '{name}' is configured with "
            "{configured}. Recompile it with the component's settings (spacy-weak lexicon compile) or change the config.")
    E009 = "The compiled lexicon in {path} is incomplete or damaged ({problem}). Compile it again."
    E010 = "Semantic map {path}: {problem}. Expected a JSON object {{\"T047\": \"Disease\", \"CHEM\": \"Chemical\", ...}}."
    E011 = "{path} line {line}: {problem}"
    E012 = ("The lexicon's record {index} is not a (term, label[, id]) tuple or a {{\"term\", \"label\"[, \"id\"]}} dict "
            "with string term and label: {record} ({problem}).")
    E013 = ("The lexicon given to component '{name}' must be records, a path (RRF folder, TSV, JSONL, compiled "
            "folder) or a CompiledLexicon; got {kind}.")
    E014 = "Gazetteer '{name}': `split_shapes` names unknown shape(s) {shapes}; known shapes: {known}."
    E015 = "Gazetteer '{name}': `common_word_zipf` must lie in [0, 8] (0 = off; 'water' is 5.5, 'aspirin' 3.3), got {value!r}."
    E016 = ("`common_word_zipf = {zipf}` needs the wordfreq library, which is not installed. Install it with "
            "`pip install -e '.[wordfreq]'` in the clone (or `pip install wordfreq`), or set common_word_zipf = 0.")
    E017 = ("Component '{name}': the saved gazetteer {path} has no {what}, so it would match nothing. Restore the "
            "folder or save the pipeline again.")
    E018 = ("The RRF lexicon {path} compiles to 0 terms: {problem}. Check that MRCONSO.RRF and MRSTY.RRF come from "
            "the same release and the filters (language, sources, semantic map).")
    E019 = "{path} line {line}: field '{field}' must be a string, got {value!r}. Give one label per line (repeat the term for a second label)."
    E020 = "{path}: the header of {file} in MRFILES.RRF lacks the column(s) {missing} (it lists: {columns})."
    E021 = "Unknown term shape {name!r}; known shapes: {known}."
    E022 = "Not a MeSH tree number: {values}. Give branches like C23.550.210 (a letter, two digits, then .NNN groups)."
    E023 = "Tree-branch filters need tree numbers, which only the CTD MEDIC vocabulary has (vocabulary {kind!r}); drop --drop-tree."

    # --- annotators: rule, function, model, doc-level, boundary and span-filter sources, @span_source, label maps (E050-E099)
    E050 = "Invalid value {value!r} for parameter '{param}'. Options: {options}."
    E051 = "Label map sends {raw!r} to {target!r}, which is not one of the labels ({labels})."
    E052 = "Label {label!r} is not in the label map (unknown='error'). Known labels: {known}."
    E053 = "Invalid regular expression in pattern {index} (label {label!r}) of component '{name}': {error}. Pattern: {pattern!r}"
    E054 = ("Pattern {index} of component '{name}' is not valid: {reason}. Expected {{\"label\": ..., \"pattern\": ...}} "
            "or a pattern whose named groups are labels.")
    E055 = "Unknown regex flag {flag!r} in {where} of component '{name}'. Options: {options}."
    E056 = "Labelling function {function} of component '{name}' produced {item}: {reason}."
    E057 = ("Labelling function {function} of component '{name}' produced the span ({start}, {end}) in {unit} offsets, "
            "outside the document (0-{length}) or empty.")
    E058 = "Labelling function {function} of component '{name}' raised {type}: {error}"
    E059 = "Labelling function {function} of component '{name}' returned a Span of another Doc ({span!r}); build spans on the Doc it receives."
    E060 = ("The 'function' of component '{name}' is not callable (got {value}). Register a maker with "
            "@spacy.registry.misc that returns the labelling function, and reference it as {{\"@misc\": \"...\"}}.")
    E061 = ("Cannot find the pipeline {model!r} for component '{name}' (weak_model): it is neither an existing "
            "directory nor an installed package. Fix the 'model' setting (a path or a package name).")
    E062 = "Component '{name}' (weak_model) has annotation = \"spans\" but no 'source_spans_key': name the span group of the wrapped pipeline to copy."
    E063 = "The pipeline {model} wrapped by component '{name}' did not write doc.spans[{key!r}] (it wrote: {keys}). Fix 'source_spans_key'."
    E064 = ("Document labelling function {function} of component '{name}' returned {value}; expected None (abstain), "
            "a label, a list of labels or a dict {{label: 1 | 0}}.")
    E065 = "Document labelling function {function} of component '{name}' gave the vote {vote!r} for label {label!r}; votes must be 1 (for) or 0 (against)."
    E066 = "Component '{name}' (weak_doc_keywords) has neither 'keywords' nor 'patterns': give at least one."
    E067 = "Invalid source name {name!r} for @span_source / @doc_source: use letters, digits, '_' or '-' (no dots: the name is a component factory)."
    E068 = "Cannot load the pipeline {model!r} for component '{name}' (weak_model): {type}: {error}"
    E069 = "A 'label_map' must be null, a dict {{raw label: label or null}} or a callable such as {{\"@misc\": \"spacy_weak.label_map.v1\"}}; got {value}."
    E070 = ("The pipeline {model} wrapped by component '{name}' changed the tokens ({n} tokens in, {m} out); "
            "weak_model needs components that keep the tokens (no merge/split components).")
    E071 = ("Cannot read the saved patterns of component '{name}' ({path}): {err}. The file is corrupted or "
            "truncated; save the component again (nlp.to_disk) or add its patterns again.")
    E072 = "Cannot register the labelling function under {name!r}: the name is already taken by {other}. Choose another name."
    E073 = "Labelling source {name!r}: {problem}."
    E074 = "weak_boundary: bad value {value} for '{param}': expected {options}."
    E075 = "weak_span_filter: bad value {value} for '{param}': expected a mapping of span keys to lists of non-empty texts (shapes: known shape names)."

    # --- aggregation: label models, their saved state, the label matrix (E100-E149)
    E100 = "Aggregator '{name}': invalid value {value!r} for parameter '{param}'. Options: {options}."
    E101 = "Aggregator '{name}': no source span group matches {patterns} in the {n_docs} docs it was fitted on. Check the component's `sources` setting and that the sources ran (annotated DocBins keep their groups in doc.spans)."
    E102 = "Aggregator '{name}': no label to model. The sources ({sources}) emitted no labelled span and `labels` is empty; set `labels` in the component config."
    E103 = "Aggregator '{name}' is not fitted. Run nlp.initialize() with training examples, `{name}.fit(docs)`, or `spacy-weak fit`, or load a fitted pipeline; to annotate without it, leave it out (`spacy-weak apply ... --exclude {name}`, `spacy.load(..., exclude=[\"{name}\"])`)."
    E104 = "Component '{component}' not found in the pipeline loaded from {path}. Pipes: {pipes}."
    E106 = "Component '{component}' has no fit(docs) method: only fitted aggregators (weak_hmm, weak_doc_em) can be fitted."
    E107 = "Aggregator '{name}': class_priors names label {label!r}, which is not one of the labels ({labels})."
    E108 = "Aggregator '{name}': cannot read its saved model {path} ({err}). The file is corrupted or truncated: fit the aggregator again."
    E110 = "Aggregator '{name}': `dependency_threshold` must lie in (0, 1], got {value!r}."
    E111 = "Component '{name}': review_weight must be a finite number > 0, got {value!r}. It is the weight of a reviewed document's statistics in EM (clamp_learn = true); 1 counts it like any other document."
    E112 = ("Component '{name}': the saved model {path} is not valid: {problem}. Fit or save the component again "
            "(or restore the file).")
    E113 = "Component '{name}': the saved model file {path} is missing. Save the pipeline again (nlp.to_disk) or restore the file."
    E114 = ("Component '{name}': the saved model {path} has format {found}, but this version of spacy-weak reads {expected}. "
            "Save it again with this version.")
    E115 = ("Aggregator '{name}': labels {labels} include 'O', the label of \"not an entity\" votes; a model "
            "of it yields nothing. List the entity labels only (e.g. [\"Chemical\", \"Disease\"]).")
    E116 = ("Aggregator '{name}': its spans_key {key!r} is also a source ({where}); writing its output there would "
            "overwrite that source's votes. Give the aggregator another spans_key, or rename the source.")
    E117 = ("Aggregator '{name}': none of its labels ({labels}) is voted by its sources, which vote {found}; every "
            "vote would be dropped and the model would be empty. Set `labels` to the labels the sources vote, or map "
            "the sources' labels (label_map).")
    E118 = ("Source {source!r} voted {votes} on document {doc}: a Snorkel label matrix holds one label per source and "
            "document; a vote against one label is a vote for the other only with two labels (pass both: labels=[...]). "
            "For multi-label sources read the votes with spacy_weak.spans.get_doc_votes.")
    E119 = "Invalid value {value!r} for label_matrix's 'level'. Options: {options}."

    # --- evaluation and reports (E150-E199)
    E150 = "DocBin input not found: {path} (give .spacy files or directories of *.spacy shards)."
    E151 = "The gold corpus does not align with the annotated corpus: {n_docs} annotated documents, {n_gold} gold documents. Gold is aligned by order; give the same documents in the same order."
    E152 = "Document {i}: annotated id {doc_id!r} differs from gold id {gold_id!r}. Gold is aligned by order; give the same documents in the same order."
    E153 = "Document {i}: text differs from the gold document's text ({doc!r}... vs {gold!r}...). Gold is aligned by order; give the same documents in the same order."
    E155 = "Cannot read the learned HMM figures from {path}: {err}. Give a pipeline directory with a weak_hmm component, a weak_hmm component directory, or a JSON file {{source: {{label: {{precision, recall}}}}}}."
    E156 = "No documents to analyse in {path}."
    E157 = "Invalid HMM source report: expected {{source: {{label: {{'precision': p, 'recall': r}}}}}}, got {value!r} for {where}."

    # --- corpora: readers and writers (E200-E249)
    E200 = "Corpus file or directory not found: {path}"
    E201 = "{path} line {line}: not valid UTF-8 ({err}). Re-encode the file as UTF-8."
    E202 = "{path} line {line}: cannot read PubTator line {text!r}: {reason}."
    E203 = "{path} line {line}: mention {mention!r} at {start}-{end} does not match the text of PMID {pmid} there ({found!r}). Offsets must index title + ' ' + abstract, 0-based, end-exclusive."
    E204 = "{path} line {line}: offsets {start}-{end} are outside the text of PMID {pmid} (length {length})."
    E205 = "{path} line {line}: annotation for PMID {pmid!r} inside the block of document {current!r}. Each document's lines must follow its PMID|t| line, blocks separated by a blank line."
    E206 = "{path}: invalid XML at line {line}, column {column}: {err}"
    E207 = "{path}: BioC document {doc_id!r}: a passage or sentence at offset {offset} overlaps the text before it (which ends at {end})."
    E208 = "{path}: BioC document {doc_id!r}: {what} {value!r} is not an integer."
    E209 = "{path}: BioC document {doc_id!r}, annotation {ann_id!r}: text {mention!r} does not match the document text at {start}-{end} ({found!r})."
    E210 = "{path} line {line}: cannot read IOB line {text!r}: expected a token and a tag column (token<TAB>tag)."
    E211 = "{path} line {line}: invalid tag {tag!r}; expected O, B-X, I-X (or E-/S-/L-/U-)."
    E212 = "Invalid value {value!r} for parameter '{param}'. Options: {options}."
    E213 = "{path} line {line}: tag {tag!r} follows {previous}: an I- tag must continue an entity of its type. Fix the file or read it with mode='fix' (spacy-weak convert iob --fix)."
    E214 = "Cannot tell the corpus format of {path}; give the format explicitly, one of: {options}."
    E215 = "{path} is not a readable DocBin (corrupted or truncated?): {err}"
    E216 = "{path} is a directory without .spacy files."
    E217 = "Invalid value {value!r} for the tabular reader's '{param}'. Options: {options}."
    E218 = ("{path}: the header names column {column!r} more than once (columns {positions}); which one holds the "
            "data is ambiguous. Rename the columns in the file, or read it with header=False and column numbers.")
    E219 = "Cannot read text from {path}: {problem}. Give a folder of .txt files, a .txt file (one document per line), a .jsonl or a .csv/.tsv file."
    E220 = "{path} line {line}: {problem}. Each line of a .jsonl file must be a JSON object with the text in the field given by --text-field."
    E230 = "Tabular text file not found or unreadable: {path} (give a CSV/TSV file, a folder of them, or a glob)."
    E231 = "Column {column!r} not found in the header of {path}. Header: {header}. Set text_column / label_column / id_column."
    E232 = "{path} line {line}: row cannot be read: {reason}. Check the delimiter, quoting and encoding."
    E233 = "{path} line {line}: empty label in column {column!r}. Map '' in label_map (e.g. to null) or fix the row."
    E234 = "{path} line {line}: label {value!r} is not known. Known: {known}. Extend label_map / labels, or set unknown_label='skip' or 'keep'."
    E235 = "{path} is empty: no header line."
    E236 = "Delimiter must be one character, got {delimiter!r}."
    E237 = "{path} line {line}: {n} labels {labels} for an exclusive classification (textcat). Use exclusive=False (textcat_multilabel) or fix the row."

    # --- CLI and runs: commands, sharded output, manifests, locks, output directories, input limits (E250-E299, E700-E749)
    E250 = "Output directory {path} holds an unfinished run with other settings ({key}: {old} there, {new} now). Use --overwrite to start again, or another output directory."
    E251 = "Output directory {path} has {n} shard files but no manifest.json: it was not written by a resumable run (or the manifest was deleted). Files no run recorded are never deleted: move them away or use an empty directory."
    E252 = "Manifest {path} cannot be read: {err}. Use --overwrite to start the run again."
    E253 = "Shard {path} listed in the manifest cannot be used ({err}). Use --overwrite to start the run again."
    E254 = "The run in {path} is already complete; no more documents can be added."
    E255 = "Cannot load the pipeline {path}: {err}. Give a saved pipeline directory (nlp.to_disk) or a config.cfg with --initialize."
    E256 = "Python code file not found: {path} (--code)."
    E257 = "shard_size must be a positive integer, got {value!r}."
    E258 = "--label-map entry {entry!r} is not RAW=LABEL (e.g. SomeType=Disease; RAW= drops the type)."
    E259 = "Cannot make the tokenizer {value!r}: {err}. Give a registered tokenizer (e.g. spacy_weak.biomedical_tokenizer.v1), a pipeline directory or a config.cfg (with --code for custom functions)."
    E260 = "The demo needs {what} at {path}, which is not there. Run it from a clone of the repository installed with `pip install -e .`, or pass --{option} PATH."
    E261 = "Cannot load the pipeline {path} for `spacy-weak fit`: {err}. Give a saved pipeline directory (nlp.to_disk) or a config file."
    E262 = "--set expects KEY=VALUE (e.g. paths.ctd=lexicons/ctd.tsv), got {value!r}."
    E263 = ("Input {input} and output {output} are the same path or one lies inside the other (symlinks and '..' "
            "resolved): writing the output could destroy the input, so this is refused even with --overwrite. Give "
            "an output elsewhere.")
    E264 = "Output {path} exists and is not a directory. Give a directory (new, or one written by an earlier run of the same command)."
    E265 = ("Output directory {path} is being written by another run ({holder}). Two runs never write one directory: "
            "wait for it to finish, or use another output directory.")
    E266 = ("The manifest {path} was changed by another run ({holder}) while this run (pid {pid} on {host}) was "
            "writing; this run stops without touching it.")
    E267 = "Manifest {path} is not valid: {problem}. Use --overwrite to start the run again (only files it lists are deleted)."
    E268 = ("Shard {path}: the manifest says it holds {expected} documents, the file holds {found}. The output is "
            "damaged; use --overwrite to start the run again.")
    E269 = ("{path} holds {files}, which no run recorded in its manifest wrote. A command never deletes or overwrites "
            "files it did not write: move them away or use another output directory.")
    E270 = "File system error on {path}: {err}."
    E271 = ("No space left on device while writing {path}. The files written so far are consistent: free some space "
            "and run the same command again to resume.")
    E272 = ("Unexpected {type}: {err}. This is a bug in spacy-weak or an input it does not recognise; run again with "
            "SPACY_WEAK_TRACEBACK=1 to see the traceback and report it.")
    E273 = ("Document {doc} has {n} characters, more than the pipeline's max_length ({max_length}). Raise the limit "
            "with --max-length N (memory grows with document length) or split the document.")
    E274 = "{path} is a directory, but {what} must be a file."
    E275 = ("Document {doc} {problem} (limit {limit}); spaCy's tokenizer is quadratic on such input. Split or clean "
            "the document, or raise the limit with --{option}.")
    E276 = ("{path} holds {files} and is not {what}: saving there would overwrite files this command did not "
            "write. Give a new or empty directory, or the output of an earlier run of the same command.")
    E277 = ("Outputs {first} and {second} are the same path or one lies inside the other (symlinks and '..' "
            "resolved): one would silently replace the other, so this is refused even with --overwrite. Give each "
            "output its own path.")
    E278 = ("The --code file {path} failed to import: {type} at {file} line {line}: {err}. Fix the code (it runs "
            "when the command starts, to register your functions and factories).")
    E279 = "{path} is a damaged or truncated gzip file ({err}). Download or compress it again."
    E280 = ("Unknown language code {lang!r} ({param}): spaCy has no such language. Give a code spaCy knows, e.g. en, "
            "de, fr, es, or xx for a multi-language tokenizer.")
    E281 = ("Shard {path} is not the file the manifest recorded at its position (its content hash differs: swapped, "
            "edited or replaced by hand). Restore it, or use --overwrite to start the run again.")
    E282 = "--exclude names {names}, which is not a component of {path} (components: {pipes}). Check the spelling."
    E283 = ("No document of {path} has the span group {key!r} ({param}); the groups found are: {found}. Check the "
            "key name.")
    E284 = ("{what} {value!r} holds {chars}, which `spacy project run` cannot pass through project.yml (it "
            "substitutes vars into its config text). Rename the file or folder (or the field), then run init again.")
    E285 = "The override {key} = {value!r} cannot take effect on the saved component '{name}' (saved value {saved!r}): {why}."
    E286 = ("Which component of {path} should be fitted? Components that can be fitted: {found} (pipes: {pipes}). "
            "Name one with -c / --component.")
    E287 = ("{path}: aggregator(s) {names} are not fitted after initialising the config (a config holds no fitted "
            "model). Annotate without them (--exclude {exclude}), then `spacy-weak fit {path} <annotated> -o <dir>` and "
            "`spacy-weak apply <dir> ...`; or apply a fitted pipeline directory.")
    E288 = "{path} already holds {files}: `spacy-weak init` never overwrites files. Choose a new folder, or move them away."
    E289 = "Invalid entity label {label!r} for `spacy-weak init`: use letters, digits, '_' or '-' (and not 'O', the label of 'not an entity' votes)."
    E700 = ("`spacy-weak init`: the project's step '{step}' failed (exit code {code}) running `{command}`: {tail}. "
            "The files written so far stay in {path}; fix the cause and run `spacy project run all` there.")
    E701 = "{path} exists and was not written by this run; give another path or --overwrite to replace it."

    # --- training from silver: export, cross-fitting, self-training, the end model (E300-E349)
    E300 = "Policy '{policy}': parameter '{param}' must be a number in [0, 1], got {value!r}."
    E301 = "A training-data policy must be a registered function config (e.g. {{\"@misc\": \"spacy_weak.partial_annotation.v1\"}}) or a callable, got {value!r}."
    E302 = "Parameter '{param}' (the number of cross-fitting folds) is {value}, but there are only {n_docs} documents: it must be at least 2 and at most the number of documents."
    E303 = "Parameter '{param}' (training steps) must be a positive integer, got {value!r}."
    E304 = "No silver entity in {what} ({n_docs} documents, span group '{key}'): there is nothing to train an NER on. Check that the label model was applied (spacy-weak apply) and that its spans_key is '{key}'."
    E305 = "The spacy train config '{path}' (parameter '{param}') does not exist or cannot be read: {err}"
    E306 = "Parameter '{param}': unknown value {value!r}; options: {options}."
    E307 = "Cross-fitting output {path} belongs to another input (its manifest was written for {other}); give another --output folder or delete it."
    E308 = "No documents in {path} (parameter '{param}')."
    E309 = "Parameter '{param}' (self-training rounds) must be an integer >= 0, got {value!r}."
    E310 = "{path} exists and was not written by this command (parameter '{param}'). Give another path, or --overwrite to replace it."
    E311 = "The label model {path} (parameter '{param}') is not a saved pipeline directory (the output of `spacy-weak fit`)."
    E312 = "Parameter '{param}' must be an integer >= {minimum}, got {value!r}."
    E313 = "Augmenter '{name}': parameter '{param}' must be a number in [0, 1], got {value!r}."
    E314 = "Augmenter '{name}': the lexicon {path} has no term{detail}; give a compiled gazetteer directory or a term list (TSV term, label[, id]) with at least one term of the labels {labels}."
    E315 = "Augmenter '{name}': cannot read the lexicon {path}: {err}"
    E316 = "Unlabelled pool {path}: {problem}. Give a JSONL file (optionally .gz) with one object per line and the text in the field {field!r}."
    E317 = "Vectors {path} have {found} dimensions, but {param} asks for {expected}. Train the vectors again with --dim {expected} (or change {param})."
    E318 = "Vectors {path} (parameter '{param}') are not a spaCy vectors directory (the output of `spacy init vectors`): {problem}."
    E319 = "Vectors output {path} holds a run with other settings ({key}: {old} there, {new} now). Give another output folder or --overwrite."
    E320 = "No text to train vectors on: the inputs {inputs} hold no document with at least one token."
    E321 = "Parameter '{param}' must be a list of (text, probability) pairs whose probabilities lie in [0, 1]; got {value!r} for document {doc}."
    E322 = ("Refit of '{name}': none of the {n_docs} documents has the span group '{source}' (the model's "
            "out-of-fold predictions), so there is nothing to add (groups found: {found}). Give the documents "
            "`spacy-weak crossfit` wrote (DIR/predictions.spacy), or name their group with --add-source.")
    E323 = "Component '{name}' (weak_token_features): '{param}' must be {expected}, got {value!r}."

    # --- review: audit, export/import, crowd consensus, derivation card, drift (E400-E449)
    E400 = "{where}: cannot read a reviewed record: {err}. Give JSONL with one Prodigy task or Argilla record per line."
    E401 = "{where}: the reviewed text differs from the text of corpus document {doc_id}. Import against the corpus the export was made from."
    E402 = "{where}: span {span!r} needs integer 'start' and 'end' (character offsets) and a 'label'."
    E403 = "Conflicting duplicate reviews of document {doc_id} by annotator {annotator!r}: {first} and {second} give different spans. Keep one of them (or give the annotators distinct _annotator_id)."
    E404 = "Option {param} must be one of {options}, got {value!r}."
    E405 = "Reviewed file not found: {path}."
    E406 = "{path}: no fitted weak_hmm component found ({err}). Give a pipeline directory with a fitted weak_hmm (spacy-weak fit) or its component directory."
    E407 = "No document in {path}: nothing to {what}."
    E408 = "Drift: corpus {which} ({path}) has no span of the label model's sources {sources}; compare corpora annotated by the same pipeline."
    E409 = "{path} exists and was not written by this command run; give --overwrite to replace it, or another path."
    E411 = "Review design: {param} must be a number in [0, 1] (random_share) or an integer >= 0 (budget), got {value!r}."
    E412 = "Reviewed document {doc_id}: its weight (1 / inclusion probability, meta 'inclusion_prob' of the export) must be finite and > 0, got {value!r}. Re-export the document or remove the field to weight it 1."
    E413 = "Reviewed document {doc_id} is not in the corpus ({where}): its review cannot replace its silver. Import the reviews against the corpus the training data is made from."
    E414 = "Reviewed document {doc_id}: its text differs from the corpus document of the same id ({where}). Re-export and re-review it, or import against the corpus the review was made from."
    E415 = "Reviews in the training data: {param} must be an integer >= 1, got {value!r}."
    E416 = "Document {doc_id} of {where} is reviewed twice in the reviewed dev set: give each reviewed document once (review import merges review rounds into one dev set)."
    E417 = "export-training --policy auto chooses the training-data policy on reviewed documents: give --reviewed (the reviewed dev set of `review import --dev`), or name a policy (partial, hard)."

    # --- distributed execution (Dask) (E450-E499)
    E450 = "Cannot reach the Dask scheduler at {address}: {err}. Nothing was written. Start it (`dask scheduler` and `dask worker {address}`), check the address and the firewall, or use --cluster local:N for N local worker processes."
    E451 = "Invalid --cluster {value!r}: give a scheduler address (tcp://host:8786, host:8786) or local:N with N >= 1 worker processes."
    E452 = "Running on a Dask cluster needs the `dask` extra: pip install -e '.[dask]' in the clone (missing: {err})."
    E453 = "{path}: distributed apply reads DocBin input (a .spacy file or a shard directory), not {format}. Convert it first (`spacy-weak convert {format} {path} SHARD_DIR`) onto a file system every worker can read."
    E454 = "Task {task} failed on the Dask cluster after {attempts} attempt(s): {err}"
    E455 = "The Dask scheduler at {address} has no worker after {timeout}s. Start workers (`dask worker {address}`) or raise --cluster-timeout."
    E456 = "Worker {worker} cannot {what} {path}: {err}. Inputs, outputs and the pipeline's files must be on a file system shared by the client and every worker (same path everywhere)."
    E457 = ("Component '{component}' ({kind}) cannot be fitted on a Dask cluster: it has no fit_sharded method (the "
            "ShardFittable contract of spacy_weak/aggregation/contracts.py; weak_hmm and weak_doc_em have one). Fit it without --cluster.")
    E458 = "--cluster-timeout must be a number of seconds > 0, got {value!r}."

    # --- diagnostics and suggest: error breakdown, boundary words, term precision, recipe changes (E600-E699)
    E600 = "Span key {key!r} is neither a source nor an aggregate of the corpus (known keys: {known}). Check the key name (--aggregates / --sources)."
    E601 = ("The corpus has no gold: the error breakdown, boundary words and term precision need gold mentions. "
            "Give --gold (a reference DocBin) or --gold-key (the span key holding gold).")
    E604 = "Unknown sort key {value!r} for term precision; use one of: {options}."
    E605 = "Bad-term thresholds out of range: min_matches={min_matches} (>= 1) and max_hit_rate={max_hit_rate} (0-1)."
    E606 = "--filter-lexicon and --output-lexicon go together: give both (the lexicon to filter and where to write it)."
    E611 = ("suggest: no reviewed document{where}. Give the reviewed dev set `spacy-weak review import` writes (--reviewed), "
            "or --gold-key naming a span group that holds gold in some of the annotated documents.")
    E612 = ("suggest: the {n} reviewed documents hold no entity of the labels {labels}: there is nothing to learn a change "
            "from. Check --gold-key / the labels of the reviewed set.")
    E613 = ("suggest: {n} reviewed document(s) are also in the evaluation set {path} (e.g. {example!r}): a change derived "
            "from them would be scored on them. Review documents of another split, or evaluate on another one.")
    E614 = ("suggest: source(s) {missing} of the recipe's label model '{hmm}' are in none of the {n} annotated documents "
            "(keys found: {found}). Annotate with this recipe first (`spacy-weak apply`), or give the recipe that made them.")
    E615 = "suggest: the output config {output} is the input recipe {input}; --apply never writes over the recipe. Give another --output."
    E616 = "suggest: the recipe {path} has no weak_hmm component to refit (components: {pipes})."
    E617 = ("suggest: the change to gazetteer '{name}' needs its lexicon file, but {where} is unset. Pass it as "
            "--lexicon {var}=PATH (as for bench/quality.py) or set [paths] in the recipe.")
    E618 = "suggest: {n} reviewed document(s) match no annotated document by text (e.g. {example!r}); annotate the documents you reviewed."


def warn(message: str, *, stacklevel: int = 2) -> None:
    """Emit a coded warning (a UserWarning, filterable with spaCy's tools)."""
    warnings.warn(message, UserWarning, stacklevel=stacklevel + 1)


def with_code_hint(err: BaseException) -> str:
    """``err`` as text; when spaCy cannot find a factory (its E002), say that ``--code FILE`` registers it."""
    text = f"{type(err).__name__}: {err}"
    if "[E002]" in text:
        text += (". If the component is defined in your own Python file (e.g. rules.py written by `spacy-weak "
                 "init`), pass that file with --code")
    return text
