"""Save each public mobject's docstring example, last frame, as media/gallery/mobjects/<Name>.png.

Run from the repository root: ``python media/make_mobject_stills.py``. The README's
"Mobjects at a glance" table shows these stills; the examples themselves are run by
``tests/test_docstring_examples.py``.
"""

from __future__ import annotations

import inspect
import sys
import tempfile
from pathlib import Path

from PIL import Image

from manim_diffusion import mobjects
from manim_diffusion._doc_examples import examples_in, public_objects, render_example

OUT = Path(__file__).resolve().parent / "gallery" / "mobjects"


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, obj in public_objects(list(mobjects.__all__)).items():
        examples = examples_in(inspect.getdoc(obj) or "", name)
        if not examples:
            print(f"{name}: no example", file=sys.stderr)
            return 1
        with tempfile.TemporaryDirectory() as media:
            frame, _ = render_example(examples[0], Path(media))
        path = OUT / f"{name}.png"
        Image.fromarray(frame[..., :3]).save(path, optimize=True)
        print(f"{path.relative_to(OUT.parents[2])}: {path.stat().st_size // 1024} kB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
