"""Vector fields: exact answers, finiteness at both ends, learned vs exact, frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from framecheck import check_frames
from manim import Axes, Scene

from manim_diffusion.engine import (
    FIELDS,
    GaussianMixture,
    TrainConfig,
    grid_points,
    load_pretrained,
    train,
    vector_field,
)
from manim_diffusion.mobjects import DriftField
from manim_diffusion.mobjects.drift_field import arrow_polylines

TWO = {"means": [[-1.5, 0.0], [1.5, 0.5]], "stds": 0.3}


def test_score_of_a_single_gaussian_is_exact() -> None:
    """p_t = N(alpha mu, alpha^2 s^2 + sigma^2): score = -(x - alpha mu) / var."""
    gm = GaussianMixture(means=[[1.0, -0.5]], stds=0.4)
    pts = grid_points(density=7)
    for t in (0.2, 0.5, 0.9):
        a, s = float(gm.schedule.alpha(t)), float(gm.schedule.sigma(t))
        var = a**2 * 0.16 + s**2
        expected = -(pts - a * np.array([1.0, -0.5])) / var
        np.testing.assert_allclose(vector_field(gm, pts, t, "score"), expected, rtol=1e-4)


def test_velocity_moves_points_along_the_exact_flow() -> None:
    """A small Euler step along the velocity field agrees with the closed-form flow map."""
    gm = GaussianMixture(means=[[1.0, -0.5]], stds=0.4, schedule="flow")
    pts = grid_points(density=5)
    t, dt = 0.4, 1e-3
    moved = pts + dt * vector_field(gm, pts, t, "velocity")
    # x_t -> x_1 is affine; x_{t+dt} -> x_1 must give the same end point
    mu, s = np.array([1.0, -0.5]), 0.4

    def to_end(x: np.ndarray, tt: float) -> np.ndarray:
        a, sg = tt, 1 - tt
        return mu + s * (x - a * mu) / np.sqrt(a**2 * s**2 + sg**2)

    np.testing.assert_allclose(to_end(moved, t + dt), to_end(pts, t), atol=1e-5)


@pytest.mark.parametrize("kind", list(FIELDS))
@pytest.mark.parametrize("schedule", ["linear", "cosine", "flow"])
def test_fields_are_finite_at_both_ends(kind: str, schedule: str) -> None:
    gm = GaussianMixture(**TWO, schedule=schedule)
    pts = grid_points(density=9)
    for t in (0.0, 1.0):
        assert np.isfinite(vector_field(gm, pts, t, kind)).all(), (kind, schedule, t)
    model = load_pretrained("smiley_flow" if schedule == "flow" else "smiley_ddpm")
    for t in (0.0, 1.0):
        assert np.isfinite(vector_field(model, pts, t, kind)).all(), (kind, t)


def test_learned_field_agrees_with_the_exact_one_where_the_data_is() -> None:
    gm = GaussianMixture(**TWO)
    data = gm.sample(4000, seed=0).astype(np.float32)
    model = train(data, TrainConfig(steps=2000), progress=False).model
    for t in (0.5, 0.8):
        a = float(gm.schedule.alpha(t))
        pts = a * gm.sample(300, seed=1) + float(gm.schedule.sigma(t)) * np.random.default_rng(
            2
        ).normal(size=(300, 2))
        learned = vector_field(model, pts, t, "velocity")
        exact = vector_field(gm, pts, t, "velocity")
        rel = np.linalg.norm(learned - exact, axis=1).mean() / np.linalg.norm(exact, axis=1).mean()
        assert rel < 0.15, f"t={t}: relative error {rel:.3f}"


def test_bad_field_requests_say_what_to_do() -> None:
    gm = GaussianMixture(**TWO)
    with pytest.raises(ValueError, match="unknown field"):
        vector_field(gm, grid_points(), 0.5, "curl")
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        vector_field(gm, np.zeros((3, 3)), 0.5)
    with pytest.raises(ValueError, match="unknown field"):
        DriftField(gm, "curl")


def test_arrow_geometry() -> None:
    shafts, heads = arrow_polylines(np.array([[0.0, 0.0]]), np.array([[1.0, 0.0]]))
    np.testing.assert_allclose(shafts[:, 0, :2], [[0, 0], [1, 0]])
    np.testing.assert_allclose(heads[1, 0, :2], [1, 0])
    assert heads[0, 0, 0] < 1 and heads[0, 0, 1] * heads[2, 0, 1] < 0  # barbs behind, apart


def test_scale_like_shares_one_scale() -> None:
    gm = GaussianMixture(**TWO)
    a = DriftField(gm, "score", time=0.6)
    b = DriftField(gm, "score", time=0.6, scale_like=a)
    np.testing.assert_allclose(a.get_all_points(), b.get_all_points())
    half = DriftField(GaussianMixture(means=[[0, 0]], stds=0.3), "score", time=0.6, scale_like=a)
    assert half.reference_magnitude() == a.reference_magnitude()


@pytest.mark.parametrize("t", [0.0, 0.5, 1.0])
def test_drift_field_frames(request: pytest.FixtureRequest, tmp_path: Path, t: float) -> None:
    def construct(scene: Scene) -> None:
        axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=6, y_length=6)
        gm = GaussianMixture(**TWO)
        scene.add(axes, DriftField(gm, "score", time=t, axes=axes, density=13))

    check_frames(request, tmp_path, construct)


def test_three_dots_mixture_is_the_data_set() -> None:
    from manim_diffusion.engine import make_dataset

    gm = GaussianMixture.three_dots()
    data, labels = make_dataset("three_dots", 30000, seed=1, with_labels=True)
    for k in range(3):
        blob = data[labels == k]
        np.testing.assert_allclose(blob.mean(0), gm.means[k].numpy(), atol=0.01)
        np.testing.assert_allclose(blob.std(0), float(gm.stds[k]), atol=0.01)


def test_error_map_is_zero_for_the_reference_itself_and_grows_off_the_data() -> None:
    from manim_diffusion.mobjects import FieldErrorMap
    from manim_diffusion.mobjects.drift_field import field_error

    exact = GaussianMixture.three_dots()
    same = FieldErrorMap(exact, exact, "score", time=0.9, resolution=12)
    assert np.all(same.errors() == 0)
    assert same.get_pixel_array().shape == (12, 12, 4)
    model = load_pretrained("three_dots_ddpm")
    near = exact.sample(300, seed=0)  # on the blobs: the model saw data here
    far = np.array([[0.0, -2.8], [2.8, 2.8], [-2.8, 2.8]])  # between them, off the data
    assert field_error(model, exact, near, 0.9, "score").mean() < 0.2
    assert field_error(model, exact, far, 0.9, "score").mean() > field_error(
        model, exact, near, 0.9, "score").mean()


def test_error_map_frame(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    from manim_diffusion.mobjects import FieldErrorMap

    def construct(scene: Scene) -> None:
        axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=6, y_length=6)
        exact = GaussianMixture.three_dots()
        model = load_pretrained("three_dots_ddpm")
        scene.add(FieldErrorMap(model, exact, "score", time=0.9, axes=axes, resolution=24))

    check_frames(request, tmp_path, construct)
