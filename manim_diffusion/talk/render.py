"""Render a talk's slides with `manim render --save_sections`, in parallel, with a cache.

Each slide is one `manim render` process; its section videos land in a cache folder
named by a key over everything that changes them (the scene's source, the class, the
parameters, the shipped checkpoints' hashes, the quality and flags), so a slide whose
key is unchanged is not rendered again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .params import PARAMS_ENV
from .script import Slide, Talk
from .worker import parse_progress

__all__ = ["CACHE_ENV", "QUALITIES", "ProgressCallback", "SlideResult", "cache_key",
           "default_cache_dir", "render_talk"]

#: Where rendered slides are kept between runs (default ``media/talks/.cache``).
CACHE_ENV = "MANIM_DIFFUSION_TALK_CACHE"

#: Manim flags per mode: preview is low resolution with a fast encoder preset.
QUALITIES: dict[str, list[str]] = {
    "preview": ["-ql", "--encoder-option", "preset=veryfast"],
    "build": ["-qh"],
}

_KEY_VERSION = 1
_TAIL_LINES = 25
_ESTIMATES = "frames.json"


@dataclass
class SlideResult:
    """What became of one slide: its cached section videos, or the error."""

    slide: Slide
    key: str
    folder: Path | None = None  #: cache folder holding sections.json and the videos
    sections: list[dict[str, Any]] = field(default_factory=list)
    cached: bool = False
    seconds: float = 0.0
    error: str | None = None
    frames: int = 0  #: frames written so far (all of them once rendered)
    frames_expected: int | None = None  #: this slide's frame count at its last render
    section: str = ""  #: the section being rendered

    @property
    def ok(self) -> bool:
        return self.error is None


def default_cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path("media") / "talks" / ".cache")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _checkpoint_hashes() -> dict[str, Any]:
    """The sha256 of every file listed in the shipped ``pretrained/manifest.json``."""
    from ..io import MANIFEST, pretrained_dir

    manifest = pretrained_dir() / MANIFEST
    if not manifest.exists():
        return {}
    data = json.loads(manifest.read_text(encoding="utf-8"))
    return {f"{section}/{e.get('file', e.get('name'))}": e.get("sha256")
            for section, entries in data.items() if isinstance(entries, list)
            for e in entries if isinstance(e, dict)}


@functools.lru_cache(maxsize=1)
def library_hash() -> str:
    """One sha256 over the library's own engine and mobject sources.

    A change to a mobject or a sampler changes what a scene draws, so it re-renders
    every slide (computed once per process: the sources do not change while it runs).
    """
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        if "talk" in path.relative_to(root).parts:  # the talk tools do not draw
            continue
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_key(slide: Slide, mode: str, checkpoints: dict[str, Any] | None = None) -> str:
    """The hex key of a slide's render: equal keys give the same videos.

    It covers the scene's source, class and parameters, the library's sources, the
    shipped checkpoints' hashes and the quality flags, and the scene kit beside the scene
    (``_kit.py``, which the shipped scenes import) when there is one.
    """
    if checkpoints is None:
        checkpoints = _checkpoint_hashes()
    payload = {
        "version": _KEY_VERSION,
        "library": library_hash(),
        "source": _sha256(slide.file),
        "class": slide.scene_class,
        "params": slide.params,
        "checkpoints": checkpoints,
        "flags": QUALITIES[mode],
    }
    kit = slide.file.parent / "_kit.py"
    if kit.is_file():
        payload["kit"] = _sha256(kit)
    blob = json.dumps(payload, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:32]


def _load_cached(folder: Path) -> list[dict[str, Any]] | None:
    index = folder / "sections.json"
    if not index.is_file():
        return None
    sections = json.loads(index.read_text(encoding="utf-8"))
    if not sections or not all((folder / s["video"]).is_file() for s in sections):
        return None
    return sections


#: Called as ``on_progress(result)`` whenever a rendering slide's ``frames`` or
#: ``section`` change (several times a second at most).
ProgressCallback = Callable[[SlideResult], None]


def _estimate_name(slide: Slide) -> str:
    return f"{slide.file.resolve()}::{slide.scene_class}"


def _read_estimates(cache_dir: Path) -> dict[str, int]:
    try:
        data = json.loads((cache_dir / _ESTIMATES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, int)} if isinstance(data, dict) else {}


def _write_estimates(cache_dir: Path, results: list[SlideResult], mode: str) -> None:
    """Remember each rendered slide's frame count: the next render's progress bar total."""
    estimates = _read_estimates(cache_dir)
    for r in results:
        if r.ok and r.frames:
            estimates[f"{mode}:{_estimate_name(r.slide)}"] = r.frames
    tmp = cache_dir / f".{_ESTIMATES}.{os.getpid()}"
    tmp.write_text(json.dumps(estimates, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, cache_dir / _ESTIMATES)


def _tail(text: str) -> str:
    return "\n".join(text.strip().splitlines()[-_TAIL_LINES:])


def _run_worker(cmd: list[str], env: dict[str, str], cwd: Path, result: SlideResult,
                timeout: float | None, on_progress: ProgressCallback | None
                ) -> tuple[int | None, str]:
    """Run the worker, feeding its progress lines to ``result``.

    Returns (exit code, its other output); the code is None if it ran out of time.
    """
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env, cwd=cwd, bufsize=1)
    timed_out = threading.Event()

    def kill() -> None:
        timed_out.set()
        proc.kill()

    timer = threading.Timer(timeout, kill) if timeout is not None else None
    if timer is not None:
        timer.start()
    output: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            record = parse_progress(line)
            if record is None:
                output.append(line)
                continue
            result.frames = int(record.get("frames", result.frames))
            result.section = str(record.get("section", result.section))
            if on_progress:
                on_progress(result)
        code: int | None = proc.wait()
    finally:
        if timer is not None:
            timer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if timed_out.is_set() and code != 0:
        code = None
    return code, "".join(output)


def _render_one(result: SlideResult, mode: str, cache_dir: Path, threads: int,
                timeout: float | None, on_progress: ProgressCallback | None = None
                ) -> SlideResult:
    slide = result.slide
    start = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix=f".render-{result.key}-", dir=cache_dir))
    try:
        cmd = [sys.executable, "-m", "manim_diffusion.talk.worker", "render",
               *QUALITIES[mode], "--save_sections", "--disable_caching", "--progress_bar",
               "none", "--media_dir", str(work / "media"), str(slide.file), slide.scene_class]
        env = {**os.environ, PARAMS_ENV: json.dumps(slide.params), "NO_COLOR": "1",
               "COLUMNS": "120", "TERM": "dumb", "PYTHONUNBUFFERED": "1"}
        env.setdefault("OMP_NUM_THREADS", str(threads))
        code, output = _run_worker(cmd, env, work, result, timeout, on_progress)
        if code is None:
            result.error = f"manim did not finish within {timeout:g} s"
            return result
        if code != 0:
            result.error = f"manim exited with code {code}:\n{_tail(output)}"
            return result
        indexes = list((work / "media").rglob(f"sections/{slide.scene_class}.json"))
        if not indexes:
            result.error = "manim wrote no section videos (sections/*.json missing)"
            return result
        staged = work / "out"
        staged.mkdir()
        sections = json.loads(indexes[0].read_text(encoding="utf-8"))
        for s in sections:
            shutil.copy2(indexes[0].parent / s["video"], staged / s["video"])
        (staged / "sections.json").write_text(json.dumps(sections, indent=1), encoding="utf-8")
        target = cache_dir / result.key
        if target.exists():  # an equal render finished meanwhile: keep that one
            shutil.rmtree(target)
        os.replace(staged, target)
        result.folder, result.sections = target, sections
        return result
    finally:
        result.seconds = time.perf_counter() - start
        shutil.rmtree(work, ignore_errors=True)


def render_talk(
    talk: Talk,
    mode: str = "preview",
    cache_dir: Path | None = None,
    jobs: int | None = None,
    timeout: float | None = None,
    on_done: Callable[[SlideResult], None] | None = None,
    on_progress: ProgressCallback | None = None,
    on_start: Callable[[list[SlideResult]], None] | None = None,
) -> list[SlideResult]:
    """Render every slide not already cached, up to ``jobs`` at a time (default: cores).

    A failing slide does not stop the others; its ``error`` holds the tail of manim's
    output. ``on_start`` is called once with every result before anything renders
    (``frames_expected`` set from the last render of each slide, when known);
    ``on_progress`` as a slide's frame count grows; ``on_done`` with each result as it
    is known (cached ones first). Returns one result per slide, in talk order.
    """
    if mode not in QUALITIES:
        raise ValueError(f"mode must be one of {sorted(QUALITIES)}, got {mode!r}")
    cache_dir = Path(cache_dir or default_cache_dir()).resolve()
    cache_dir.mkdir(parents=True, exist_ok=True)
    checkpoints = _checkpoint_hashes()
    results = [SlideResult(s, cache_key(s, mode, checkpoints)) for s in talk.slides]
    estimates = _read_estimates(cache_dir)
    for result in results:
        result.frames_expected = estimates.get(f"{mode}:{_estimate_name(result.slide)}")
    if on_start:
        on_start(results)
    todo = []
    for result in results:
        sections = _load_cached(cache_dir / result.key)
        if sections is not None:
            result.folder, result.sections, result.cached = (cache_dir / result.key,
                                                              sections, True)
            result.frames = sum(int(s.get("nb_frames", 0) or 0) for s in sections)
            if on_done:
                on_done(result)
        else:
            todo.append(result)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    threads = max(1, (os.cpu_count() or 1) // jobs)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(_render_one, r, mode, cache_dir, threads, timeout, on_progress)
                   for r in todo]
        for future in futures:
            future.add_done_callback(lambda f: on_done(f.result()) if on_done else None)
        for future in futures:
            future.result()
    if todo:
        _write_estimates(cache_dir, todo, mode)
    return results
