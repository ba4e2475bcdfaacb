"""A small U-Net denoiser for images, with a time embedding and an optional class embedding."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from .nets import TimeEmbedding, embed_time_and_class

__all__ = ["UNetDenoiser"]


def _groups(channels: int) -> int:
    """GroupNorm groups: 8 when they divide the channels, else the largest divisor below."""
    for g in (8, 4, 2):
        if channels % g == 0:
            return g
    return 1


class _ResBlock(nn.Module):
    """Norm, SiLU, conv; the embedding added as a per-channel shift; twice; a skip."""

    def __init__(self, c_in: int, c_out: int, emb_dim: int) -> None:
        super().__init__()
        self.norm1 = nn.GroupNorm(_groups(c_in), c_in)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.emb = nn.Linear(emb_dim, c_out)
        self.norm2 = nn.GroupNorm(_groups(c_out), c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(emb)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return h + self.skip(x)


class UNetDenoiser(nn.Module):
    """A U-Net on images ``(N, C, H, W)`` and times ``t``: the image-space denoiser.

    Two halvings of the resolution (28 -> 14 -> 7 for MNIST), one residual block
    per level on the way down and on the way up, skip connections by concatenation.
    The sinusoidal time embedding (plus a learned class embedding for a conditional
    net) goes through a small MLP and shifts every block's channels.

    Parameters
    ----------
    image_shape
        ``(C, H, W)`` of one image; H and W must be divisible by 4.
    channels
        Channels at full, half and quarter resolution.
    time_dim
        Size of the sinusoidal time embedding (the MLP after it is 4x wider).
    num_classes
        Number of classes to condition on (0: unconditional). Label -1 (or none
        given) is the "no class" embedding: the unconditional branch of
        classifier-free guidance.

    Examples
    --------
    The shipped pixel model's predicted noise (eps-hat) for a digit noised to t = 0.5,
    beside the noisy digit and the clean estimate x0-hat:

    .. manim:: UNetDenoiserExample
        :save_last_frame:

        import torch
        from manim_diffusion import load_pixel_mnist

        class UNetDenoiserExample(Scene):
            def construct(self):
                kit = load_pixel_mnist()  # kit.model.net is a UNetDenoiser
                x0 = torch.from_numpy(kit.to_model(kit.digits[:1]))
                eps = torch.randn(x0.shape, generator=torch.Generator().manual_seed(0))
                alpha, sigma = kit.model.schedule.alpha(0.5), kit.model.schedule.sigma(0.5)
                xt = alpha * x0 + sigma * eps
                with torch.no_grad():
                    pred = kit.model.predict(xt, 0.5, labels=int(kit.digit_labels[0]))
                row = Group()
                for image, title in [(xt, "x_t"), (pred.eps, "eps-hat"), (pred.x0, "x0-hat")]:
                    pixels = np.uint8(255 * np.clip(kit.to_unit(image.numpy())[0, 0], 0, 1))
                    picture = ImageMobject(pixels).set(height=3.5)
                    picture.set_resampling_algorithm(RESAMPLING_ALGORITHMS["nearest"])
                    row.add(Group(picture, Text(title, font_size=30).next_to(picture, UP)))
                self.add(row.arrange(RIGHT, buff=0.6))
    """

    def __init__(
        self,
        image_shape: tuple[int, int, int] = (1, 28, 28),
        channels: tuple[int, int, int] = (32, 64, 64),
        time_dim: int = 64,
        num_classes: int = 0,
    ) -> None:
        super().__init__()
        shape = tuple(int(s) for s in image_shape)
        if len(shape) != 3 or min(shape) < 1 or shape[1] % 4 or shape[2] % 4:
            raise ValueError(f"image_shape must be (C, H, W) with H and W divisible by 4, "
                             f"got {image_shape!r}")
        if len(channels) != 3 or min(channels) < 1 or num_classes < 0:
            raise ValueError("channels must be three positive widths, num_classes >= 0")
        c0, c1, c2 = (int(c) for c in channels)
        self._shape = shape
        self.config: dict[str, object] = {"dim": list(shape), "channels": [c0, c1, c2],
                                          "time_dim": time_dim}
        self.num_classes = num_classes
        emb_dim = 4 * time_dim
        self.time_embedding = TimeEmbedding(time_dim)
        self.time_mlp = nn.Sequential(nn.Linear(time_dim, emb_dim), nn.SiLU(),
                                      nn.Linear(emb_dim, emb_dim))
        if num_classes:
            self.config["num_classes"] = num_classes
            self.class_embedding = nn.Embedding(num_classes + 1, time_dim)
        self.conv_in = nn.Conv2d(shape[0], c0, 3, padding=1)
        self.down0 = _ResBlock(c0, c0, emb_dim)
        self.pool0 = nn.Conv2d(c0, c1, 3, stride=2, padding=1)
        self.down1 = _ResBlock(c1, c1, emb_dim)
        self.pool1 = nn.Conv2d(c1, c2, 3, stride=2, padding=1)
        self.mid = _ResBlock(c2, c2, emb_dim)
        self.up1 = _ResBlock(c2 + c1, c1, emb_dim)
        self.up0 = _ResBlock(c1 + c0, c0, emb_dim)
        self.norm_out = nn.GroupNorm(_groups(c0), c0)
        self.conv_out = nn.Conv2d(c0, shape[0], 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)  # starts as the zero map: a calm first step
        assert self.conv_out.bias is not None
        nn.init.zeros_(self.conv_out.bias)

    @property
    def image_shape(self) -> tuple[int, ...]:
        """``(C, H, W)`` of the images the net works on."""
        return self._shape

    def _embed(self, t: torch.Tensor, labels: torch.Tensor | None, n: int) -> torch.Tensor:
        emb = embed_time_and_class(self, t, labels, n)
        return self.time_mlp(emb.to(self.conv_in.weight.dtype))

    def forward(
        self, x: torch.Tensor, t: torch.Tensor | float, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        """The net's output for images ``x`` (N, C, H, W) at times ``t`` ((N,) or one time)."""
        if x.ndim != 4 or tuple(x.shape[1:]) != self.image_shape:
            raise ValueError(f"this U-Net works on images of shape (N, *{self.image_shape}), "
                             f"got {tuple(x.shape)}")
        t = torch.as_tensor(t, dtype=torch.float32, device=x.device)
        n = x.shape[0]
        if t.ndim == 0:
            t = t.expand(n)
        emb = self._embed(t.reshape(-1), labels, n)
        if emb.shape[0] == 1 and n > 1:
            emb = emb.expand(n, -1)
        h0 = self.down0(self.conv_in(x), emb)
        h1 = self.down1(self.pool0(h0), emb)
        h = self.mid(self.pool1(h1), emb)
        h = F.interpolate(h, scale_factor=2.0, mode="nearest")
        h = self.up1(torch.cat([h, h1], dim=1), emb)
        h = F.interpolate(h, scale_factor=2.0, mode="nearest")
        h = self.up0(torch.cat([h, h0], dim=1), emb)
        return self.conv_out(F.silu(self.norm_out(h)))
