"""``bench/textcat.py --min-confidence``: textcats trained on the silver docs the label model is sure of.

For each threshold t, the silver train docs with at least one source vote whose
``weak_doc_em`` confidence (max of ``doc.cats``) is >= t are kept (one-hot cats),
10 % of them (seeded) as the silver dev set, a textcat is trained with the same
config and scored on the test docs. Reported next to ``textcat`` (t = 0).
"""
import random
import time
from typing import Dict, List

import spacy

from spacy_weak.training.export import cat_confidence, confident_docs


def confidence_sweep(silver, L_train, test_docs, gold_test, positive, args, out_dir, score, cats_matrix, hard_cats,
                     write_silver, train_textcat) -> List[Dict]:
    voted = [d for d, row in zip(silver, L_train) if (row != -1).any()]
    conf = sorted(cat_confidence(d) for d in voted)
    print("label-model confidence of the voted silver docs, quantiles 10/25/50:",
          [round(conf[int(q * (len(conf) - 1))], 4) for q in (0.1, 0.25, 0.5)])
    out = []
    for value in [float(v) for v in args.min_confidence.split(",") if v]:
        kept = confident_docs(voted, value)
        for d in kept:
            d.cats = hard_cats(d.cats, args.labels)
            d.spans.clear()
        rng = random.Random(args.seed)
        order = list(range(len(kept)))
        rng.shuffle(order)
        n_dev = max(1, len(kept) // 10)
        dev_docs = [kept[i] for i in order[:n_dev]]
        trn_docs = [kept[i] for i in order[n_dev:]]
        tag = f"conf_{value:g}"
        write_silver(trn_docs, out_dir / f"silver_train_{tag}.spacy")
        write_silver(dev_docs, out_dir / f"silver_dev_{tag}.spacy")
        t = time.perf_counter()
        model_dir = train_textcat(args.textcat_config, out_dir / f"silver_train_{tag}.spacy",
                                  out_dir / f"silver_dev_{tag}.spacy", out_dir / f"textcat_{tag}", args.seed)
        tc = spacy.load(model_dir)
        probs = cats_matrix(list(tc.pipe(d.text for d in test_docs)), args.labels)
        res = score(gold_test, probs, positive)
        res.update({"min_confidence": value, "silver_train_docs": len(trn_docs), "silver_dev_docs": len(dev_docs),
                    "left_out": len(voted) - len(kept), "train_s": time.perf_counter() - t})
        out.append(res)
        print(f"textcat (confidence >= {value:g}): accuracy {res['accuracy']:.4f}  f1 {res['f1']:.4f}  "
              f"({len(kept)} of {len(voted)} silver docs)")
    return out


__all__ = ["confidence_sweep", "cat_confidence"]
