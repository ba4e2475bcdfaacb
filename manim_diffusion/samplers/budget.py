"""The memory a sampling run will hold, estimated before it allocates anything."""

from __future__ import annotations

import math
import os

__all__ = ["MEMORY_CAP", "check_memory", "default_memory_limit", "run_bytes"]

#: The most a run may hold by default, whatever the machine: 8 GiB.
MEMORY_CAP = 8 * 2**30

#: Bytes per grid time: times, alpha, sigma, log-SNR, g^2 and temporaries (float64).
GRID_BYTES_PER_TIME = 64

#: Bytes of one recorded value (points and x0-hat are kept in float32).
ITEMSIZE = 4


def default_memory_limit() -> int:
    """Half the machine's physical memory, at most :data:`MEMORY_CAP`."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows) or no such name
        return MEMORY_CAP
    return min(MEMORY_CAP, total // 2) if total > 0 else MEMORY_CAP


def run_bytes(shape: tuple[int, ...], recorded: int, grid_times: int, arrays: int) -> int:
    """Bytes of ``arrays`` recorded arrays of ``recorded`` rows of ``shape``, and the grid."""
    return recorded * math.prod(shape) * ITEMSIZE * arrays + grid_times * GRID_BYTES_PER_TIME


def _human(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if size < 1024 or unit == "PiB":
            return f"{size:.1f} {unit}" if unit != "B" else f"{int(size)} B"
        size /= 1024
    raise AssertionError  # pragma: no cover - the loop returns


def check_memory(
    shape: tuple[int, ...],
    recorded: int,
    grid_times: int,
    record_predictions: bool,
    max_memory: int | None = None,
) -> int:
    """Refuse, in one line, a run that would hold more than ``max_memory`` bytes.

    ``shape`` is ``(n, *point)``; ``recorded`` the rows kept (steps + 1), of the points
    and, with ``record_predictions``, of x0-hat. Returns the estimate in bytes.
    """
    if max_memory is None:
        max_memory = default_memory_limit()
    elif isinstance(max_memory, bool) or not isinstance(max_memory, int) or max_memory < 1:
        raise ValueError(f"max_memory must be a positive number of bytes, got {max_memory!r}")
    arrays = 2 if record_predictions else 1
    size = run_bytes(shape, recorded, grid_times, arrays)
    if size > max_memory:
        what = "points and x0-hat" if record_predictions else "points"
        fix = "fewer steps or fewer points" + (
            ", or record_predictions=False" if record_predictions else "")
        raise ValueError(
            f"this run would hold {_human(size)} ({what} at {recorded} times for {shape[0]} "
            f"points of {math.prod(shape[1:])} values, in float32), over the "
            f"{_human(max_memory)} limit (max_memory=): use {fix}"
        )
    return size
