"""The 3D data sets, the exact tetrahedron mixture, every sampler in 3D and the shipped 3D
checkpoints (spring_flow, moebius_ddpm), with the commands that list, train and eval them."""

from __future__ import annotations

import functools
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from manim_diffusion.analysis.evaluate import evaluate
from manim_diffusion.analysis.metrics import energy_distance
from manim_diffusion.cli.main import main
from manim_diffusion.core.model import DiffusionModel
from manim_diffusion.core.nets import MLPDenoiser
from manim_diffusion.core.trajectory import Trajectory
from manim_diffusion.data import geometry
from manim_diffusion.data.datasets import DATASETS, LABELLED, dataset_names, make_dataset
from manim_diffusion.data.datasets_3d import (
    DATASETS_3D,
    SPRING_HEIGHT,
    SPRING_NOISE,
    SPRING_RADIUS,
    SPRING_TURNS,
    spring_curve,
)
from manim_diffusion.densities.mixture import GaussianMixture
from manim_diffusion.io import CheckpointError, list_pretrained, load_pretrained, pretrained_dir
from manim_diffusion.samplers.sample import sample
from manim_diffusion.training.train import TrainConfig, train

NAMES_3D = ["spring", "moebius", "swiss_roll_3d", "torus", "gaussian_mixture_3d"]
SHIPPED_3D = {"spring_flow": ("spring", "flow"), "moebius_ddpm": ("moebius", "eps")}
#: Each deterministic sampler with steps enough that its bias is below the standard
#: error of 5,000 points: DDIM (first order) at its usual 50 steps makes the blobs' variance
#: 5 standard errors too small on both paths (measured), at 200 steps 2.
DETERMINISTIC = {"ddim": 200, "euler": 200, "heun": 50, "midpoint": 50, "dpm++2m": 20}
STOCHASTIC = {"ddpm": (200, {}), "sde": (200, {}), "langevin": (100, {"langevin_steps": 5})}
N_MOMENTS = 5000


# ------------------------------------------------------------------ the data sets
def test_the_3d_names_are_listed_apart_and_the_2d_list_is_unchanged() -> None:
    assert dataset_names() == list(DATASETS) == dataset_names(dim=2)
    assert dataset_names(dim=3) == list(DATASETS_3D) == NAMES_3D
    assert dataset_names(dim=None) == [*DATASETS, *NAMES_3D]
    assert "gaussian_mixture_3d" in LABELLED and not set(NAMES_3D) & set(DATASETS)
    with pytest.raises(ValueError, match="dim must be 2, 3 or None"):
        dataset_names(dim=4)


@pytest.mark.parametrize("name", NAMES_3D)
def test_every_3d_set_is_seeded_float32_points_in_the_box(name: str) -> None:
    points = make_dataset(name, 3000, seed=4)
    assert points.shape == (3000, 3) and points.dtype == np.float32
    assert np.isfinite(points).all() and np.abs(points).max() <= 2.5
    np.testing.assert_array_equal(points, make_dataset(name, 3000, seed=4))
    assert not np.allclose(points, make_dataset(name, 3000, seed=5))
    assert points.std(0).min() > 0.2  # a 3D cloud, not a flat or collapsed one
    assert make_dataset(name, 1, seed=0).shape == (1, 3)


def test_the_spring_lies_on_its_helix() -> None:
    """Radius, height and the phase of the turns: a point's angle about the axis is its
    height's fraction of the way times SPRING_TURNS turns, up to the jitter."""
    p = make_dataset("spring", 4000, seed=1).astype(np.float64)
    radius = np.hypot(p[:, 0], p[:, 1])
    assert abs(np.median(radius) - SPRING_RADIUS) < 0.01
    assert np.quantile(np.abs(radius - SPRING_RADIUS), 0.99) < 4 * SPRING_NOISE
    low, high = SPRING_HEIGHT
    s = (p[:, 2] - low) / (high - low)
    phase = np.angle(np.exp(1j * (np.arctan2(p[:, 1], p[:, 0]) - 2 * np.pi * SPRING_TURNS * s)))
    # the z jitter moves the phase by 2 pi turns noise / height: 0.35 rad per std
    assert np.quantile(np.abs(phase), 0.99) < 4 * 2 * np.pi * SPRING_TURNS * SPRING_NOISE / 3.6
    np.testing.assert_allclose(spring_curve(np.array([0.0, 1.0])),
                               [[SPRING_RADIUS, 0, low], [SPRING_RADIUS, 0, high]], atol=1e-12)


