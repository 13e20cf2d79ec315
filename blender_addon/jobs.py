"""Long jobs in subprocesses: training a model, installing PyTorch. No bpy, no torch.

A job starts its subprocess and a reader thread that turns output lines into state. Blender's
timer calls `poll()` a few times a second (tests call it by hand: timers do not run in
bpy-module mode); the panel only reads the state. A job outlives the panel and file saves
because it belongs to the add-on's module, not to a window or a .blend.
"""

import collections
import json
import os
import re
import subprocess
import threading
import time
from pathlib import Path

from .subprocess_env import CREATION_FLAGS, Runtime, check_torch, exit_text, for_blender

# States a job goes through. The last three are final.
IDLE, RUNNING, STOPPING, DONE, STOPPED, FAILED = (
    "IDLE", "RUNNING", "STOPPING", "DONE", "STOPPED", "FAILED")
FINAL = (DONE, STOPPED, FAILED)


class SubprocessJob:
    """A subprocess whose stdout lines update `progress` (0..1), `message` and `state`."""

    def __init__(self):
        self.state = IDLE
        self.progress = 0.0
        self.message = ""
        self.returncode = None
        self.started_at = None
        self._proc = None
        self._stderr = collections.deque(maxlen=40)
        self._lock = threading.Lock()
        self._reader = None

    # subclasses provide these
    def command(self) -> list:
        raise NotImplementedError

    def env(self) -> dict:
        raise NotImplementedError

    def on_line(self, line: str) -> None:
        raise NotImplementedError

    def on_exit(self, returncode: int) -> None:
        raise NotImplementedError

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def pid(self):
        return self._proc.pid if self._proc is not None else None

    def running(self) -> bool:
        return self.state in (RUNNING, STOPPING)

    def start(self) -> None:
        if self.running():
            raise RuntimeError("this job is already running")
        self.state, self.message, self.returncode = RUNNING, "starting…", None
        self.started_at = time.monotonic()
        self._stderr.clear()
        try:
            self._proc = subprocess.Popen(
                self.command(), env=self.env(), stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1,
                creationflags=CREATION_FLAGS)
        except OSError as e:
            self.state, self.message = FAILED, f"could not start: {e}"
            return
        self._reader = threading.Thread(target=self._read_stdout, daemon=True,
                                        name=f"texgan-{type(self).__name__}")
        self._reader.start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self) -> None:
        for line in self._proc.stdout:
            line = line.strip()
            if line:
                with self._lock:
                    self.on_line(line)

    def _read_stderr(self) -> None:
        for line in self._proc.stderr:
            if line.strip():
                self._stderr.append(line.rstrip())

    def stderr_tail(self, lines: int = 2) -> str:
        return " | ".join(list(self._stderr)[-lines:])

    def poll(self) -> str:
        """Notice the end of the subprocess; returns the state. Cheap; call it often."""
        if self._proc is not None and self.running() and self._proc.poll() is not None:
            self._reader.join(timeout=5)         # take in the last lines first
            with self._lock:
                self.returncode = self._proc.returncode
                self.on_exit(self.returncode)
        return self.state

    def wait(self, timeout: float = None) -> str:
        """Block until the job ends (or `timeout` seconds pass); returns the state."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() not in FINAL:
            if deadline is not None and time.monotonic() > deadline:
                break
            time.sleep(0.05)
        return self.state

    def kill(self) -> None:
        """End the subprocess at once (add-on unregistering, Blender quitting)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self.poll()


def state_file_of(model: Path) -> Path:
    """A training's checkpoint beside its model, as `texgan_core.train.state_path` names it
    (not imported: that module imports torch)."""
    return model.with_name(model.name + ".state")


