"""LikelihoodHeatmap: log p_t over the plane through the probability-flow ODE, or exact."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from manim import CoordinateSystem, ParsableManimColor, ValueTracker

from ..analysis.kde import Grid
from ..analysis.likelihood import ode_log_likelihood
from ..core.prediction import Predictor
from .heatmap import DensityHeatmap
from .palettes import ERROR_COLORS, INFERNO
from .shared import Shared

__all__ = ["LIKELIHOOD_VIEWS", "LikelihoodHeatmap"]

#: What a panel shows.
LIKELIHOOD_VIEWS: dict[str, str] = {
    "ode": "log p_t through the probability-flow ODE of the model",
    "exact": "the exact log p_t of a known density (a GaussianMixture)",
    "error": "|ODE - exact|: how far the ODE's log-likelihood is from the truth",
}
_LABELS = {"ode": "log p", "exact": "log p", "error": "gap"}


class _LogDensityGrid:
    """The ODE's and the exact log p on one grid, cached per shown time (panels share it)."""

    def __init__(self, model: Predictor, exact: Any, grid: Grid, time_step: float,
                 options: dict[str, Any]) -> None:
        self.model, self.exact, self.grid = model, exact, grid
        self.time_step = time_step
        self.options = options
        gx, gy = np.meshgrid(grid.x, grid.y)
        self.points = np.c_[gx.ravel(), gy.ravel()]
        self.cache: dict[tuple[str, float], np.ndarray] = {}

    def key(self, t: float) -> float:
        """The time shown for ``t``: rounded to ``time_step``, within [0, 1]."""
        t = min(max(float(t), 0.0), 1.0)
        return t if not self.time_step else round(round(t / self.time_step) * self.time_step, 10)

    def values(self, view: str, t: float) -> np.ndarray:
        """What panel ``view`` draws at time ``t``, shape ``(ny, nx)``, row 0 at the bottom."""
        key = (view, self.key(t))
        if key not in self.cache:
            if view == "ode":
                flat = ode_log_likelihood(self.model, self.points, key[1], progress=False,
                                          **self.options).log_prob
            elif view == "exact":
                flat = np.asarray(self.exact.log_prob(self.points, key[1]), dtype=np.float64)
            else:
                flat = np.abs(self.values("ode", t) - self.values("exact", t)).ravel()
            self.cache[key] = flat.reshape(self.grid.ny, self.grid.nx)
        return self.cache[key]