def test_the_surfaces_are_where_their_equations_say() -> None:
    torus = make_dataset("torus", 4000, seed=2).astype(np.float64)
    tube = np.hypot(np.hypot(torus[:, 0], torus[:, 1]) - 1.5, torus[:, 2])
    assert abs(np.median(tube) - 0.5) < 0.01 and np.quantile(np.abs(tube - 0.5), 0.99) < 0.12
    # uniform on the area: the outer half (farther than 1.5 from the axis) holds
    # (1 + 2 r / (pi R)) / 2 = 0.606 of the area, not half
    outer = np.mean(np.hypot(torus[:, 0], torus[:, 1]) > 1.5)
    assert abs(outer - (1 + 2 * 0.5 / (np.pi * 1.5)) / 2) < 4 * np.sqrt(0.25 / 4000)
    strip = make_dataset("moebius", 4000, seed=2).astype(np.float64)
    u = np.arctan2(strip[:, 1], strip[:, 0])  # the strip's point at angle u: c + v (..)
    rho, z = np.hypot(strip[:, 0], strip[:, 1]) - 1.5, strip[:, 2]
    # across the strip, (rho, z) lies on the line of direction (cos u/2, sin u/2)
    off_line = np.abs(rho * np.sin(u / 2) - z * np.cos(u / 2))
    assert np.quantile(off_line, 0.99) < 0.12 and np.hypot(rho, z).max() < 0.75
    roll = make_dataset("swiss_roll_3d", 4000, seed=2)
    assert energy_distance(roll[:, :2], make_dataset("swiss_roll", 4000, seed=3)) < 0.003
    assert abs(roll[:, 2].var() - 3.0**2 / 12) < 0.03 and np.abs(roll[:, 2]).max() <= 1.5


def test_the_tetrahedron_mixture_is_the_ground_truth_of_its_data_set() -> None:
    gm = GaussianMixture.tetrahedron()
    np.testing.assert_array_equal(gm.means.numpy(), geometry.TETRAHEDRON_CENTRES)
    np.testing.assert_array_equal(gm.stds.numpy(), geometry.TETRAHEDRON_STD)
    assert gm.dim == 3
    mean, cov = gm.moments(1.0)
    # a regular tetrahedron's vertices c_k: sum c c^T / 4 = |c|^2 / 3 I = 0.75 I
    np.testing.assert_allclose(mean, 0, atol=1e-12)
    np.testing.assert_allclose(cov, (0.75 + 0.25**2) * np.eye(3), atol=1e-12)
    n = 20000
    points, labels = make_dataset("gaussian_mixture_3d", n, seed=0, with_labels=True)
    se_mean = np.sqrt(np.diag(cov) / n)
    assert (np.abs(points.mean(0) - mean) < 4.5 * se_mean).all()
    assert (np.abs(np.cov(points.T) - cov) < 4.5 * _cov_se(n)).all()
    assert set(np.unique(labels)) == {0, 1, 2, 3}
    offset = points - geometry.TETRAHEDRON_CENTRES[labels]
    assert abs(offset.std() - geometry.TETRAHEDRON_STD) < 0.005


# -------------------------------------------------------- samplers on the exact mixture
@functools.cache
def _product_std() -> np.ndarray:
    """The spread of x_i x_j under the tetrahedron mixture, over a large exact draw."""
    big = GaussianMixture.tetrahedron().sample(200_000, seed=99)
    return (big[:, :, None] * big[:, None, :]).std(0)


def _cov_se(n: int) -> np.ndarray:
    """The standard error of each entry of an n-point sample covariance of the mixture."""
    return _product_std() / np.sqrt(n)


def _assert_reaches_the_mixture(points: np.ndarray, gm: GaussianMixture, what: str) -> None:
    n = len(points)
    mean, cov = gm.moments(1.0)
    mean_z = np.abs(points.mean(0) - mean) / np.sqrt(np.diag(cov) / n)
    cov_z = np.abs(np.cov(points.T) - cov) / _cov_se(n)
    nearest = np.argmin(((points[:, None] - gm.means.numpy()[None]) ** 2).sum(-1), axis=1)
    share_z = np.abs(np.bincount(nearest, minlength=4) / n - 0.25) / np.sqrt(0.25 * 0.75 / n)
    assert mean_z.max() < 4.5 and cov_z.max() < 4.5 and share_z.max() < 4.5, (
        f"{what}: standard errors off, mean {mean_z.max():.1f}, cov {cov_z.max():.1f}, "
        f"shares {share_z.max():.1f}")


@pytest.mark.parametrize("schedule", ["linear", "flow"])
@pytest.mark.parametrize("name", list(DETERMINISTIC))
def test_deterministic_samplers_reach_the_3d_mixture(name: str, schedule: str) -> None:
    gm = GaussianMixture.tetrahedron(schedule=schedule)
    run = sample(gm, name, DETERMINISTIC[name], n=N_MOMENTS, seed=7, record_predictions=False)
    assert run.points.shape[1:] == (N_MOMENTS, 3)
    _assert_reaches_the_mixture(run.final, gm, f"{name}/{schedule}")


