"""Issue 12 probes: generic boundary and recall mechanisms tried on BC5CDR dev, none kept.

Reads the DocBins that ``bench/quality.py`` saves (``--save-annotated`` for the fit
split, ``--save-aggregated`` for the scored split, the latter holding gold, every
source's spans and the HMM's ``doc.ents``) and scores, strict entity micro P/R/F1:

* ``hmm``: the HMM's spans as saved (the baseline);
* ``word_channel``: the HMM refitted with one more observation per token, its
  lower-cased word, whose emission ``P(word | state)`` EM learns (per-word
  pseudo-counts ``beta`` toward the state prior, words seen fewer than ``min_freq``
  times share one symbol, log-ratio weighted by ``lam``): tokens that no source
  votes for get evidence from the same word's votes elsewhere;
* ``lexicon_modifiers``: each HMM span widened over the word before it when that
  word starts at least ``k`` multi-word terms of the span's label in the lexicons
  (and at least ``ratio`` of the terms it occurs in): modifiers learned from the
  vocabulary rather than listed;
* ``phrase_ties``: each HMM span widened over a neighbouring word when the bigram
  is frequent (``k``) and cohesive (PMI ``t``) in the unlabelled fit+scored text,
  AutoNER's "tie" idea without a phrase miner;
* ``reviewed_rules`` (with ``--reviewed``): boundary rules learned from reviewed
  documents (gold standing in for a reviewer's answers): trim or widen a span by one
  word, per label and side, when the reviewed documents did so at least ``min_count``
  times and in at least ``share`` of that word's occurrences at that boundary;
* ``model_source`` / ``model_gap_union`` (with ``--oof``, the ``predictions.spacy`` of
  ``spacy-weak crossfit`` over the fit docs followed by the scored docs): the HMM refitted
  with the out-of-fold NER's spans of beam probability >= ``t`` as one more source
  (abstaining outside its spans); and the HMM's spans plus the model's spans of
  probability >= ``t`` on tokens that no source votes for (recall where the sources are
  silent);
* ``ner_judge`` (with ``--judge``, a spaCy NER pipeline trained on reviewed/gold documents):
  each HMM span takes the boundaries of the one overlapping NER span of its label, when
  there is exactly one (``nested``: only when one contains the other);
* ``abstain_outside``: the HMM refitted with every source abstaining outside its spans
  (tokens outside a source's spans missing, not ``O`` votes);
* ``candidate_em``: a span-level second stage: in every HMM span, the candidate
  spans are the HMM's and the overlapping source spans of the same label; a
  Dawid-Skene-style EM learns each source's probability of proposing the true
  candidate exactly and a prior for the HMM's candidate, and the MAP candidate wins.

    python bench/quality.py --corpus ../shared/data/bc5cdr --split train --fit-splits train \\
        --lexicon drugbank=L/drugbank.tsv --lexicon ctd=L/ctd.tsv --lexicon doid=L/doid.tsv \\
        --save-annotated out/train_ann.spacy
    python bench/quality.py --corpus ../shared/data/bc5cdr --split dev --fit-splits train \\
        --lexicon ... --save-aggregated out/dev_agg.spacy
    python bench/boundary_probes.py --fit out/train_ann.spacy --scored out/dev_agg.spacy \\
        --lexicon L/drugbank.tsv --lexicon L/ctd.tsv --lexicon L/doid.tsv --json out/probes.json \\
        --reviewed out/train_agg.spacy   # quality.py --split train --save-aggregated
"""
import argparse
import collections
import itertools
import math
import re
import sys
from pathlib import Path

import numpy as np
import spacy
import srsly
from spacy.tokens import DocBin

sys.path.insert(0, str(Path(__file__).parent))
import spacy_weak  # noqa: F401  (registers the factories)
from spacy_weak.aggregation.hmm import WeakHMM
from spacy_weak.aggregation.observations import encode_docs
from spacy_weak.aggregation.span_base import merge_adjacent_states
from spacy_weak.aggregation.voting import states_to_span_arrays

NOT_SOURCES = {"gold", "silver", "mv"}


def prf(docs, predicted):
    tp = fp = fn = 0
    for doc, pred in zip(docs, predicted):
        gold = {(s.start, s.end, s.label_) for s in doc.spans["gold"]}
        pred = set(pred)
        tp, fp, fn = tp + len(gold & pred), fp + len(pred - gold), fn + len(gold - pred)
    p = tp / max(tp + fp, 1)
    r = tp / max(tp + fn, 1)
    return {"p": round(p, 4), "r": round(r, 4), "f": round(2 * p * r / max(p + r, 1e-9), 4)}


