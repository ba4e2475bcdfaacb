"""Benchmark: sampling throughput of every sampler on the shipped smiley model.

Each sampler of ``SAMPLERS`` runs at its default step count (``DEFAULT_STEPS``, or a
tenth of it with ``--step-fraction 0.1``) from the same noise, with ``sample``'s
defaults (predictions recorded; one thread up to 4,096 points, torch's setting
above). Reported: the best of ``--repeats`` wall times, samples per second, point
steps per second and point network evaluations per second, and the time relative to
DDPM's in the same run.
"""

from __future__ import annotations

import argparse
import time

import torch
from _common import meta, write_json

from manim_diffusion.engine import load_pretrained, sample
from manim_diffusion.samplers.sample import DEFAULT_STEPS, SAMPLERS, SINGLE_THREAD_POINTS

__all__ = ["main"]

MODEL = "smiley_ddpm"


def time_sampler(model, name: str, steps: int, n: int, repeats: int) -> tuple[float, int]:
    """Best wall time of ``repeats`` runs, and the network evaluations of one."""
    best, nfe = float("inf"), 0
    for _ in range(repeats):
        start = time.perf_counter()
        traj = sample(model, name, steps, n=n, seed=0)
        best = min(best, time.perf_counter() - start)
        nfe = traj.nfe
    return best, nfe


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a line per case; optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", default=None, help="write results here")
    parser.add_argument("--points", type=int, nargs="+", default=[2000, 10_000])
    parser.add_argument("--samplers", nargs="+", default=list(SAMPLERS), choices=list(SAMPLERS))
    parser.add_argument("--step-fraction", type=float, default=1.0,
                        help="run this fraction of each sampler's default steps")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    model = load_pretrained(MODEL)
    sample(model, "ddim", 10, n=max(args.points))  # warm-up
    rows = []
    for n in args.points:
        threads = 1 if n <= SINGLE_THREAD_POINTS else torch.get_num_threads()
        for name in args.samplers:
            steps = max(2, round(DEFAULT_STEPS[name] * args.step_fraction))
            seconds, nfe = time_sampler(model, name, steps, n, args.repeats)
            rows.append({
                "sampler": name, "points": n, "steps": steps, "nfe": nfe,
                "threads": threads, "seconds": round(seconds, 6),
                "samples_per_s": round(n / seconds, 1),
                "point_steps_per_s": round(n * steps / seconds),
                "point_evals_per_s": round(n * nfe / seconds),
            })
            print(f"{n:6d} points {name:<9} {steps:5d} steps {nfe:5d} NFE  {seconds:7.3f} s  "
                  f"{n / seconds:9.0f} samples/s  {n * nfe / seconds / 1e6:6.2f} M point-evals/s",
                  flush=True)
        ddpm = next((r for r in rows if r["points"] == n and r["sampler"] == "ddpm"), None)
        for r in rows:
            if r["points"] == n:
                r["time_vs_ddpm"] = round(r["seconds"] / ddpm["seconds"], 5) if ddpm else None
    write_json(args.json, {"meta": meta(model=MODEL, repeats=args.repeats,
                                        step_fraction=args.step_fraction,
                                        torch_threads=torch.get_num_threads()),
                           "results": rows})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