class TrainingJob(SubprocessJob):
    """`texgan train EXEMPLAR --out MODEL --progress json --stop-file ...` and its progress.

    stop() asks the trainer to write its checkpoint and exit; resume() continues from it.
    """

    def __init__(self, runtime: Runtime, exemplar, out, steps: int, extra_args=(), exemplar_label=""):
        super().__init__()
        self.runtime = runtime
        self.exemplar = str(exemplar)
        self.exemplar_label = exemplar_label     # how messages name it, e.g. "image 'Wall'"
        self.out = Path(out)
        self.total = int(steps)
        self.extra_args = [str(a) for a in extra_args]
        self.resuming = False
        self.step = 0
        self.eta_s = None
        self.steps_per_s = None
        self.losses = {}
        self.sample = None                       # path of the latest sample PNG
        self.model = None                        # path of the model once written
        self.note = ""                           # what the trainer changed, e.g. a smaller crop
        self.stop_file = self.out.with_name(self.out.name + ".stop")
        self._outcome = None                     # (state, message) from the last event

    @property
    def name(self) -> str:
        return self.out.name[:-len(".texgan")] if self.out.name.endswith(".texgan") \
            else self.out.stem

    @property
    def state_file(self) -> Path:
        return state_file_of(self.out)

    def can_resume(self) -> bool:
        return not self.running() and self.state_file.is_file()

    def command(self) -> list:
        args = ["train", self.exemplar, "--out", str(self.out), "--steps", str(self.total),
                "--progress", "json", "--stop-file", str(self.stop_file),
                "--device", self.runtime.device, *self.extra_args]
        if self.resuming:
            args.append("--resume")
        return self.runtime.command(*args)

    def env(self) -> dict:
        return self.runtime.env()

    def start(self) -> None:
        ok, message = check_torch(self.runtime)
        if not ok:
            self.state, self.message = FAILED, message
            return
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.stop_file.unlink(missing_ok=True)
        self.eta_s, self._outcome = None, None
        if not self.resuming:            # a resumed run keeps its crop, and the note saying so
            self.note = ""
        super().start()

    def stop(self) -> None:
        """Ask for a checkpoint and a clean exit (works on every OS)."""
        if self.running():
            self.stop_file.touch()
            self.state, self.message = STOPPING, "stopping: writing the checkpoint…"

    def resume(self, steps: int = None) -> None:
        """Continue a stopped (or failed) training from its checkpoint, up to `steps` in all."""
        if not self.can_resume():
            raise RuntimeError(f"nothing to resume: {self.state_file} does not exist")
        if steps is not None:
            self.total = int(steps)
        self.resuming = True
        self.start()

    def on_line(self, line: str) -> None:
        try:
            event = json.loads(line)
        except ValueError:
            return                               # not a progress line
        kind = event.get("event")
        self.step = int(event.get("step", self.step))
        self.total = int(event.get("total", self.total))
        self.progress = min(1.0, self.step / self.total) if self.total else 0.0
        if kind == "progress":
            self.eta_s = event.get("eta_s")
            self.steps_per_s = event.get("steps_per_s")
            self.losses = event.get("losses") or {}
            if event.get("sample"):
                self.sample = event["sample"]
            if self.state == RUNNING:
                self.message = f"step {self.step} / {self.total}"
        elif kind == "start":
            self.message = f"training from step {self.step}"
        elif kind == "note":
            self.note = self._in_panel_words(event.get("message") or "")
        elif kind == "checkpoint":
            self.model = event.get("model") or self.model
        elif kind == "stopped":
            self.model = event.get("model") or self.model
            self._outcome = (STOPPED, f"stopped at step {self.step}; Resume continues it")
        elif kind == "done":
            self.model = event.get("model") or str(self.out)
            self.progress, self.eta_s = 1.0, 0.0
            self._outcome = (DONE, f"model '{self.name}' is ready")
        elif kind == "error":
            self._outcome = (FAILED, self._in_panel_words(event.get("message") or "training failed"))

    def on_exit(self, returncode: int) -> None:
        # The state turns final only here, once the process is gone: a stopped job's
        # checkpoint is complete and its stop file can be removed.
        self.stop_file.unlink(missing_ok=True)
        if self._outcome is not None:
            self.state, self.message = self._outcome
        elif self.state == STOPPING or returncode in (130, 143, -2, -15):
            self.state, self.message = STOPPED, f"stopped at step {self.step}"
        elif returncode == 0:
            self.state, self.message = DONE, f"model '{self.name}' is ready"
            self.progress = 1.0
        else:
            self.state = FAILED
            self.message = (f"training {exit_text(returncode)}: "
                            f"{self._in_panel_words(self.stderr_tail()) or 'no message'}")

    def _in_panel_words(self, message: str) -> str:
        """The command line's words as the panel says them, the exemplar named as the artist
        chose it (a temporary file's path means nothing to them)."""
        if self.exemplar_label and self.exemplar:
            message = message.replace(f"image {self.exemplar}", self.exemplar_label)
            message = message.replace(self.exemplar, self.exemplar_label)
        return for_blender(message)

    def eta_text(self) -> str:
        if self.eta_s is None:
            return "–"
        s = int(self.eta_s)
        return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else \
            f"{s // 60}:{s % 60:02d}"


class InstallTorchJob(SubprocessJob):
    """`python -m pip install --target SITE torch numpy`, with coarse progress from pip's log."""

    STAGES = (("Collecting", 0.1), ("Downloading", 0.3), ("Installing collected", 0.7),
              ("Successfully installed", 1.0))

    def __init__(self, python: str, site_dir, packages=("torch", "numpy"), extra_args=()):
        super().__init__()
        self.python = python
        self.site_dir = Path(site_dir)
        self.packages = list(packages)
        self.extra_args = list(extra_args)

    def command(self) -> list:
        return [self.python, "-m", "pip", "install", "--upgrade", "--no-input",
                "--disable-pip-version-check", "--progress-bar", "off",
                "--target", str(self.site_dir), *self.extra_args, *self.packages]

    def env(self) -> dict:
        env = dict(os.environ)
        env.pop("PYTHONHOME", None)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def start(self) -> None:
        self.site_dir.mkdir(parents=True, exist_ok=True)
        super().start()

    def on_line(self, line: str) -> None:
        for prefix, fraction in self.STAGES:
            if line.startswith(prefix):
                self.progress = max(self.progress, fraction)
        self.message = re.sub(r"\s+", " ", line)[:120]

    def on_exit(self, returncode: int) -> None:
        if returncode == 0:
            self.state, self.progress = DONE, 1.0
            self.message = "PyTorch is installed"
        else:
            self.state = FAILED
            self.message = (f"pip failed (status {returncode}): "
                            f"{self.stderr_tail() or self.message}")