def hmm_spans(doc):
    return [(e.start, e.end, e.label_) for e in doc.ents]


# ----------------------------------------------------------------- word channel
def word_channel(fit_docs, docs, sources, labels, lam, beta, min_freq, merge=True):
    freq = collections.Counter(t.lower_ for d in list(fit_docs) + list(docs) for t in d)
    vocab = {w: i + 1 for i, w in enumerate(sorted(w for w, c in freq.items() if c >= min_freq))}

    def word_ids(ds):
        return np.array([vocab.get(t.lower_, 0) for d in ds for t in d], dtype=np.int64)

    class WordHMM(WeakHMM):
        """The last column of X is the word symbol (hmmlearn hooks only)."""

        word_logratio_ = None

        def _check_and_set_n_features(self, X):
            self.n_features = X.shape[1]

        def _init(self, X, lengths=None):
            super()._init(X[:, :-1], lengths)
            self.n_features = X.shape[1]

        def _compute_log_likelihood(self, X):
            ll = super()._compute_log_likelihood(X[:, :-1])
            if self.word_logratio_ is not None:
                ll = ll + lam * self.word_logratio_[X[:, -1]]
            return ll

        def _initialize_sufficient_statistics(self):
            stats = super()._initialize_sufficient_statistics()
            stats["words"] = np.zeros((len(vocab) + 1, self.n_components))
            return stats

        def _accumulate_sufficient_statistics(self, stats, X, lattice, post, fwd, bwd):
            super()._accumulate_sufficient_statistics(stats, X[:, :-1], lattice, post, fwd, bwd)
            np.add.at(stats["words"], X[:, -1], post)

        def _do_mstep(self, stats):
            super()._do_mstep(stats)
            counts = stats["words"]
            prior = counts.sum(0) / counts.sum()
            smoothed = counts + beta * prior[None, :]
            p_w_k = smoothed / smoothed.sum(0, keepdims=True)
            p_w = smoothed.sum(1) / smoothed.sum()
            ratio = np.log(p_w_k) - np.log(p_w)[:, None]
            ratio[0] = 0.0
            self.word_logratio_ = ratio

    nlp = spacy.blank("en")
    component = nlp.add_pipe("weak_hmm", config={"sources": sources, "labels": labels})
    Xf, lf, _ = encode_docs(fit_docs, sources, labels)
    Xs, ls, _ = encode_docs(docs, sources, labels)
    model = WordHMM(**component.make_hmm(sources, labels, int(Xf.shape[0])).get_params())
    model.fit(np.hstack([Xf.astype(np.int64), word_ids(fit_docs)[:, None]]), lf[lf > 0])
    Xw = np.hstack([Xs.astype(np.int64), word_ids(docs)[:, None]])
    _, states = model.decode(Xw, ls[ls > 0], algorithm="viterbi")
    if merge:
        states = merge_adjacent_states(states, ls, len(labels))
    out = [[] for _ in docs]
    for di, a, b, lab in states_to_span_arrays(states, ls):
        out[int(di)].append((int(a), int(b), labels[int(lab)]))
    return out


# ----------------------------------------------------- lexicon-derived modifiers
def lexicon_first_words(paths):
    first = collections.defaultdict(collections.Counter)
    anywhere = collections.defaultdict(collections.Counter)
    word = re.compile(r"[A-Za-z0-9]+")
    for path in paths:
        with open(path, encoding="utf8") as fh:
            for line in fh:
                parts = line.rstrip("\n").split("\t")
                if len(parts) < 2:
                    continue
                words = [w.lower() for w in word.findall(parts[0])]
                if len(words) >= 2:
                    first[parts[1]][words[0]] += 1
                for w in set(words):
                    anywhere[parts[1]][w] += 1
    return first, anywhere


def widen(doc, attach_left, attach_right):
    taken = {i for e in doc.ents for i in range(e.start, e.end)}
    out = []
    for e in doc.ents:
        a, b = e.start, e.end
        while a > 0 and (a - 1) not in taken and attach_left(doc, a, e.label_):
            a -= 1
        while b < len(doc) and b not in taken and attach_right(doc, b, e.label_):
            b += 1
        out.append((a, b, e.label_))
    return out


