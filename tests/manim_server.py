"""`manim render` for the tests, without paying manim's and torch's import every time.

A render in a fresh interpreter spends about 4.5 s importing manim and torch before
the scene starts, and the suite renders some twenty scenes and examples. The server
is one interpreter per pytest worker that imports them once and never runs a torch
operation (so no OpenMP or MKL thread pool exists to be broken by ``fork``); each
render is a fresh ``fork`` of it that runs manim's own command line, ``manim render
...``, with its own environment, working directory, stdout and stderr, and exits.
Each render therefore starts from the same clean state as ``python -m manim`` would,
in its own process.

Run as a script it is the server: it reads one JSON request per line on stdin
(``{"args": [...], "env": {...}, "cwd": "...", "log": "..."}``) and answers with one
line, the render's exit code.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO


class ManimServer:
    """A warm interpreter that forks one child per ``manim`` command line."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()

    def _start(self) -> subprocess.Popen[str]:
        if self._proc is None or self._proc.poll() is not None:
            self._proc = subprocess.Popen(
                [sys.executable, __file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                text=True, bufsize=1,
            )
            ready = self._read(self._proc.stdout)
            assert ready == "ready", f"the manim server did not start: {ready!r}"
        return self._proc

    @staticmethod
    def _read(stream: IO[str] | None) -> str:
        assert stream is not None
        return stream.readline().strip()

    def run(self, args: list[str], env: dict[str, str] | None = None,
            cwd: str | Path | None = None, log: str | Path | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """Run ``manim *args`` (as ``python -m manim *args``): exit code, stdout+stderr.

        ``env`` is added to the server's environment; the output goes to ``log`` (a
        temporary file next to nothing of the caller's when not given).
        """
        log_path = Path(log) if log else Path(os.environ.get("TMPDIR", "/tmp")) / (
            f"manim-server-{os.getpid()}-{threading.get_ident()}.log")
        request = {"args": list(args), "env": env or {}, "cwd": str(cwd or os.getcwd()),
                   "log": str(log_path)}
        with self._lock:
            proc = self._start()
            assert proc.stdin is not None
            proc.stdin.write(json.dumps(request) + "\n")
            proc.stdin.flush()
            answer = self._read(proc.stdout)
        output = log_path.read_text(encoding="utf-8", errors="replace")
        if not log:
            log_path.unlink(missing_ok=True)
        return subprocess.CompletedProcess(["manim", *args], int(answer), output, output)

    def close(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            self._proc.wait(timeout=30)


def _serve() -> None:
    """The server's loop: import once, then fork one render per request."""
    import manim  # noqa: F401  (the imports every render shares)
    import manim.__main__
    import torch  # noqa: F401
    import torch._dynamo  # noqa: F401  (torch.optim's first optimiser imports it: 2 s)

    import manim_diffusion.engine  # noqa: F401
    import manim_diffusion.mobjects  # noqa: F401

    print("ready", flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:  # the child: one `manim` command line, then exit
            code = 1
            try:
                os.environ.update(request["env"])
                os.chdir(request["cwd"])
                fd = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                os.dup2(fd, 1)
                os.dup2(fd, 2)
                sys.path[0] = os.getcwd()  # as `python -m manim` has it (not tests/)
                sys.argv = ["manim", *request["args"]]
                try:
                    manim.__main__.main()
                    code = 0
                except SystemExit as done:
                    code = done.code if isinstance(done.code, int) else (0 if done.code is None
                                                                           else 1)
            except BaseException:  # noqa: BLE001 - reported through the log and the code
                import traceback

                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        print(os.waitstatus_to_exitcode(status), flush=True)


if __name__ == "__main__":
    _serve()
