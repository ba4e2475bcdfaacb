"""Point sets from shapes: arc-length and area uniformity, holes, images, seeds, errors."""

from __future__ import annotations

import numpy as np
import pytest
from manim import Circle, ImageMobject, Square, SVGMobject, Text, VGroup, VMobject
from PIL import Image
from scipy.spatial import cKDTree
from scipy.stats import kstest

from manim_diffusion.engine import (
    fit_to_box,
    sample_curves,
    sample_image,
    sample_inside,
    sample_polyline,
)
from manim_diffusion.mobjects import points_from_mobject

K = 4 / 3 * (np.sqrt(2) - 1)  # handle length of a Bézier quarter circle
QUARTER = np.array([[1.0, 0.0], [1.0, K], [K, 1.0], [0.0, 1.0]])
ROT90 = np.array([[0.0, 1.0], [-1.0, 0.0]])  # +90 degrees on row vectors
UNIT_CIRCLE = np.stack([QUARTER @ np.linalg.matrix_power(ROT90, i) for i in range(4)])

OUTER = [(-2, -2), (2, -2), (2, 2), (-2, 2)]
HOLE = [(-1, -1), (1, -1), (1, 1), (-1, 1)]


def _within(fraction: float, expected: float, n: int) -> bool:
    """Is ``fraction`` within five binomial standard deviations of ``expected``?"""
    return abs(fraction - expected) < 5 * np.sqrt(expected * (1 - expected) / n)


def _dense(curves: np.ndarray, k: int = 400) -> np.ndarray:
    t = np.linspace(0, 1, k)[None, :, None]
    a0, h0, h1, a1 = (curves[:, i, None, :] for i in range(4))
    pts = (1 - t) ** 3 * a0 + 3 * (1 - t) ** 2 * t * h0 + 3 * (1 - t) * t**2 * h1 + t**3 * a1
    return pts.reshape(-1, 2)


# ---------------------------------------------------------------------- outlines
def test_curve_points_lie_on_the_circle_with_uniform_angles() -> None:
    xy = sample_curves(UNIT_CIRCLE, 5000, fit=False)
    assert xy.shape == (5000, 2) and xy.dtype == np.float32
    r = np.hypot(xy[:, 0], xy[:, 1])
    assert np.all(np.abs(r - 1) < 3e-4)  # the Bézier circle is off by 2.7e-4 at most
    angle = np.arctan2(xy[:, 1], xy[:, 0]) % (2 * np.pi) / (2 * np.pi)
    assert kstest(angle, "uniform").pvalue > 1e-3


