"""The shipped scenes render with `manim render`, as a user runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_ddpm_smiley_renders_at_low_quality(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "manim", "render", "-ql", "--disable_caching",
           "--media_dir", str(tmp_path), "-s", str(ROOT / "scenes" / "ddpm_smiley.py"),
           "DDPMSmiley"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    stills = list(tmp_path.rglob("DDPMSmiley*.png"))
    assert stills, "manim wrote no last-frame image"
    import numpy as np
    from PIL import Image

    frame = np.asarray(Image.open(stills[0]).convert("RGB")).astype(int)
    # The cloud is drawn in its default blue over black: a good share of the left half
    # (where the axes are) holds bluish disc pixels at the last frame.
    left = frame[:, : frame.shape[1] // 2]
    blue = (left[..., 2] > 150) & (left[..., 2] > left[..., 0] + 60)
    assert blue.mean() > 0.01, f"only {blue.mean():.4f} of the left half is cloud"
