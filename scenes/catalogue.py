"""The shipped scenes and the one `manim render` command the tests and benchmarks run."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

SCENES_DIR = Path(__file__).resolve().parent

#: (file in scenes/, Scene class) for every shipped scene.
SCENES: list[tuple[str, str]] = [
    ("ddpm_smiley.py", "DDPMSmiley"),
    ("sampler_zoo.py", "SamplerZoo"),
    ("flow_vs_diffusion.py", "FlowVsDiffusion"),
    ("custom_shape.py", "CustomShape"),
    ("guidance.py", "Guidance"),
    ("drift_field.py", "DriftFieldScene"),
    ("langevin_smiley.py", "LangevinSmiley"),
    ("forward_process.py", "ForwardProcessScene"),
    ("training_evolution.py", "TrainingEvolutionScene"),
    ("latent_mnist.py", "LatentMNIST"),
    ("latent_guidance.py", "LatentGuidance"),
    ("diffusion_grid.py", "DiffusionGrid"),
    ("paths_not_taken_2d.py", "PathsNotTaken2D"),
    ("image_forward.py", "ImageForward"),
    ("image_denoise.py", "ImageDenoise"),
    ("image_is_a_point.py", "ImageIsAPoint"),
    ("pixel_paths_not_taken.py", "PixelPathsNotTaken"),
    ("spring_3d.py", "Spring3D"),
    ("warped_grid.py", "WarpedGridScene"),
    ("likelihood.py", "Likelihood"),
    ("latent_density_surface.py", "LatentDensitySurface"),
    ("tweedie.py", "Tweedie"),
]


def render_command(
    file: str, scene: str, media_dir: str | Path, quality: str = "-ql", last_frame: bool = False,
    sections: bool = False, options: Sequence[str] = (),
) -> list[str]:
    """The command a user runs, with the media in ``media_dir`` and no cache.

    ``last_frame`` writes only the last frame (``-s``); ``sections`` also writes one video
    per section and ``sections/<Scene>.json`` (``--save_sections``; manim refuses it with
    ``-s``: sections need a video). ``options`` are more ``manim render`` options.
    """
    cmd = [sys.executable, "-m", "manim", "render", quality, "--disable_caching",
           "--media_dir", str(media_dir)]
    if last_frame:
        cmd.append("-s")
    if sections:
        cmd.append("--save_sections")
    return [*cmd, *options, str(SCENES_DIR / file), scene]
