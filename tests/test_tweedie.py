"""The Tweedie cloud: a run's x0-hat predictions as a run of their own (issue 18, part 3)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from manim_diffusion.engine import (
    GaussianMixture,
    energy_distance,
    load_pretrained,
    make_dataset,
    sample,
)


def test_the_predictions_of_gaussian_data_are_its_posterior_mean() -> None:
    """N(m, s^2 I) data: E[x0 | x_t] = m + alpha s^2 / (alpha^2 s^2 + sigma^2) (x_t - alpha m)."""
    m, s = np.array([0.7, -0.4]), 0.6
    gm = GaussianMixture(means=[m], stds=s)
    run = sample(gm, "ddim", 20, n=300, seed=3)
    guesses = run.predicted()
    np.testing.assert_array_equal(guesses.times, run.times)
    alpha = gm.schedule.alpha(run.times[:-1])[:, None, None]
    sigma = gm.schedule.sigma(run.times[:-1])[:, None, None]
    gain = alpha * s**2 / (alpha**2 * s**2 + sigma**2)
    exact = m + gain * (run.points[:-1] - alpha * m)
    np.testing.assert_allclose(guesses.points[:-1], exact, atol=2e-5)
    np.testing.assert_array_equal(guesses.points[-1], run.final)  # nothing left to remove
    # at pure noise every guess sits near the mean: the gain is alpha(0) s^2, nearly 0
    assert np.abs(guesses.points[0] - m).max() < 0.05


def test_a_run_without_predictions_says_how_to_get_them() -> None:
    run = sample(GaussianMixture(means=[[0.0, 0.0]], stds=1.0), "ddim", 5, n=10, seed=0,
                 record_predictions=False)
    with pytest.raises(ValueError, match="record_predictions=True"):
        run.predicted()


@pytest.mark.parametrize(("sampler", "steps"), [("ddim", 50), ("ddpm", 1000)])
def test_the_smiley_models_guesses_gather_then_sharpen_before_the_samples(
    sampler: str, steps: int
) -> None:
    """The learned guesses: wide at t = 0, gathered at the mean by 0.3, on the shape first.

    At t = 0 an eps-predicting net's guess is (x - sigma eps-hat) / alpha with alpha(0)
    about 0.006: its small errors are multiplied by 160, and the guesses scatter.
    """
    data = make_dataset("smiley", 20000, seed=1)
    run = sample(load_pretrained("smiley_ddpm"), sampler, steps, n=2000, seed=0)
    guesses = run.predicted()

    def spread(x: np.ndarray) -> float:
        return float(np.sqrt(((x - x.mean(axis=0)) ** 2).sum(axis=1).mean()))

    assert spread(guesses.at(0.0)) > spread(data)
    gathered = guesses.at(0.3)
    assert spread(gathered) < 0.15 * spread(data)
    assert np.linalg.norm(gathered.mean(axis=0) - data.mean(axis=0)) < 0.1 * spread(data)
    to_data = cKDTree(data)
    near_guess = to_data.query(guesses.at(0.9))[0].mean()
    near_sample = to_data.query(run.at(0.9))[0].mean()
    assert near_guess < 0.5 * near_sample  # the guesses reach the shape first
    assert energy_distance(guesses.at(1.0), run.final) == 0.0
