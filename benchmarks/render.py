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
SCENES = {"ddpm_smiley.py": "DDPMSmiley"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    results = {}
    for file, cls in SCENES.items():
        with tempfile.TemporaryDirectory() as media:
            cmd = [sys.executable, "-m", "manim", "render", "-ql", "--disable_caching",
                   "--media_dir", media, str(ROOT / "scenes" / file), cls]
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            results[file] = time.perf_counter() - t0
        print(f"{file:<24} {results[file]:6.1f} s at -ql (480p15)")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
