import numpy as np

from spacy_weak.evaluation.cat_scoring import ABSTAIN, confusion, disagree, per_label_confusion, predicted_class


def test_disagreement_and_predicted_class_by_hand():
    # labels: spam, ham; 1 = for, 0 = against, -1 = no vote
    a = np.array([[1, -1], [1, -1], [-1, -1], [0, -1]], dtype=np.int8)
    b = np.array([[-1, 1], [1, -1], [-1, 1], [1, -1]], dtype=np.int8)
    # doc 0: for spam vs for ham (only a conflict with exclusive classes); doc 3: against vs for spam
    assert disagree(a, b, exclusive=True).tolist() == [True, False, False, True]
    assert disagree(a, b, exclusive=False).tolist() == [False, False, False, True]
    assert predicted_class(b).tolist() == [1, 0, 1, 0]
    assert predicted_class(np.array([[1, 1], [-1, -1]])).tolist() == [-1, -1]  # ambiguous, abstain


def test_confusion_matrices_by_hand():
    gold = np.array([0, 0, 1, 1])
    pred = np.array([0, -1, 0, 1])
    conf = confusion(gold, pred, ["spam", "ham"], with_abstain=True)
    assert conf["columns"] == ["spam", "ham", ABSTAIN]
    assert conf["matrix"] == [[1, 0, 1], [1, 1, 0]]
    assert confusion(gold, pred, ["spam", "ham"], with_abstain=False)["matrix"] == [[1, 0], [1, 1]]
    votes = np.array([[1], [0], [-1], [1]], dtype=np.int8)
    gold_rows = np.array([[1], [1], [0], [-1]])
    assert per_label_confusion(votes, gold_rows, ["spam"]) == {"spam": {"tp": 1, "fp": 0, "tn": 0, "fn": 1, "abstain": 1}}
