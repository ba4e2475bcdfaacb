"""Time to train the smiley to energy distance 0.005, against smalldiffusion, on 2 threads.

Both libraries learn the same 10,000 smiley points (``make_dataset("smiley", 10000,
seed=0)``) on the same number of torch threads, and both are judged the same way:
2,000 samples from each library's own sampler against the same 2,000 reference
points (``evaluate``'s), for each of ``--seeds`` sampling seeds; a run meets the
target when the MEDIAN of those energy distances is at most ``--target`` (the max
is printed too). Times are training only (no evaluation, no sampling), wall and CPU
(on a busy machine, a 1-thread run's CPU time is what an idle core would take).

- manim-diffusion: ``TrainConfig.preset(--recipe)`` (``"fast"`` by default;
  ``"default"`` is the plain ``TrainConfig()``), sampled with DDIM, 50 steps
  (``evaluate``). Its learning rate follows a cosine over the run's length, so each
  row is a whole run of that many steps; the figure is the first run that meets
  the target.
- smalldiffusion 0.5.0 (the library of the Welch Labs video): its ``TimeInputMLP``,
  ``ScheduleLogLinear``, ``training_loop`` (AdamW, constant learning rate, no EMA)
  and ``samples`` (20 steps, ``gam=2``, its "accelerated" sampler) as in its 2D
  example, with the settings ``SMALLDIFFUSION`` names (the best of those tried, see
  the module's constants). Its schedule does not depend on the run's length, so one
  run is evaluated every ``--sd-every`` steps (the clock stopped meanwhile). Its
  batches come from a shuffled tensor (one indexing per batch), not a per-item
  ``DataLoader``, which would only slow it down.

Install smalldiffusion without its dependencies' torch (``pip install --no-deps
smalldiffusion==0.5.0 einops accelerate safetensors``). It imports torchvision for
its image datasets only; the PyPI torchvision wheel needs CUDA torch, so when
torchvision cannot be imported a stand-in of the few transforms it names is
registered (nothing here uses them). ``--skip-smalldiffusion`` runs ours alone.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import statistics
import sys
import time
import types
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch

from manim_diffusion.analysis.evaluate import EVAL_DATA_SEED, EVAL_POINTS
from manim_diffusion.analysis.metrics import energy_distance
from manim_diffusion.core.threads import limited_threads
from manim_diffusion.engine import (
    TrainConfig,
    energy_distance_floor,
    make_dataset,
    sample,
    train,
)

#: smalldiffusion's settings: its 2D example's net, schedule and sampler, with the
#: batch and learning rate that reached the target soonest of those tried
#: (batch 2048 / 512, lr 1e-3 / 3e-3 / 1e-2; its sampler also at 50 steps, gam=1).
SMALLDIFFUSION: dict[str, Any] = {
    "hidden_dims": (16, 128, 128, 128, 128, 16),
    "schedule": {"N": 200, "sigma_min": 0.005, "sigma_max": 10.0},
    "batch_size": 2048,
    "lr": 3e-3,
    "sample_steps": 20,
    "gam": 2.0,
}


def median_distance(draw, seeds: int) -> tuple[float, float]:
    """Median and max energy distance of ``draw(seed)`` samples to the reference data."""
    ref = make_dataset("smiley", EVAL_POINTS, seed=EVAL_DATA_SEED)
    values = [energy_distance(np.asarray(draw(seed)), ref) for seed in range(seeds)]
    return statistics.median(values), max(values)


def ours(data: np.ndarray, args: argparse.Namespace) -> dict[str, Any]:
    """Runs of growing length until one meets the target; the rows and the hit."""
    base = TrainConfig() if args.recipe == "default" else TrainConfig.preset(args.recipe)
    rows: list[dict[str, float]] = []
    for steps in range(args.every, args.steps + 1, args.every):
        config = dataclasses.replace(base, steps=steps, threads=args.threads)
        cpu_start = time.process_time()
        result = train(data, config, progress=False)
        cpu = time.process_time() - cpu_start
        med, worst = median_distance(
            lambda s, m=result.model: sample(m, "ddim", n=EVAL_POINTS, seed=s,
                                             record_predictions=False).final, args.seeds)
        rows.append({"step": steps, "energy_distance": med, "max_energy_distance": worst,
                     "train_seconds": result.seconds, "cpu_seconds": cpu,
                     "steps_per_second": steps / result.seconds})
        print(f"manim-diffusion {steps:>6}-step run: median energy distance {med:.4f} "
              f"(max {worst:.4f}), training {result.seconds:.2f} s (CPU {cpu:.2f} s)",
              flush=True)
        if med <= args.target:
            break
    config_dict = {**dataclasses.asdict(base), "threads": args.threads}
    config_dict.pop("steps")
    return {"config": config_dict, "runs": rows,
            "reached": rows[-1] if rows[-1]["energy_distance"] <= args.target else None}


def import_smalldiffusion() -> types.ModuleType:
    """smalldiffusion, with a stand-in for torchvision's transforms if it is unusable."""
    try:
        import torchvision  # noqa: F401
    except Exception:  # absent, or the CUDA wheel beside a CPU torch
        stub, transforms = types.ModuleType("torchvision"), types.ModuleType("transforms")
        for name in ("Compose", "RandomHorizontalFlip", "ToTensor", "Lambda"):
            setattr(transforms, name, lambda *a, **k: None)
        stub.transforms = transforms  # type: ignore[attr-defined]
        sys.modules["torchvision"], sys.modules["torchvision.transforms"] = stub, transforms
    import smalldiffusion
    import smalldiffusion.diffusion

    # its progress bar off, as ours is
    smalldiffusion.diffusion.tqdm = functools.partial(smalldiffusion.diffusion.tqdm,
                                                      disable=True)
    return smalldiffusion