# ------------------------------------------------------- rules from reviewed docs
def learn_review_rules(docs, min_count, share):
    seen, done = collections.Counter(), collections.Counter()
    for doc in docs:
        gold = {(s.start, s.end, s.label_) for s in doc.spans["gold"]}
        gold_at = {i: (s.start, s.end, s.label_) for s in doc.spans["gold"] for i in range(s.start, s.end)}
        for e in doc.ents:
            a, b, label = e.start, e.end, e.label_
            if b - a > 1:
                key = ("trim_left", doc[a].lower_, label)
                seen[key] += 1
                done[key] += (a + 1, b, label) in gold or (a not in gold_at and (a + 1) in gold_at)
                key = ("trim_right", doc[b - 1].lower_, label)
                seen[key] += 1
                done[key] += (a, b - 1, label) in gold or ((b - 1) not in gold_at and (b - 2) in gold_at)
            if a > 0:
                key, g = ("widen_left", doc[a - 1].lower_, label), gold_at.get(a)
                seen[key] += 1
                done[key] += bool(g and g[0] < a and g[2] == label)
            if b < len(doc):
                key, g = ("widen_right", doc[b].lower_, label), gold_at.get(b - 1)
                seen[key] += 1
                done[key] += bool(g and g[1] > b and g[2] == label)
    return {k for k, n in seen.items() if done[k] >= min_count and done[k] / n >= share}


def apply_review_rules(doc, rules):
    taken = {i for e in doc.ents for i in range(e.start, e.end)}
    out = []
    for e in doc.ents:
        a, b, label = e.start, e.end, e.label_
        if b - a > 1 and ("trim_left", doc[a].lower_, label) in rules:
            a += 1
        if b - a > 1 and ("trim_right", doc[b - 1].lower_, label) in rules:
            b -= 1
        if a == e.start and a > 0 and (a - 1) not in taken and ("widen_left", doc[a - 1].lower_, label) in rules:
            a -= 1
        if b == e.end and b < len(doc) and b not in taken and ("widen_right", doc[b].lower_, label) in rules:
            b += 1
        out.append((a, b, label))
    return out


# ------------------------------------------------------------ the model as a source
def voted_tokens(doc, sources):
    return {i for k in sources if k in doc.spans for s in doc.spans[k] if s.label_ != "O" for i in range(s.start, s.end)}


def model_probes(oof_docs, n_fit, scored, sources, labels, thresholds):
    from spacy_weak.spans import ATTR_ABSTAIN_OUTSIDE, span_probs

    rows = []
    probs = [span_probs(d.spans["model_oof"]) for d in oof_docs]
    for t in thresholds:
        for doc, p in zip(oof_docs, probs):
            doc.spans["model_t"] = [s for s, q in zip(doc.spans["model_oof"], p) if q >= t]
            doc.spans["model_t"].attrs[ATTR_ABSTAIN_OUTSIDE] = True
            doc.ents = []
        nlp = spacy.blank("en")
        hmm = nlp.add_pipe("weak_hmm", config={"sources": [*sources, "model_t"], "labels": labels, "merge_adjacent": True})
        hmm.fit(oof_docs)
        out = [hmm(d) for d in oof_docs[n_fit:]]
        rows.append(("model_source", {"t": t}, prf(out, [hmm_spans(d) for d in out])))
        union = []
        for doc, p, ref in zip(oof_docs[n_fit:], probs[n_fit:], scored):
            spans = hmm_spans(ref)
            taken = voted_tokens(doc, sources) | {i for a, b, _ in spans for i in range(a, b)}
            gaps = [(s.start, s.end, s.label_) for s, q in zip(doc.spans["model_oof"], p)
                    if q >= t and not taken.intersection(range(s.start, s.end))]
            union.append(spans + gaps)
        rows.append(("model_gap_union", {"t": t}, prf(scored, union)))
    return rows


def judge_probes(model_path, docs):
    from spacy.tokens import Doc

    ner = spacy.load(model_path)
    predicted = []
    for doc in docs:  # the NER reads the same tokens as the sources
        x = Doc(ner.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc])
        for _name, proc in ner.pipeline:
            x = proc(x)
        predicted.append([(e.start, e.end, e.label_) for e in x.ents])
    rows = [("ner_judge_alone", {}, prf(docs, predicted))]
    for mode in ("any", "nested"):
        out = []
        for doc, ner_spans in zip(docs, predicted):
            spans = []
            for a, b, label in hmm_spans(doc):
                over = [(x, y) for x, y, m in ner_spans if m == label and x < b and a < y]
                if len(over) == 1 and over[0] != (a, b):
                    x, y = over[0]
                    if mode == "any" or (x <= a and b <= y) or (a <= x and y <= b):
                        a, b = x, y
                spans.append((a, b, label))
            out.append(sorted(set(spans)))
        rows.append(("ner_judge", {"mode": mode}, prf(docs, out)))
    return rows


