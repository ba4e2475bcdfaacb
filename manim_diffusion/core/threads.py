"""How many CPU threads torch uses for a run, restored afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

__all__ = ["SINGLE_THREAD_POINTS", "limited_threads"]

#: Up to this many points, work runs on one thread by default: a second thread gains
#: nothing on these small nets, and on a busy 2-core machine it cost up to 30x
#: (0.75 s against 23 s for 2,000 points x 200 DDPM steps).
SINGLE_THREAD_POINTS = 4096


@contextmanager
def limited_threads(n_points: int | None = None, threads: int | None = None) -> Iterator[int]:
    """Run the block on ``threads`` torch threads, then restore the caller's setting.

    With ``threads=None``: one thread for up to :data:`SINGLE_THREAD_POINTS` points,
    torch's current setting otherwise. Yields the number used.

    Parameters
    ----------
    n_points
        Number of points the block works on, to choose the thread count by.
    threads
        The thread count to use, a positive integer; overrides ``n_points``.

    Examples
    --------
    .. manim:: LimitedThreadsExample
        :save_last_frame:

        from manim_diffusion import DistributionCloud, limited_threads, load_pretrained, sample

        class LimitedThreadsExample(Scene):
            def construct(self):
                with limited_threads(threads=1) as used:
                    run = sample(load_pretrained("smiley_ddpm"), "ddim", steps=30, n=2000,
                                 seed=0)
                self.add(DistributionCloud(run, time=1.0, radius=0.02),
                         Text(f"sampled on {used} thread", font_size=28).to_corner(UL))
    """
    saved = torch.get_num_threads()
    if threads is None:
        small = n_points is not None and n_points <= SINGLE_THREAD_POINTS
        threads = 1 if small else saved
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be a positive integer, got {threads!r}")
    torch.set_num_threads(threads)
    try:
        yield threads
    finally:
        torch.set_num_threads(saved)
