"""Load and check a talk script (TOML) before anything renders.

A talk script::

    [talk]
    title = "Diffusion in ten minutes"

    [[slides]]
    scene = "ddpm_smiley.py"      # a file in scenes/ (or next to the script) ...
    class = "DDPMSmiley"
    title = "DDPM"
    notes = "What the speaker says."
    params = { n_points = 1000 }  # optional: str, int, float or bool values
    loop = false                  # optional: loop each section until the next key

    [[slides]]
    scene = "my_talk.scenes:Intro"  # ... or module:Class (a module next to the script
    title = "Intro"                 # or importable)

Every error names the slide (number and title) and the key.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser from PyPI
    import tomli as tomllib

__all__ = ["SCENES_DIR", "Slide", "Talk", "TalkError", "load_talk", "scene_defaults"]

#: The shipped scenes of a source checkout.
SCENES_DIR = Path(__file__).resolve().parents[2] / "scenes"

_TALK_KEYS = {"title"}
_SLIDE_KEYS = {"scene", "class", "title", "notes", "params", "loop"}
_PARAM_TYPES = (str, int, float, bool)


class TalkError(ValueError):
    """A talk script that cannot be rendered; the message names the slide and the key."""


@dataclass(frozen=True)
class Slide:
    """One slide: a scene class in a file, rendered with ``params``."""

    number: int  #: 1-based position in the talk
    title: str
    file: Path  #: the scene's source file
    scene_class: str
    notes: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    loop: bool = False

    @property
    def label(self) -> str:
        return f'slide {self.number} ("{self.title}")'


@dataclass(frozen=True)
class Talk:
    title: str
    slides: list[Slide]
    path: Path


def _type_name(value: Any) -> str:
    return type(value).__name__


def _fits(value: Any, expected: type) -> bool:
    """Whether ``value`` may stand for a default of type ``expected``."""
    if expected is bool or isinstance(value, bool):
        return type(value) is expected
    if expected is float:
        return isinstance(value, (int, float))
    return isinstance(value, expected)


def _find_module(module: str, base: Path) -> Path | None:
    """The source file of ``module``: next to the talk script, else importable."""
    local = base.joinpath(*module.split(".")).with_suffix(".py")
    if local.is_file():
        return local
    package = base.joinpath(*module.split("."), "__init__.py")
    if package.is_file():
        return package
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin)


def scene_defaults(tree: ast.Module) -> dict[str, Any] | None:
    """The defaults a scene passes to ``params({...})``, read from its source.

    Values that are literals, or names of module-level literal constants, are given;
    others are ``...`` (their type is not checked). None if the scene never calls
    ``params`` with a dict literal.
    """
    constants: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    constants[target.id] = node.value.value
    for call in ast.walk(tree):
        if not (isinstance(call, ast.Call) and call.args and isinstance(call.args[0], ast.Dict)):
            continue
        func = call.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name != "params":
            continue
        defaults: dict[str, Any] = {}
        for key, value in zip(call.args[0].keys, call.args[0].values, strict=True):
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                continue
            if isinstance(value, ast.Constant):
                defaults[key.value] = value.value
            elif isinstance(value, ast.Name) and value.id in constants:
                defaults[key.value] = constants[value.id]
            else:
                defaults[key.value] = ...
        return defaults
    return None


def _slide_where(raw: Any, number: int) -> str:
    """The slide's label for errors, once its title and keys are checked."""
    where = f"slide {number}"
    if not isinstance(raw, dict):
        raise TalkError(f"{where}: must be a table ([[slides]]), got {_type_name(raw)}")
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        got = "missing" if title is None else f"{_type_name(title)} {title!r}"
        raise TalkError(f"{where}: key 'title': a non-empty string is required, got {got}")
    where = f'slide {number} ("{title}")'
    for key in raw:
        if key not in _SLIDE_KEYS:
            raise TalkError(f"{where}: unknown key {key!r} (allowed: {sorted(_SLIDE_KEYS)})")
    for key, kind in (("notes", str), ("loop", bool), ("params", dict)):
        if key in raw and not isinstance(raw[key], kind):
            raise TalkError(f"{where}: key {key!r}: expected {kind.__name__}, "
                            f"got {_type_name(raw[key])} {raw[key]!r}")
    return where