def abstaining_hmm(fit_docs, docs, sources, labels):
    from spacy_weak.spans import ATTR_ABSTAIN_OUTSIDE

    saved = [list(d.ents) for d in docs]
    for doc in list(fit_docs) + list(docs):
        for key in sources:
            if key in doc.spans:
                doc.spans[key].attrs[ATTR_ABSTAIN_OUTSIDE] = True
    nlp = spacy.blank("en")
    hmm = nlp.add_pipe("weak_hmm", config={"sources": sources, "labels": labels, "merge_adjacent": True})
    hmm.fit(fit_docs)
    out = [hmm(d) for d in docs]
    scores = prf(out, [hmm_spans(d) for d in out])
    for doc, ents in zip(docs, saved):
        doc.ents = ents
        for key in sources:
            if key in doc.spans:
                doc.spans[key].attrs.pop(ATTR_ABSTAIN_OUTSIDE, None)
    return scores


# --------------------------------------------------------------- candidate EM
def candidate_em(docs, n_iter=30):
    sources = [k for k in docs[0].spans if k not in NOT_SOURCES]
    clusters = []
    for di, doc in enumerate(docs):
        for e in doc.ents:
            cands, props = [(e.start, e.end)], collections.defaultdict(set)
            for j, key in enumerate(sources):
                for s in doc.spans[key]:
                    if s.label_ == e.label_ and s.start < e.end and e.start < s.end:
                        if (s.start, s.end) not in cands:
                            cands.append((s.start, s.end))
                        props[j].add(cands.index((s.start, s.end)))
            clusters.append((di, e.label_, cands, dict(props)))
    acc, p_hmm = np.full(len(sources), 0.7), 0.5
    posts = []
    for _ in range(n_iter):
        num, den, hmm_mass, n_multi, posts = np.zeros(len(sources)), np.zeros(len(sources)), 0.0, 0, []
        for _, _, cands, props in clusters:
            m = len(cands)
            lp = np.log(np.where(np.arange(m) == 0, p_hmm, (1 - p_hmm) / max(m - 1, 1)))
            hits = {j: np.array([i in ps for i in range(m)]) for j, ps in props.items()}
            for j, hit in hits.items():
                lp += np.where(hit, np.log(acc[j]), np.log(1 - acc[j]))
            post = np.exp(lp - lp.max())
            post /= post.sum()
            posts.append(post)
            if m > 1:
                hmm_mass, n_multi = hmm_mass + post[0], n_multi + 1
            for j, hit in hits.items():
                num[j] += post[hit].sum()
                den[j] += 1
        acc = np.clip((num + 1) / (den + 2), 0.01, 0.99)
        p_hmm = float(np.clip((hmm_mass + 1) / (n_multi + 2), 0.01, 0.99))
    out = [[] for _ in docs]
    for (di, label, cands, _), post in zip(clusters, posts):
        a, b = cands[int(np.argmax(post))]
        out[di].append((a, b, label))
    return out, p_hmm


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fit", required=True, help="annotated DocBin the HMM variants are fitted on")
    ap.add_argument("--scored", required=True, help="aggregated DocBin (gold, sources, HMM ents) to score")
    ap.add_argument("--lexicon", action="append", default=[], help="lexicon TSV (term, label, id)")
    ap.add_argument("--reviewed", help="aggregated DocBin with gold whose first docs act as reviewed documents")
    ap.add_argument("--reviewed-docs", default="50,100,500", help="how many reviewed documents (comma-separated)")
    ap.add_argument("--oof", help="crossfit predictions.spacy over the --fit docs then the --scored docs")
    ap.add_argument("--judge", help="spaCy NER pipeline (trained on reviewed or gold docs) as a boundary judge")
    ap.add_argument("--labels", default="Chemical,Disease")
    ap.add_argument("--json")
    args = ap.parse_args()
    nlp = spacy.blank("en")
    fit_docs = list(DocBin().from_disk(args.fit).get_docs(nlp.vocab))
    docs = list(DocBin().from_disk(args.scored).get_docs(nlp.vocab))
    labels = args.labels.split(",")
    sources = [k for k in docs[0].spans if k not in NOT_SOURCES]
    rows = [("hmm", {}, prf(docs, [hmm_spans(d) for d in docs]))]
    for lam, beta, min_freq in ((0.3, 10, 3), (0.6, 10, 3), (1.0, 10, 3), (1.0, 100, 3), (2.0, 10, 3)):
        spans = word_channel(fit_docs, docs, sources, labels, lam, beta, min_freq)
        rows.append(("word_channel", {"lam": lam, "beta": beta, "min_freq": min_freq}, prf(docs, spans)))
    if args.lexicon:
        first, anywhere = lexicon_first_words(args.lexicon)
        for k, ratio in ((5, 0.5), (20, 0.5), (50, 0.5), (50, 0.0)):
            def left(doc, a, label, k=k, ratio=ratio):
                w = doc[a - 1].lower_
                return doc[a - 1].is_alpha and first[label][w] >= k and first[label][w] >= ratio * anywhere[label][w]
            spans = [widen(d, left, lambda *_: False) for d in docs]
            rows.append(("lexicon_modifiers", {"k": k, "ratio": ratio}, prf(docs, spans)))
    uni, bi, n = collections.Counter(), collections.Counter(), 0
    for d in fit_docs + docs:
        words = [t.lower_ for t in d]
        uni.update(words)
        bi.update(itertools.pairwise(words))
        n += len(words)

    def tied(a, b, k, t):
        c = bi[(a, b)]
        return c >= k and math.log(c * n / (uni[a] * uni[b])) >= t

    for side in ("left", "right"):
        for k, t in ((5, 7), (10, 5), (10, 7)):
            def left(doc, a, _label, k=k, t=t, side=side):
                return side == "left" and doc[a - 1].is_alpha and len(doc[a - 1]) > 2 and tied(doc[a - 1].lower_, doc[a].lower_, k, t)

            def right(doc, b, _label, k=k, t=t, side=side):
                return side == "right" and doc[b].is_alpha and len(doc[b]) > 2 and tied(doc[b - 1].lower_, doc[b].lower_, k, t)
            spans = [widen(d, left, right) for d in docs]
            rows.append(("phrase_ties", {"side": side, "k": k, "pmi": t}, prf(docs, spans)))
    if args.reviewed:
        reviewed = list(DocBin().from_disk(args.reviewed).get_docs(nlp.vocab))
        for n_docs in (int(x) for x in args.reviewed_docs.split(",")):
            for min_count, share in ((2, 0.6), (3, 0.5)):
                rules = learn_review_rules(reviewed[:n_docs], min_count, share)
                spans = [apply_review_rules(d, rules) for d in docs]
                settings = {"docs": n_docs, "min_count": min_count, "share": share, "rules": len(rules)}
                rows.append(("reviewed_rules", settings, prf(docs, spans)))
    if args.oof:
        oof_docs = list(DocBin().from_disk(args.oof).get_docs(nlp.vocab))
        n_fit = len(oof_docs) - len(docs)
        if n_fit < 0 or [d.text for d in oof_docs[n_fit:]] != [d.text for d in docs]:
            sys.exit("--oof must hold the fit docs followed by the --scored docs, in order")
        rows += model_probes(oof_docs, n_fit, docs, sources, labels, (0.0, 0.9, 0.99))
    if args.judge:
        rows += judge_probes(args.judge, docs)
    rows.append(("abstain_outside", {}, abstaining_hmm(fit_docs, docs, sources, labels)))
    spans, p_hmm = candidate_em(docs)
    rows.append(("candidate_em", {"learned_p_hmm": round(p_hmm, 3)}, prf(docs, spans)))
    print(f"{'probe':<18} {'settings':<44} {'P':>6} {'R':>6} {'F1':>6}")
    for name, settings, s in rows:
        text = ", ".join(f"{k}={v}" for k, v in settings.items())
        print(f"{name:<18} {text:<44} {100 * s['p']:6.2f} {100 * s['r']:6.2f} {100 * s['f']:6.2f}")
    if args.json:
        srsly.write_json(args.json, [{"probe": n, "settings": st, **s} for n, st, s in rows])


if __name__ == "__main__":
    main()
