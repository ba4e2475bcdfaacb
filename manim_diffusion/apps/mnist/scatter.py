"""The latent plane of LatentMNISTPanel: its extent and axes, the codes by class, the legend."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from manim import DOWN, RIGHT, Axes, CoordinateSystem, ManimColor, Text, VGroup

from ...mobjects.cloud import DistributionCloud

__all__ = ["check_codes", "class_legend", "codes_scatter", "latent_axes", "latent_extent"]

Extent = tuple[float, float, float, float]


def check_codes(codes: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes ``(N, 2)`` as float32 and their integer labels ``(N,)`` (>= 0), checked.

    Parameters
    ----------
    codes, labels
        Latent codes and their class labels.
    """
    c = np.asarray(codes, dtype=np.float32)
    if c.ndim != 2 or c.shape[1] != 2:
        raise ValueError(f"codes must have shape (N, 2), got {c.shape}")
    lab = np.asarray(labels)
    if lab.shape != (len(c),):
        raise ValueError(f"labels must have shape ({len(c)},), got {lab.shape}")
    if len(lab) and not np.issubdtype(lab.dtype, np.integer):
        if not np.all(lab == np.round(lab)):
            raise ValueError("labels must be integers")
    lab = lab.astype(np.int64)
    if len(lab) and lab.min() < 0:
        raise ValueError(f"labels must be >= 0, got {lab.min()}")
    return c, lab


def latent_extent(
    extent: Extent | None, axes: CoordinateSystem | None, codes: np.ndarray
) -> Extent:
    """The latent box shown: ``extent``, else the axes' ranges, else the codes' bulk.

    Parameters
    ----------
    extent
        ``(x0, x1, y0, y1)`` or ``None``.
    axes
        Axes given to the panel, or ``None``.
    codes
        The codes ``(N, 2)``: their 0.5 to 99.5 percentiles plus a margin.
    """
    if extent is None and axes is not None:
        extent = (axes.x_range[0], axes.x_range[1], axes.y_range[0], axes.y_range[1])
    if extent is None:
        finite = codes[np.isfinite(codes).all(axis=1)]
        if len(finite):
            lo, hi = np.percentile(finite, [0.5, 99.5], axis=0)
            m = 0.08 * float(np.max(hi - lo)) + 1e-3
            extent = (lo[0] - m, hi[0] + m, lo[1] - m, hi[1] + m)
        else:
            extent = (-3.0, 3.0, -3.0, 3.0)
    x0, x1, y0, y1 = (float(v) for v in extent)
    if not (np.isfinite([x0, x1, y0, y1]).all() and x1 > x0 and y1 > y0):
        raise ValueError(f"extent must be (x0, x1, y0, y1) with x0 < x1 and y0 < y1, "
                         f"got {extent}")
    return x0, x1, y0, y1


def latent_axes(extent: Extent, size: float, axes_config: dict[str, Any] | None) -> Axes:
    """Faint axes with square cells over ``extent``, the longer side ``size`` long.

    Parameters
    ----------
    extent
        ``(x0, x1, y0, y1)`` of the latent plane.
    size
        The longer side in scene units.
    axes_config
        More :class:`~manim.Axes` arguments.
    """
    x0, x1, y0, y1 = extent
    scale = size / max(x1 - x0, y1 - y0)
    cfg: dict[str, Any] = {
        "tips": False,
        "axis_config": {"stroke_opacity": 0.3, "include_ticks": False, "stroke_width": 1.5},
    }
    cfg.update(axes_config or {})
    return Axes(x_range=[x0, x1, 1], y_range=[y0, y1, 1], x_length=(x1 - x0) * scale,
                y_length=(y1 - y0) * scale, **cfg)


def codes_scatter(
    codes: np.ndarray, labels: np.ndarray, extent: Extent, axes: CoordinateSystem | None,
    palette: Sequence[ManimColor], cfg: dict[str, Any],
) -> DistributionCloud:
    """The codes as a cloud coloured by class (those outside ``extent`` hidden if clipped).

    Parameters
    ----------
    codes, labels
        Checked codes and labels (:func:`check_codes`).
    extent, axes
        The latent box and its axes.
    palette
        One colour per class.
    cfg
        The panel's ``scatter_config``: ``radius``, ``opacity``, ``clip``.
    """
    shown = codes
    if cfg["clip"]:  # codes outside the extent are not drawn
        x0, x1, y0, y1 = extent
        inside = ((shown[:, 0] >= x0) & (shown[:, 0] <= x1)
                  & (shown[:, 1] >= y0) & (shown[:, 1] <= y1))
        shown = np.where(inside[:, None], shown, np.nan).astype(np.float32)
    return DistributionCloud(shown, axes=axes, radius=cfg["radius"], opacity=cfg["opacity"],
                             palette=palette, labels=labels)


def class_legend(
    palette: Sequence[ManimColor], box: tuple[np.ndarray, np.ndarray], cfg: dict[str, Any]
) -> VGroup:
    """The class names in their colours, in a row centred above the box.

    Parameters
    ----------
    palette
        One colour per class.
    box
        Scene corners (lower left, upper right) of the latent box.
    cfg
        The panel's ``legend_config``: ``font_size``, ``buff``, ``spacing``, ``names``.
    """
    n_classes = len(palette)
    names = cfg["names"]
    if names is None:
        names = [str(k) for k in range(n_classes)]
    names = list(names)
    if len(names) != n_classes:
        raise ValueError(f"legend_config names must have {n_classes} entries, "
                         f"got {len(names)}")
    legend = VGroup(*(Text(name, font_size=cfg["font_size"], color=palette[k])
                      for k, name in enumerate(names)))
    legend.arrange(RIGHT, buff=cfg["spacing"], aligned_edge=DOWN)
    lo, hi = box
    legend.move_to(((lo[0] + hi[0]) / 2, hi[1] + cfg["buff"] + legend.height / 2, 0))
    return legend
