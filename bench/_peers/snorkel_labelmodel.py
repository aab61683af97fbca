"""Snorkel's LabelModel on a label matrix written by bench/textcat.py (runs in the peers venv).

    bench/.peers-venv/bin/python bench/_peers/snorkel_labelmodel.py MATRICES.npz OUT.json [--seed 123]
        [--class-balance 0.6,0.4]

MATRICES.npz holds ``L_train`` and ``L_test`` (int, docs x sources, -1 = abstain, 0..k-1 = class)
and ``cardinality``. The LabelModel is fitted on ``L_train`` exactly as in the Snorkel spam
tutorial (``n_epochs=500, log_freq=100, seed=123``) and predicts ``L_test``. ``--class-balance``
passes ``class_balance`` (P(class), in class order) to ``fit``; without it Snorkel assumes uniform.
OUT.json: ``{"probs_test": [[p per class] per doc], "probs_train": ..., "weights": [...],
"seconds": fit time, "snorkel": version}``. Nothing of spacy-weak is imported here.
"""
import json
import sys
import time

import numpy as np


def main(argv):
    if len(argv) < 2 or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    seed = 123
    if "--seed" in argv:
        seed = int(argv[argv.index("--seed") + 1])
    balance = None
    if "--class-balance" in argv:
        balance = np.array([float(x) for x in argv[argv.index("--class-balance") + 1].split(",")])
    import snorkel
    from snorkel.labeling.model import LabelModel

    data = np.load(argv[0])
    L_train = data["L_train"].astype(int)
    L_test = data["L_test"].astype(int)
    cardinality = int(data["cardinality"])
    start = time.perf_counter()
    model = LabelModel(cardinality=cardinality, verbose=False)
    model.fit(L_train=L_train, n_epochs=500, log_freq=100, seed=seed, class_balance=balance)
    seconds = time.perf_counter() - start
    out = {
        "probs_test": model.predict_proba(L_test).tolist(),
        "probs_train": model.predict_proba(L_train).tolist(),
        "weights": model.get_weights().tolist(),
        "seconds": seconds,
        "snorkel": snorkel.__version__,
        "seed": seed,
        "class_balance": None if balance is None else balance.tolist(),
    }
    with open(argv[1], "w", encoding="utf8") as fh:
        json.dump(out, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