def test_curve_points_are_uniform_by_arc_length_not_parameter() -> None:
    # x(t) = t**3 on [0, 1]: uniform in t would pile the points up near x = 0
    line = np.array([[[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [1.0, 0.0]]])
    xy = sample_curves(line, 4000, fit=False)
    assert np.all(xy[:, 1] == 0)
    assert kstest(xy[:, 0], "uniform").pvalue > 1e-3
    # and a curve three times as long gets three times the points
    long = np.array([[[0.0, 1.0], [1.0, 1.0], [2.0, 1.0], [3.0, 1.0]]])
    xy = sample_curves(np.concatenate([line, long]), 4000, fit=False)
    assert _within(np.mean(xy[:, 1] == 1), 0.75, 4000)


def test_polyline_is_uniform_by_length_and_closes() -> None:
    xy = sample_polyline([(0, 0), (1, 0), (1, 3)], 4000, fit=False)
    on_first = np.isclose(xy[:, 1], 0)
    assert np.all(on_first | np.isclose(xy[:, 0], 1))
    assert _within(on_first.mean(), 0.25, 4000)
    square = sample_polyline([(0, 0), (1, 0), (1, 1), (0, 1)], 4000, closed=True, fit=False)
    left = np.isclose(square[:, 0], 0) & (square[:, 1] > 0) & (square[:, 1] < 1)
    assert _within(left.mean(), 0.25, 4000)  # the closing side gets its share
    open_ = sample_polyline([(0, 0), (1, 0), (1, 1), (0, 1)], 4000, fit=False)
    assert not np.any(np.isclose(open_[:, 0], 0) & (open_[:, 1] > 1e-6) & (open_[:, 1] < 1))


# ---------------------------------------------------------------------- areas
def test_square_with_a_hole_leaves_the_hole_empty() -> None:
    n = 6000
    xy = sample_inside([OUTER, HOLE], n, fit=False)
    assert np.all(np.abs(xy) <= 2) and not np.any(np.all(np.abs(xy) < 1, axis=1))
    assert _within(np.mean(xy[:, 0] > 0), 0.5, n) and _within(np.mean(xy[:, 1] > 0), 0.5, n)
    top_band = (np.abs(xy[:, 0]) < 1) & (xy[:, 1] > 1)  # area 2 of 12
    assert _within(top_band.mean(), 2 / 12, n)


def test_bezier_disc_is_uniform_in_area() -> None:
    xy = sample_inside(UNIT_CIRCLE, 5000, fit=False)
    r2 = np.sum(xy.astype(np.float64) ** 2, axis=1)
    assert r2.max() <= 1 + 1e-3
    assert kstest(r2, "uniform").pvalue > 1e-3  # uniform in a disc: r**2 ~ U(0, 1)


def test_regions_are_united_and_subpaths_combined_by_even_odd() -> None:
    a = [(0, 0), (2, 0), (2, 2), (0, 2)]
    b = [(1, 1), (3, 1), (3, 3), (1, 3)]
    overlap = lambda xy: np.all((xy > 1) & (xy < 2), axis=1)  # noqa: E731
    evenodd = sample_inside([a, b], 3000, fit=False)
    union = sample_inside([[a], [b]], 3000, fit=False, regions=True)
    assert not overlap(evenodd).any()
    assert _within(overlap(union).mean(), 1 / 7, 3000)


def test_fit_to_box_centres_and_keeps_the_aspect() -> None:
    pts = np.array([[1.0, 1.0], [5.0, 1.0], [5.0, 3.0]])
    out = fit_to_box(pts, size=4.0)
    np.testing.assert_allclose(out, [[-2, -1], [2, -1], [2, 1]])
    assert fit_to_box(pts.astype(np.float32)).dtype == np.float32
    # the samplers fit the shape's box, not the sample's
    xy = sample_curves(UNIT_CIRCLE * 7 + 3, 2000, size=3.0)
    np.testing.assert_allclose(np.hypot(xy[:, 0], xy[:, 1]), 1.5, atol=1e-3)
    one = sample_inside([OUTER, HOLE], 1, size=2.0)
    assert one.shape == (1, 2) and np.all(np.abs(one) <= 1)


# ---------------------------------------------------------------------- images
def _bar_image() -> np.ndarray:
    img = np.full((40, 60), 255, np.uint8)
    img[5:10, 10:50] = 0  # near the top of the picture
    return img


def test_image_points_land_in_the_ink_with_y_up() -> None:
    xy = sample_image(_bar_image(), 2000, fit=False)
    assert np.all((xy[:, 0] >= 10) & (xy[:, 0] <= 50))
    assert np.all((xy[:, 1] >= 30) & (xy[:, 1] <= 35))  # rows 5..9 of 40, y up
    fitted = sample_image(_bar_image(), 2000)
    np.testing.assert_allclose(fitted.min(axis=0), [-2, -0.25], atol=0.01)
    np.testing.assert_allclose(fitted.max(axis=0), [2, 0.25], atol=0.01)


def test_image_density_follows_darkness_and_inputs_agree(tmp_path) -> None:
    img = np.full((20, 20), 255, np.uint8)
    img[:, :5] = 0  # black
    img[:, 15:] = 128  # grey: half as dark (127 / 255)
    xy = sample_image(img, 6000, fit=False)
    black = np.mean(xy[:, 0] < 5)
    assert np.all((xy[:, 0] < 5) | (xy[:, 0] >= 15))
    assert _within(black, 255 / (255 + 127), 6000)
    bright = sample_image(255 - img, 6000, fit=False, invert=False)
    np.testing.assert_array_equal(bright, xy)
    np.testing.assert_array_equal(sample_image(img / 255.0, 50), sample_image(img, 50))
    path = tmp_path / "ink.png"
    Image.fromarray(img).save(path)
    np.testing.assert_array_equal(sample_image(path, 50), sample_image(img, 50))
    rgba = np.zeros((20, 20, 4), np.uint8)  # transparent black paper ...
    rgba[5:8, 2:6, 3] = 255  # ... with an opaque black patch
    Image.fromarray(rgba, "RGBA").save(tmp_path / "alpha.png")
    pts = sample_image(str(tmp_path / "alpha.png"), 500, fit=False)
    assert np.all((pts[:, 0] >= 2) & (pts[:, 0] <= 6) & (pts[:, 1] >= 12) & (pts[:, 1] <= 15))


# ---------------------------------------------------------------------- seeds
@pytest.mark.parametrize(
    "draw",
    [
        lambda seed: sample_curves(UNIT_CIRCLE, 300, seed),
        lambda seed: sample_polyline([(0, 0), (1, 2), (3, 1)], 300, seed=seed),
        lambda seed: sample_inside([OUTER, HOLE], 300, seed),
        lambda seed: sample_image(_bar_image(), 300, seed),
        lambda seed: points_from_mobject(Circle(), 300, "fill", seed=seed),
    ],
    ids=["curves", "polyline", "inside", "image", "mobject"],
)
def test_seeds_repeat_and_differ(draw) -> None:
    np.testing.assert_array_equal(draw(3), draw(3))
    assert not np.allclose(draw(3), draw(4))


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: sample_curves(np.zeros((3, 3, 2)), 10), r"\(M, 4, 2\)"),
        (lambda: sample_curves(UNIT_CIRCLE, 0), "positive integer"),
        (lambda: sample_curves(UNIT_CIRCLE, 2.5), "positive integer"),
        (lambda: sample_curves(UNIT_CIRCLE * np.nan, 10), "NaN"),
        (lambda: sample_curves(np.ones((2, 4, 2)), 10), "zero length"),
        (lambda: sample_curves(UNIT_CIRCLE, 10, size=-1), "size"),
        (lambda: sample_polyline([(0, 0)], 10), "P >= 2"),
        (lambda: sample_polyline([(1, 1), (1, 1)], 10), "zero length"),
        (lambda: sample_inside([(0, 0), (1, 1), (2, 2)], 10), "no area"),
        (lambda: sample_inside([(0, 0), (1, 0), (2, 0)], 10), "no area"),
        (lambda: sample_inside([(0, 0), (1, 1)], 10), "P >= 3"),
        (lambda: sample_inside("square", 10), "list"),
        (lambda: sample_image(np.full((5, 5), 255), 10), "empty.*white"),
        (lambda: sample_image(np.zeros((5, 5)), 10, invert=False), "empty.*black"),
        (lambda: sample_image(np.zeros((5, 5, 3)), 10), "2D"),
        (lambda: sample_image(np.full((5, 5), -1.0), 10), "0-255"),
        (lambda: sample_image("/no/such/picture.png", 10), "cannot read"),
        (lambda: fit_to_box([(1, 1), (1, 1)]), "zero extent"),
        (lambda: points_from_mobject(Circle(), mode="stroke"), "unknown mode"),
        (lambda: points_from_mobject(VMobject()), "no points"),
        (lambda: points_from_mobject(Circle(), n=0), "positive integer"),
    ],
)
def test_bad_input_raises_a_clear_error(call, match) -> None:
    with pytest.raises(ValueError, match=match):
        call()


