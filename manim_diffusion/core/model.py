"""The model interface every sampler uses: a trained net, its schedule and objective.

A network trained for any objective is wrapped in a :class:`DiffusionModel`, which
reports at any ``(x, t)`` the predicted clean point and noise (and from them the
score and the velocity), so every sampler runs on every model. The losses that
train it are in :mod:`manim_diffusion.training.objectives`.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from .prediction import Prediction
from .prediction import Predictor as Predictor  # re-exported: imported from here too
from .prediction import evals_per_call as evals_per_call  # re-exported likewise
from .schedules import Schedule, get_schedule

__all__ = ["OBJECTIVE_NAMES", "DiffusionModel", "GuidedModel"]

#: The net outputs :meth:`DiffusionModel.predict` reads (described, with their losses,
#: by :data:`manim_diffusion.training.objectives.OBJECTIVES`).
OBJECTIVE_NAMES: tuple[str, ...] = ("eps", "x0", "v", "score", "flow")

#: Objectives that need alpha > 0 at every t (a variance-preserving schedule).
_NEEDS_VP = ("eps", "v", "score")


def _time_column(t: torch.Tensor | float, x: torch.Tensor) -> torch.Tensor:
    """Times as a column that broadcasts against ``x``, left on the device they came on."""
    t = torch.as_tensor(t, dtype=x.dtype)
    if t.ndim == 0:
        t = t.expand(x.shape[0])
    return t.reshape(-1, *([1] * (x.ndim - 1)))  # (N, 1) for points, (N, 1, 1, 1) images


class DiffusionModel(nn.Module):
    """A denoising network together with its schedule and objective.

    Parameters
    ----------
    net
        Maps ``(x, t)`` to an output of the shape of ``x``.
    schedule
        A :class:`~manim_diffusion.core.schedules.Schedule` or its name.
    objective
        What ``net`` outputs: one of
        :data:`~manim_diffusion.training.objectives.OBJECTIVES`.
    x0_range
        The range of the data, e.g. ``(-1, 1)`` for images: every prediction's x0-hat
        is clipped to it (and eps-hat made to agree), as DDPM's sampler clips its
        images. Near pure noise x0-hat = (x - sigma eps-hat) / alpha magnifies the
        net's error by 1 / alpha (300 at t = 0 on the cosine schedule), and an unclipped
        first step can push a sample off the data for good. None: no clipping.

    Attributes
    ----------
    num_classes
        Number of classes the net is conditioned on (0 for an unconditional model).

    Examples
    --------
    A shipped flow-matching model: its velocity field at t = 0.7 and its samples.

    .. manim:: DiffusionModelExample
        :save_last_frame:

        from manim_diffusion import DistributionCloud, DriftField, load_pretrained, sample

        class DiffusionModelExample(Scene):
            def construct(self):
                model = load_pretrained("smiley_flow")  # a DiffusionModel
                axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=7, y_length=7)
                axes.shift(RIGHT)
                samples = sample(model, "euler", steps=20, n=1500, seed=0).final
                self.add(DriftField(model, "velocity", time=0.7, axes=axes, density=21),
                         DistributionCloud(samples, axes=axes, radius=0.02, opacity=0.7))
                info = Paragraph(f"objective: {model.objective}",
                                 f"schedule: {model.schedule.name}", font_size=26)
                self.add(info.to_corner(UL))
    """

    #: The data set a loaded checkpoint was trained on (None when not known).
    dataset: str | None = None

    def __init__(
        self, net: nn.Module, schedule: Schedule | str = "linear", objective: str = "eps",
        x0_range: tuple[float, float] | None = None,
    ) -> None:
        super().__init__()
        if objective not in OBJECTIVE_NAMES:
            raise ValueError(
                f"unknown objective {objective!r}; choose one of: {', '.join(OBJECTIVE_NAMES)}"
            )
        schedule = get_schedule(schedule) if isinstance(schedule, str) else schedule
        if objective in _NEEDS_VP and not schedule.variance_preserving:
            raise ValueError(
                f"objective {objective!r} needs a variance-preserving schedule (alpha > 0 at "
                f"every t); the {schedule.name or type(schedule).__name__} schedule reaches "
                "alpha = 0: train it with objective 'flow' or 'x0'"
            )
        self.net = net
        self.schedule = schedule
        self.objective = objective
        if x0_range is not None and not float(x0_range[0]) < float(x0_range[1]):
            raise ValueError(f"x0_range must be (low, high) with low < high, got {x0_range!r}")
        self.x0_range = None if x0_range is None else (float(x0_range[0]), float(x0_range[1]))

    @property
    def num_classes(self) -> int:
        return int(getattr(self.net, "num_classes", 0))

    @property
    def dim(self) -> int | tuple[int, ...] | None:
        """The dimension of the points the net works on (its config's ``dim``), if known.

        An int ``D`` for points ``(D,)``, a tuple ``(C, H, W)`` for an image net.
        """
        config = getattr(self.net, "config", None)
        if isinstance(config, dict) and "dim" in config:
            dim = config["dim"]
            return tuple(int(d) for d in dim) if isinstance(dim, list | tuple) else int(dim)
        return None

    def to_precision(self, precision: str) -> DiffusionModel:
        """A copy whose net runs in ``precision`` ("float32" or "bfloat16").

        bfloat16 halves sampling time on CPUs with bfloat16 matrix units; without
        them it is far slower (10,000 points x 1,000 DDPM steps: 209 s against 25 s
        in float32 on a 2-core AMD EPYC). The sampler's own arithmetic stays in
        float32. Measured on the smiley model, its samples are as close to the data
        as float32's (benchmarks/samplers.py).
        """
        dtypes = {"float32": torch.float32, "bfloat16": torch.bfloat16}
        if precision not in dtypes:
            raise ValueError(f"unknown precision {precision!r}; choose one of: {', '.join(dtypes)}")
        return copy.deepcopy(self).to(dtypes[precision])

    def forward(
        self, x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        if labels is None:
            return self.net(x, t)
        return self.net(x, t, labels)

    def coefficients(
        self, t: torch.Tensor, device: torch.device | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """alpha(t), sigma(t) and their time derivatives, in the dtype of ``t``.

        They are computed in float64 on the CPU (MPS has no float64), then moved to
        ``device`` (``t``'s own by default).
        """
        td = t.detach().to("cpu", torch.float64)
        alpha, sigma = self.schedule._alpha_sigma(td)
        d_alpha, d_sigma = self.schedule._d_alpha_sigma(td)
        where = t.device if device is None else device
        return tuple(v.to(device=where, dtype=t.dtype)  # type: ignore[return-value]
                     for v in (alpha, sigma, d_alpha, d_sigma))

    def predict(
        self,
        x: torch.Tensor,
        t: torch.Tensor | float,
        labels: torch.Tensor | int | None = None,
        clip: bool = True,
    ) -> Prediction:
        """What the model says about points ``x`` at library time ``t``.

        Parameters
        ----------
        labels
            Class of each point (an int for all, or a tensor of shape ``(N,)``) for a
            class-conditional model; -1 or None asks for the unconditional prediction.
        clip
            Clip x0-hat to :attr:`x0_range` (when the model has one). Guidance asks
            for both branches unclipped and clips their mix.
        """
        lab = self._labels(labels, x)
        t = torch.as_tensor(t, dtype=x.dtype)  # the net moves it to x's device
        if t.ndim == 0:  # one time for the batch: coefficients and embedding once
            alpha, sigma, d_alpha, d_sigma = self.coefficients(t.reshape([1] * x.ndim), x.device)
            out = self._run_net(x, t, lab)
        else:
            tc = _time_column(t, x)
            alpha, sigma, d_alpha, d_sigma = self.coefficients(tc, x.device)
            out = self._run_net(x, tc.reshape(-1), lab)
        if self.objective == "eps":
            eps = out
            x0 = (x - sigma * eps) / alpha
        elif self.objective == "x0":
            x0 = out
            eps = (x - alpha * x0) / sigma
        elif self.objective == "v":  # alpha^2 + sigma^2 = 1 on every schedule here
            x0 = alpha * x - sigma * out
            eps = sigma * x + alpha * out
        elif self.objective == "score":
            eps = -sigma * out
            x0 = (x - sigma * eps) / alpha
        elif self.objective == "flow":  # solve x = a x0 + s eps, v = a' x0 + s' eps
            det = alpha * d_sigma - sigma * d_alpha
            x0 = (d_sigma * x - sigma * out) / det
            eps = (alpha * out - d_alpha * x) / det
        else:  # pragma: no cover - guarded in __init__
            raise AssertionError(self.objective)
        pred = Prediction(x0, eps, alpha, sigma, d_alpha, d_sigma)
        return pred if self.x0_range is None or not clip else pred.clipped(x, *self.x0_range)

    def _run_net(
        self, x: torch.Tensor, t: torch.Tensor, labels: torch.Tensor | None
    ) -> torch.Tensor:
        first = next(self.net.parameters(), None)
        dtype = x.dtype if first is None else first.dtype
        if dtype == x.dtype:
            return self(x, t, labels)
        return self(x.to(dtype), t, labels).to(x.dtype)

    def _labels(self, labels: torch.Tensor | int | None, x: torch.Tensor) -> torch.Tensor | None:
        if labels is None:
            return None
        if not self.num_classes:
            raise ValueError("labels were given, but this model is not class-conditional")
        lab = torch.as_tensor(labels, dtype=torch.long)  # checked where given, then moved
        if lab.ndim == 0:
            lab = lab.expand(x.shape[0])
        if lab.shape != (x.shape[0],):
            raise ValueError(f"labels must have shape ({x.shape[0]},), got {tuple(lab.shape)}")
        checkable = lab.device.type != "meta"  # a meta tensor has no values to check
        if checkable and (int(lab.min()) < -1 or int(lab.max()) >= self.num_classes):
            raise ValueError(
                f"labels must lie in [0, {self.num_classes - 1}] (or -1 for no class)"
            )
        return lab.to(x.device)

    def guided(self, labels: torch.Tensor | int, scale: float) -> GuidedModel:
        """This model with classifier-free guidance towards ``labels`` at ``scale``."""
        return GuidedModel(self, labels, scale)


class GuidedModel:
    """A class-conditional model steered by classifier-free guidance (a Predictor).

    ``predict`` runs the unconditional and the conditional branch in one batch and
    returns ``uncond + scale (cond - uncond)``. Scale 0 is the unconditional model,
    1 the plain conditional one.

    Parameters
    ----------
    model
        A class-conditional :class:`DiffusionModel` (``num_classes > 0``), trained with
        label dropout so that it knows the unconditional branch too.
    labels
        The class to steer every sample towards (an int), or one per sample (a tensor
        of shape ``(N,)``).
    scale
        The guidance scale, at least 0.

    Examples
    --------
    .. manim:: GuidedModelExample
        :save_last_frame:

        from manim_diffusion import DistributionCloud, GuidedModel, load_pretrained, sample

        class GuidedModelExample(Scene):
            def construct(self):
                model = load_pretrained("three_dots_cond")
                points = [sample(GuidedModel(model, labels=k, scale=3.0), "ddim", steps=20,
                                 n=500, seed=k).final for k in range(3)]
                labels = np.repeat(np.arange(3), 500)
                axes = Axes(x_range=[-3, 3], y_range=[-3, 3], x_length=7, y_length=7)
                self.add(axes, DistributionCloud(np.concatenate(points), axes=axes,
                                                 labels=labels, palette=[RED, GREEN, BLUE]))
                self.add(Text("guided to class 0, 1, 2 (scale 3)", font_size=26).to_corner(UL))
    """

    def __init__(self, model: DiffusionModel, labels: torch.Tensor | int, scale: float) -> None:
        if not model.num_classes:
            raise ValueError("guidance needs a class-conditional model (trained with labels)")
        if not (isinstance(scale, int | float) and scale >= 0):
            raise ValueError(f"guidance scale must be a number >= 0, got {scale!r}")
        self.model = model
        self.labels = labels
        self.scale = float(scale)
        self.schedule = model.schedule

    @property
    def dim(self) -> int | tuple[int, ...] | None:
        """The point dimension (or image shape) of the guided model."""
        return self.model.dim

    @property
    def evals_per_call(self) -> int:
        """2: one conditional and one unconditional pass (1 at scales 0 and 1)."""
        return 1 if self.scale in (0.0, 1.0) else 2

    def predict(self, x: torch.Tensor, t: torch.Tensor | float) -> Prediction:
        if self.scale == 0.0:
            return self.model.predict(x, t)
        lab = self.model._labels(self.labels, x)
        assert lab is not None  # None only for labels=None, and self.labels is never None
        if self.scale == 1.0:
            return self.model.predict(x, t, lab)
        n = x.shape[0]
        null = torch.full((n,), -1, dtype=torch.long, device=x.device)
        t = torch.as_tensor(t, dtype=x.dtype)
        if t.ndim == 0:  # one time: the net's one-time path, coefficients broadcast
            both = self.model.predict(torch.cat([x, x]), t, torch.cat([null, lab]), clip=False)
        else:
            tc = _time_column(t, x)
            both = self.model.predict(torch.cat([x, x]), torch.cat([tc, tc]),
                                      torch.cat([null, lab]), clip=False)
        uncond = Prediction(
            both.x0[:n], both.eps[:n], both.alpha[:n], both.sigma[:n],
            both.d_alpha[:n], both.d_sigma[:n],
        )
        cond = Prediction(
            both.x0[n:], both.eps[n:], both.alpha[n:], both.sigma[n:],
            both.d_alpha[n:], both.d_sigma[n:],
        )
        mixed = uncond.guided(cond, self.scale)
        x0_range = self.model.x0_range
        return mixed if x0_range is None else mixed.clipped(x, *x0_range)
