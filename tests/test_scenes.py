"""The shipped scenes render with `manim render`, as a user runs them, in talk sections."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections import deque
from pathlib import Path

import av
import numpy as np
import pytest
from manim_server import ManimServer

from manim_diffusion.talk.params import PARAMS_ENV
from manim_diffusion.talk.script import scene_defaults

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scenes"))
from _kit import LAYOUT_REPORT_ENV  # noqa: E402
from catalogue import SCENES, SCENES_DIR, render_command  # noqa: E402

#: Options of the slow section renders, on top of -ql (480p): 1 frame per second
#: instead of 15 (sections, their names and the last frame do not depend on the frame
#: rate, and the frames are a small part of a render: SamplerZoo took 44 s at 5 fps,
#: 39 s at 1 fps and 28 s with ``-s``), and lossless 4:4:4 H.264, so that thin coloured
#: strokes keep their colour in the decoded last frame (4:2:0 halves the colour
#: resolution and greys them).
SECTION_RENDER = ("--fps", "1", "--pixel-format", "yuv444p", "--encoder-option", "crf=0")

#: Scene parameters (a talk script's ``params``) for the test renders: the two scenes
#: that train a model while they build train for fewer steps (the rest of the scene,
#: its sections and its last frame are the same code; full renders: ``make demo``, the
#: gallery and ``make bench``).
TEST_PARAMS: dict[str, dict[str, int]] = {
    "CustomShape": {"train_steps": 1500},
    "TrainingEvolutionScene": {"train_steps": 1000},
}


def render_sections(
    server: ManimServer, tmp_path: Path, file: str, scene: str
) -> tuple[list[dict], Path]:
    """Render ``scene`` at 480p with ``--save_sections``: its section index and folder.

    The command line is the user's (``python -m manim render ...``), run in a fork of
    the warm ``manim_server`` rather than a new interpreter (4.5 s of imports saved).
    """
    cmd = render_command(file, scene, tmp_path, sections=True, options=SECTION_RENDER)
    assert cmd[1:3] == ["-m", "manim"], cmd
    env = {PARAMS_ENV: json.dumps(TEST_PARAMS.get(scene, {})),
           LAYOUT_REPORT_ENV: str(tmp_path / "layout.json")}
    done = server.run(cmd[3:], env=env, log=tmp_path / "manim.log")
    assert done.returncode == 0, done.stderr[-2000:]
    indexes = list(tmp_path.rglob(f"sections/{scene}.json"))
    assert len(indexes) == 1, f"manim wrote no single section index: {indexes}"
    return json.loads(indexes[0].read_text(encoding="utf-8")), indexes[0].parent


def last_video_frame(video: Path) -> np.ndarray:
    """The last frame of ``video``, decoded (RGB)."""
    with av.open(str(video)) as container:
        last = deque(container.decode(video=0), maxlen=1)
    assert last, f"{video} holds no frame"
    return last[0].to_ndarray(format="rgb24").astype(int)


def module_docstring(file: str) -> tuple[ast.Module, str]:
    """The scene file's syntax tree and its module docstring on one line."""
    tree = ast.parse((SCENES_DIR / file).read_text(encoding="utf-8"))
    return tree, " ".join((ast.get_docstring(tree) or "").split())


def documented(file: str) -> tuple[list[str], list[str]]:
    """The parameters and sections a scene's module docstring lists, in its words:
    'its parameters are ``a``, ``b`` and ``c``; its sections (pause points) are "x" and "y".'
    """
    _, doc = module_docstring(file)
    parameters = re.search(r"its parameters are (.+?);", doc)
    sections = re.search(r"sections \(pause points\) are (.+?)\.(?: |$)", doc)
    assert parameters and sections, f"{file}: the docstring lists no parameters or sections"
    return re.findall(r"``(\w+)``", parameters[1]), re.findall(r'"([^"]+)"', sections[1])


#: Scenes that end on grey-scale pictures (decoded digits) rather than coloured clouds.
GREY_SCENES = {"DiffusionGrid", "ImageDenoise"}