def have_smalldiffusion() -> bool:
    """Whether smalldiffusion and what it imports are installed."""
    try:
        import_smalldiffusion()
    except ImportError:
        return False
    return True


class Batches:
    """Shuffled batches of a tensor, one epoch per iteration (smalldiffusion's loader)."""

    def __init__(self, x: torch.Tensor, batch_size: int, seed: int = 0) -> None:
        self.x, self.batch_size = x, batch_size
        self.gen = torch.Generator().manual_seed(seed)

    def __iter__(self) -> Iterator[torch.Tensor]:
        order = torch.randperm(len(self.x), generator=self.gen)
        for i in range(0, len(self.x), self.batch_size):
            yield self.x[order[i : i + self.batch_size]]


def theirs(data: np.ndarray, args: argparse.Namespace, settings: dict[str, Any]) -> dict:
    """One smalldiffusion run, evaluated every ``--sd-every`` steps, until the target."""
    sd = import_smalldiffusion()
    torch.manual_seed(0)
    model = sd.TimeInputMLP(hidden_dims=tuple(settings["hidden_dims"]))
    schedule = sd.ScheduleLogLinear(**settings["schedule"])
    accelerator = sd.diffusion.Accelerator(cpu=True)
    loop = sd.training_loop(Batches(torch.from_numpy(data), settings["batch_size"]), model,
                            schedule, accelerator=accelerator, epochs=10**9, lr=settings["lr"])

    def draw(seed: int) -> np.ndarray:
        torch.manual_seed(seed)
        *_, x0 = sd.samples(model, schedule.sample_sigmas(settings["sample_steps"]),
                            gam=settings["gam"], batchsize=EVAL_POINTS,
                            accelerator=accelerator)
        return x0.numpy()

    rows: list[dict[str, float]] = []
    spent = cpu = 0.0
    started, cpu_start = time.perf_counter(), time.process_time()
    for step, _ in enumerate(loop):  # it yields each batch's loss before its update
        if step and step % args.sd_every == 0:
            spent += time.perf_counter() - started
            cpu += time.process_time() - cpu_start
            with torch.random.fork_rng():  # its training draws go on as if unseen
                med, worst = median_distance(draw, args.seeds)
            model.train()
            rows.append({"step": step, "energy_distance": med, "max_energy_distance": worst,
                         "train_seconds": spent, "cpu_seconds": cpu})
            print(f"smalldiffusion   {step:>6} steps: median energy distance {med:.4f} "
                  f"(max {worst:.4f}), training {spent:.2f} s (CPU {cpu:.2f} s)", flush=True)
            if med <= args.target or step >= args.sd_steps:
                break
            started, cpu_start = time.perf_counter(), time.process_time()
    return {"settings": settings, "runs": rows,
            "reached": rows[-1] if rows[-1]["energy_distance"] <= args.target else None}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", type=float, default=0.005)
    parser.add_argument("--seeds", type=int, default=5, help="evaluation seeds (median)")
    parser.add_argument("--recipe", default="fast", choices=["fast", "default"])
    parser.add_argument("--steps", type=int, default=1000, help="longest run of ours")
    parser.add_argument("--every", type=int, default=100, help="run lengths of ours")
    parser.add_argument("--sd-steps", type=int, default=20000)
    parser.add_argument("--sd-every", type=int, default=250)
    parser.add_argument("--sd-lr", type=float, default=SMALLDIFFUSION["lr"])
    parser.add_argument("--sd-batch-size", type=int, default=SMALLDIFFUSION["batch_size"])
    parser.add_argument("--skip-smalldiffusion", action="store_true")
    parser.add_argument("--threads", type=int, default=2, help="torch threads for training")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)

    data = make_dataset("smiley", 10000, seed=0)
    floor = energy_distance_floor(lambda n, s: make_dataset("smiley", n, s), EVAL_POINTS)
    with limited_threads(threads=args.threads):
        mine = ours(data, args)
        other = None
        if not args.skip_smalldiffusion and not have_smalldiffusion():
            print("smalldiffusion is not installed: ours alone (pip install --no-deps "
                  "smalldiffusion==0.5.0 einops accelerate safetensors)")
        elif not args.skip_smalldiffusion:
            settings = {**SMALLDIFFUSION, "lr": args.sd_lr, "batch_size": args.sd_batch_size}
            other = theirs(data, args, settings)
    hit, their_hit = mine["reached"], other and other["reached"]
    print(f"floor (data vs data): {floor:.4f}; target: median of {args.seeds} seeds "
          f"<= {args.target}; {args.threads} threads; CPU: {cpu_name()}")
    print("| library | steps | training time | CPU time | median energy distance |")
    print("|---|---|---|---|---|")
    for name, h in [("manim-diffusion", hit), ("smalldiffusion 0.5.0", their_hit)]:
        if h:
            print(f"| {name} | {h['step']:,} | {h['train_seconds']:.2f} s | "
                  f"{h['cpu_seconds']:.2f} s | {h['energy_distance']:.4f} |")
        elif name == "manim-diffusion" or other is not None:
            print(f"| {name} | not reached | - | - | - |")
    ratio = their_hit["train_seconds"] / hit["train_seconds"] if hit and their_hit else None
    if ratio:
        print(f"smalldiffusion / manim-diffusion training time: {ratio:.1f}x "
              f"(CPU time: {their_hit['cpu_seconds'] / hit['cpu_seconds']:.1f}x)")
    if args.json:
        last = mine["runs"][-1]
        with open(args.json, "w") as f:
            json.dump({"floor": floor, "target": args.target, "seeds": args.seeds,
                       "threads": args.threads, "runs": mine["runs"], "reached": hit,
                       "config": mine["config"], "steps_per_second": last["steps_per_second"],
                       "smalldiffusion": other, "ratio": ratio}, f, indent=2)


def cpu_name() -> str:
    """The CPU's model name (for the figures' context)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or "unknown"


if __name__ == "__main__":
    main()