class LikelihoodHeatmap(DensityHeatmap):
    """``log p_t`` over the plane computed through the probability-flow ODE of a model.

    A :class:`DensityHeatmap` of log-density: every pixel is a grid node ``x``, and
    its colour is ``log p_t(x)`` from
    :func:`~manim_diffusion.analysis.likelihood.ode_log_likelihood` (the node carried
    back to the noise by the model's ODE, the divergence integrated on the way). With
    ``exact`` (a :class:`~manim_diffusion.densities.mixture.GaussianMixture` on the
    model's schedule) it can show instead the exact ``log p_t`` (``view="exact"``) or
    the absolute error of the ODE's (``view="error"``); :meth:`companion` makes such a
    panel beside this one, sharing its grid, solves and time.

    What it shows at a time ``t``: ``log p_t`` at the *fixed* grid nodes, for ``t``
    rounded to ``time_step``. Each shown time costs one ODE solve of every node from
    that time back to the noise (``steps`` x stages forward and ``D`` times as many
    backward passes per node), done once and cached, so it follows a time tracker at
    a few solves per unit of time. It is not what one run's points carry along their
    paths (:func:`~manim_diffusion.analysis.likelihood.log_density_along`): those
    points move with the flow, while a heat map's nodes stay put, so every time needs
    its own solve.

    Parameters
    ----------
    model
        Any predictor on 2D points (a trained model, a guided one, an exact mixture).
    time
        Library time: a ``ValueTracker`` to follow or a float (1: the data's density).
    axes
        The coordinate system of the data.
    exact
        The true density, with ``log_prob(points, t)`` (a ``GaussianMixture``):
        needed for ``view="exact"`` and ``"error"``.
    view
        One of :data:`LIKELIHOOD_VIEWS`: ``"ode"``, ``"exact"`` or ``"error"``.
    steps, solver, divergence
        The ODE solve of each shown time (see ``ode_log_likelihood``).
    time_step
        Shown times are rounded to this (0: every time its own solve).
    extent, resolution
        The data box and the grid cells along its longer side (the image is smoothed
        as it is upscaled).
    value_range
        The ``(low, high)`` values at the ends of the colour ramp; by default, for the
        log-density panels, the 9 units of log p below the exact maximum (the ODE's
        without ``exact``) at the first time shown, and ``(0, 1)`` for the error.
    colors
        The colour ramp (inferno for log p, dark to red for the error).
    colorbar, colorbar_config
        As for :class:`DensityHeatmap` (the label is "log p", or "gap" for the error).
    ode_config
        More keyword arguments of ``ode_log_likelihood`` (``grid``, ``probes``, ...).

    Examples
    --------
    The shipped three-dots flow model's log-likelihood through its ODE, beside the
    exact log-density of the mixture it learned, and the error:

    .. manim:: LikelihoodHeatmapExample
        :save_last_frame:

        from manim_diffusion import GaussianMixture, load_pretrained
        from manim_diffusion.mobjects.likelihood_heatmap import LikelihoodHeatmap

        class LikelihoodHeatmapExample(Scene):
            def construct(self):
                model = load_pretrained("three_dots_flow")
                gm = GaussianMixture.three_dots(schedule=model.schedule)
                axes = [Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=3.1, y_length=3.1,
                             tips=False).set_opacity(0.3) for _ in range(3)]
                Group(*axes).arrange(RIGHT, buff=1.3).shift(0.3 * DOWN + 0.5 * LEFT)
                ode = LikelihoodHeatmap(model, axes=axes[0], exact=gm, resolution=36,
                                        steps=12)
                panels = [ode, ode.companion("exact", axes=axes[1]),
                          ode.companion("error", axes=axes[2])]
                for panel, ax, title in zip(panels, axes, ["ODE", "exact", "|ODE - exact|"]):
                    self.add(panel, ax, Text(title, font_size=26).next_to(ax, UP, buff=0.4))
    """

    def __init__(
        self,
        model: Predictor,
        time: ValueTracker | float = 1.0,
        axes: CoordinateSystem | None = None,
        *,
        exact: Any = None,
        view: str = "ode",
        steps: int = 16,
        solver: str = "heun",
        divergence: str = "exact",
        time_step: float = 0.05,
        extent: tuple[float, float, float, float] | None = None,
        resolution: int = 48,
        value_range: tuple[float, float] | None = None,
        colors: Sequence[ParsableManimColor] | None = None,
        colorbar: bool = True,
        colorbar_config: dict[str, Any] | None = None,
        ode_config: dict[str, Any] | None = None,
        _shared: Shared[_LogDensityGrid] | None = None,
        **kwargs: Any,
    ) -> None:
        if view not in LIKELIHOOD_VIEWS:
            raise ValueError(f"unknown view {view!r}; choose one of: {', '.join(LIKELIHOOD_VIEWS)}")
        if view != "ode" and not callable(getattr(exact, "log_prob", None)):
            raise ValueError(f"view={view!r} needs exact=: the true density, with "
                             "log_prob(points, t) (a GaussianMixture)")
        if not (isinstance(time_step, int | float) and 0 <= time_step <= 1):
            raise ValueError(f"time_step must be a number in [0, 1], got {time_step!r}")
        box = self._extent(extent, axes, None)
        if _shared is None:
            options = {"steps": steps, "solver": solver, "divergence": divergence,
                       **(ode_config or {})}
            grid = self._pixel_grid(box, resolution)
            _shared = Shared(_LogDensityGrid(model, exact, grid, float(time_step), options))
        else:  # a companion: the shared grid's size
            resolution = max(_shared.value.grid.nx, _shared.value.grid.ny)
        self._source = _shared
        self.view = view
        self._time_arg = time
        start = time.get_value() if isinstance(time, ValueTracker) else float(time)
        bar = {"label": _LABELS[view], **(colorbar_config or {})}
        super().__init__(
            self._source.value, time=time, axes=axes, extent=box, resolution=resolution,
            colors=colors or (ERROR_COLORS if view == "error" else INFERNO),
            value_range=value_range or self._default_range(start), transparent_below=0.0,
            colorbar=colorbar, colorbar_config=bar, **kwargs)
        self._home_axes = axes

    def _default_range(self, t: float) -> tuple[float, float]:
        if self.view == "error":
            return (0.0, 1.0)
        source = self._source.value
        top = source.values("exact" if source.exact is not None else "ode", t).max()
        top = float(np.ceil(top * 2.0) / 2.0)
        return (top - 9.0, top)

    def _classify(self, source: Any, bw_factor: float) -> tuple[Any, bool, None]:
        """The grid evaluator of this panel (the parent's hook for its sources)."""
        return (lambda t: self._source.value.values(self.view, t)), False, None

    def _density(self, t: float) -> np.ndarray:
        """The panel's values at ``t`` (log p may be negative: no clipping at 0)."""
        return self._source.value.values(self.view, t)

    def log_prob(self, t: float | None = None) -> np.ndarray:
        """The values shown at ``t`` (now by default), ``(ny, nx)``, row 0 at the bottom."""
        return self._density(self.get_time() if t is None else t)

    def shown_time(self) -> float:
        """The time whose log-density is drawn now (the time rounded to ``time_step``)."""
        return self._source.value.key(self.get_time())

    def companion(self, view: str, axes: CoordinateSystem | None = None,
                  **kwargs: Any) -> LikelihoodHeatmap:
        """Another panel of the same grid and time (``"exact"`` or ``"error"``), on ``axes``.

        It shares this panel's solves (the error panel costs no ODE solve of its
        own) and, for a log-density panel, its colour scale.

        Parameters
        ----------
        view
            One of :data:`LIKELIHOOD_VIEWS`.
        axes
            The companion's axes (this panel's by default).
        kwargs
            Other settings of the companion (``colors``, ``colorbar_config`` ...).
        """
        source = self._source.value
        if view != "error" and "value_range" not in kwargs:
            kwargs["value_range"] = self.value_range
        return LikelihoodHeatmap(source.model, self._time_arg, axes or self._home_axes,
                                 exact=source.exact, view=view, extent=self.extent,
                                 _shared=self._source, **kwargs)
