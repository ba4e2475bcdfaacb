"""Time to train the smiley model to energy distance 0.005 on 2 CPU threads.

Trains once, sampling the EMA weights (DDIM, 50 steps, 2000 points) every
``--every`` steps, and prints the first step and the wall time at which the energy
distance falls to the target, with the data-vs-data floor.
"""

from __future__ import annotations

import argparse
import json
import time

from manim_diffusion.analysis.evaluate import EVAL_POINTS, evaluate
from manim_diffusion.engine import TrainConfig, energy_distance_floor, make_dataset, train


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target", type=float, default=0.005)
    parser.add_argument("--steps", type=int, default=8000)
    parser.add_argument("--every", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=TrainConfig.threads,
                        help="torch threads for training")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)

    data = make_dataset("smiley", 10000, seed=0)
    floor = energy_distance_floor(lambda n, s: make_dataset("smiley", n, s), EVAL_POINTS)
    rows: list[dict[str, float]] = []
    spent = {"eval": 0.0}
    started = time.perf_counter()

    def check(snap) -> None:
        t0 = time.perf_counter()
        ed = evaluate(snap.model, "smiley", with_floor=False).energy_distance
        spent["eval"] += time.perf_counter() - t0
        rows.append({"step": snap.step, "energy_distance": ed,
                     "train_seconds": time.perf_counter() - started - spent["eval"]})
        print(f"step {snap.step:>6}  energy distance {ed:.4f}  "
              f"training time {rows[-1]['train_seconds']:.1f} s", flush=True)

    # Each run is its own cosine schedule: a shorter run is a different run, so the
    # figure is the time of the whole run whose end first meets the target.
    result = None
    for steps in range(args.every, args.steps + 1, args.every):
        started = time.perf_counter()
        spent["eval"] = 0.0
        result = train(data, TrainConfig(steps=steps, threads=args.threads), callback=check,
                       snapshot_every=steps, progress=False)
        if rows[-1]["energy_distance"] <= args.target:
            break
    hit = rows[-1] if rows[-1]["energy_distance"] <= args.target else None
    print(f"floor (data vs data): {floor:.4f}")
    if hit:
        print(f"target {args.target}: reached by a {hit['step']}-step run in "
              f"{hit['train_seconds']:.1f} s of training ({args.threads} threads)")
    else:
        print(f"target {args.target} not reached within {args.steps} steps")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"floor": floor, "runs": rows, "target": args.target,
                       "threads": args.threads,
                       "reached": hit, "steps_per_second": result.config.steps / result.seconds},
                      f, indent=2)


if __name__ == "__main__":
    main()
