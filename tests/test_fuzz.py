"""Fuzz tests (issue 8), with hypothesis:

* ``weak_gazetteer`` and ``weak_regex`` on random Unicode text (combining marks,
  ligatures, full-width forms, every kind of space and dash, emoji, controls):
  every span is in bounds and token-aligned, and is a real match (a lexicon
  term / a regex match at those characters);
* the HMM on random observation matrices (any code anywhere, missing sources,
  empty documents): finite parameters, no NaN posteriors, and a valid BIO decoding
  that becomes in-bounds, non-overlapping spans.

Example counts are modest so the module stays well under a minute.
"""
import re

import numpy as np
import spacy
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from spacy_weak.aggregation.observations import FIRST_LABEL_CODE, n_states, n_symbols
from spacy_weak.aggregation.voting import states_to_span_arrays

# ------------------------------------------------------------------ strategies

# characters that stress normalisation and tokenisation
TRICKY = (
    "aeiouAEIOU"
    "\u00e9\u0301\u0308\u00df\u0130\u0131\ufb01\ufb02\u2126\u212b"  # é, combining acute/diaeresis, ß, İ, ı, ﬁ, ﬂ, Ω, Å
    "\uff21\uff41\uff10\u2460"  # full-width A a 0, circled 1
    " \t\n\u00a0\u2003\u3000\u200b\u200d\ufeff"  # spaces, zero-width, BOM
    "-\u2010\u2013\u2014\u2212\u00ad"  # dashes, soft hyphen
    ".,;:()[]'\"/"
    "\u05d0\u0627\u4e2d\u3042\uac00\u1100\u1161"  # Hebrew, Arabic, CJK, kana, Hangul, jamo
    "\U0001f600\U0001f44d\U0001f3fd"  # emoji + skin tone modifier
)
chars = st.one_of(
    st.sampled_from(TRICKY),
    st.characters(blacklist_categories=("Cs",)),  # anything but lone surrogates
)
words = st.text(chars, min_size=1, max_size=6)
texts = st.lists(st.tuples(words, st.sampled_from(["", " ", "  ", "-", "\n", "\u00a0", ", "])), max_size=12).map(
    lambda parts: "".join(w + s for w, s in parts)
)

FUZZ = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def assert_aligned(doc, span):
    assert 0 <= span.start < span.end <= len(doc)
    assert span.start_char == doc[span.start].idx
    last = doc[span.end - 1]
    assert span.end_char == last.idx + len(last.text)
    assert doc.text[span.start_char : span.end_char] == span.text


# ------------------------------------------------------------------ gazetteer

_GAZ_NLP = spacy.blank("en")
_GAZ = _GAZ_NLP.add_pipe("weak_gazetteer", name="gaz")
_GAZ_NLP.max_length = 10**7


@settings(max_examples=150, **FUZZ)
@given(text=texts, extra_terms=st.lists(words, max_size=4), data=st.data())
def test_gazetteer_random_unicode(text, extra_terms, data):
    doc0 = _GAZ_NLP.make_doc(text)
    # terms: random token windows of the text itself (so matches happen), in random case, plus random strings
    terms = list(extra_terms)
    for _ in range(data.draw(st.integers(0, 4))):
        if not len(doc0):
            break
        i = data.draw(st.integers(0, len(doc0) - 1))
        j = data.draw(st.integers(i + 1, min(len(doc0), i + 3)))
        term = doc0[i:j].text
        terms.append(term.upper() if data.draw(st.booleans()) else term)
    labels = ["Chemical", "Disease"]
    records = [(t, labels[k % 2], f"ID{k}") for k, t in enumerate(terms)]
    _GAZ.set_lexicon(records, warn_empty=False)
    doc = _GAZ_NLP(text)
    lex = _GAZ.lexicon
    event(f"gazetteer spans: {min(len(doc.spans['gaz']), 3)}")
    for span in doc.spans["gaz"]:
        assert_aligned(doc, span)
        assert span.label_ in labels
        # a real match: the span's text is a lexicon term (normalised as the component does)
        assert (span.label_, span.kb_id_) in lex.lookup(span.text), (span.text, terms)


# ------------------------------------------------------------------ regex

_RX_NLP = spacy.blank("en")

PATTERNS = [r"\w+", r"\d+", r"\S+", r"\w+ \w+", r"[^\W\d_]+", r"\W", r"(?:\w|-)+ine\b", r".", r"\s+\S", r"\b\w{2,3}\b"]


