"""Time grids: where in library time a sampler's steps fall."""

from __future__ import annotations

import numpy as np
import torch

from ..core.schedules import Schedule
from .views import RegistryView

__all__ = ["GRIDS", "time_grid"]

_KINDS: dict[str, str] = {
    "uniform": "steps evenly spaced in library time",
    "logsnr": "steps evenly spaced in half log-SNR, log(alpha / sigma), between the ends",
}

#: Time grids: even in library time, or even in log-SNR (DPM-Solver's choice).
GRIDS: RegistryView[str, str] = RegistryView(_KINDS, str)


def time_grid(steps: int, schedule: Schedule | None = None, kind: str = "uniform") -> torch.Tensor:
    """``steps + 1`` library times rising from 0 (noise) to 1 (data).

    ``kind="logsnr"`` spaces the inner times evenly in log-SNR of ``schedule``
    (between its values at ``1 / steps`` and ``1 - 1 / (4 steps)``), which puts more
    steps near the data, where the paths bend.

    Parameters
    ----------
    steps
        Number of steps; the grid has ``steps + 1`` times.
    schedule
        The :class:`~manim_diffusion.core.schedules.Schedule` whose log-SNR spaces a
        ``"logsnr"`` grid (not needed for ``"uniform"``).
    kind
        One of :data:`GRIDS`: ``"uniform"`` or ``"logsnr"``.

    Examples
    --------
    .. manim:: TimeGridExample
        :save_last_frame:

        from manim_diffusion import get_schedule, time_grid

        class TimeGridExample(Scene):
            def construct(self):
                for row, kind in enumerate(["uniform", "logsnr"]):
                    times = time_grid(20, get_schedule("linear"), kind=kind)
                    line = NumberLine(x_range=[0, 1, 0.25], length=8).shift(1.5 * RIGHT)
                    line.shift((1 - 2 * row) * UP)
                    dots = VGroup(*(Dot(line.n2p(float(t)), radius=0.06, color=YELLOW)
                                    for t in times))
                    label = Text(f'kind="{kind}"', font_size=28).next_to(line, LEFT, buff=0.4)
                    self.add(line, dots, label)
                self.add(Text("t = 0: noise", font_size=24).move_to([-2.5, -2, 0]),
                         Text("t = 1: data", font_size=24).move_to([5.5, -2, 0]))
    """
    if kind not in GRIDS:
        raise ValueError(f"unknown time grid {kind!r}; choose one of: {', '.join(GRIDS)}")
    uniform = torch.linspace(0.0, 1.0, steps + 1, dtype=torch.float64)
    if kind == "uniform" or steps < 3:
        return uniform
    if schedule is None:
        raise ValueError("a log-SNR grid needs the schedule")
    # invert log-SNR (monotone in t) on a fine table
    fine = torch.linspace(0.0, 1.0, 20001, dtype=torch.float64)[1:-1]
    lam = schedule.log_snr(fine)
    lo = float(schedule.log_snr(1.0 / steps))
    hi = float(schedule.log_snr(1.0 - 0.25 / steps))
    targets = torch.linspace(lo, hi, steps - 1, dtype=torch.float64)
    inner = np.interp(targets.numpy(), lam.numpy(), fine.numpy())
    return torch.cat([uniform[:1], torch.as_tensor(inner), uniform[-1:]])
