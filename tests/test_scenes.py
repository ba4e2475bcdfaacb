"""The shipped scenes render with `manim render`, as a user runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scenes"))
from catalogue import SCENES, render_command  # noqa: E402


def render_last_frame(tmp_path: Path, file: str, scene: str) -> np.ndarray:
    """Render ``scene`` at low quality with ``-s`` and return its last frame (RGB)."""
    cmd = render_command(file, scene, tmp_path, last_frame=True)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    stills = list(tmp_path.rglob(f"{scene}*.png"))
    assert stills, "manim wrote no last-frame image"
    return np.asarray(Image.open(stills[0]).convert("RGB")).astype(int)


#: Scenes that end on grey-scale pictures (decoded digits) rather than coloured clouds.
GREY_SCENES = {"DiffusionGrid"}


@pytest.mark.slow
@pytest.mark.parametrize("file,scene", SCENES)
def test_scene_renders_and_shows_its_result(tmp_path: Path, file: str, scene: str) -> None:
    frame = render_last_frame(tmp_path, file, scene)
    bright = frame.max(-1) > 120
    assert bright.mean() > 0.015, f"only {bright.mean():.4f} of the last frame is drawn"
    if scene in GREY_SCENES:
        return
    # The other scenes end on sampled clouds: a good share of the frame is coloured
    # (saturated) point pixels over the black background.
    saturation = frame.max(-1) - frame.min(-1)
    coloured = (saturation > 60) & bright
    assert coloured.mean() > 0.01, f"only {coloured.mean():.4f} of the frame is coloured"


@pytest.mark.slow
def test_ddpm_smiley_cloud_sits_in_the_left_panel(tmp_path: Path) -> None:
    frame = render_last_frame(tmp_path, "ddpm_smiley.py", "DDPMSmiley")
    left = frame[:, : frame.shape[1] // 2]
    blue = (left[..., 2] > 150) & (left[..., 2] > left[..., 0] + 60)
    assert blue.mean() > 0.01, f"only {blue.mean():.4f} of the left half is cloud"