@pytest.mark.parametrize("schedule", ["linear", "flow"])
@pytest.mark.parametrize("name", list(STOCHASTIC))
def test_stochastic_samplers_reach_the_3d_mixture(name: str, schedule: str) -> None:
    if name == "langevin" and schedule == "flow":
        pytest.xfail("annealed Langevin does not rescale x between noise levels: on the flow "
                     "path, whose signal alpha = t grows to the end, the centres' spread comes "
                     "out 20% small (28 standard errors)")
    gm = GaussianMixture.tetrahedron(schedule=schedule)
    steps, options = STOCHASTIC[name]
    run = sample(gm, name, steps, n=N_MOMENTS, seed=8, record_predictions=False, **options)
    _assert_reaches_the_mixture(run.final, gm, f"{name}/{schedule}")


def test_a_wrong_model_moves_the_moments_out_of_tolerance() -> None:
    """The check above can fail: blobs 0.32 wide instead of 0.25, or one blob drawing 29%
    of the points, are caught (Heun, 50 steps, from the same noise)."""
    truth = GaussianMixture.tetrahedron()
    wide = GaussianMixture(geometry.TETRAHEDRON_CENTRES, 0.32)
    skewed = GaussianMixture(geometry.TETRAHEDRON_CENTRES, 0.25,
                             weights=[0.29, 0.71 / 3, 0.71 / 3, 0.71 / 3])
    for wrong in (wide, skewed):
        points = sample(wrong, "heun", 50, n=N_MOMENTS, seed=7, record_predictions=False).final
        with pytest.raises(AssertionError, match="standard errors off"):
            _assert_reaches_the_mixture(points, truth, "wrong")


# --------------------------------------------------------------- training in 3D
def test_a_small_model_trained_in_3d_samples_3d_points_near_its_data() -> None:
    data = make_dataset("gaussian_mixture_3d", 3000, seed=0)
    config = TrainConfig(steps=300, batch_size=256, lr=0.02, ema_decay=0.9, hidden=64,
                         layers=2, objective="flow", schedule="flow", threads=1)
    model = train(data, config, progress=False).model
    assert model.dim == 3
    run = sample(model, "euler", 20, n=1500, seed=1)
    assert run.points.shape == (21, 1500, 3) and run.final.dtype == np.float32
    # after 300 steps the four blobs are there, still blurred: the median distance to the
    # nearest centre is 0.51 (data 0.38, noise 1.17) and each blob draws 23-26%
    distance = np.linalg.norm(run.final[:, None] - geometry.TETRAHEDRON_CENTRES[None], axis=-1)
    assert np.median(distance.min(1)) < 0.6
    assert np.bincount(distance.argmin(1), minlength=4).min() > 0.15 * 1500
    ref = make_dataset("gaussian_mixture_3d", 1500, seed=2)
    noise = np.random.default_rng(3).normal(size=(1500, 3))
    assert energy_distance(run.final, ref) < 0.4 * energy_distance(noise, ref)


# ------------------------------------------------------------- bad input, one line
def test_points_of_the_wrong_dimension_are_refused_in_one_line_naming_the_shapes() -> None:
    flat = DiffusionModel(MLPDenoiser(dim=2, hidden=8, layers=1))
    solid = GaussianMixture.tetrahedron()
    cases = [
        (lambda: sample(flat, "ddim", 2, x_start=np.zeros((5, 3))), ["2D", "(5, 3)", "(n, 2)"]),
        (lambda: sample(solid, "euler", 2, x_start=np.zeros((5, 2))), ["3D", "(5, 2)", "(n, 3)"]),
        (lambda: sample(flat, "ddim", 2, n=5, dim=3), ["2D", "(5, 3)", "dim=2"]),
        (lambda: DiffusionModel(MLPDenoiser(dim=3, hidden=8, layers=1)).predict(
            torch.zeros(4, 2), 0.5), ["3D", "(N, 3)", "(4, 2)"]),
    ]
    for call, words in cases:
        with pytest.raises(ValueError) as err:
            call()
        message = str(err.value)
        assert "\n" not in message and all(w in message for w in words), message


def test_an_unknown_name_lists_the_3d_choices_too() -> None:
    with pytest.raises(ValueError, match="unknown data set 'sprng'") as err:
        make_dataset("sprng", 10)
    assert "\n" not in str(err.value)
    assert all(name in str(err.value) for name in [*NAMES_3D, "smiley"])
    with pytest.raises(ValueError, match="has no labels"):
        make_dataset("spring", 10, with_labels=True)


# ------------------------------------------------------------- the shipped 3D files
def _entry(name: str) -> dict:
    return next(e for e in list_pretrained() if e["name"] == name)