def _scene_file(raw: dict, where: str, base: Path, scenes_dir: Path) -> tuple[Path, Any]:
    """The scene's source file and its class name (not yet checked) from 'scene'/'class'."""
    scene = raw.get("scene")
    if not isinstance(scene, str) or not scene:
        got = "missing" if scene is None else f"{_type_name(scene)} {scene!r}"
        raise TalkError(f"{where}: key 'scene': a file in scenes/ or 'module:Class' is "
                        f"required, got {got}")
    cls: Any
    if ":" in scene:
        module, _, cls = scene.partition(":")
        if "class" in raw:
            raise TalkError(f"{where}: key 'class': give the class either in 'scene' "
                            f"({scene!r}) or in 'class', not both")
        file = _find_module(module, base)
        if file is None:
            raise TalkError(f"{where}: key 'scene': module {module!r} not found next to "
                            f"{base} nor importable")
        return file, cls
    cls = raw.get("class")
    if cls is None:
        raise TalkError(f"{where}: key 'class': missing; name the Scene class in {scene}")
    candidates = [scenes_dir / scene, base / scene]
    file = next((p for p in candidates if p.is_file()), None)
    if file is None:
        shipped = sorted(p.name for p in scenes_dir.glob("*.py") if p.name[0] != "_")
        raise TalkError(f"{where}: key 'scene': unknown scene file {scene!r} (not in "
                        f"{scenes_dir} nor {base}); shipped: {', '.join(shipped)}")
    return file, cls


def _scene_tree(file: Path, cls: Any, where: str) -> ast.Module:
    """The parsed scene file, once it is known to define the class ``cls``."""
    if not isinstance(cls, str) or not cls.isidentifier():
        raise TalkError(f"{where}: key 'class': expected a class name, got {cls!r}")
    try:
        tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
    except SyntaxError as err:
        raise TalkError(f"{where}: key 'scene': {file} does not parse: {err}") from err
    classes = {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
    if cls not in classes:
        raise TalkError(f"{where}: key 'class': no class {cls!r} in {file} "
                        f"(it defines {', '.join(sorted(classes)) or 'none'})")
    return tree


def _check_params(params: dict[str, Any], tree: ast.Module, cls: str, where: str) -> None:
    """Each parameter is one the scene reads, of its default's type."""
    defaults = scene_defaults(tree)
    for name, value in params.items():
        key = f"params.{name}"
        if not isinstance(value, _PARAM_TYPES):
            raise TalkError(f"{where}: key {key!r}: expected str, int, float or bool, got "
                            f"{_type_name(value)} {value!r}")
        if defaults is None:
            raise TalkError(f"{where}: key {key!r}: {cls} takes no parameters (its file "
                            "never calls manim_diffusion.talk.params)")
        if name not in defaults:
            raise TalkError(f"{where}: key {key!r}: unknown parameter; {cls} takes "
                            f"{', '.join(sorted(defaults))}")
        default = defaults[name]
        if default is not ... and default is not None and not _fits(value, type(default)):
            raise TalkError(f"{where}: key {key!r}: expected {_type_name(default)} (like the "
                            f"default {default!r}), got {_type_name(value)} {value!r}")


def _slide(raw: Any, number: int, base: Path, scenes_dir: Path) -> Slide:
    where = _slide_where(raw, number)
    file, cls = _scene_file(raw, where, base, scenes_dir)
    tree = _scene_tree(file, cls, where)
    params = dict(raw.get("params", {}))
    _check_params(params, tree, cls, where)
    return Slide(number=number, title=raw["title"], file=file.resolve(), scene_class=cls,
                 notes=raw.get("notes", ""), params=params, loop=raw.get("loop", False))


def load_talk(path: str | Path, scenes_dir: Path = SCENES_DIR) -> Talk:
    """Read and check the talk script at ``path``; raise TalkError naming slide and key."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise TalkError(f"{path}: cannot read: {err}") from err
    except tomllib.TOMLDecodeError as err:
        raise TalkError(f"{path}: not valid TOML: {err}") from err
    for key in data:
        if key not in ("talk", "slides"):
            raise TalkError(f"{path}: unknown top-level key {key!r} (allowed: talk, slides)")
    talk = data.get("talk")
    if not isinstance(talk, dict):
        raise TalkError(f"{path}: key 'talk': a [talk] table with a title is required")
    for key in talk:
        if key not in _TALK_KEYS:
            raise TalkError(f"{path}: [talk]: unknown key {key!r} (allowed: title)")
    title = talk.get("title")
    if not isinstance(title, str) or not title.strip():
        raise TalkError(f"{path}: [talk]: key 'title': a non-empty string is required")
    raw_slides = data.get("slides")
    if not isinstance(raw_slides, list) or not raw_slides:
        raise TalkError(f"{path}: key 'slides': at least one [[slides]] table is required")
    base = path.resolve().parent
    slides = []
    for number, raw in enumerate(raw_slides, start=1):
        try:
            slides.append(_slide(raw, number, base, scenes_dir))
        except TalkError as err:
            raise TalkError(f"{path}: {err}") from None
    return Talk(title=title, slides=slides, path=path)