def test_non_bezier_mobjects_are_refused() -> None:
    with pytest.raises(TypeError, match="sample_image"):
        points_from_mobject(ImageMobject(np.zeros((4, 4, 3), np.uint8)))


# ---------------------------------------------------------------------- mobjects
def test_circle_fill_is_uniform_in_the_disc() -> None:
    xy = points_from_mobject(Circle(), 5000, mode="fill")
    assert xy.shape == (5000, 2) and xy.dtype == np.float32
    r2 = np.sum((xy.astype(np.float64) / 2) ** 2, axis=1)  # fitted to radius 2
    assert r2.max() <= 1 + 1e-3
    assert kstest(r2, "uniform").pvalue > 1e-3


def test_letter_o_keeps_its_hole_and_outline_follows_the_glyph() -> None:
    glyph = Text("O")
    fill = points_from_mobject(glyph, 4000, mode="fill")
    r = np.hypot(fill[:, 0], fill[:, 1])
    assert r.min() > 1.0  # the counter of the O (radius ~1.28 once fitted) is empty
    assert np.all(np.abs(fill) <= 2 + 1e-3)
    curves = np.concatenate(
        [m.points.reshape(-1, 4, 3)[:, :, :2] for m in glyph.family_members_with_points()]
    )
    dense = fit_to_box(_dense(curves))
    outline = points_from_mobject(glyph, 2000, mode="outline")
    dist, _ = cKDTree(dense).query(outline)
    assert dist.max() < 0.01
    inner = np.hypot(outline[:, 0], outline[:, 1]) < 1.8  # the counter's loop, shorter
    assert 0.3 < inner.mean() < 0.5


