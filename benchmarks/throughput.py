"""Benchmark: sampling throughput of every sampler on the shipped smiley model.

Each sampler of ``SAMPLERS`` runs at its default step count (``DEFAULT_STEPS``, or a
tenth of it with ``--step-fraction 0.1``) from the same noise, with ``sample``'s
defaults (predictions recorded; one thread up to 4,096 points, torch's setting
above). Reported: the best of ``--repeats`` wall times, samples per second, point
steps per second and point network evaluations per second, and the time relative to
DDPM's in the same run.

``--ddpm-speed`` adds issue 16's DDPM figure instead: 10,000 points through 1,000 DDPM
steps (``sample``'s defaults, predictions recorded) on 1 and 2 threads, in float32
and bfloat16 (``--precisions``; bfloat16 timed on a tenth of the steps and scaled),
for the shipped smiley model (128 x 3 SiLU) and for the net of
``TrainConfig.preset("fast")`` (32 x 2 ReLU on 16 Fourier features of x, trained in
the run: under a second), with each model's DDPM sample quality (median energy
distance of 2,000 samples over 5 seeds; the target is 0.005). Wall and CPU time are
both reported: on a busy machine the 1-thread CPU time is what an idle core takes.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from _common import meta, write_json

from manim_diffusion.analysis.evaluate import EVAL_DATA_SEED, EVAL_POINTS
from manim_diffusion.engine import (
    TrainConfig,
    energy_distance,
    load_pretrained,
    make_dataset,
    sample,
    train,
)
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


def ddpm_quality(model, seeds: int = 5) -> float:
    """Median energy distance of 2,000 DDPM-1000 samples to the smiley, over seeds."""
    ref = make_dataset("smiley", EVAL_POINTS, seed=EVAL_DATA_SEED)
    return statistics.median(
        energy_distance(sample(model, "ddpm", 1000, n=EVAL_POINTS, seed=s,
                               record_predictions=False).final, ref) for s in range(seeds))


def ddpm_speed(args: argparse.Namespace) -> list[dict]:
    """Issue 16's DDPM figure: best wall time of each model, precision and thread count."""
    fast = train(make_dataset("smiley", 10_000, seed=0),
                 TrainConfig.preset("fast", threads=2), progress=False).model
    models = {MODEL: load_pretrained(MODEL), "preset fast": fast}
    rows = []
    for name, model in models.items():
        quality = ddpm_quality(model)
        for precision in args.precisions:
            for threads in args.threads:
                steps = args.ddpm_steps
                if precision == "bfloat16":  # 9x slower without bfloat16 units (AMD
                    steps = max(1, args.ddpm_steps // 10)  # EPYC): timed on a tenth
                sample(model, "ddpm", 10, n=args.ddpm_points, threads=threads,
                       precision=precision)  # warm-up
                best = cpu = float("inf")
                for _ in range(args.repeats):
                    start, cpu_start = time.perf_counter(), time.process_time()
                    sample(model, "ddpm", steps, n=args.ddpm_points, seed=0, threads=threads,
                           precision=precision)
                    best = min(best, time.perf_counter() - start)
                    cpu = min(cpu, time.process_time() - cpu_start)
                seconds = best * args.ddpm_steps / steps
                cpu_seconds = cpu * args.ddpm_steps / steps  # on a busy machine, the
                # 1-thread CPU time is what an idle core would take
                rows.append({"model": name, "precision": precision, "threads": threads,
                             "points": args.ddpm_points, "steps": args.ddpm_steps,
                             "timed_steps": steps, "seconds": round(seconds, 3),
                             "cpu_seconds": round(cpu_seconds, 3),
                             "ddpm_energy_distance": round(quality, 5)})
                print(f"{name:<12} {precision:<9} {threads} thread(s): {args.ddpm_points:,} "
                      f"points x {args.ddpm_steps:,} DDPM steps {seconds:7.2f} s "
                      f"(CPU {cpu_seconds:.2f} s)"
                      f"{'' if steps == args.ddpm_steps else f' (from {steps} steps)'}  "
                      f"DDPM energy distance {quality:.4f}", flush=True)
    return rows


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
    parser.add_argument("--ddpm-speed", action="store_true",
                        help="issue 16's DDPM 10,000 x 1,000 figure instead of the table")
    parser.add_argument("--precisions", nargs="+", default=["float32", "bfloat16"],
                        choices=["float32", "bfloat16"])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--ddpm-points", type=int, default=10_000)
    parser.add_argument("--ddpm-steps", type=int, default=1000)
    args = parser.parse_args(argv)
    if args.ddpm_speed:
        rows = ddpm_speed(args)
        write_json(args.json, {"meta": meta(repeats=args.repeats), "ddpm_speed": rows})
        return 0
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
