"""Benchmark: Cloud3D against a VGroup of Dot3D, ms per frame of an orbiting 3D play."""

from __future__ import annotations

import argparse

import numpy as np
from _common import QUALITIES, meta, time_scene, timed_play, write_json
from manim import BLUE, DEGREES, Dot3D, ThreeDScene, ValueTracker, VGroup, linear

from manim_diffusion.core.trajectory import Trajectory
from manim_diffusion.mobjects.cloud_3d import Cloud3D

__all__ = ["Cloud3DScene", "Dot3DScene", "main", "make_trajectory_3d"]

RADIUS = 0.04


def make_trajectory_3d(n: int, steps: int = 50, seed: int = 0) -> Trajectory:
    """3D Gaussian noise moving onto a helix over ``steps`` steps."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.0, 6.0 * np.pi, n)
    helix = np.stack([1.5 * np.cos(a), 1.5 * np.sin(a), a / 3.0 - np.pi], axis=1)
    noise = rng.normal(size=(n, 3))
    s = np.linspace(0.0, 1.0, steps + 1)[:, None, None]
    return Trajectory(times=s[:, 0, 0], points=((1 - s) * noise + s * helix).astype(np.float32))


class _Orbiting(ThreeDScene):
    traj: Trajectory
    run_time: float

    def play_orbit(self, t: ValueTracker) -> None:
        self.set_camera_orientation(phi=70 * DEGREES, theta=30 * DEGREES)
        self.begin_ambient_camera_rotation(rate=0.3)
        timed_play(self, t.animate.set_value(1.0), run_time=self.run_time, rate_func=linear)


class Cloud3DScene(_Orbiting):
    """The library's way: one Cloud3D on a tracker."""

    def construct(self) -> None:
        t = ValueTracker(0.0)
        self.add(Cloud3D(self.traj, camera=self.camera, time=t, radius=RADIUS, color=BLUE))
        self.play_orbit(t)


class Dot3DScene(_Orbiting):
    """Manim's way: one Dot3D (a small sphere) per point, moved by an updater."""

    def construct(self) -> None:
        t = ValueTracker(0.0)
        traj = self.traj
        dots = VGroup(*[Dot3D(radius=RADIUS, color=BLUE) for _ in range(traj.n_points)])

        def follow(group: VGroup) -> None:
            for dot, p in zip(group, traj.at(t.get_value()), strict=True):
                dot.move_to(p)

        dots.add_updater(follow)
        self.add(dots)
        self.play_orbit(t)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a line per case; optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", default=None, help="write results here")
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2000])
    parser.add_argument("--qualities", nargs="+", default=["low_quality"],
                        choices=list(QUALITIES))
    parser.add_argument("--run-time", type=float, default=1.0, help="seconds of Cloud3D's play")
    parser.add_argument("--dots-run-time", type=float, default=0.2,
                        help="seconds of Dot3D's play (a 2,000-sphere frame takes minutes)")
    args = parser.parse_args(argv)
    warm = make_trajectory_3d(50)
    time_scene(Cloud3DScene, "low_quality", 0.2, traj=warm)
    time_scene(Dot3DScene, "low_quality", 0.1, traj=warm)
    rows = []
    for quality in args.qualities:
        for n in args.sizes:
            traj = make_trajectory_3d(n)
            cloud = time_scene(Cloud3DScene, quality, args.run_time, traj=traj)
            dots = time_scene(Dot3DScene, quality, args.dots_run_time, traj=traj)
            rows.append({"quality": quality, "resolution": QUALITIES[quality], "points": n,
                         "cloud_ms": round(cloud, 2), "dots_ms": round(dots, 2),
                         "ratio": round(dots / cloud, 1)})
            print(f"{QUALITIES[quality]:8s} n={n:6d}  Cloud3D {cloud:8.2f} ms/frame  "
                  f"Dot3D {dots:9.2f} ms/frame  ratio {dots / cloud:7.1f}x", flush=True)
    write_json(args.json, {"meta": meta(run_time_s=args.run_time,
                                        dots_run_time_s=args.dots_run_time, radius=RADIUS,
                                        path_steps=50), "results": rows})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
