import math

import numpy as np
import pytest

from spacy_weak.errors import SpacyWeakError
from spacy_weak.review.design import check_weights, choose, weighted_prf


def test_choose_takes_the_top_and_a_random_share_with_inclusion_probabilities():
    order = list(range(99, -1, -1))  # document 99 ranked first
    picks = choose(order, 100, 10, random_share=0.2, seed=3)
    assert [p.index for p in picks[:8]] == order[:8]
    assert all(p.stratum == "ranked" and p.inclusion_prob == 1.0 for p in picks[:8])
    rand = picks[8:]
    assert len(rand) == 2 and all(p.stratum == "random" for p in rand)
    assert not {p.index for p in rand} & set(order[:8])
    assert all(math.isclose(p.inclusion_prob, 2 / 92) and math.isclose(p.weight, 46.0) for p in rand)
    assert [p.index for p in choose(order, 100, 10, random_share=0.2, seed=3)] == [p.index for p in picks]


def test_design_weighted_estimate_is_unbiased_over_draws():
    """Horvitz-Thompson: averaged over the random share's draws, the weighted count of
    the reviewed documents equals the pool's count (here: the number of errors per doc)."""
    rng = np.random.default_rng(0)
    errors = rng.poisson(2, size=200).astype(float)
    order = list(np.argsort(-errors))  # the ranking finds the documents with many errors
    total = errors.sum()
    estimates = []
    for seed in range(400):
        picks = choose(order, 200, 20, random_share=0.5, seed=seed)
        estimates.append(sum(p.weight * errors[p.index] for p in picks))
    assert abs(np.mean(estimates) - total) / total < 0.02
    top_only = sum(errors[i] for i in order[:20]) * 10  # unweighted: 10x the top's errors
    assert top_only > 1.5 * total


def test_budget_larger_than_the_pool_warns_and_reviews_everything():
    with pytest.warns(UserWarning, match=r"W407.*budget of 12 .*larger than the pool \(5 documents in pool.spacy\)"):
        picks = choose([4, 3, 2, 1, 0], 5, 12, random_share=0.2, where="pool.spacy")
    assert sorted(p.index for p in picks) == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("share", [-0.1, 1.5, float("nan"), True])
def test_bad_share_is_an_error(share):
    with pytest.raises(SpacyWeakError, match="E411"):
        choose([0, 1], 2, 1, random_share=share)


def test_bad_budget_is_an_error():
    with pytest.raises(SpacyWeakError, match="E411.*budget"):
        choose([0, 1], 2, -1)


@pytest.mark.parametrize("bad", [0.0, -1.0, float("inf"), float("nan")])
def test_zero_or_non_finite_weight_names_the_document(bad):
    with pytest.raises(SpacyWeakError, match=r"E412.*doc-b"):
        check_weights([1.0, bad], ["doc-a", "doc-b"])


def test_weighted_prf_counts_documents_by_weight():
    pairs = [({(0, 1, "X")}, {(0, 1, "X")}), ({(0, 1, "X")}, {(2, 3, "X")})]
    assert weighted_prf(pairs, [1, 1])["f1"] == pytest.approx(0.5)
    assert weighted_prf(pairs, [3, 1])["p"] == pytest.approx(0.75)
