"""Pages of the docs made from README.md at build time, so the two cannot drift apart.

README.md's ``##`` sections are split into pages (``PAGES`` says which section goes
where; a new section that no page takes stops the build), the text before the first
section becomes the index's introduction, and the images the README shows are copied
next to the pages. The API pages list each facade's ``__all__``. Everything is written
to ``generated/`` (not in git) when the builder starts.
"""

from __future__ import annotations

import inspect
import re
import shutil
from pathlib import Path
from typing import Any

# page name -> (title, README sections in order); a one-section page takes its title
PAGES: dict[str, tuple[str, list[str]]] = {
    "guide": ("Guide", ["Quick start", "Composing your own explainer", "API tour",
                        "Latent diffusion on MNIST", "Pixel diffusion on MNIST",
                        "Command line"]),
    "gallery": ("Gallery", ["Gallery"]),
    "talks": ("Talks", ["Talks"]),
    "how_it_is_built": ("How it is built", ["How it is built"]),
    "benchmarks": ("Benchmarks", ["Benchmarks"]),
}
FACADES = {"engine": "manim_diffusion.engine", "mobjects": "manim_diffusion.mobjects"}
MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\((?P<path>[^)\s]+)\)")
HTML_IMAGE = re.compile(r'<img src="(?P<path>[^"]+)"')


def split_readme(text: str) -> tuple[str, dict[str, str]]:
    """The text before the first ``##`` heading (without the title) and each section's
    body by heading; headings inside code fences do not count."""
    intro: list[str] = []
    sections: dict[str, list[str]] = {}
    current = intro
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            current = sections.setdefault(line[3:].strip(), [])
            continue
        if not fenced and line.startswith("# ") and current is intro:
            continue
        current.append(line)
    return "\n".join(intro).strip() + "\n", {k: "\n".join(v).strip() for k, v in sections.items()}


def demote(body: str) -> str:
    """``###`` headings up to ``##`` (for a page made of one section), outside fences."""
    out, fenced = [], False
    for line in body.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        out.append(line[1:] if not fenced and line.startswith("###") else line)
    return "\n".join(out)


def page_text(title: str, bodies: list[tuple[str, str]]) -> str:
    """One page: the title, then the sections (a lone section takes the page's title)."""
    if len(bodies) == 1:
        return f"# {title}\n\n{demote(bodies[0][1])}\n"
    parts = [f"# {title}\n"] + [f"## {heading}\n\n{body}\n" for heading, body in bodies]
    return "\n".join(parts)


def copy_images(text: str, root: Path, out: Path) -> str:
    """Copy the README's images next to the pages; raw ``<img>`` tags (which Sphinx does
    not copy) point into ``_static/readme`` instead."""
    for match in [*MARKDOWN_IMAGE.finditer(text), *HTML_IMAGE.finditer(text)]:
        path = match["path"]
        if "://" in path:
            continue
        source = root / path
        if not source.is_file():
            raise FileNotFoundError(f"README.md shows {path}, which does not exist")
        for target in (out / path, out / "static" / "readme" / path):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    return HTML_IMAGE.sub(lambda m: f'<img src="../_static/readme/{m["path"]}"', text)


def write_readme_pages(root: Path, out: Path) -> list[str]:
    """Write ``_intro.md`` and one Markdown page per entry of ``PAGES``; their names."""
    intro, sections = split_readme((root / "README.md").read_text(encoding="utf-8"))
    taken = [name for _, names in PAGES.values() for name in names]
    missing = [name for name in taken if name not in sections]
    left = [name for name in sections if name not in taken]
    if left:
        raise ValueError(f"README.md sections {left} are on no docs page: add them to "
                         "PAGES in docs/readme_pages.py")
    if missing:
        raise ValueError(f"docs/readme_pages.py: README.md has no section {missing}")
    (out / "_intro.md").write_text(copy_images(intro, root, out), encoding="utf-8")
    for page, (title, names) in PAGES.items():
        text = page_text(title, [(name, sections[name]) for name in names])
        (out / f"{page}.md").write_text(copy_images(text, root, out), encoding="utf-8")
    return list(PAGES)


def kind(obj: Any) -> str:
    """The autodoc directive that documents ``obj``."""
    if inspect.isclass(obj):
        return "autoexception" if issubclass(obj, BaseException) else "autoclass"
    if callable(obj):
        return "autofunction"
    return "autodata"


def describe(value: Any) -> str:
    """A constant in one line: its type, and its keys or items when there are few."""
    if isinstance(value, dict):
        keys = ", ".join(f"``{k!r}``" for k in list(value)[:12])
        more = ", ..." if len(value) > 12 else ""
        return f"A ``dict`` of {len(value)} entries, by key: {keys}{more}."
    if isinstance(value, (tuple, list)) and len(value) <= 12:
        return f"A ``{type(value).__name__}``: {', '.join(f'``{v!r}``' for v in value)}."
    if isinstance(value, (int, float, str)):
        return f"``{value!r}``"
    return f"A ``{type(value).__name__}``."


def api_page(module_name: str) -> str:
    """An API page: the module's docstring, then every name of its ``__all__``,
    classes first, then functions, then constants, each group alphabetical."""
    import importlib

    module = importlib.import_module(module_name)
    title = f"``{module_name}``"
    lines = [title, "=" * len(title), "", f".. automodule:: {module_name}", ""]
    groups: dict[str, list[str]] = {"autoclass": [], "autoexception": [],
                                    "autofunction": [], "autodata": []}
    for name in module.__all__:
        groups[kind(getattr(module, name))].append(name)
    headings = {"autoclass": "Classes", "autoexception": "Exceptions",
                "autofunction": "Functions", "autodata": "Constants"}
    for directive, names in groups.items():
        if not names:
            continue
        lines += [headings[directive], "-" * len(headings[directive]), ""]
        for name in sorted(names, key=str.lower):
            lines.append(f".. {directive}:: {module_name}.{name}")
            if directive == "autoclass":
                lines.append("   :members:")
            if directive == "autodata":
                lines[-1] = f".. py:data:: {name}"  # in the automodule's module
                lines += ["", f"   {describe(getattr(module, name))}"]
            lines.append("")
    return "\n".join(lines)


def write_api_pages(out: Path) -> list[str]:
    """One reST page per facade (``api_engine``, ``api_mobjects``); their names."""
    for short, module_name in FACADES.items():
        (out / f"api_{short}.rst").write_text(api_page(module_name), encoding="utf-8")
    return [f"api_{short}" for short in FACADES]


def generate(root: Path, out: Path) -> None:
    """Rewrite ``out`` with the README pages and the API pages."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    write_readme_pages(root, out)
    write_api_pages(out)
