"""Run every benchmark, print one Markdown table per section, write one JSON file.

Each section is a script in this folder, run in its own process with ``--json``; its
progress lines go to stderr, the tables (ready to paste into the README) to stdout.
``--quick`` runs each with fewer points, frames and steps and a single scene, to
check the machinery in a minute or two; its figures are not the ones to publish.

    python benchmarks/run_all.py                    # everything (`make bench`)
    python benchmarks/run_all.py --quick            # the machinery, fast
    python benchmarks/run_all.py --only trails contours --json /tmp/b.json
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

__all__ = ["SECTIONS", "Section", "machine_info", "main", "render_markdown"]


# ------------------------------------------------------------------ formatting
def num(x: float | None, unit: str = "") -> str:
    """Three significant figures (whole numbers from 100 up), ``-`` for a missing value."""
    if x is None or not math.isfinite(x):
        return "-"
    ax = abs(x)
    digits = 0 if ax >= 100 or ax == 0 else 2 - math.floor(math.log10(ax))
    return f"{x:,.{digits}f}{unit}"


def ratio(x: float | None) -> str:
    """A speed-up or relative figure: ``144x``, ``18.4x``, ``0.39x``."""
    if x is None or not math.isfinite(x):
        return "-"
    if x >= 100:
        return f"{x:.0f}x"
    return f"{x:.1f}x" if x >= 1 else f"{x:.2f}x" if x >= 0.1 else f"{x:.2g}x"


def table(header: list[str], rows: list[list[str]], right: int = 1) -> list[str]:
    """A Markdown table; columns from ``right`` on are right-aligned."""
    align = ["---" if i < right else "---:" for i in range(len(header))]
    return ["| " + " | ".join(r) + " |" for r in (header, align, *rows)]


def _pts(n: int) -> str:
    return f"{n:,}"


def fmt_cloud(data: dict) -> list[str]:
    rows = data["results"]
    movie = any(r["movie"] for r in rows)
    keys = list(dict.fromkeys((r["resolution"], r["points"]) for r in rows))
    by = {(r["resolution"], r["points"], r["movie"]): r for r in rows}
    header = ["resolution", "points", "cloud ms/frame", "Dots ms/frame", "speed-up"]
    if movie:
        header += ["with mp4: cloud", "with mp4: Dots", "speed-up"]
    out = []
    for res, n in keys:
        line = [res, _pts(n)]
        for mode in [False, True] if movie else [False]:
            r = by.get((res, n, mode))
            line += ([num(r["cloud_ms"]), num(r["dots_ms"]), ratio(r["ratio"])]
                     if r else ["-"] * 3)
        out.append(line)
    run = data["meta"]["run_time_s"]
    return [f"`DistributionCloud` against a `VGroup` of `Dot`s moved by an updater: ms per "
            f"frame of a {run:g} s `play`, points on 100-step paths; draw only "
            f"(manim's dry run){', and with mp4 writing' if movie else ''}.", "",
            *table(header, out, right=1)]


def fmt_cloud_3d(data: dict) -> list[str]:
    out = [[r["resolution"], _pts(r["points"]), num(r["cloud_ms"]), num(r["dots_ms"]),
            ratio(r["ratio"])] for r in data["results"]]
    run, dots = data["meta"]["run_time_s"], data["meta"]["dots_run_time_s"]
    return ["`Cloud3D` against a `VGroup` of `Dot3D`s moved by an updater, in a `ThreeDScene` "
            f"whose camera orbits: ms per frame of a {run:g} s `play` ({dots:g} s for the "
            "spheres, whose frames take seconds), draw only (manim's dry run).", "",
            *table(["resolution", "points", "Cloud3D ms/frame", "Dot3D ms/frame", "speed-up"],
                   out, right=1)]


def fmt_trails(data: dict) -> list[str]:
    out = [[r["resolution"], _pts(r["paths"]), r["variant"], num(r["raster_ms"]),
            num(r["tracer_ms"]), num(r["traced_path_ms"]), ratio(r["ratio"]),
            ratio(r["vector_ratio"])]
           for r in data["results"]]
    run = data["meta"]["run_time_s"]
    return [f"`RasterTracer` (paths painted into one image) and the vector "
            f"`TrajectoryTracer` against one manim `TracedPath` per path (which adds one "
            f"segment per frame), ms per frame of a {run:g} s `play` growing paths of "
            f"100 steps; speed-up: TracedPath's time over the raster tracer's (vector: "
            f"over the vector tracer's).", "",
            *table(["resolution", "paths", "trail", "RasterTracer ms/frame",
                    "TrajectoryTracer ms/frame", "TracedPath ms/frame", "speed-up",
                    "vector speed-up"], out, right=3)]


def fmt_contours(data: dict) -> list[str]:
    out = [[r["resolution"], _pts(r["points"]), f"{r['grid']}x{r['grid']}",
            num(r["cloud_ms"]), num(r["cloud_contours_ms"]), num(r["contours_extra_ms"]),
            num(r["contour_update_ms"])] for r in data["results"]]
    run = data["meta"]["run_time_s"]
    return [f"`ContourField` (4 density levels) over a `DistributionCloud`, ms per frame of "
            f"a {run:g} s `play`; update: the field's KDE, levels and lines alone.", "",
            *table(["resolution", "points", "grid", "cloud ms/frame",
                    "cloud + contours ms/frame", "contours add ms", "contour update ms"],
                   out, right=3)]


def fmt_train(data: dict) -> list[str]:
    target = data["target"]
    out = [[_pts(r["step"]), num(r["energy_distance"]), num(r["train_seconds"], " s"),
            "yes" if r["energy_distance"] <= target else "no"] for r in data["runs"]]
    hit = data.get("reached")
    end = (f"Target reached by a {hit['step']:,}-step run in {num(hit['train_seconds'])} s "
           f"of training." if hit else "Target not reached by the longest run.")
    lines = [f"Training the smiley model (`TrainConfig.preset(\"fast\")`; each row a whole "
             f"run with its own cosine schedule) to energy distance {target}, the median "
             f"over {data.get('seeds', 1)} sampling seeds of 2,000 DDIM-50 samples "
             f"(data-vs-data floor {num(data['floor'])}).", "",
             *table(["run steps", "median energy distance", "training time", "meets target"],
                    out),
             "", f"{end} {num(data['steps_per_second'])} steps/s on the last run "
                 f"(torch threads: {data.get('threads', 2)})."]
    peer = data.get("smalldiffusion")
    if peer is None:
        return lines
    theirs = peer.get("reached")
    rows = [["manim-diffusion", _pts(hit["step"]), num(hit["train_seconds"], " s"),
             num(hit["cpu_seconds"], " s"), num(hit["energy_distance"])] if hit else
            ["manim-diffusion", "not reached", "-", "-", "-"],
            ["smalldiffusion 0.5.0", _pts(theirs["step"]), num(theirs["train_seconds"], " s"),
             num(theirs["cpu_seconds"], " s"), num(theirs["energy_distance"])] if theirs else
            ["smalldiffusion 0.5.0", "not reached", "-", "-", "-"]]
    speed = f" smalldiffusion takes {ratio(data['ratio'])} as long." if data.get("ratio") else ""
    return [*lines, "", "The same target, the same data and evaluation, against smalldiffusion "
            "(its 2D example's `TimeInputMLP`, `ScheduleLogLinear` and `training_loop`, "
            "sampled with its own 20-step sampler):" + speed, "",
            *table(["library", "steps", "training time", "CPU time", "median energy distance"],
                   rows)]


def fmt_samplers(data: dict) -> list[str]:
    rows = data["quality"]
    ddpm_row = next((r for r in rows if r["sampler"] == "ddpm"), None)
    ddpm = ddpm_row["energy_distance"] if ddpm_row else None
    out = [[r["sampler"], _pts(r["steps"]), _pts(r["nfe"]), num(r["energy_distance"]),
            ratio(r["energy_distance"] / ddpm) if ddpm else "-"] for r in rows]
    sp, speed = data["speed_seconds"], data.get("speed", {})
    n, steps = speed.get("points"), speed.get("steps")
    plain = sp.get("plain forward")
    speed_line = (f"Speed: {n:,} points through {steps:,} DDPM steps: "
                  f"{num(sp['float32'])} s in float32, {num(sp['bfloat16'])} s in bfloat16, "
                  f"{num(plain)} s with the plain batched forward "
                  f"(fast path {ratio(plain / sp['float32'])} in float32).")
    return [f"Sample quality on the smiley model: energy distance to the data of "
            f"{data['quality_points']:,} samples, mean over {data['seeds']} seed(s).", "",
            *table(["sampler", "steps", "NFE", "energy distance",
                    f"vs DDPM {ddpm_row['steps']:,}" if ddpm_row else "vs DDPM"], out),
            "", speed_line]


def fmt_throughput(data: dict) -> list[str]:
    rows = data["results"]
    sizes = list(dict.fromkeys(r["points"] for r in rows))
    names = list(dict.fromkeys(r["sampler"] for r in rows))
    by = {(r["sampler"], r["points"]): r for r in rows}
    header = ["sampler", "steps", "NFE"]
    for n in sizes:
        header += [f"{n:,} pts: time", f"{n:,} pts: samples/s"]
    header += [f"{sizes[-1]:,} pts: time vs DDPM", f"{sizes[-1]:,} pts: M point-evals/s"]
    out = []
    for name in names:
        first = by[(name, sizes[0])]
        line = [name, _pts(first["steps"]), _pts(first["nfe"])]
        for n in sizes:
            r = by.get((name, n))
            line += [num(r["seconds"], " s"), num(r["samples_per_s"])] if r else ["-", "-"]
        last = by.get((name, sizes[-1]), {})
        line += [ratio(last.get("time_vs_ddpm")),
                 num(last.get("point_evals_per_s", math.nan) / 1e6)]
        out.append(line)
    m = data["meta"]
    steps = ("its default step count" if m["step_fraction"] == 1
             else f"{m['step_fraction']:g} of its default step count")
    return [f"Sampling with every sampler on `{m['model']}` at {steps} (best of "
            f"{m['repeats']}; one thread up to 4,096 points, {m['torch_threads']} above; "
            f"predictions recorded).", "",
            *table(header, out)]


def fmt_render(data: dict) -> list[str]:
    rows = data["results"]
    out = [[r["scene"], num(r["seconds"], " s") if r["seconds"] is not None else "failed"]
           for r in rows]
    total = sum(r["seconds"] or 0.0 for r in rows)
    q = data["meta"]["quality"]
    return [f"Wall time of `manim render {q}` for each shipped scene (a fresh process: "
            f"imports, loading or training models, sampling, drawing and encoding).", "",
            *table(["scene", f"{q} wall time"], out), "",
            f"Total {num(total)} s for {len(rows)} scene{'s' * (len(rows) != 1)}."]


# ------------------------------------------------------------------ sections
@dataclass(frozen=True)
class Section:
    """A benchmark script, its arguments in full and quick runs, and its table."""

    title: str
    script: str
    full: tuple[str, ...]
    quick: tuple[str, ...]
    fmt: Callable[[dict], list[str]]


SECTIONS: dict[str, Section] = {
    "cloud": Section(
        "Drawing a point cloud", "cloud.py", ("--movie",),
        ("--sizes", "500", "2000", "--qualities", "low_quality", "--run-time", "1"), fmt_cloud),
    "cloud_3d": Section(
        "Drawing a 3D point cloud", "cloud_3d.py", (),
        ("--sizes", "100", "--run-time", "0.4", "--dots-run-time", "0.1"), fmt_cloud_3d),
    "trails": Section(
        "Trails", "trails.py", (),
        ("--paths", "50", "200", "--qualities", "low_quality", "--run-time", "1"), fmt_trails),
    "contours": Section(
        "Density contours", "contours.py", (),
        ("--points", "2000", "--grids", "100", "--qualities", "low_quality", "--run-time", "1"),
        fmt_contours),
    "train": Section(
        "Training to the quality target", "train.py", (),
        ("--steps", "200", "--every", "200", "--threads", "1", "--seeds", "1",
         "--skip-smalldiffusion"), fmt_train),
    "samplers": Section(
        "Sampler quality and DDPM speed", "samplers.py", (),
        ("--points", "1000", "--seeds", "1", "--speed-points", "2000", "--steps", "100"),
        fmt_samplers),
    "throughput": Section(
        "Sampling throughput per sampler", "throughput.py", (),
        ("--points", "500", "--step-fraction", "0.1", "--repeats", "1"), fmt_throughput),
    "render": Section(
        "Rendering the shipped scenes", "render.py", (),
        ("--scenes", "latent_guidance"), fmt_render),
}


# ------------------------------------------------------------------ machine
def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo, else what platform knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return " ".join(line.split(":", 1)[1].split())
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    try:
        done = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                              capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def machine_info() -> dict[str, Any]:
    """Date, CPU, cores, load and the versions that matter, for the header and the JSON."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "load_average": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg")
        else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "torch": _version("torch"),
        "manim": _version("manim"),
        "numpy": _version("numpy"),
        "manim_diffusion": _version("manim-diffusion"),
        "git": _git_commit(),
    }


