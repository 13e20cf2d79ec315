"""The generation worker seen from Blender: start it, talk to it, replace it when it dies.

No bpy and no torch here. The worker is `python -m texgan_core serve` (texgan_core/serve.py):
one JSON request per line on its stdin, one JSON reply per line on its stdout. It keeps models
loaded between calls, so only the first generation pays for importing torch and loading.
"""

import collections
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from .subprocess_env import CREATION_FLAGS, Runtime, exit_text, for_blender, missing_torch_message


class WorkerError(Exception):
    """A message for the user: the worker's own error, or why the worker could not answer."""


class WorkerClient:
    """One worker subprocess, started on first use and restarted if it has died."""

    def __init__(self, runtime: Runtime, start_timeout: float = 180.0,
                 request_timeout: float = 1800.0):
        self.runtime = runtime
        self.start_timeout = start_timeout
        self.request_timeout = request_timeout
        self._proc = None
        self._lines = None                       # queue of stdout lines (None at EOF)
        self._stderr = collections.deque(maxlen=40)
        self._lock = threading.Lock()            # one request at a time
        self._next_id = 0
        self._tmp = Path(tempfile.mkdtemp(prefix="texgan-worker-"))

    # -- process ---------------------------------------------------------------------------

    @property
    def pid(self):
        return self._proc.pid if self.alive() else None

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _start(self) -> None:
        self._stderr.clear()
        try:
            self._proc = subprocess.Popen(
                self.runtime.command("serve"), env=self.runtime.env(), stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1,
                creationflags=CREATION_FLAGS)
        except OSError as e:
            self._proc = None
            raise WorkerError(f"cannot run the Python set in TexGAN preferences "
                              f"({self.runtime.python}): {e.strerror or e}") from None
        self._lines = queue.Queue()
        threading.Thread(target=_pump, args=(self._proc.stdout, self._lines.put),
                         daemon=True, name="texgan-worker-stdout").start()
        threading.Thread(target=_pump, args=(self._proc.stderr, self._stderr.append, False),
                         daemon=True, name="texgan-worker-stderr").start()
        try:
            hello = self._read(self.start_timeout, "start")
        except KeyboardInterrupt:   # Ctrl+C in a script while torch loads: no worker left half-started
            self._kill()
            raise
        if not hello.get("ok", False):        # serve.py could not import torch
            self._kill()
            raise WorkerError(missing_torch_message(self.runtime.python, hello.get("error", "")))

    def _read(self, timeout: float, what: str) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self._kill()
                raise WorkerError(f"the TexGAN worker did not {what} within {timeout:.0f} s "
                                  f"and was stopped") from None
            if line is None:
                self._proc.wait(timeout=10)
                raise WorkerError(f"the TexGAN worker {exit_text(self._proc.returncode)}: "
                                  f"{self.stderr_tail()}")
            try:
                return json.loads(line)
            except ValueError:
                self._stderr.append(line)        # stray output, not a reply

    def stderr_tail(self, lines: int = 3) -> str:
        tail = [s.strip() for s in list(self._stderr)[-lines:] if s.strip()]
        return " | ".join(tail) or "no message"

    def _kill(self) -> None:
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.kill()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        for stream in (self._proc.stdin, self._proc.stdout, self._proc.stderr):
            try:
                stream.close()
            except (OSError, ValueError):
                pass

    def close(self, timeout: float = 5.0) -> None:
        """Ask the worker to quit; kill it if it does not. Safe to call at any time."""
        with self._lock:
            if self.alive():
                try:
                    self._proc.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
                    self._proc.stdin.flush()
                    self._proc.wait(timeout=timeout)
                except (OSError, ValueError, subprocess.TimeoutExpired):
                    pass
            self._kill()
            self._proc = None
            shutil.rmtree(self._tmp, ignore_errors=True)

    # -- requests --------------------------------------------------------------------------

    def abort(self) -> None:
        """Kill the worker from another thread while a request runs: that request fails with
        WorkerError, and the next one starts a new worker."""
        self._kill()

    def request(self, cmd: str, timeout: float = None, on_progress=None, stopped=None,
                **fields) -> dict:
        """Send one request and return the worker's reply; raise WorkerError on any failure.
        `on_progress(fraction)` is called for the worker's progress events. `stopped()` says
        whether the caller has since called `abort`: one that came while a new worker was
        being started found no process to kill."""
        with self._lock:
            if not self.alive():
                self._kill()
                self._start()
                if stopped is not None and stopped():
                    self._kill()
                    raise WorkerError("the TexGAN worker was stopped")
            self._next_id += 1
            self._stderr.clear()                 # a failure's message is about this request
            message = {"id": self._next_id, "cmd": cmd, **fields}
            try:
                self._proc.stdin.write(json.dumps(message) + "\n")
                self._proc.stdin.flush()
            except (OSError, ValueError):
                self._kill()
                raise WorkerError(f"the TexGAN worker stopped: {self.stderr_tail()}") from None
            try:
                while True:
                    reply = self._read(timeout or self.request_timeout, "answer")
                    if reply.get("id") != self._next_id:
                        continue                 # older replies belong to abandoned requests
                    if reply.get("event") != "progress":
                        break
                    if on_progress is not None:
                        on_progress(float(reply.get("done", 0.0)))
            except KeyboardInterrupt:
                # Ctrl+C in a script (bpy as a module). Left running, the worker would go on
                # with the abandoned request (minutes at large sizes) and write its result.
                self._kill()
                raise
        if not reply.get("ok"):
            raise WorkerError(for_blender(reply.get("error") or "the TexGAN worker failed without a message"))
        return reply

    def generate(self, model: str, width: int, height: int, seed: int = 0,
                 texture: int = 0, on_progress=None, stopped=None) -> np.ndarray:
        """H×W×3 float32 in [0, 1], row 0 at the top (as the core returns it)."""
        self._tmp.mkdir(parents=True, exist_ok=True)
        out = self._tmp / f"out-{os.getpid()}-{self._next_id + 1}.npy"
        try:    # the file goes whatever happens: an 8192² result is 768 MiB
            self.request("generate", on_progress=on_progress, stopped=stopped, model=str(model),
                         width=int(width), height=int(height), seed=int(seed), texture=int(texture),
                         device=self.runtime.device, extra_dirs=self.runtime.extra_dirs(), out=str(out))
            return np.load(out, allow_pickle=False)
        finally:   # with the worker's partial file, if it was stopped while writing
            for written in self._tmp.glob(f"{out.name}*"):
                written.unlink(missing_ok=True)


def _pump(stream, put, mark_end: bool = True) -> None:
    """Copy a subprocess stream line by line (runs in a daemon thread); None marks the end."""
    try:
        for line in stream:
            put(line.rstrip("\n"))
    except (OSError, ValueError):
        pass
    if mark_end:
        put(None)
