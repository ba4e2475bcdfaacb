"""Which torch device a run uses: ``auto``, ``cpu``, ``cuda`` (or ``cuda:1``) or ``mps``."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["DEVICE_NAMES", "model_device", "resolve_device"]

#: The device names the CLI's ``--device`` accepts (``cuda:N`` also works in the API).
DEVICE_NAMES: tuple[str, ...] = ("auto", "cpu", "cuda", "mps")


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def resolve_device(name: str | torch.device | None = "auto") -> torch.device:
    """The torch device called ``name``, refused in one line if this machine lacks it.

    ``"auto"`` (or None) is CUDA when present, then Apple's MPS, then the CPU.

    Parameters
    ----------
    name
        ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:N"``, ``"mps"`` or a
        :class:`torch.device`.

    Raises
    ------
    ValueError
        For an unknown name, or a device this machine does not have (the message says
        what to pass instead).

    Examples
    --------
    .. manim:: ResolveDeviceExample
        :save_last_frame:

        from manim_diffusion import resolve_device

        class ResolveDeviceExample(Scene):
            def construct(self):
                lines = [f"auto -> {resolve_device('auto')}", f"cpu -> {resolve_device('cpu')}"]
                self.add(Paragraph(*lines, font_size=36))
    """
    if name is None or name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps") if _mps_available() else torch.device("cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError):
        raise ValueError(f"unknown device {name!r}; choose one of: "
                         f"{', '.join(DEVICE_NAMES)}") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {str(name)!r} is not available here (torch finds no "
                             "CUDA GPU); use --device cpu, or auto to take the best there is")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ValueError(f"device {str(name)!r} is not available here: this machine has "
                             f"{torch.cuda.device_count()} CUDA device(s)")
    elif device.type == "mps" and not _mps_available():
        raise ValueError(f"device {str(name)!r} is not available here (torch finds no Apple "
                         "MPS GPU); use --device cpu, or auto to take the best there is")
    elif device.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"unknown device {str(name)!r}; choose one of: "
                         f"{', '.join(DEVICE_NAMES)}")
    return device


def model_device(model: object) -> torch.device:
    """The device of a predictor's weights (the CPU for one without any, e.g. a mixture)."""
    module = model if isinstance(model, nn.Module) else getattr(model, "model", None)
    if isinstance(module, nn.Module):
        first = next(module.parameters(), None)
        if first is not None:
            return first.device
    return torch.device("cpu")