def cloud_in_the_left_panel(frame: np.ndarray) -> None:
    """DDPMSmiley ends with its blue cloud in the left half of the frame."""
    left = frame[:, : frame.shape[1] // 2]
    blue = (left[..., 2] > 150) & (left[..., 2] > left[..., 0] + 60)
    assert blue.mean() > 0.01, f"only {blue.mean():.4f} of the left half is cloud"


#: Checks of particular scenes' last frames, on top of the ones every scene passes.
LAST_FRAME_CHECKS = {"DDPMSmiley": cloud_in_the_left_panel}


@pytest.mark.parametrize("file,scene", SCENES)
def test_scene_declares_its_talk_parameters_and_sections(file: str, scene: str) -> None:
    tree, _ = module_docstring(file)
    defaults = scene_defaults(tree)
    assert defaults, f"{file} never calls params({{...}}) with a dict literal of defaults"
    unreadable = sorted(k for k, v in defaults.items() if v is None or v is ...)
    assert not unreadable, f"{file}: defaults not literal constants: {unreadable}"
    assert all(isinstance(v, (str, int, float, bool)) for v in defaults.values()), defaults
    parameters, sections = documented(file)
    assert sorted(parameters) == sorted(defaults), f"{file}: the docstring lists {parameters}"
    calls = [node.args[0].value for node in ast.walk(tree)
             if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "next_section"
             and node.args and isinstance(node.args[0], ast.Constant)]
    assert 2 <= len(sections) <= 4 and sorted(calls) == sorted(sections), (sections, calls)


@pytest.mark.slow
@pytest.mark.parametrize("file,scene", SCENES)
def test_scene_renders_its_sections_and_shows_its_result(
    manim_server: ManimServer, tmp_path: Path, file: str, scene: str
) -> None:
    sections, folder = render_sections(manim_server, tmp_path, file, scene)
    # what a viewer sees: at the end of each section every text and plot is SAFE_MARGIN
    # inside the frame and no two labels overlap (manim_diffusion.mobjects.layout)
    problems = json.loads((tmp_path / "layout.json").read_text(encoding="utf-8"))
    assert not problems, "\n".join(problems)
    # every section a talk steps through, named as the docstring says (a play before
    # the first next_section would add an "autocreated" one)
    assert [s["name"] for s in sections] == documented(file)[1]
    for section in sections:
        video = folder / section["video"]
        assert video.is_file() and video.stat().st_size > 0, f"empty section video {video}"
    frame = last_video_frame(folder / sections[-1]["video"])
    if scene in LAST_FRAME_CHECKS:
        LAST_FRAME_CHECKS[scene](frame)
    bright = frame.max(-1) > 120
    assert bright.mean() > 0.015, f"only {bright.mean():.4f} of the last frame is drawn"
    if scene in GREY_SCENES:
        return
    # The other scenes end on sampled clouds: a good share of the frame is coloured
    # (saturated) point pixels over the black background.
    saturation = frame.max(-1) - frame.min(-1)
    coloured = (saturation > 60) & bright
    assert coloured.mean() > 0.01, f"only {coloured.mean():.4f} of the frame is coloured"


def test_every_scene_uses_the_kit() -> None:
    """The narrator's captions and the faint axes come from scenes/_kit.py, not copies."""
    for file, _ in SCENES:
        tree, _ = module_docstring(file)
        kit = [node for node in tree.body if isinstance(node, ast.ImportFrom)
               and node.module == "_kit"]
        assert kit, f"{file} does not import from _kit"
        local = {node.name for node in ast.walk(tree)
                 if isinstance(node, ast.FunctionDef) and node.name in ("caption", "say")}
        assert not local, f"{file} defines its own {sorted(local)}"


def test_scenes_find_the_kit_from_any_folder(tmp_path: Path) -> None:
    """`manim render` loads a scene file from elsewhere with its folder on sys.path, so
    `from _kit import ...` works wherever the user runs it (here: an empty folder)."""
    code = (
        "import sys; from pathlib import Path\n"
        "from manim.utils.module_ops import get_module, get_scene_classes_from_module\n"
        "for file, scene in SCENES:\n"
        "    module = get_module(Path(SCENES_DIR) / file)\n"
        "    names = [c.__name__ for c in get_scene_classes_from_module(module)]\n"
        "    assert scene in names, (file, names)\n"
        "print('ok', len(SCENES))\n"
    )
    setup = f"SCENES = {SCENES!r}\nSCENES_DIR = {str(SCENES_DIR)!r}\n"
    done = subprocess.run([sys.executable, "-c", setup + code], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == f"ok {len(SCENES)}"
