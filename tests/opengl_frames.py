"""Render public mobjects' docstring examples under one renderer, last frames to an npz.

Run as ``python tests/opengl_frames.py RENDERER OUT.npz MEDIA_DIR NAME...``: the renderer
is set before the library loads (class bases follow it), one process per renderer.
An example that raises is stored as its one-line error under ``error:<scene>``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np


def main(renderer: str, out: str, media: str, names: list[str]) -> None:
    """Render every example of ``names`` and save the frames and errors to ``out``."""
    from manim import config

    config.renderer = renderer
    from manim_diffusion._doc_examples import examples_in, public_objects, render_example

    found: dict[str, np.ndarray] = {}
    for name, obj in public_objects(names).items():
        for example in examples_in(obj.__doc__ or "", name):
            try:
                frame, _ = render_example(example, Path(media) / example.scene)
                found[f"frame:{example.scene}"] = np.asarray(frame, dtype=np.uint8)
            except Exception as error:  # noqa: BLE001 - reported by the test
                message = f"{type(error).__name__}: {error}".splitlines()[0]
                found[f"error:{example.scene}"] = np.array(message)
    np.savez_compressed(out, **found)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
