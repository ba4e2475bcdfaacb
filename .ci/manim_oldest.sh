#!/usr/bin/env bash
# The smoke set on the oldest Manim the package supports, in a venv of its own:
# every scene's first section (.ci/test_first_sections.py) and every docstring example.
# `make test` runs everything on the newest Manim (pyproject's upper bound).
#   OLDEST_VENV   the venv's folder (default .venv-oldest; made once, then reused)
#   MANIM_OLDEST  the Manim release to test (default: the lower bound in pyproject.toml)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${OLDEST_VENV:-.venv-oldest}
OLDEST=${MANIM_OLDEST:-$(sed -n 's/^ *"manim>=\([0-9.]*\),.*/\1/p' pyproject.toml)}
if [ -z "$OLDEST" ]; then
    echo "manim_oldest: no 'manim>=X,<Y' in pyproject.toml; set MANIM_OLDEST" >&2
    exit 1
fi
PIPQ=(-q --disable-pip-version-check)
if [ ! -f "$VENV/.installed-$OLDEST" ]; then
    python3 -m venv "$VENV"
    # constraints.txt pins the newest Manim for make test: keep its other pins only
    grep -v '^manim==' constraints.txt > "$VENV/constraints-oldest.txt"
    "$VENV/bin/pip" install "${PIPQ[@]}" torch==2.13.0 -c "$VENV/constraints-oldest.txt"
    # pyproject's dependencies with this Manim in place of its own requirement on Manim
    mapfile -t DEPS < <("$VENV/bin/python" - <<'PY'
import re, tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
for dep in project["dependencies"]:
    if re.split(r"[<>=!~;\[ ]", dep, maxsplit=1)[0].strip().lower() != "manim":
        print(dep)
PY
)
    "$VENV/bin/pip" install "${PIPQ[@]}" "manim==$OLDEST" "${DEPS[@]}" \
        pytest pytest-xdist hypothesis -c "$VENV/constraints-oldest.txt"
    "$VENV/bin/pip" install "${PIPQ[@]}" --no-deps -e .
    touch "$VENV/.installed-$OLDEST"
fi
echo "manim_oldest: $("$VENV/bin/python" -c 'import manim; print("manim", manim.__version__)')"
OMP_WAIT_POLICY=PASSIVE "$VENV/bin/python" -m pytest -q -p no:cacheprovider \
    -n "${TEST_WORKERS:-auto}" --dist worksteal --hypothesis-profile=ci --durations=5 \
    .ci/test_first_sections.py tests/test_docstring_examples.py::test_docstring_example_renders
