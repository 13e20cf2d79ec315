"""The add-on's process-wide objects: preferences access, the worker, the running jobs.

They live here, in a module, so a training keeps going when the panel closes, when the file is
saved and when another file is opened; `shutdown()` (on unregister) ends them.
"""

import atexit
import sys
import tempfile
import zlib
from pathlib import Path

import bpy

from .subprocess_env import Runtime
from .worker import WorkerClient

# "bl_ext.user_default.texgan" once installed: blender_addon is one level below the add-on.
ADDON_PACKAGE = __package__.rpartition(".")[0] or __package__

DEVICES = {"AUTO": "auto", "CPU": "cpu", "CUDA": "cuda", "MPS": "mps"}

_worker = None
training = None          # the current TrainingJob (or the last one, finished)
generation = None        # the panel's current generation.GenerationJob (or the last one)
install = None           # the current InstallTorchJob
_timer_on = False


def preferences(context=None):
    addon = (context or bpy.context).preferences.addons.get(ADDON_PACKAGE)
    return addon.preferences if addon is not None else None


def user_dir(name: str, create: bool = True) -> Path:
    """A folder under the extension's user folder (kept across updates of the extension)."""
    try:
        return Path(bpy.utils.extension_path_user(ADDON_PACKAGE, path=name, create=create))
    except ValueError:   # running from a plain add-on folder (development)
        path = Path(bpy.utils.user_resource('SCRIPTS', path="texgan")) / name
        if create:
            path.mkdir(parents=True, exist_ok=True)
        return path


def models_dir(create: bool = False) -> Path:
    """Where trained models go and are found. Made only when a training writes there, so an
    unplugged drive set in the preferences hides its models instead of breaking the panel."""
    prefs = preferences()
    if prefs is not None and prefs.models_dir:
        path = Path(bpy.path.abspath(prefs.models_dir))
        if create:
            try:
                path.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise OSError(f"the Models Folder in TexGAN preferences cannot be made: "
                              f"{path} ({e.strerror or e})") from None
        return path
    return user_dir("models", create=create)


def site_dir(python: str) -> Path:
    """Where 'Install PyTorch' puts torch for `python`: one folder per interpreter, so the
    build installed for Blender's Python never shadows the torch of an interpreter chosen
    in the preferences later (a CUDA build, another Python version)."""
    if python == sys.executable:
        return user_dir("site-packages", create=False)
    return user_dir(f"site-packages-{zlib.crc32(python.encode()):08x}", create=False)


def temp_dir(name: str) -> Path:
    path = Path(tempfile.gettempdir()) / f"texgan-{name}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def runtime() -> Runtime:
    prefs = preferences()
    python = (bpy.path.abspath(prefs.python_path) if prefs is not None and prefs.python_path
              else sys.executable)
    device = DEVICES.get(prefs.device, "auto") if prefs is not None else "auto"
    site = site_dir(python)
    threads = prefs.threads if prefs is not None else 0
    return Runtime(python=python, site_dir=str(site) if site.is_dir() else "", device=device,
                   models_dir=str(models_dir()), threads=threads)


def worker() -> WorkerClient:
    """The generation worker, made anew when the preferences changed."""
    global _worker
    current = runtime()
    if _worker is not None and _worker.runtime != current:
        _worker.close()
        _worker = None
    if _worker is None:
        _worker = WorkerClient(current)
    return _worker


def generating() -> bool:
    """A panel generation is under way."""
    return generation is not None and generation.running()


def worker_pid():
    return _worker.pid if _worker is not None else None


def release_worker() -> bool:
    """Stop the worker and free its memory; the next generation starts a new one."""
    global _worker
    if _worker is None:
        return False
    if generation is not None:
        generation.cancel()          # else close() would wait for the generation to end
    _worker.close()
    _worker = None
    return True


def shutdown() -> None:
    """Leave no process behind: worker closed, training checkpointed and stopped, pip killed."""
    if generation is not None:       # nothing polls it once the timer is gone
        generation.abandon("TexGAN was disabled")
    release_worker()
    if training is not None and training.running():
        training.stop()
        if training.wait(timeout=20) not in ("DONE", "STOPPED", "FAILED"):
            training.kill()
    if install is not None and install.running():
        install.kill()


# Blender disables add-ons when it quits, but a crash in another add-on's unregister must
# not leave our subprocesses running either.
atexit.register(shutdown)
