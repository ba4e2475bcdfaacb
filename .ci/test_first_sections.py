"""Every shipped scene renders its first section: the smoke set on the oldest Manim.

``.ci/manim_oldest.sh`` runs this file (with every docstring example) in a venv that
holds the oldest Manim the package supports. Each scene runs through the user's
``manim render`` command line, stopped after its first section by
``.ci/first_section.py``: the set-up (models loaded or trained, trajectories sampled)
and the first section's animations run on that Manim, in a fraction of the full
render's time. The full renders are ``tests/test_scenes.py``'s, on the newest Manim.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scenes"))
from catalogue import SCENES, render_command  # noqa: E402
from test_scenes import TEST_PARAMS, documented, last_video_frame  # noqa: E402

from manim_diffusion.talk.params import PARAMS_ENV  # noqa: E402

RUNNER = ROOT / ".ci" / "first_section.py"


@pytest.mark.parametrize("file,scene", SCENES)
def test_scene_renders_its_first_section(tmp_path: Path, file: str, scene: str) -> None:
    cmd = render_command(file, scene, tmp_path, sections=True, options=("--fps", "5"))
    assert cmd[1:3] == ["-m", "manim"], cmd
    env = {**os.environ, PARAMS_ENV: json.dumps(TEST_PARAMS.get(scene, {})),
           "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, str(RUNNER), *cmd[3:]], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    indexes = list(tmp_path.rglob(f"sections/{scene}.json"))
    assert len(indexes) == 1, f"manim wrote no single section index: {indexes}"
    sections = json.loads(indexes[0].read_text(encoding="utf-8"))
    assert [s["name"] for s in sections] == documented(file)[1][:1], sections
    frame = last_video_frame(indexes[0].parent / sections[0]["video"])
    drawn = frame.max(-1) > 120
    assert drawn.mean() > 0.005, f"only {drawn.mean():.4f} of the last frame is drawn"
