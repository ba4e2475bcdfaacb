"""The examples/ scenes (public API only) render, and renders repeat frame for frame."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from framecheck import render_frames
from manim import Axes, Scene, ValueTracker
from manim_server import ManimServer
from PIL import Image

from manim_diffusion import (
    ContourField,
    DistributionCloud,
    TrajectoryTracer,
    load_pretrained,
    sample,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = [
    ("my_shape.py", "MyShape"),
    ("compare_samplers.py", "CompareSamplers"),
    ("exact_mixture.py", "ExactMixture"),
]


def _last_frame(
    tmp_path: Path, file: str, scene: str, server: ManimServer | None = None
) -> np.ndarray:
    """The still of ``manim render -ql -s``: in a new interpreter, or a fork of ``server``."""
    args = ["render", "-ql", "-s", "--disable_caching", "--media_dir", str(tmp_path),
            str(ROOT / "examples" / file), scene]
    if server is None:
        done = subprocess.run([sys.executable, "-m", "manim", *args], capture_output=True,
                              text=True, timeout=300)
    else:
        done = server.run(args, log=tmp_path / "manim.log", timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    (still,) = tmp_path.rglob(f"{scene}*.png")
    return np.asarray(Image.open(still).convert("RGB"))


@pytest.mark.slow
@pytest.mark.parametrize("file,scene", EXAMPLES)
def test_example_renders_at_the_lowest_quality(
    manim_server: ManimServer, tmp_path: Path, file: str, scene: str
) -> None:
    frame = _last_frame(tmp_path, file, scene, manim_server).astype(int)
    saturation = frame.max(-1) - frame.min(-1)
    assert ((saturation > 60) & (frame.max(-1) > 120)).mean() > 0.01


def test_examples_use_only_the_public_api() -> None:
    for file, _ in EXAMPLES:
        source = (ROOT / "examples" / file).read_text()
        imports = [ln for ln in source.splitlines()
                   if ln.startswith(("from ", "import ")) and "manim_diffusion" in ln]
        assert imports and all(ln.startswith("from manim_diffusion import") for ln in imports), (
            file, imports)


def test_a_seeded_scene_renders_the_same_frames_twice(tmp_path: Path) -> None:
    """Sampling (stochastic DDPM), contours and traces: every frame's hash repeats."""

    def construct(scene: Scene) -> None:
        trajectory = sample(load_pretrained("smiley_ddpm"), "ddpm", 100, n=800, seed=5)
        t = ValueTracker(0.0)
        axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=5, y_length=5)
        scene.add(axes, ContourField(trajectory, time=t, axes=axes),
                  DistributionCloud(trajectory, time=t, axes=axes),
                  TrajectoryTracer(trajectory, time=t, axes=axes, n_paths=8, seed=5))
        scene.play(t.animate.set_value(1.0), run_time=1.0)

    def hashes(folder: Path) -> list[str]:
        frames = render_frames(construct, folder, last_frame=False)
        assert len(frames) >= 15
        return [hashlib.sha256(f.tobytes()).hexdigest() for f in frames]

    first, second = hashes(tmp_path / "a"), hashes(tmp_path / "b")
    assert first == second
    assert len(set(first)) > 10  # the frames do change over the animation


@pytest.mark.slow
def test_a_shipped_example_renders_the_same_last_frame_in_two_processes(tmp_path: Path) -> None:
    a = _last_frame(tmp_path / "a", "exact_mixture.py", "ExactMixture")
    b = _last_frame(tmp_path / "b", "exact_mixture.py", "ExactMixture")
    assert hashlib.sha256(a.tobytes()).digest() == hashlib.sha256(b.tobytes()).digest()
