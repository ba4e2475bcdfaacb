"""TimeDriven: the time source, get/set_time, refresh on update and axes map of a mobject."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, cast

from manim import CoordinateSystem, Mobject, ValueTracker

from .coords import DataToScene, time_source
from .shared import Shared

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self from Python 3.11

__all__ = ["FollowsAxes", "TimeDriven", "TimeLike"]

#: What a time-driven mobject follows: a ``ValueTracker`` or a fixed number.
TimeLike = ValueTracker | float


def _held(value: Any) -> Any:
    return value.value if isinstance(value, Shared) else value


class FollowsAxes:
    """Mixin of a mobject whose data coordinates are mapped to the scene through axes.

    The map is a :class:`~manim_diffusion.mobjects.coords.DataToScene`, read anew
    whenever it is asked for, so the mobject follows axes that move or scale. Mix it
    in before the Manim class (``class M(FollowsAxes, VGroup)``); it has no
    ``__init__`` and no metaclass of its own, so Manim's ``ConvertToOpenGL`` and its
    deep copy work as for any mobject. A class whose copies should keep the same map
    (and, for :class:`TimeDriven`, the same time source) instead of copies of the
    axes and the tracker sets ``_copies_share_sources = True``.

    Parameters
    ----------
    axes
        Given to :meth:`_set_axes_map`: the coordinate system of the data, or ``None``
        (one data unit is one scene unit).

    Examples
    --------
    .. manim:: FollowsAxesExample

        import numpy as np
        from manim_diffusion.mobjects.base import FollowsAxes

        class Marks(FollowsAxes, VMobject):
            def __init__(self, points, axes, **kwargs):
                super().__init__(fill_opacity=1, **kwargs)
                self.data = np.asarray(points, dtype=float)
                self._set_axes_map(axes)
                self.add_updater(lambda m: m.set_points_as_corners(
                    m.data_map.to_3d(m.data)))

        class FollowsAxesExample(Scene):
            def construct(self):
                axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=6, y_length=6)
                marks = Marks([[-2, -1], [0, 2], [2, -1], [-2, -1]], axes, color=YELLOW)
                self.add(axes, marks)
                self.play(axes.animate.scale(0.6).shift(LEFT), run_time=2)
    """

    _copies_share_sources: ClassVar[bool] = False
    _axes_map: DataToScene | Shared[DataToScene]

    def _hold(self, value: Any) -> Any:
        """``value`` as this class keeps its sources: shared by copies, or copied."""
        return Shared(value) if self._copies_share_sources else value

    def _set_axes_map(self, axes: CoordinateSystem | None) -> None:
        """Map the data through ``axes`` (``None``: data units are scene units)."""
        self._axes_map = self._hold(DataToScene(axes))

    @property
    def data_map(self) -> DataToScene:
        """The map from data coordinates to scene coordinates now."""
        return cast(DataToScene, _held(self._axes_map))


class TimeDriven(FollowsAxes):
    """Mixin of a mobject that follows library time: one time source, one updater.

    It gives the mobject its time source (a ``ValueTracker`` to follow or a fixed
    float, through :func:`~manim_diffusion.mobjects.coords.time_source`),
    :meth:`get_time` and :meth:`set_time` (which returns the mobject, so calls
    chain), the updater that calls :meth:`refresh` on every frame, and the axes map of
    :class:`FollowsAxes`. A subclass draws in :meth:`refresh` (redrawing only when
    what it shows changed), calls :meth:`_set_time_source` (and
    :meth:`_set_axes_map`) while it is built and :meth:`_follow_updates` when it is
    built. It may bound the time (:meth:`_clamp_time`) and pass a new time source on
    to its parts (:meth:`_on_time_source`).

    Parameters
    ----------
    time
        Given to :meth:`_set_time_source` and :meth:`set_time`: a ``ValueTracker`` to
        follow, or a float (a fixed time).

    Examples
    --------
    .. manim:: TimeDrivenExample

        import numpy as np
        from manim_diffusion.mobjects.base import TimeDriven

        class Hand(TimeDriven, VMobject):
            \"\"\"A clock hand at angle ``2 pi t``.\"\"\"

            def __init__(self, time, **kwargs):
                super().__init__(**kwargs)
                self._set_time_source(time)
                self._follow_updates()

            def refresh(self):
                a = np.pi / 2 - 2 * np.pi * self.get_time()
                return self.set_points_as_corners([ORIGIN, 2 * np.array(
                    [np.cos(a), np.sin(a), 0])])

        class TimeDrivenExample(Scene):
            def construct(self):
                t = ValueTracker(0)
                self.add(Circle(radius=2), Hand(t, color=YELLOW, stroke_width=6))
                self.play(t.animate.set_value(1), run_time=3)
    """

    _clock: Callable[[], float] | Shared[Callable[[], float]]

    def _set_time_source(self, time: TimeLike) -> None:
        """Follow a ``ValueTracker`` or a fixed time (anything else raises)."""
        self._follow_clock(time_source(time))

    def _follow_clock(self, clock: Callable[[], float]) -> None:
        """Follow a callable returning the time, e.g. another mobject's ``get_time``."""
        self._clock = self._hold(clock)

    def _clamp_time(self, time: float) -> float:
        """The time shown for the source's ``time`` (the identity unless overridden)."""
        return time

    def get_time(self) -> float:
        """The library time the mobject shows now."""
        return self._clamp_time(float(_held(self._clock)()))

    def set_time(self, time: TimeLike) -> Self:
        """Follow another tracker, or freeze at a time."""
        self._set_time_source(time)
        self._on_time_source(time)
        return self.refresh()

    def _on_time_source(self, time: TimeLike) -> None:
        """Called by :meth:`set_time`: parts following the same time follow the new one."""

    def refresh(self) -> Self:
        """Redraw for the current time (the updater calls it on every frame)."""
        return self

    def _follow_updates(self) -> Self:
        """Add the updater that refreshes the mobject on every frame, and refresh now."""
        cast(Mobject, self).add_updater(lambda m: m.refresh())
        return self.refresh()