def header_line(info: dict[str, Any], quick: bool) -> str:
    """One line: date, CPU, cores, versions, load (and a warning in quick mode)."""
    cores = f"{info['cores']} cores"
    if info["usable_cores"] != info["cores"]:
        cores += f" ({info['usable_cores']} usable)"
    load = info.get("load_average")
    line = (f"Measured {info['date'][:10]} on {info['cpu']}, {cores}, no GPU; "
            f"Python {info['python']}, torch {info['torch']}, manim {info['manim']}")
    if load:
        line += f"; load average {load[0]:.2f} at the start"
    if quick:
        line += "; QUICK MODE: checks the machinery, not figures to publish"
    return line + "."


# ------------------------------------------------------------------ running
def run_section(name: str, quick: bool, workdir: Path) -> dict[str, Any]:
    """Run one section's script in its own process; its JSON and how it went."""
    sec = SECTIONS[name]
    out = workdir / f"{name}.json"
    args = list(sec.quick if quick else sec.full)
    cmd = [sys.executable, str(HERE / sec.script), "--json", str(out), *args]
    print(f"== {name}: {' '.join(cmd[1:])}", file=sys.stderr, flush=True)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    start = time.perf_counter()
    with subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True, env=env) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stderr.write(f"   {line}")
            sys.stderr.flush()
    seconds = time.perf_counter() - start
    result: dict[str, Any] = {"script": f"benchmarks/{sec.script}", "args": args,
                              "returncode": proc.returncode, "wall_seconds": round(seconds, 1)}
    if out.exists():
        result["data"] = json.loads(out.read_text())
    if proc.returncode or "data" not in result:
        result["error"] = f"{sec.script} exited with {proc.returncode}"
    print(f"== {name}: {seconds:.1f} s", file=sys.stderr, flush=True)
    return result


