"""The package keeps its shape: small modules, short functions, layers that stay apart.

- no module over 500 lines;
- no function over 60 lines of code (docstrings, comments and blank lines not counted);
- no import of a ``_private`` name from another module of the package;
- the engine layers never import manim (checked in a fresh interpreter).
"""

from __future__ import annotations

import ast
import io
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "manim_diffusion"
MAX_MODULE_LINES = 500
MAX_FUNCTION_CODE_LINES = 60
ENGINE_LAYERS = ["core", "samplers", "training", "data", "densities", "analysis", "io"]


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def code_line_numbers(source: str) -> set[int]:
    """Numbers of the lines that hold code: not blank, not only a comment."""
    lines: set[int] = set()
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
            tokenize.DEDENT, tokenize.ENCODING, tokenize.ENDMARKER}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type not in skip:
            lines.update(range(tok.start[0], tok.end[0] + 1))
    return lines


def code_lines(code: set[int], first: int, last: int, docstrings: set[int]) -> int:
    """How many lines from ``first`` to ``last`` hold code that is not a docstring."""
    return sum(1 for line in range(first, last + 1) if line in code and line not in docstrings)


def docstring_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                lines.update(range(body[0].lineno, (body[0].end_lineno or 0) + 1))
    return lines


def long_functions() -> list[str]:
    found = []
    for path in modules():
        source = path.read_text()
        tree = ast.parse(source)
        docs = docstring_lines(tree)
        code = code_line_numbers(source)
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = code_lines(code, node.lineno, node.end_lineno or node.lineno, docs)
                if n > MAX_FUNCTION_CODE_LINES:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({n})")
    return found


def private_imports(paths: list[Path] | None = None) -> list[str]:
    found = []
    for path in modules() if paths is None else paths:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            inside = node.level > 0 or (node.module or "").startswith("manim_diffusion")
            if not inside:
                continue
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"{path.name}:{node.lineno} {alias.name}")
    return found


def test_no_module_is_over_500_lines() -> None:
    big = [
        f"{p.relative_to(ROOT)} ({n})"
        for p in modules()
        if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES
    ]
    assert not big, f"modules over {MAX_MODULE_LINES} lines: {big}"


def test_no_function_is_over_60_lines_of_code() -> None:
    found = long_functions()
    assert not found, f"functions over {MAX_FUNCTION_CODE_LINES} lines of code: {found}"


def test_no_private_name_is_imported_across_modules() -> None:
    found = private_imports()
    assert not found, f"private names imported from another module: {found}"


def test_the_checks_see_what_they_look_for(tmp_path: Path) -> None:
    """The scanners count what they should (a check that finds nothing proves nothing)."""
    source = (
        "def f():\n    '''doc\n    more'''\n    # note\n\n"
        "    a = 1\n    return (a +\n            2)\n"
    )
    docs = docstring_lines(ast.parse(source))
    assert code_lines(code_line_numbers(source), 1, 8, docs) == 4
    probe = tmp_path / "probe.py"
    probe.write_text("from .core.trajectory import _private_thing\nfrom os import _exit\n")
    assert private_imports([probe]) == ["probe.py:1 _private_thing"]


def test_engine_layers_load_no_manim() -> None:
    """Each engine layer, imported in turn in a fresh interpreter, loads no manim."""
    code = (
        "import sys, importlib\n"
        "for layer in %r:\n"
        "    importlib.import_module('manim_diffusion.' + layer)\n"
        "    bad = sorted(m for m in sys.modules if m == 'manim' or m.startswith('manim.'))\n"
        "    if bad:\n"
        "        sys.exit(f'manim_diffusion.{layer} loads {bad[:3]}')\n"
        "print('ok')\n" % (ENGINE_LAYERS + ["engine"])
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_the_package_the_talk_layer_and_the_talk_command_load_neither_torch_nor_manim() -> None:
    """`import manim_diffusion`, its talk layer and `manim-diffusion talk --help` start
    without torch or manim (a cached talk previews in well under a second); the first
    engine or mobject name used loads its layer, and names resolve to the same objects."""
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "import manim_diffusion, manim_diffusion.talk\n"
        "from manim_diffusion.io import MANIFEST, pretrained_dir, read_manifest\n"
        "assert read_manifest(pretrained_dir()) and MANIFEST\n"
        "from manim_diffusion.cli.main import main\n"
        "assert CliRunner().invoke(main, ['talk', '--help']).exit_code == 0\n"
        "heavy = lambda: sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'manim'})\n"
        "assert heavy() == [], heavy()\n"
        "from manim_diffusion import sample\n"
        "import manim_diffusion.engine as engine\n"
        "assert sample is engine.sample and heavy() == ['torch'], heavy()\n"
        "assert manim_diffusion.DistributionCloud is not None and heavy() == ['manim', 'torch']\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-2000:]


def test_the_name_list_is_the_engine_facade() -> None:
    """manim_diffusion.names lists exactly the facades' names, and every name resolves."""
    import manim_diffusion
    import manim_diffusion.engine as engine
    import manim_diffusion.mobjects as mobjects
    from manim_diffusion.names import ENGINE_NAMES, MOBJECT_NAMES

    assert list(ENGINE_NAMES) == list(engine.__all__)
    assert list(MOBJECT_NAMES) == list(mobjects.__all__)
    assert len(set(ENGINE_NAMES) | set(MOBJECT_NAMES)) == len(manim_diffusion.__all__)
    for name in manim_diffusion.__all__:
        assert getattr(manim_diffusion, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = manim_diffusion.nope


def test_the_names_are_read_from_a_literal_all_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from manim_diffusion import names

    monkeypatch.setattr(names, "_PACKAGE", tmp_path)
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "__init__.py").write_text('import os\n__all__ = ["a", "b"]\n')
    assert names.declared_names("good") == ("a", "b")
    (tmp_path / "computed").mkdir()
    (tmp_path / "computed" / "__init__.py").write_text("__all__ = list(NAMES)\n")
    with pytest.raises(RuntimeError, match="literal __all__"):
        names.declared_names("computed")
