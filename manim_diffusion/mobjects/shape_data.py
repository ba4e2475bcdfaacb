"""Point sets read from any Manim shape: text, SVG, circles, hand-made paths."""

from __future__ import annotations

from typing import Literal

import numpy as np
from manim import Mobject

from ..data.shapes import sample_curves, sample_inside

__all__ = ["points_from_mobject"]

_MODES = ("outline", "fill")


def _member_curves(member: Mobject) -> np.ndarray:
    """The cubic Bézier curves ``(k, 4, 2)`` of one family member (x and y only)."""
    per_curve = getattr(member, "n_points_per_curve", None)
    if per_curve not in (3, 4):
        raise TypeError(
            f"points_from_mobject reads the Bézier curves of VMobjects, but the family "
            f"holds a {type(member).__name__} with points (use sample_image for pictures)"
        )
    pts = np.asarray(member.points, dtype=np.float64)
    k = len(pts) // per_curve
    curves = pts[: k * per_curve].reshape(k, per_curve, 3)[:, :, :2]
    if per_curve == 3:  # OpenGL's quadratic curves, raised to cubic ones
        a0, c, a1 = curves[:, 0], curves[:, 1], curves[:, 2]
        curves = np.stack([a0, a0 + 2 / 3 * (c - a0), a1 + 2 / 3 * (c - a1), a1], axis=1)
    return curves


def points_from_mobject(
    mobject: Mobject,
    n: int = 2000,
    mode: Literal["outline", "fill"] = "outline",
    seed: int = 0,
    size: float = 4.0,
) -> np.ndarray:
    """A 2D data set of ``n`` points drawn from the shape of a mobject.

    The cubic Bézier curves of every family member with points are read (``x`` and
    ``y``; ``z`` is dropped). ``"outline"`` spreads the points uniformly by arc length
    along all curves (:func:`~manim_diffusion.data.shapes.sample_curves`);
    ``"fill"`` spreads them uniformly over the filled area
    (:func:`~manim_diffusion.data.shapes.sample_inside`): each member is filled by
    the even-odd rule over its subpaths, so the holes of "o", "A" or "B" stay empty,
    and overlapping members stay filled. The result is centred and scaled so its
    longer side is ``size``, inside the ``±2.5`` box of the built-in data sets.

    Parameters
    ----------
    mobject
        Any VMobject or group of them: ``Text``, ``SVGMobject``, ``Circle``,
        ``VMobject().set_points_as_corners(...)``, ...
    n
        Number of points, at least 1.
    mode
        ``"outline"`` (points on the curves) or ``"fill"`` (points inside).
    seed
        Seed of the generator: the same seed gives the same points.
    size
        Longer side of the result's bounding box, in data units.

    Returns
    -------
    np.ndarray
        float32 array of shape ``(n, 2)``, ready for training like
        :func:`~manim_diffusion.engine.make_dataset`.

    Raises
    ------
    ValueError
        If ``mode`` is unknown, the mobject has no points, or (``"fill"``) its
        curves enclose no area.
    TypeError
        If ``mobject`` is not a mobject, or its family holds a mobject with points
        that is not made of Bézier curves (an ``ImageMobject``).

    Examples
    --------
    A word, its letters filled with points, and its outline.

    .. manim:: PointsFromMobjectExample

        from manim_diffusion import DistributionCloud, points_from_mobject

        class PointsFromMobjectExample(Scene):
            def construct(self):
                word = Text("diffusion", weight=BOLD)
                inside = points_from_mobject(word, n=5000, mode="fill", size=9)
                outline = points_from_mobject(word, n=3000, mode="outline", size=9)
                # without axes a cloud's data units are scene units: move the points
                self.add(word.copy().scale(0.8).to_edge(UP, buff=0.3),
                         DistributionCloud(inside + [0, 1.0], radius=0.02, color=BLUE),
                         DistributionCloud(outline + [0, -2.0], radius=0.02, color=YELLOW))
    """
    if mode not in _MODES:
        raise ValueError(f"unknown mode {mode!r}; choose one of: {', '.join(_MODES)}")
    if not isinstance(mobject, Mobject) and not hasattr(mobject, "family_members_with_points"):
        raise TypeError(f"mobject must be a manim Mobject, got {type(mobject).__name__}")
    members = [_member_curves(m) for m in mobject.family_members_with_points()]
    members = [c for c in members if len(c)]
    if not members:
        raise ValueError(
            f"the {type(mobject).__name__} has no points: there is no shape to sample"
        )
    if mode == "outline":
        return sample_curves(np.concatenate(members), n, seed, size=size)
    # one region per member: its subpaths (split where a curve leaves the previous
    # end) are combined by even-odd, and the members are united
    return sample_inside(members, n, seed, size=size, regions=True)