@settings(max_examples=150, **FUZZ)
@given(
    text=texts,
    pattern=st.one_of(st.sampled_from(PATTERNS), words.map(re.escape)),
    mode=st.sampled_from(["strict", "contract", "expand"]),
    ignorecase=st.booleans(),
)
def test_regex_random_unicode(text, pattern, mode, ignorecase):
    flags = ["IGNORECASE"] if ignorecase else []
    nlp = _RX_NLP
    if "rx" in nlp.pipe_names:
        nlp.remove_pipe("rx")
    nlp.add_pipe(
        "weak_regex",
        name="rx",
        config={"patterns": [{"label": "X", "pattern": pattern}], "alignment_mode": mode, "flags": flags},
    )
    doc = nlp(text)
    regex = re.compile(pattern, re.IGNORECASE if ignorecase else 0)
    matches = [(m.start(), m.end()) for m in regex.finditer(doc.text) if m.end() > m.start()]
    keys = set()
    event(f"regex spans: {min(len(doc.spans['rx']), 3)}")
    for span in doc.spans["rx"]:
        assert_aligned(doc, span)
        assert span.label_ == "X"
        key = (span.start, span.end)
        assert key not in keys  # de-duplicated
        keys.add(key)
        s, e = span.start_char, span.end_char
        if mode == "strict":
            assert (s, e) in matches
        elif mode == "contract":
            assert any(ms <= s and e <= me for ms, me in matches)
        else:  # every character of a match that belongs to a token is covered
            in_tokens = {i for t in doc for i in range(t.idx, t.idx + len(t.text))}
            assert any(
                all(s <= i < e for i in range(ms, me) if i in in_tokens) and any(s <= i < e for i in range(ms, me))
                for ms, me in matches
            )


# ------------------------------------------------------------------ HMM


@st.composite
def observations(draw):
    n_labels = draw(st.integers(1, 3))
    n_sources = draw(st.integers(1, 4))
    lengths = draw(st.lists(st.integers(0, 12), min_size=1, max_size=6))
    n_tok = sum(lengths)
    hi = n_symbols(n_labels) - 1
    # each source: always missing, mostly silent, or anything goes (I- without B-, ...)
    kinds = draw(st.lists(st.sampled_from(["missing", "sparse", "random"]), min_size=n_sources, max_size=n_sources))
    cols = []
    for kind in kinds:
        if kind == "missing":
            col = [-1] * n_tok
        elif kind == "sparse":
            col = draw(st.lists(st.sampled_from([0, 0, 0, 0, 1, FIRST_LABEL_CODE, hi]), min_size=n_tok, max_size=n_tok))
        else:
            col = draw(st.lists(st.integers(-1, hi), min_size=n_tok, max_size=n_tok))
        cols.append(col)
    X = np.array(cols, dtype=np.int64).T.reshape(n_tok, n_sources)
    return X, np.array(lengths, dtype=np.int64), n_labels


def valid_bio(states: np.ndarray, lengths: np.ndarray) -> None:
    pos = 0
    for n in lengths.tolist():
        prev = 0
        for s in states[pos : pos + n].tolist():
            if s > 0 and s % 2 == 0:  # I-X: must continue B-X / I-X
                assert prev in (s - 1, s), (prev, s)
            prev = s
        pos += n


@settings(max_examples=40, **FUZZ)
@given(obs=observations(), learn_transitions=st.booleans(), prior_strength=st.sampled_from([0.0, 1.0, 5.0]))
def test_hmm_random_observations(obs, learn_transitions, prior_strength):
    import warnings

    from spacy_weak.aggregation.hmm_component import HMMAggregator

    X, lengths, n_labels = obs
    agg = HMMAggregator(_RX_NLP.vocab, n_iter=3, learn_transitions=learn_transitions, prior_strength=prior_strength)
    sources = [f"s{i}" for i in range(X.shape[1])]
    labels = [f"L{i}" for i in range(n_labels)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # W101 (no tokens) is expected for all-empty corpora
        agg.fit_observations(X.astype(np.int8), lengths, sources, labels)
    model = agg._model()
    K = n_states(n_labels)
    for table in (model.startprob_, model.transmat_, model.emissionprob_):
        assert np.all(np.isfinite(table))
    assert np.allclose(model.startprob_.sum(), 1.0)
    assert np.allclose(model.transmat_.sum(axis=1), 1.0)
    assert all(np.isfinite(h) for h in agg.history)
    nz = lengths[lengths > 0]
    if not X.shape[0]:
        return
    _, post = model.score_samples(X, nz)
    assert post.shape == (X.shape[0], K)
    assert not np.isnan(post).any()
    assert np.allclose(post.sum(axis=1), 1.0)
    _, states = model.decode(X, nz, algorithm="viterbi")
    assert states.min() >= 0 and states.max() < K
    valid_bio(states, nz)
    spans = states_to_span_arrays(states, nz)
    for d in range(len(nz)):
        mine = sorted((s, e) for dd, s, e, _ in spans.tolist() if dd == d)
        for (s, e), nxt in zip(mine, mine[1:] + [(nz[d], nz[d])]):
            assert 0 <= s < e <= nz[d] and e <= nxt[0]
    if len(spans):
        assert spans[:, 3].min() >= 0 and spans[:, 3].max() < n_labels
