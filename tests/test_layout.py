"""The layout check: texts and plots inside the safe margin, no two labels overlapping.

The checker on small scenes with known answers, then every shipped scene at the end of
each of its sections (animations skipped, as ``manim render -s`` skips them).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Circle,
    FadeOut,
    Scene,
    Text,
    ThreeDScene,
    ValueTracker,
    tempconfig,
)

from manim_diffusion.mobjects.glyphs import LiveText
from manim_diffusion.mobjects.layout import check_layout, check_scene
from manim_diffusion.mobjects.timebar import TimeBar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scenes"))

#: The two scenes that train while they build train for fewer steps (as in
#: tests/test_scenes.py); the layout is the same code.
TEST_PARAMS: dict[str, dict[str, int]] = {
    "CustomShape": {"train_steps": 1500},
    "TrainingEvolutionScene": {"train_steps": 1000},
}


@pytest.fixture
def scene() -> Iterator[Scene]:
    with tempconfig({"dry_run": True, "quality": "low_quality"}):
        yield Scene()


def label(text: str = "label") -> Text:
    return Text(text, font_size=30)


def test_a_clean_layout_has_no_problem(scene: Scene) -> None:
    scene.add(label("title").to_edge(UP), label("left").shift(3 * LEFT),
              label("right").shift(3 * RIGHT), Text("two\nlines", font_size=40).to_edge(DOWN),
              Circle(radius=5))  # shapes that are not plots may reach the edge
    assert check_layout(scene) == []


def test_a_label_at_the_edge_is_caught(scene: Scene) -> None:
    scene.add(label("data").to_edge(RIGHT, buff=0.1), label("inside").to_edge(LEFT, buff=0.3))
    problems = check_layout(scene, section="s1")
    assert [(p.kind, p.section) for p in problems] == [("margin", "s1")]
    assert "Text 'data'" in problems[0].message and str(problems[0]).startswith("[s1] margin:")
    assert check_layout(scene, margin=0.05) == []  # inside a smaller margin
    with pytest.raises(ValueError, match="margin must be >= 0"):
        check_layout(scene, margin=-1)


def test_two_overlapping_labels_are_caught_once(scene: Scene) -> None:
    a, b = label("first label"), label("second label").shift(0.5 * RIGHT + 0.1 * UP)
    scene.add(a, b, label("apart").shift(2 * DOWN))
    problems = check_layout(scene)
    assert len(problems) == 1 and problems[0].kind == "overlap"
    assert "'first label'" in problems[0].message and "'second label'" in problems[0].message
    b.next_to(a, RIGHT, buff=0.05)  # side by side: not an overlap
    assert check_layout(scene) == []


def test_faded_out_and_off_screen_labels_are_not_checked(scene: Scene) -> None:
    scene.add(label("a"), label("faded").set_opacity(0),
              label("faded at the edge").to_edge(RIGHT, buff=0).set_opacity(0),
              label("parked").shift(20 * RIGHT))
    assert check_layout(scene) == []


def test_the_time_bar_and_live_labels_are_texts(scene: Scene) -> None:
    t = ValueTracker(1.0)
    bar = TimeBar(time=t, length=13.8)  # wider than the safe frame
    live = LiveText("t = 1.00", font_size=24).move_to(bar.value_label)
    scene.add(bar, live)
    found = [(p.kind, p.message.split(" at ")[0]) for p in check_layout(scene)]
    assert ("margin", "TimeBar's LiveText 'data'") in found
    assert ("margin", "TimeBar's LiveText 'noise'") in found
    assert ("margin", "TimeBar's bar") in found  # the bar itself is a plot
    assert ("overlap", "TimeBar's label 't = 1.00'") in found  # under the live label
    scene.remove(live)
    bar.stretch_to_fit_width(8)
    assert check_layout(scene) == []


def test_three_d_scenes_project_all_but_fixed_in_frame_mobjects() -> None:
    with tempconfig({"dry_run": True, "quality": "low_quality"}):
        scene = ThreeDScene()
        scene.set_camera_orientation(phi=0, theta=-90 * 3.141592653589793 / 180)
        far = label("far").move_to([6.9, 0, 0])
        scene.add(far)
        assert [p.kind for p in check_layout(scene)] == ["margin"]
        scene.set_camera_orientation(zoom=0.5)  # the camera draws it at x = 3.45
        assert check_layout(scene) == []
        scene.add_fixed_in_frame_mobjects(far)  # fixed: drawn where it is
        assert [p.kind for p in check_layout(scene)] == ["margin"]


class TwoSections(Scene):
    def construct(self) -> None:
        edge = label("edge").to_edge(RIGHT, buff=0.05)
        self.next_section("first")
        self.add(edge)
        self.wait(0.5)
        self.next_section("second")
        self.play(FadeOut(edge), run_time=3)
        self.add(label("one"), label("two"))


def test_check_scene_checks_the_end_of_each_section() -> None:
    start = time.perf_counter()
    problems = check_scene(TwoSections)
    assert time.perf_counter() - start < 10  # the 3 s fade is skipped, not rendered
    assert [(p.section, p.kind) for p in problems] == [("first", "margin"), ("second", "overlap")]
    with pytest.raises(TypeError, match="takes a Scene class"):
        check_scene(Text)  # type: ignore[arg-type]
