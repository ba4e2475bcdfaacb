"""Sampling runs cached on disk, keyed by everything that made them."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..core.trajectory import Trajectory

__all__ = ["RUN_CACHE_ENV", "cached_run", "run_cache_dir"]

#: Set it to a folder to keep cached runs there, or to ``off`` to sample every time.
RUN_CACHE_ENV = "MANIM_DIFFUSION_RUN_CACHE"
#: Bump when the samplers change what a key gives.
_VERSION = 1


def run_cache_dir() -> Path | None:
    """Where cached runs live: ``$MANIM_DIFFUSION_RUN_CACHE`` or ``media/runs`` (None: off)."""
    value = os.environ.get(RUN_CACHE_ENV, "")
    if value.lower() in ("off", "0", "no"):
        return None
    return Path(value) if value else Path("media") / "runs"


def cached_run(key: Mapping[str, Any], make: Callable[[], Trajectory],
               folder: Path | None = None) -> Trajectory:
    """``make()``'s run, read from disk when a run of the same ``key`` was saved before.

    The key must name everything the run depends on (model file hash, sampler, steps,
    seed, count, labels, guidance...): it is hashed as sorted JSON. A damaged or
    unreadable cache file is ignored and replaced; the file is written atomically.

    Parameters
    ----------
    key
        Plain data (numbers, strings, lists, dicts) that decides the run.
    make
        Samples the run when it is not cached.
    folder
        The cache folder (default :func:`run_cache_dir`; caching off when None there).

    Examples
    --------
    .. manim:: CachedRunExample
        :save_last_frame:

        import tempfile
        from pathlib import Path
        from manim_diffusion import DistributionCloud, cached_run, load_pretrained, sample

        class CachedRunExample(Scene):
            def construct(self):
                folder = Path(tempfile.mkdtemp())
                key = {"model": "smiley_ddpm", "sampler": "ddim", "steps": 30, "n": 1500}
                make = lambda: sample(load_pretrained("smiley_ddpm"), "ddim", 30, n=1500)
                first = cached_run(key, make, folder)  # sampled, then saved
                again = cached_run(key, make, folder)  # read back from the file
                self.add(DistributionCloud(again, time=1.0, radius=0.02),
                         Text(f"same points: {bool((first.points == again.points).all())}",
                              font_size=28).to_corner(UL))
    """
    where = run_cache_dir() if folder is None else folder
    if where is None:
        return make()
    text = json.dumps({"v": _VERSION, **dict(key)}, sort_keys=True, default=str)
    path = where / f"{hashlib.sha256(text.encode()).hexdigest()[:24]}.npz"
    if path.exists():
        try:
            return Trajectory.load(path)
        except ValueError:
            pass  # a damaged file: sample again and replace it
    run = make()
    try:
        run.save(path)
    except OSError:
        pass  # a read-only folder: the run is still good, it is just not kept
    return run