@pytest.mark.parametrize(
    "mob",
    [
        Text("hi"),
        Square(),
        VGroup(Circle(), Square().shift([1, 0, 0])),
        VMobject().set_points_as_corners([[0, 0, 0], [2, 0, 0], [0, 1, 0], [0, 0, 0]]),
    ],
    ids=["text", "square", "group", "corners"],
)
def test_common_mobjects_give_fitted_points(mob) -> None:
    for mode in ("outline", "fill"):
        xy = points_from_mobject(mob, 500, mode=mode, size=3.0)
        assert xy.shape == (500, 2) and np.isfinite(xy).all()
        assert np.all(np.abs(xy) <= 1.5 + 1e-3)
        assert np.ptp(xy, axis=0).max() > (2.9 if mode == "outline" else 2.5)


def test_corner_path_fill_stays_inside_the_triangle() -> None:
    tri = VMobject().set_points_as_corners([[0, 0, 0], [2, 0, 0], [0, 2, 0], [0, 0, 0]])
    xy = points_from_mobject(tri, 2000, mode="fill", size=2.0) + 1  # back onto [0, 2]^2
    assert np.all(xy[:, 0] + xy[:, 1] <= 2 + 1e-4)
    assert _within(np.mean(xy[:, 0] + xy[:, 1] < np.sqrt(2)), 0.5, 2000)


def test_svg_ring_has_an_empty_middle(tmp_path) -> None:
    svg = tmp_path / "ring.svg"
    svg.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
        '<path fill-rule="evenodd" d="M10 10 H90 V90 H10 Z M30 30 H70 V70 H30 Z"/></svg>'
    )
    xy = points_from_mobject(SVGMobject(str(svg)), 2000, mode="fill")
    assert not np.any(np.all(np.abs(xy) < 0.95, axis=1))  # the hole spans +-1 of +-2
    assert _within(np.mean(np.abs(xy[:, 0]) < 1), 4 / 12, 2000)  # strips above, below the hole


def test_open_corner_path_fills_as_its_closed_polygon() -> None:
    """An open path A-B-C fills as the triangle ABC (as Cairo draws it)."""
    from manim import VMobject

    from manim_diffusion.mobjects import points_from_mobject

    tri = VMobject().set_points_as_corners([[0, 0, 0], [2, 0, 0], [0, 2, 0]])
    pts = points_from_mobject(tri, 2000, mode="fill", seed=0, size=2.0)
    # fitted into [-1, 1]^2: the triangle x + y <= 0 in fitted coordinates
    assert (pts.sum(axis=1) <= 1e-6).all()
    assert pts[:, 0].min() < -0.9 and pts[:, 1].min() < -0.9
