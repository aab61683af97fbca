"""``bench/textcat.py --min-confidence``: textcats trained on the silver docs the label model is sure of.

For each threshold t, the silver train docs with at least one source vote whose
``weak_doc_em`` confidence (max of ``doc.cats``) is >= t are kept (one-hot cats),
10 % of them (seeded) as the silver dev set, a textcat is trained with the same
config and scored on the test docs. Reported next to ``textcat`` (t = 0).
"""
from typing import Dict, List

from spacy_weak.training.export import cat_confidence, confident_docs


def confidence_sweep(silver, L_train, test_docs, gold_test, positive, args, out_dir, train_on_silver) -> List[Dict]:
    """``train_on_silver``: bench/textcat.py's (one-hot cats, seeded silver dev split, train, score)."""
    voted = [d for d, row in zip(silver, L_train) if (row != -1).any()]
    conf = sorted(cat_confidence(d) for d in voted)
    print("label-model confidence of the voted silver docs, quantiles 10/25/50:",
          [round(conf[int(q * (len(conf) - 1))], 4) for q in (0.1, 0.25, 0.5)])
    out = []
    for value in [float(v) for v in args.min_confidence.split(",") if v]:
        kept = confident_docs(voted, value)
        tag = f"conf_{value:g}"
        res, train_s = train_on_silver(kept, args, out_dir, tag, f"textcat_{tag}", test_docs, gold_test, positive)
        res.update({"min_confidence": value, "left_out": len(voted) - len(kept), "train_s": train_s})
        out.append(res)
        print(f"textcat (confidence >= {value:g}): accuracy {res['accuracy']:.4f}  f1 {res['f1']:.4f}  "
              f"({len(kept)} of {len(voted)} silver docs)")
    return out


__all__ = ["confidence_sweep", "cat_confidence"]