def render_markdown(results: dict[str, Any]) -> str:
    """The header line and one Markdown table (with a line or two) per section."""
    lines = [header_line(results["machine"], results["quick"]), ""]
    for name, res in results["sections"].items():
        lines.append(f"### {SECTIONS[name].title}")
        lines.append("")
        if "data" in res:
            try:
                lines += SECTIONS[name].fmt(res["data"])
            except (KeyError, TypeError, ValueError, ZeroDivisionError, StopIteration) as err:
                lines.append(f"(could not tabulate: {type(err).__name__}: {err})")
        if res.get("error"):
            lines += ["", f"**{res['error']}**"]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="fewer points, frames and steps, one scene: checks the machinery")
    parser.add_argument("--only", nargs="+", choices=list(SECTIONS), metavar="SECTION",
                        help=f"run only these sections, of: {', '.join(SECTIONS)}")
    parser.add_argument("--json", type=Path, default=HERE / "results.json",
                        help="write all results here (default: benchmarks/results.json)")
    args = parser.parse_args(argv)
    names = [n for n in SECTIONS if n in (args.only or SECTIONS)]
    results: dict[str, Any] = {"machine": machine_info(), "quick": args.quick, "sections": {}}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            results["sections"][name] = run_section(name, args.quick, Path(tmp))
    results["wall_seconds"] = round(time.perf_counter() - start, 1)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(render_markdown(results), flush=True)
    times = ", ".join(f"{n} {r['wall_seconds']:.0f} s" for n, r in results["sections"].items())
    print(f"== all: {results['wall_seconds']:.0f} s ({times}); wrote {args.json}",
          file=sys.stderr)
    failed = [n for n, r in results["sections"].items() if r.get("error")]
    if failed:
        print(f"== FAILED: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