@pytest.mark.parametrize("name", list(SHIPPED_3D))
def test_a_shipped_3d_checkpoint_loads_and_meets_its_manifest(name: str) -> None:
    dataset, objective = SHIPPED_3D[name]
    entry = _entry(name)
    assert entry["dataset"] == dataset and entry["objective"] == objective
    assert entry["network"]["dim"] == 3
    assert entry["command"].startswith(f"manim-diffusion train --dataset {dataset} ")
    model = load_pretrained(name)  # hash checked against the entry
    assert model.dim == 3 and model.dataset == dataset and model.objective == objective
    metric = entry["metric"]
    assert len(metric["energy_distances"]) == len(metric["seeds"]) == 5
    assert metric["energy_distance"] == metric["energy_distances"][0]
    score = evaluate(model, dataset, metric["sampler"], metric["steps"], seed=metric["seeds"][1])
    assert score.energy_distance == pytest.approx(metric["energy_distances"][1], abs=2e-4)
    # every seed's samples within 4x the data-vs-data floor (spring: 0.7-2.9x, moebius:
    # 2.3-3.6x); the energy distance is weak on the spring (noise scores only 0.018), so
    # the samples must also lie on the shape: 97% of them do (data 100%, noise 8-9%)
    assert max(metric["energy_distances"]) < 4 * metric["floor"]
    points = sample(model, "ddim", 50, n=2000, seed=0, record_predictions=False).final
    assert np.mean(_on_the_shape(dataset, points)) > 0.95
    noise = np.random.default_rng(0).normal(size=(2000, 3))
    assert np.mean(_on_the_shape(dataset, noise)) < 0.15


def _on_the_shape(dataset: str, points: np.ndarray) -> np.ndarray:
    """Whether each point lies within 0.2 of the spring's centre line, or within 0.1 of
    the Moebius strip (and 0.7 of its core circle)."""
    p = points.astype(np.float64)
    if dataset == "spring":
        line = spring_curve(np.linspace(0, 1, 4001))
        return np.linalg.norm(p[:, None] - line[None], axis=-1).min(1) < 0.2
    u = np.arctan2(p[:, 1], p[:, 0])
    rho, z = np.hypot(p[:, 0], p[:, 1]) - 1.5, p[:, 2]
    return (np.abs(rho * np.sin(u / 2) - z * np.cos(u / 2)) < 0.1) & (np.hypot(rho, z) < 0.7)


def test_a_damaged_3d_checkpoint_is_refused_by_its_hash(tmp_path: Path) -> None:
    shipped = pretrained_dir()
    shutil.copy(shipped / "manifest.json", tmp_path)
    data = bytearray((shipped / "spring_flow.pt").read_bytes())
    data[-100] ^= 1
    (tmp_path / "spring_flow.pt").write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="does not match"):
        load_pretrained("spring_flow", directory=tmp_path)


# ------------------------------------------------------------------ the commands
def test_list_shows_the_3d_sets_and_checkpoints() -> None:
    result = CliRunner().invoke(main, ["list"])
    assert result.exit_code == 0, result.output
    sets = next(ln for ln in result.output.splitlines() if ln.startswith("3D sets"))
    assert all(name in sets for name in NAMES_3D)
    for name in SHIPPED_3D:
        line = next(ln for ln in result.output.splitlines() if ln.strip().startswith(name))
        assert "3D" in line and f"{_entry(name)['metric']['energy_distance']:.4f}" in line


def test_train_sample_and_eval_a_3d_model_from_the_command_line(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "torus.pt"
    result = runner.invoke(main, ["train", "--dataset", "torus", "--steps", "60", "--points",
                                  "500", "--batch-size", "128", "--out", str(out)])
    assert result.exit_code == 0, result.output
    entry = json.loads((tmp_path / "manifest.json").read_text())["models"][0]
    assert entry["network"]["dim"] == 3 and "--threads 1" in entry["command"]
    assert len(entry["metric"]["energy_distances"]) == len(entry["metric"]["seeds"])
    traj = tmp_path / "t.npz"
    result = runner.invoke(main, ["sample", "--model", str(out), "--sampler", "ddim", "--steps",
                                  "5", "-n", "20", "--out", str(traj)])
    assert result.exit_code == 0, result.output
    assert Trajectory.load(traj).points.shape == (6, 20, 3)
    result = runner.invoke(main, ["eval", "--model", str(out), "--sampler", "ddim", "--steps",
                                  "10", "--points", "300"])
    assert result.exit_code == 0, result.output
    assert "torus.pt" in result.output.splitlines()[-1]
    result = runner.invoke(main, ["eval", "--model", str(out), "--sampler", "ddim",
                                  "--dataset", "smiley", "--points", "300"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "3D" in result.output and "smiley" in result.output
