"""Wall time of `manim render -ql` for each shipped scene, sampling included."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scenes"))
from catalogue import SCENES, render_command  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    results = {}
    for file, cls in SCENES:
        with tempfile.TemporaryDirectory() as media:
            cmd = render_command(file, cls, media)
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            results[file] = time.perf_counter() - t0
        print(f"{file:<24} {results[file]:6.1f} s at -ql (480p15)")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
