import pytest

from spacy_weak.errors import SpacyWeakError
from spacy_weak.training.partial import TokenAnnotation
from spacy_weak.training.teacher import TeacherCounts, combine, teacher_annotations


def test_confident_new_spans_are_added_uncertain_ones_missing_silver_wins_overlaps():
    base = TokenAnnotation([(0, 1, "Chemical")], [5])
    counts = TeacherCounts()
    predicted = [
        (0, 2, "Disease", 0.99),  # overlaps the silver entity: the silver stays
        (3, 5, "Disease", 0.95),  # new and confident: an entity, its missing token no longer missing
        (7, 8, "Chemical", 0.5),  # new, unsure: missing
    ]
    ann = combine(base, predicted, min_prob=0.9, counts=counts)
    assert ann.entities == [(0, 1, "Chemical"), (3, 5, "Disease")]
    assert ann.missing == [5, 7]
    assert (counts.added, counts.uncertain, counts.overlapping) == (1, 1, 1)
    assert counts.per_label == {"Disease": 1}
    ann = combine(TokenAnnotation([(3, 4, "Chemical")], [4]), [(3, 5, "Disease", 1.0)], min_prob=0.9)
    assert ann.entities == [(3, 4, "Chemical")] and ann.missing == [4]


def test_min_prob_is_checked():
    with pytest.raises(SpacyWeakError, match=r"\[E300\].*min_prob"):
        teacher_annotations([], None, lambda d: TokenAnnotation(), ["Chemical"], min_prob=2)


def test_student_config_sources_every_component_from_the_teacher(tmp_path):
    from pathlib import Path

    import spacy
    from spacy.util import load_config

    from spacy_weak.training.trainer import variant_config

    base = Path(__file__).resolve().parents[2] / "configs" / "ner_silver.cfg"
    teacher = tmp_path / "teacher"
    spacy.blank("en").to_disk(teacher)
    out = variant_config(base, tmp_path / "s.cfg", init_from=teacher)
    cfg = load_config(out, interpolate=False)
    assert cfg["components"] == {"tok2vec": {"source": str(teacher)}, "ner": {"source": str(teacher)}}
    with pytest.raises(SpacyWeakError, match=r"\[E305\].*init_from"):
        variant_config(base, tmp_path / "t.cfg", init_from=tmp_path / "nothing")
