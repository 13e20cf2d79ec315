"""Which Python runs texgan_core, and with what environment. No bpy here.

Blender's own process never imports torch: generation and training run in subprocesses
started with these helpers, so the rules for finding a Python that has torch live in one place.
"""

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

# The folder that holds `texgan_core/`: the extension's folder once installed, the repo root
# during development. blender_addon/ sits beside texgan_core/ in both.
EXTENSION_ROOT = Path(__file__).resolve().parent.parent

# Without this a Windows console window flashes up for every subprocess.
CREATION_FLAGS = getattr(subprocess, "CREATE_NO_WINDOW", 0)


@dataclass(frozen=True)
class Runtime:
    """Everything a subprocess needs: the interpreter, its import path and the device."""
    python: str = sys.executable
    site_dir: str = ""              # where "Install PyTorch" put torch ("" = not used)
    device: str = "auto"
    models_dir: str = ""            # the user's models folder, scanned after the bundled ones
    threads: int = 0                # CPU threads for torch in each subprocess (0 = all cores)
    extra_env: dict = field(default_factory=dict)

    def env(self) -> dict:
        """os.environ with PYTHONPATH pointing at texgan_core (and the private torch install)."""
        env = dict(os.environ)
        # Blender may set PYTHONHOME for its own interpreter; an external Python must not see it.
        env.pop("PYTHONHOME", None)
        paths = [str(EXTENSION_ROOT)]
        if self.site_dir:
            paths.append(self.site_dir)
        if env.get("PYTHONPATH"):
            paths.append(env["PYTHONPATH"])
        env["PYTHONPATH"] = os.pathsep.join(paths)
        env["PYTHONUNBUFFERED"] = "1"   # progress lines must arrive as they are printed
        if self.threads:
            # training and the generation worker run at once: all-core OpenMP pools in both
            # spin against each other (3-5x slower steps measured on 2 cores, bench/EXPERIMENTS.md)
            env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = str(self.threads)
        env.update(self.extra_env)
        return env

    def command(self, *args: str) -> list:
        return [self.python, "-m", "texgan_core", *args]

    def extra_dirs(self) -> list:
        return [self.models_dir] if self.models_dir else []


def exit_text(returncode) -> str:
    """How a subprocess ended, in words: a negative status is a signal (on Linux, SIGKILL
    is what the out-of-memory killer sends; SIGSEGV and the like are crashes)."""
    if returncode is not None and returncode > 128:     # the shell's 128 + N: ended by signal N
        try:
            returncode = -signal.Signals(returncode - 128)
        except ValueError:
            pass
    if returncode is not None and returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        if name == "SIGKILL":
            return f"was killed ({name}: out of memory, or ended from outside)"
        if name in ("SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT"):
            return f"was stopped from outside ({name})"
        return f"crashed ({name})"
    return f"ended with exit status {returncode}"


# The command line's hints, in the terms of Blender's panel and preferences.
_BLENDER_WORDS = (("(use --device auto or cpu)", "(set Device to Auto or CPU in TexGAN preferences)"),
                  (": use a larger image or a smaller --crop", ": use a larger image"),
                  # the panel has neither option, and the same run would diverge again
                  (". Start again with another --seed or lower learning rates",
                   ". Please report it, with the exemplar image"))


def for_blender(message: str) -> str:
    for cli, panel in _BLENDER_WORDS:
        message = message.replace(cli, panel)
    return message


def missing_torch_message(python: str, detail: str = "") -> str:
    why = f" ({detail})" if detail else ""
    return (f"PyTorch is not available to {python}{why}. Fix: Preferences > Add-ons > TexGAN > "
            f"'Install PyTorch', or set 'Python' there to an interpreter that has torch.")


_torch_cache: dict = {}


def check_torch(runtime: Runtime, timeout: float = 120.0, refresh: bool = False):
    """(True, torch version) or (False, a message saying how to fix it).

    Checked in a subprocess: importing torch here would load it into Blender's process.
    """
    key = (runtime.python, runtime.site_dir)
    if key in _torch_cache and not refresh:
        return _torch_cache[key]
    if not Path(runtime.python).is_file():
        return False, f"the Python set in TexGAN preferences does not exist: {runtime.python}"
    try:
        proc = subprocess.run([runtime.python, "-c", "import torch; print(torch.__version__)"],
                              env=runtime.env(), capture_output=True, text=True,
                              timeout=timeout, creationflags=CREATION_FLAGS)
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, missing_torch_message(runtime.python, str(e))
    if proc.returncode == 0:
        result = (True, proc.stdout.strip())
    else:
        last = (proc.stderr.strip().splitlines() or ["import failed"])[-1]
        result = (False, missing_torch_message(runtime.python, last))
    _torch_cache[key] = result
    return result


def forget_torch_check() -> None:
    """After installing torch or changing the Python preference."""
    _torch_cache.clear()
