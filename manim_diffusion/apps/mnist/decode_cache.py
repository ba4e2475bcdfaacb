"""DecodeCache: decoded images of latents, each exact latent decoded once."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["CACHE_SIZE", "DecodeCache"]

CACHE_SIZE = 4096  # decoded positions kept per cache


class DecodeCache:
    """Decoded images keyed by the exact float32 latent, least recently used dropped.

    Calling the cache with latents ``(M, 2)`` returns their images ``(M, H, W)`` in
    ``[0, 1]`` and calls ``decode`` once, on the latents not cached yet; ``calls`` and
    ``decoded`` count what it asked for. Every mobject of the MNIST application that
    decodes (the panel's digits, strip and manifold; the branching grid) reads one.

    Parameters
    ----------
    decode
        A callable mapping latents ``(M, 2)`` (float32) to images ``(M, H, W)``
        (numpy or torch), e.g. a VAE decoder.
    size
        How many decoded latents are kept.
    point_shape
        The shape of one latent (``(2,)``); ``(1, 28, 28)`` when the "latents" are
        pixel-space images and ``decode`` only maps them to [0, 1].

    Examples
    --------
    .. manim:: DecodeCacheExample

        from manim_diffusion.apps.mnist.decode_cache import DecodeCache
        from manim_diffusion.apps.mnist.toy_digits import toy_latent_digits

        class DecodeCacheExample(Scene):
            def construct(self):
                cache = DecodeCache(toy_latent_digits().decode)
                z = np.array([[0.0, 2.0], [0.0, 2.0], [1.2, 1.6]], dtype=np.float32)
                images = cache(z)  # the repeated latent is decoded once
                for i, image in enumerate(images):
                    self.add(ImageMobject(np.uint8(255 * image)).set(height=2)
                             .shift(RIGHT * 2.5 * (i - 1)))
                self.add(Text(f"{cache.decoded} latents decoded").to_edge(DOWN))
    """

    def __init__(self, decode: Callable[[np.ndarray], Any], size: int = CACHE_SIZE,
                 point_shape: tuple[int, ...] = (2,)) -> None:
        if not callable(decode):
            raise TypeError(f"decode must be a callable latents (M, 2) -> images (M, H, W), "
                            f"got {type(decode).__name__}")
        self.decode = decode
        self.size = size
        self.point_shape = tuple(int(d) for d in point_shape)
        self.images: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self.shape: tuple[int, int] | None = None
        self.calls = 0  # calls of ``decode``
        self.decoded = 0  # latents passed to ``decode``

    def _call(self, z: np.ndarray) -> np.ndarray:
        out = self.decode(z)
        if hasattr(out, "detach"):  # a torch tensor
            out = out.detach().cpu().numpy()
        out = np.asarray(out, dtype=np.float32)
        if out.ndim != 3 or out.shape[0] != len(z) or min(out.shape[1:]) < 1:
            raise ValueError(
                f"decode must map latents of shape (M, 2) to images of shape (M, H, W); "
                f"for M = {len(z)} it returned shape {out.shape}"
            )
        if self.shape is not None and out.shape[1:] != self.shape:
            raise ValueError(f"decode returned images of size {out.shape[1:]}, earlier "
                             f"{self.shape}")
        self.shape = out.shape[1:]
        self.calls += 1
        self.decoded += len(z)
        return np.clip(np.nan_to_num(out, nan=0.0), 0.0, 1.0)

    def __call__(self, z: np.ndarray) -> np.ndarray:
        """Images ``(M, H, W)`` of latents ``(M, 2)``, decoding only the ones not cached."""
        z = np.ascontiguousarray(z, dtype=np.float32).reshape(-1, *self.point_shape)
        keys = [row.tobytes() for row in z]
        missing = list(dict.fromkeys(k for k in keys if k not in self.images))
        if missing:
            fresh = self._call(np.stack([np.frombuffer(k, dtype=np.float32)
                                         .reshape(self.point_shape) for k in missing]))
            for k, img in zip(missing, fresh, strict=True):
                self.images[k] = img
        out = []
        for k in keys:
            self.images.move_to_end(k)
            out.append(self.images[k])
        while len(self.images) > self.size:
            self.images.popitem(last=False)
        if not out:
            return np.zeros((0, *(self.shape or (1, 1))), dtype=np.float32)
        return np.stack(out)

