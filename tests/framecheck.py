"""Frame comparisons against stored control frames (write them with ``pytest --set_test``).

Manim's own ``frames_comparison`` skips every test on Cairo older than 1.18 (Debian 12
ships 1.16), so this module is a small equivalent: the same 854x480 frames, the same
``control_data/<module>/<test>.npz`` files (key ``frame_data``) and tolerance. Use
``check_frames(request, tmp_path, construct)`` from any test module.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from manim import Scene, tempconfig

CONTROL = Path(__file__).parent / "control_data" / "mobjects"
ATOL = 1.01  # as manim's frame tests: one unit of 255 per channel
MISMATCH_RATIO = 1e-4  # fraction of channel values allowed beyond ATOL


def render_frames(
    construct: Callable[[Any], None], tmp_path: Path, last_frame: bool = True,
    scene_class: type[Scene] = Scene,
) -> np.ndarray:
    """Render a scene at 854x480, 15 fps, and return its frames ``(F, H, W, 4)``.

    ``scene_class`` is the scene's base: ``Scene``, or ``ThreeDScene`` for 3D mobjects.
    """
    settings = {
        "pixel_width": 854, "pixel_height": 480, "frame_rate": 15,
        "disable_caching": True, "dry_run": True, "media_dir": str(tmp_path),
        "text_dir": str(tmp_path / "texts"), "verbosity": "ERROR", "progress_bar": "none",
    }
    frames: list[np.ndarray] = []
    with tempconfig(settings):
        scene = type("FrameTestScene", (scene_class,), {"construct": construct})()
        add_frame = scene.renderer.add_frame

        def keep(frame: np.ndarray, num_frames: int = 1) -> None:
            frames.extend([frame.copy()] * num_frames)
            add_frame(frame, num_frames)

        scene.renderer.add_frame = keep
        scene.render()
        if last_frame or not frames:
            frames = [scene.renderer.get_frame()]
    return np.stack(frames)


def check_frames(
    request: pytest.FixtureRequest, tmp_path: Path, construct: Callable[[Any], None],
    last_frame: bool = True, scene_class: type[Scene] = Scene,
) -> None:
    """Compare the scene's frames with the control file, or write it with --set_test."""
    frames = render_frames(construct, tmp_path, last_frame, scene_class)
    name = request.node.name.removeprefix("test_").replace("/", "_")
    path = CONTROL / f"{name}.npz"
    if request.config.getoption("--set_test"):
        CONTROL.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, frame_data=frames)
        return
    if not path.is_file():
        pytest.fail(f"no control frames at {path}: run pytest --set_test once to write them")
    with np.load(path) as data:
        control = data["frame_data"]
    assert frames.shape == control.shape, f"{frames.shape} frames vs control {control.shape}"
    for i, (frame, ref) in enumerate(zip(frames, control, strict=True)):
        bad = ~np.isclose(frame.astype(np.int16), ref.astype(np.int16), atol=ATOL)
        if bad.mean() > MISMATCH_RATIO:
            from PIL import Image

            diff = tmp_path / f"{name}-{i}-diff.png"
            Image.fromarray(np.concatenate([frame, ref], axis=1)).save(diff)
            pytest.fail(f"frame {i} differs from {path} in {bad.sum()} values (see {diff})")
