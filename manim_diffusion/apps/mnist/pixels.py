"""MNIST images as float rows of 784 pixels in [0, 1], the input of every MNIST network."""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["PIXELS", "as_pixels"]

#: Pixels of an MNIST image (28 by 28).
PIXELS = 28 * 28


def as_pixels(images: np.ndarray | torch.Tensor) -> torch.Tensor:
    """Images as float32 rows of 784 values in [0, 1].

    ``uint8`` images (0-255, as MNIST stores them) are divided by 255; float images
    are taken to be in [0, 1] already. Shapes ``(N, 28, 28)`` and ``(N, 784)`` both work.
    """
    if isinstance(images, torch.Tensor):
        x = images.float() / 255.0 if images.dtype == torch.uint8 else images.float()
    else:
        arr = np.asarray(images)
        x = torch.from_numpy(arr.astype(np.float32))  # a copy: the caller's array stays put
        if arr.dtype == np.uint8:
            x /= 255.0
    if x.ndim < 2 or x[0].numel() != PIXELS:
        raise ValueError(f"images must have shape (N, 28, 28) or (N, 784), got {tuple(x.shape)}")
    return x.reshape(-1, PIXELS)

