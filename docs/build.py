"""Build the docs: ``python docs/build.py [--quick] [--out DIR]`` (``make docs``).

Runs ``sphinx-build -W`` (a warning is an error) with the HTML builder into
``docs/_build/html``; ``--quick`` renders the examples at Manim's lowest quality (CI).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    """Parse the options, build, print the time taken; Sphinx's exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="examples at the lowest quality (480p15), as CI builds them")
    parser.add_argument("--out", type=Path, default=HERE / "_build",
                        help="build folder: HTML in OUT/html (default docs/_build)")
    parser.add_argument("--skip-manim", action="store_true",
                        help="show the examples' code without rendering them (fast check)")
    args = parser.parse_args(argv)
    if args.quick:
        os.environ["DOCS_QUICK"] = "1"
    from sphinx.cmd.build import build_main

    out = args.out.resolve()
    start = time.perf_counter()
    tags = ["-t", "skip-manim"] if args.skip_manim else []
    status = build_main(["-W", "--keep-going", "-b", "html", "-d", str(out / "doctrees"),
                         "-q", *tags, str(HERE), str(out / "html")])
    print(f"docs: {out / 'html' / 'index.html'} in {time.perf_counter() - start:.0f} s "
          f"({'quick' if args.quick else 'full'}), exit {status}")
    return status


if __name__ == "__main__":
    sys.exit(main())
