"""Sampler quality per network evaluation, and raw sampling speed.

1. Quality: on the shipped smiley model, the energy distance to the data of
   DPM-Solver++(2M) with 20 evaluations against DDPM with 1000 (issue 3's target:
   within 20%), with the other samplers for context. 8,000 points per run (the floor
   of 2,000 points, 0.0014, is larger than the gap being measured), averaged over
   seeds.
2. Speed: 10,000 points through 1000 DDPM steps on 2 threads (target: under 5 s), in
   float32 and bfloat16, against the plain batched forward pass (time embedding per
   point, fresh activations) that the one-time fast path replaced; ratios from one run.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from manim_diffusion.core.model import DiffusionModel
from manim_diffusion.engine import energy_distance, load_pretrained, make_dataset, sample

RUNS = [  # (sampler, steps)
    ("ddpm", 1000),
    ("dpm++2m", 10),
    ("dpm++2m", 20),
    ("ddim", 20),
    ("ddim", 50),
    ("heun", 10),
    ("heun", 25),
    ("sde", 1000),
    ("langevin", 100),
]


def quality(points: int, seeds: int) -> list[dict]:
    model = load_pretrained("smiley_ddpm")
    ref = make_dataset("smiley", points, seed=12345)
    floor = energy_distance(make_dataset("smiley", points, seed=7), ref)
    print(f"quality: smiley_ddpm, {points} points, mean of {seeds} seeds "
          f"(floor {floor:.5f})")
    rows = []
    for name, steps in RUNS:
        eds = []
        for seed in range(seeds):
            traj = sample(model, name, steps, n=points, seed=seed, record_predictions=False)
            eds.append(energy_distance(traj.final, ref))
        rows.append({"sampler": name, "steps": steps, "nfe": traj.nfe,
                     "energy_distance": float(np.mean(eds))})
        print(f"  {name:<9} {steps:>5} steps {traj.nfe:>5} NFE  energy distance "
              f"{np.mean(eds):.5f}", flush=True)
    ddpm = rows[0]["energy_distance"]
    dpm = next(r for r in rows if r["sampler"] == "dpm++2m" and r["steps"] == 20)
    ratio = dpm["energy_distance"] / ddpm
    print(f"DPM-Solver++ 20 NFE / DDPM 1000 NFE: {ratio:.2f} "
          f"(target <= 1.20: {'met' if ratio <= 1.2 else 'NOT met'})")
    return rows


class _Batched(torch.nn.Module):
    """The net called the plain way: a time column per point, as in training."""

    def __init__(self, net: torch.nn.Module) -> None:
        super().__init__()
        self.inner = net

    def forward(self, x, t, labels=None):
        t = torch.as_tensor(t, dtype=x.dtype)
        return self.inner(x, t.expand(x.shape[0]) if t.ndim == 0 else t)


def speed(n: int, steps: int) -> dict:
    model = load_pretrained("smiley_ddpm")
    plain = DiffusionModel(_Batched(model.net), model.schedule, model.objective)
    torch.set_num_threads(2)
    timings = {}
    for label, m, precision in (("plain forward", plain, "float32"),
                                ("float32", model, "float32"),
                                ("bfloat16", model, "bfloat16")):
        sample(m, "ddpm", 20, n=n, precision=precision)  # warm up
        started = time.perf_counter()
        sample(m, "ddpm", steps, n=n, seed=0, precision=precision)
        timings[label] = time.perf_counter() - started
        print(f"speed: {n} points x {steps} DDPM steps, {label:<13} "
              f"{timings[label]:.2f} s", flush=True)
    print(f"fast path speed-up over the plain forward: "
          f"{timings['plain forward'] / timings['float32']:.2f}x (float32), "
          f"{timings['plain forward'] / timings['bfloat16']:.2f}x (bfloat16); "
          f"target 5 s: {'met' if timings['float32'] < 5 else 'NOT met'} in float32")
    return timings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=8000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--speed-points", type=int, default=10000)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    rows = quality(args.points, args.seeds)
    timings = speed(args.speed_points, args.steps)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"quality": rows, "speed_seconds": timings,
                       "speed": {"points": args.speed_points, "steps": args.steps},
                       "quality_points": args.points, "seeds": args.seeds}, f, indent=2)


if __name__ == "__main__":
    main()
