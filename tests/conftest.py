"""Pytest options and fixtures shared by the tests (frame comparisons need --set_test)."""

from __future__ import annotations

import os
from collections.abc import Iterator

# OpenMP threads that wait for work sleep instead of spinning. Set before torch loads
# (here, and in `make test` for the workers): with two pytest workers on two cores, a
# spinning pool made a 2-thread training run some 25 times slower (194 s against 8 s).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from manim_server import ManimServer

from manim_diffusion.core.trajectory import Trajectory

# Hypothesis profiles. "ci" (what `make test` and `.ci/run` select) is derandomised:
# the same examples on every machine and every run, a fixed budget of 30 per test, no
# example database. "dev" (the default for a bare `pytest`) explores: new examples each
# run, reproducible with `--hypothesis-seed=N`.
settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=30,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=30, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_configure(config: pytest.Config) -> None:
    """Each pytest worker writes manim's Text SVGs in its own folder.

    manim caches a Text as media/texts/<hash>.svg and deletes a temporary copy after
    reading it; two workers building the same label at once raced on that copy
    (FileNotFoundError in ``svg_mobject.generate_mobject``).
    """
    import tempfile

    from manim import config as manim_config

    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    manim_config.text_dir = tempfile.mkdtemp(prefix=f"manim-texts-{worker}-")


def pytest_addoption(parser: pytest.Parser) -> None:
    """Options that manim's ``frames_comparison`` reads."""
    parser.addoption(
        "--set_test", action="store_true", default=False,
        help="write the control frames of the frame comparison tests instead of testing",
    )
    parser.addoption(
        "--show_diff", action="store_true", default=False,
        help="show a frame and its control frame side by side when they differ",
    )


@pytest.fixture(scope="session")
def manim_server() -> Iterator[ManimServer]:
    """`manim` command lines run in forks of one warm interpreter (tests/manim_server.py)."""
    server = ManimServer()
    yield server
    server.close()


def ring_trajectory(n: int = 600, steps: int = 50, seed: int = 0) -> Trajectory:
    """Seeded Gaussian noise moving linearly onto a ring of radius 2.5, with jitter."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0.0, 2.0 * np.pi, n)
    ring = np.stack([np.cos(angle), np.sin(angle)], axis=1) * 2.5
    noise = rng.normal(size=(n, 2))
    s = np.linspace(0.0, 1.0, steps + 1)[:, None, None]
    jitter = 0.05 * rng.normal(size=(steps + 1, n, 2)) * (1 - s)
    return Trajectory(
        times=s[:, 0, 0],
        points=((1 - s) * noise + s * ring + jitter).astype(np.float32),
        labels=(angle > np.pi).astype(np.int64),
        steps=np.arange(steps, -1, -1) * 20,
    )


@pytest.fixture
def ring() -> Trajectory:
    """A small labelled ring trajectory (600 points, 50 steps)."""
    return ring_trajectory()
