"""Sphinx configuration of the manim-diffusion docs (``python docs/build.py``).

Every ``.. manim::`` example of the docstrings is rendered by Manim's own directive
(``manim.utils.docbuild.manim_directive``): at Manim's example quality (480p30), or at
its lowest quality (480p15) when ``DOCS_QUICK=1``, as CI builds it. The guide, gallery,
talks and "How it is built" pages are cut from README.md when the build starts
(``readme_pages.py``), and the API pages list each facade's ``__all__``.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# the repository (README.md, media/gallery); a copy of docs/ elsewhere (the tests) sets it
ROOT = Path(os.environ.get("MANIM_DIFFUSION_ROOT", HERE.parent)).resolve()
sys.path.insert(0, str(HERE))

import manim  # noqa: E402
from manim.utils.docbuild import manim_directive  # noqa: E402
from readme_pages import generate  # noqa: E402

QUICK = os.environ.get("DOCS_QUICK", "") not in ("", "0")
if QUICK:  # the directive renders at "example_quality" unless a block sets :quality:
    low = dict(manim.QUALITIES["low_quality"], flag=None)
    for name in ("example_quality", "medium_quality", "high_quality", "fourk_quality"):
        manim.QUALITIES[name] = low
manim.config.disable_caching = True  # every example renders once per build anyway

generate(ROOT, HERE / "generated")

project = "manim-diffusion"
author = "manim-diffusion contributors"
copyright = "2026, manim-diffusion contributors"
release = version = "0.1.0"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "myst_parser",
    "manim.utils.docbuild.manim_directive",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "media", "generated/_*", "generated/static",
                    "generated/media"]
myst_heading_anchors = 3

napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_use_ivar = True  # an "Attributes" entry that is also a property is documented once
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
# the library's annotations are strings (``from __future__ import annotations``): keep
# these aliases by name instead of spelling out their unions in every signature
autodoc_type_aliases = {name: name for name in (
    "ParsableManimColor", "ArrayLike", "TimeLike", "BranchesLike", "Callback", "Extent",
    "Noise", "ProgressCallback", "Ramp", "StepMaker", "StepOut", "PointDim", "FontType")}
python_maximum_signature_line_length = 88  # longer signatures get one parameter a line

html_theme = "alabaster"
html_title = "manim-diffusion"
html_static_path = ["_static", "generated/static"]
html_theme_options = {"page_width": "1100px", "sidebar_width": "230px"}
html_css_files = ["manim-diffusion.css"]


class ManimExample(manim_directive.ManimDirective):
    """Manim's directive, showing a still for a scene that never plays or waits.

    Manim saves such a scene as a PNG, while the directive would link a missing MP4.
    """

    def run(self) -> list[Any]:
        code = "\n".join(self.content)
        if ".play(" not in code and ".wait(" not in code and "save_as_gif" not in self.options:
            self.options["save_last_frame"] = True
        return super().run()


ALIAS_REF = re.compile(r"TypeAliasForwardRef\('([\w.]+)'\)")


def plain_aliases(app: Any, what: str, name: str, obj: Any, options: Any,
                  signature: str | None, return_annotation: str | None) -> tuple[Any, Any]:
    """An alias inside a subscript (``Sequence[ParsableManimColor]``) by its name too."""
    return tuple(None if text is None else ALIAS_REF.sub(r"\1", text)
                 for text in (signature, return_annotation))


def setup(app: Any) -> None:
    """The still-aware directive; its timing table goes next to the doctrees, not ``../``."""
    app.add_directive("manim", ManimExample, override=True)
    app.connect("autodoc-process-signature", plain_aliases)
    manim_directive.rendering_times_file_path = Path(app.doctreedir) / "rendering_times.csv"
