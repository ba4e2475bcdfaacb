"""examples/notebook.ipynb runs top to bottom in a Jupyter kernel, and its ``%%manim``
cell leaves a playable video in the output.

nbclient drives a kernel of this interpreter (a kernelspec written to ``tmp_path``, so
no registered ``python3`` kernel of another environment is picked up); the notebook
embeds its video (``config.media_embed = True``): the output is manim's HTML
``<video>`` tag with the MP4 inline as base64, decoded here and opened with PyAV.
"""

from __future__ import annotations

import base64
import json
import re
import sys
from pathlib import Path

import pytest

EXTRAS = "needs the notebook extras: pip install -e '.[notebook]'"
nbformat = pytest.importorskip("nbformat", reason=EXTRAS)
nbclient = pytest.importorskip("nbclient", reason=EXTRAS)
pytest.importorskip("ipykernel", reason=EXTRAS)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "notebook.ipynb"
KERNEL = "manim-diffusion-test"
VIDEO = re.compile(
    r'<video[^>]*>\s*<source src="data:video/mp4;base64,(?P<data>[A-Za-z0-9+/=\s]+)"')


def write_kernelspec(folder: Path) -> None:
    """A kernelspec named ``KERNEL`` that starts ipykernel in this interpreter."""
    spec = folder / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "manim-diffusion tests", "language": "python",
    }))


def html_outputs(notebook: nbformat.NotebookNode) -> list[str]:
    """The ``text/html`` of every display output of the notebook's code cells."""
    return [output["data"]["text/html"] for cell in notebook.cells if cell.cell_type == "code"
            for output in cell.get("outputs", [])
            if output.get("output_type") in ("display_data", "execute_result")
            and "text/html" in output.get("data", {})]


def test_the_notebook_is_clean_and_uses_the_magic() -> None:
    """Saved without outputs, with the library's mobjects in a ``%%manim`` cell."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")
    magic = [source for source in code if source.startswith("%%manim")]
    assert len(magic) == 1 and "-ql" in magic[0].splitlines()[0]
    assert "DistributionCloud(" in magic[0] and "TimeBar(" in magic[0]
    assert any("import manim_diffusion" in source for source in code)


@pytest.mark.slow
def test_the_notebook_runs_and_shows_its_video(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import av

    write_kernelspec(tmp_path / "jupyter")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(notebook, kernel_name=KERNEL, timeout=600,
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError, with the traceback, if a cell fails

    videos = [m for html in html_outputs(notebook) for m in VIDEO.finditer(html)]
    assert len(videos) == 1, f"no embedded <video> in the outputs: {html_outputs(notebook)}"
    mp4 = tmp_path / "out.mp4"
    mp4.write_bytes(base64.b64decode(videos[0]["data"]))
    with av.open(str(mp4)) as container:
        stream = container.streams.video[0]
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(stream)]
    assert (stream.width, stream.height) == (854, 480)  # -ql
    assert 30 <= len(frames) <= 45  # 2.5 s at 15 frames a second
    first, last = frames[0].astype(int), frames[-1].astype(int)
    assert (first != last).any(-1).mean() > 0.01  # the cloud moved from noise to the smiley
    assert (tmp_path / "media" / "jupyter").is_dir()  # rendered in the notebook's folder
