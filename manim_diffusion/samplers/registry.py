"""The one registry of samplers: a spec per sampler, and the views derived from it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .ddim import DDIM, DDPM
from .dpm_solver import DPMSolverPP2M
from .grids import GRIDS
from .langevin import AnnealedLangevin
from .ode import Euler, Heun, Midpoint
from .sde import ReverseSDE
from .step import Step
from .views import RegistryView

__all__ = [
    "DEFAULT_STEPS",
    "SAMPLERS",
    "SAMPLER_SPECS",
    "SamplerSpec",
    "check_options",
    "get_sampler",
]

#: Makes a sampler's step for one run: ``make_step(ctx, **options)``.
StepMaker = Callable[..., Step]


@dataclass(frozen=True)
class SamplerSpec:
    """Everything the library knows about one sampler.

    Parameters
    ----------
    name
        The name ``sample()`` takes.
    make_step
        Makes the step for one run from a
        :class:`~manim_diffusion.samplers.step.StepContext` and the options given
        (keyword arguments; the step keeps any state it needs between steps).
    default_steps
        The usual step count.
    default_grid
        The time grid by default, one of :data:`~manim_diffusion.samplers.grids.GRIDS`.
    options
        The names of the options it accepts (``sample(..., eta=0.5)``).
    description
        One line on what it does.

    Examples
    --------
    .. manim:: SamplerSpecExample
        :save_last_frame:

        from manim_diffusion.samplers import SAMPLER_SPECS

        class SamplerSpecExample(Scene):
            def construct(self):
                rows = [f"{s.name}: {s.default_steps} steps, {s.default_grid} grid"
                        for s in SAMPLER_SPECS.values()]
                self.add(Paragraph(*rows, font_size=26))
    """

    name: str
    make_step: StepMaker
    default_steps: int
    default_grid: str
    options: tuple[str, ...]
    description: str

    def __post_init__(self) -> None:
        if self.default_grid not in GRIDS:
            raise ValueError(f"{self.name}: unknown default grid {self.default_grid!r}")
        if self.default_steps < 1:
            raise ValueError(f"{self.name}: default_steps must be positive")


_SPECS = (
    SamplerSpec("ddpm", DDPM, 1000, "uniform", (),
                "DDPM ancestral sampling (stochastic; DDIM with eta = 1)"),
    SamplerSpec("ddim", DDIM, 50, "uniform", ("eta",),
                "DDIM (deterministic with eta = 0, the default; eta in [0, 1])"),
    SamplerSpec("euler", Euler, 100, "uniform", (),
                "probability-flow ODE, Euler steps (flow matching's Euler on a flow model)"),
    SamplerSpec("heun", Heun, 50, "uniform", (),
                "probability-flow ODE, Heun's second-order steps (Euler on the last)"),
    SamplerSpec("midpoint", Midpoint, 50, "uniform", (),
                "probability-flow ODE, explicit midpoint steps (flow matching's midpoint)"),
    SamplerSpec("sde", ReverseSDE, 1000, "uniform", (),
                "reverse-time SDE, Euler-Maruyama steps (stochastic)"),
    SamplerSpec("dpm++2m", DPMSolverPP2M, 20, "logsnr", (),
                "DPM-Solver++(2M): second-order multistep on x0-hat in log-SNR"),
    SamplerSpec("langevin", AnnealedLangevin, 100, "uniform", ("langevin_steps", "langevin_snr"),
                "annealed Langevin dynamics: `langevin_steps` score steps per noise level"),
)

#: Every sampler's spec, by name (read-only): the one source of what follows.
SAMPLER_SPECS: Mapping[str, SamplerSpec] = MappingProxyType({s.name: s for s in _SPECS})

#: Sampler names and what they do (a read-only view of :data:`SAMPLER_SPECS`).
SAMPLERS: RegistryView[SamplerSpec, str] = RegistryView(SAMPLER_SPECS, lambda s: s.description)

#: The usual step count of each sampler (a read-only view of :data:`SAMPLER_SPECS`).
DEFAULT_STEPS: RegistryView[SamplerSpec, int] = RegistryView(
    SAMPLER_SPECS, lambda s: s.default_steps
)


def get_sampler(name: str) -> SamplerSpec:
    """The spec of sampler ``name``; a ValueError listing the choices if there is none."""
    if not isinstance(name, str) or name not in SAMPLER_SPECS:
        raise ValueError(f"unknown sampler {name!r}; choose one of: {', '.join(SAMPLER_SPECS)}")
    return SAMPLER_SPECS[name]


def check_options(spec: SamplerSpec, options: Mapping[str, object]) -> None:
    """Refuse an option ``spec``'s sampler does not take, saying whose option it is."""
    for option in options:
        if option in spec.options:
            continue
        owners = [s.name for s in SAMPLER_SPECS.values() if option in s.options]
        if not owners:
            known = sorted({o for s in SAMPLER_SPECS.values() for o in s.options})
            raise TypeError(
                f"sample() got an unexpected keyword argument {option!r} "
                f"(sampler options: {', '.join(known)})"
            )
        takes = f"only {', '.join(spec.options)}" if spec.options else "none"
        raise ValueError(
            f"{option} is a setting of {', '.join(owners)}; {spec.name} takes {takes}: "
            f"{spec.description}"
        )
