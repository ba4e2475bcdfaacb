"""WarpedGrid: the flow map's lines at the tracker's time, plain or coloured by stretch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from framecheck import check_frames
from manim import Axes, Scene, ValueTracker, VMobject

from manim_diffusion.analysis.flow_map import FlowMap, flow_map
from manim_diffusion.analysis.grid_lines import grid_lines
from manim_diffusion.densities.mixture import GaussianMixture
from manim_diffusion.mobjects.warped_grid import WarpedGrid, curves_to_beziers


@pytest.fixture(scope="module")
def three_dots_map() -> FlowMap:
    return flow_map(GaussianMixture.three_dots(), grid_lines(2.5, 7, 49), "ddim", 30)


def axes() -> Axes:
    return Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=6.5, y_length=6.5)


def drawn_points(grid: WarpedGrid) -> np.ndarray:
    return np.concatenate([m.points for m in grid.submobjects if len(m.points)])


def test_curves_to_beziers_pass_through_every_vertex_smoothly() -> None:
    s = np.linspace(0, 3, 7)
    curve = np.stack([s, s**2, 0 * s], axis=1)[None]
    quads = curves_to_beziers(curve)
    assert quads.shape == (1, 6, 4, 3)
    np.testing.assert_allclose(quads[0, :, 0], curve[0, :-1])
    np.testing.assert_allclose(quads[0, :, 3], curve[0, 1:])
    out_tangent = quads[0, :-1, 3] - quads[0, :-1, 2]  # C1 at every inner vertex
    in_tangent = quads[0, 1:, 1] - quads[0, 1:, 0]
    np.testing.assert_allclose(out_tangent, in_tangent, atol=1e-12)
    straight = curves_to_beziers(curve, smooth=False)
    np.testing.assert_allclose(straight[0, :, 1], (2 * curve[0, :-1] + curve[0, 1:]) / 3)


def test_the_grid_follows_the_tracker_forwards_and_backwards(three_dots_map: FlowMap) -> None:
    t = ValueTracker(0.0)
    ax = axes()
    grid = WarpedGrid(three_dots_map, time=t, axes=ax)
    for value in (0.3, 0.95, 0.5):
        t.set_value(value)
        grid.update()
        want = np.array([ax.c2p(*p) for p in three_dots_map.at(value).reshape(-1, 2)])
        segments = grid.submobjects[0].points.reshape(14, 48, 4, 3)  # line by line
        np.testing.assert_allclose(segments[:, :, 0], want.reshape(14, 49, 3)[:, :-1], atol=1e-9)
        np.testing.assert_allclose(segments[:, :, 3], want.reshape(14, 49, 3)[:, 1:], atol=1e-9)
    t.set_value(0.0)
    grid.update()  # back at the start: the lines are straight again
    starts = grid.submobjects[0].points.reshape(-1, 4, 3)[:, 0]
    np.testing.assert_allclose(starts[:48, 1], starts[0, 1], atol=1e-9)


def test_stretch_colours_sort_segments_by_their_stretch(three_dots_map: FlowMap) -> None:
    grid = WarpedGrid(three_dots_map, time=1.0, color_by="stretch")
    lo, hi = grid.stretch_range
    assert lo == pytest.approx(1 / hi) and np.log2(hi) == pytest.approx(round(np.log2(hi)))
    assert len(grid.submobjects) == 16
    total = sum(len(m.points) for m in grid.submobjects)
    assert total == 14 * 48 * 4  # every segment drawn once
    stretch = three_dots_map.stretch(1.0)
    assert stretch.min() < np.log(lo) / 2  # the first colours are used: squeezed space
    assert len(grid.submobjects[0].points) > 0
    np.testing.assert_allclose(drawn_points(grid).min(0)[:2],
                               three_dots_map.at(1.0).reshape(-1, 2).min(0), atol=0.05)
    fixed = WarpedGrid(three_dots_map, time=1.0, color_by="stretch", stretch_range=(0.5, 2))
    assert fixed.stretch_range == pytest.approx((0.5, 2.0))
    legend = fixed.stretch_legend()
    words = [m.text for m in legend.submobjects[2]]
    assert words == ["x1/2", "x1", "x2"]


def test_bad_input_is_refused(three_dots_map: FlowMap) -> None:
    points = flow_map(GaussianMixture.three_dots(), np.zeros((5, 2)), "ddim", 5)
    with pytest.raises(ValueError, match="curves of 2D or 3D points"):
        WarpedGrid(points)
    with pytest.raises(TypeError, match="flow must be a FlowMap"):
        WarpedGrid(np.zeros((3, 4, 2)))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="color_by must be None or 'stretch'"):
        WarpedGrid(three_dots_map, color_by="area")
    plain = flow_map(GaussianMixture.three_dots(), grid_lines(2.0, 3, 5), "ddim", 5,
                     jacobian=False)
    with pytest.raises(ValueError, match="jacobian=True"):
        WarpedGrid(plain, color_by="stretch")
    with pytest.raises(ValueError, match="not coloured by stretch"):
        WarpedGrid(three_dots_map).stretch_legend()
    with pytest.raises(ValueError, match="two area factors"):
        WarpedGrid(three_dots_map, color_by="stretch", stretch_range=(2, 0.5))


def test_warped_grid_plain_frames(request: pytest.FixtureRequest, tmp_path: Path,
                                  three_dots_map: FlowMap) -> None:
    def construct(scene: Scene) -> None:
        t = ValueTracker(0.0)
        scene.add(WarpedGrid(three_dots_map, time=t, axes=axes()))
        scene.play(t.animate.set_value(1.0), run_time=0.4)
        scene.play(t.animate.set_value(0.7), run_time=0.2)  # and back

    check_frames(request, tmp_path, construct, last_frame=False)


def test_warped_grid_stretch_frames(request: pytest.FixtureRequest, tmp_path: Path,
                                    three_dots_map: FlowMap) -> None:
    def construct(scene: Scene) -> None:
        grid = WarpedGrid(three_dots_map, time=0.9, axes=axes(), color_by="stretch",
                          stroke_width=3)
        scene.add(grid, grid.stretch_legend().to_corner([1, 1, 0]))

    check_frames(request, tmp_path, construct)


def test_warped_grid_3d_points_draw_without_axes() -> None:
    gm = GaussianMixture(means=[[0.5, -0.3, 0.2]], stds=0.6)
    fm = flow_map(gm, grid_lines(2.0, 3, 9, dim=3), "ddim", 10)
    grid = WarpedGrid(fm, time=1.0, color_by="stretch")
    assert isinstance(grid.submobjects[0], VMobject)
    pts = drawn_points(grid)
    assert pts.shape[1] == 3 and np.ptp(pts[:, 2]) > 0.5  # z kept for a 3D camera
    assert "volume" in grid.stretch_legend().submobjects[3].text
