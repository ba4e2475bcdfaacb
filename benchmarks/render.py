"""Wall time of `manim render -ql` for each shipped scene, sampling included."""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import meta, write_json

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scenes"))
from catalogue import SCENES, render_command  # noqa: E402

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Render the scenes one after the other and print a line each; optionally write JSON."""
    names = [Path(file).stem for file, _ in SCENES]
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", default=None, help="write results here")
    parser.add_argument("--scenes", nargs="+", default=names, choices=names,
                        help="scene files (without .py) to render; default: all")
    parser.add_argument("--quality", default="-ql", help="manim's quality flag")
    args = parser.parse_args(argv)
    rows = []
    for file, cls in SCENES:
        if Path(file).stem not in args.scenes:
            continue
        with tempfile.TemporaryDirectory() as media:
            cmd = render_command(file, cls, media, quality=args.quality)
            t0 = time.perf_counter()
            done = subprocess.run(cmd, capture_output=True, text=True)
            seconds = time.perf_counter() - t0
        row = {"scene": Path(file).stem, "file": file, "class": cls,
               "seconds": round(seconds, 2)}
        if done.returncode:  # record it and go on with the other scenes
            sys.stderr.write(done.stderr[-3000:])
            row.update(seconds=None, error=f"manim render exited with {done.returncode}")
            print(f"{file:<24} FAILED ({done.returncode})", flush=True)
        else:
            print(f"{file:<24} {seconds:6.1f} s at {args.quality}", flush=True)
        rows.append(row)
    write_json(args.json, {"meta": meta(quality=args.quality), "results": rows})
    return 1 if any(r["seconds"] is None for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
