"""FadeInPlace and FadeOutPlace draw manim's FadeIn / FadeOut frames and copy nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from framecheck import render_frames
from manim import (
    BLUE,
    DOWN,
    UP,
    Circle,
    FadeIn,
    FadeOut,
    Mobject,
    Scene,
    Square,
    Text,
    VGroup,
    there_and_back,
)

from manim_diffusion.mobjects.fades import FadeInPlace, FadeOutPlace


def caption() -> VGroup:
    """A caption with glyphs, a filled and stroked shape, and a half-opaque one."""
    return VGroup(
        Text("a caption of several words", font_size=30).shift(UP),
        Square(side_length=1.5, fill_color=BLUE, fill_opacity=0.6, stroke_width=6),
        Circle(radius=0.5, stroke_opacity=0.5).shift(2 * DOWN),
    )


def fade_frames(tmp_path: Path, fade: type, **kwargs) -> np.ndarray:
    def construct(scene: Scene) -> None:
        old, new = caption(), caption().shift(3 * np.array([1.0, 0, 0]))
        scene.add(old)
        scene.play(fade[0](old, **kwargs), fade[1](new, **kwargs), run_time=0.6)
        scene.wait(0.2)
    return render_frames(construct, tmp_path, last_frame=False)


@pytest.mark.parametrize("rate_func", [None, there_and_back])
def test_in_place_fades_draw_the_frames_of_fade_in_and_fade_out(
    tmp_path: Path, rate_func
) -> None:
    kwargs = {} if rate_func is None else {"rate_func": rate_func}
    manims = fade_frames(tmp_path / "manim", (FadeOut, FadeIn), **kwargs)
    ours = fade_frames(tmp_path / "ours", (FadeOutPlace, FadeInPlace), **kwargs)
    assert ours.shape == manims.shape and len(ours) >= 10
    # every frame: the same pixels (one unit of 255 for rounding); and the fade shows
    diff = np.abs(ours.astype(int) - manims.astype(int))
    worst = diff.max((1, 2, 3))
    assert worst.max() <= 1, f"largest difference {worst.max()} in frame {worst.argmax()}"
    middle = len(ours) // 3
    assert np.abs(ours[middle].astype(int) - ours[0]).max() > 50


def test_in_place_fades_make_no_copy_and_fade_out_gives_the_opacity_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copies: list[str] = []
    real_copy = Mobject.copy

    def counted(self: Mobject) -> Mobject:
        copies.append(type(self).__name__)
        return real_copy(self)

    gone = caption()
    opacities = [m.get_fill_opacity() for m in gone.get_family()]
    shown: list[bool] = []

    def construct(scene: Scene) -> None:
        monkeypatch.setattr(Mobject, "copy", counted)
        scene.add(gone)
        scene.play(FadeOutPlace(gone), FadeInPlace(caption()), run_time=0.4)
        shown.append(gone in scene.mobjects)

    render_frames(construct, tmp_path)
    assert copies == []
    assert shown == [False]  # removed like FadeOut ...
    assert [m.get_fill_opacity() for m in gone.get_family()] == opacities  # ... and restored


def test_an_image_is_refused_with_what_to_use_instead(tmp_path: Path) -> None:
    from manim import Group, ImageMobject

    image = ImageMobject(np.full((4, 4, 4), 255, dtype=np.uint8))
    for fade in (FadeInPlace, FadeOutPlace):
        with pytest.raises(TypeError, match="use FadeIn / FadeOut"):
            fade(Group(image, Text("a"))).begin()
