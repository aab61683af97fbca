"""skweak 0.3.3's HMM on the source span groups of a DocBin (runs in the peers venv).

    bench/.peers-venv/bin/python bench/_peers/skweak_hmm.py SOURCES.spacy --labels A,B
        [--n-iter 5] [--repeats 3]

SOURCES.spacy holds only source span groups (one per labelling source, as spacy-weak
writes them; skweak reads the same ``doc.spans[source]`` layout). ``HMM.fit`` runs with
``n_iter`` and a tolerance that never stops early, so both systems run the same number of
EM iterations; skweak's own prints go to stderr. Apply = ``list(hmm.pipe(docs))``.
Prints one JSON line. Times are CPU seconds of this process (``time.process_time``), as in bench/speed.py.
Nothing of spacy-weak is imported here.
"""
import contextlib
import json
import statistics
import sys
import time


def main(argv):
    if len(argv) < 1 or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv and argv[0] in ("-h", "--help") else 2

    def opt(name, default):
        return argv[argv.index(name) + 1] if name in argv else default

    labels = opt("--labels", "").split(",")
    n_iter = int(opt("--n-iter", "5"))
    repeats = int(opt("--repeats", "3"))
    import resource

    import spacy
    from skweak.aggregation import HMM
    from spacy.tokens import DocBin

    nlp = spacy.blank("en")
    docs = list(DocBin().from_disk(argv[0]).get_docs(nlp.vocab))
    n_tokens = sum(len(d) for d in docs)
    sources = sorted({k for d in docs for k in d.spans})
    fit_times, iterations = [], None
    hmm = None
    for _ in range(repeats):
        hmm = HMM("skweak_hmm", labels)
        printed = []

        class Tee:
            def write(self, s):
                printed.append(s)
                sys.stderr.write(s)

            def flush(self):
                pass

        t0 = time.process_time()
        with contextlib.redirect_stdout(Tee()):
            hmm.fit(docs, n_iter=n_iter, tol=float("-inf"))
        fit_times.append(time.process_time() - t0)
        iterations = "".join(printed).count("Starting iteration")
    apply_times = []
    n_spans = 0
    for _ in range(repeats):
        t0 = time.process_time()
        n_spans = 0
        for doc in hmm.pipe(docs):
            n_spans += len(doc.spans["skweak_hmm"])
        apply_times.append(time.process_time() - t0)
    med = statistics.median
    print(json.dumps({
        "docs": len(docs), "tokens": n_tokens, "sources": sources, "fit_s": med(fit_times),
        "fit_s_all": fit_times, "iterations": iterations, "apply_s": med(apply_times),
        "apply_s_all": apply_times, "apply_tokens_per_s": n_tokens / med(apply_times), "silver_spans": n_spans,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
