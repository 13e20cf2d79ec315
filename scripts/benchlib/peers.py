"""Non-learned peers for the benchmark: the tools artists use today to make a texture tile.

Each `run_<peer>(exemplar_path, out_path, size=512, seed=0)` writes a size×size RGB PNG
meant to tile and returns its wall time in seconds (the tool's own process start
included, as a user running it in batch mode pays it). The tools come from Debian
packages that `ensure_installed()` installs; a peer whose tool is missing raises
`PeerUnavailable`. Outputs are scored by `benchlib.scoring`, like TexGAN's.

- naive: the exemplar itself tiled 2×2 (copies 100 %, shows the exemplar's own seam).
- gimp_texturize: GIMP 2.10 + gimp-texturize (graph-cut patch stitching, Kwatra et al.
  2003) in batch mode, "Tileable" on, overlap 100 px as in its dialog. Deterministic: the
  plug-in draws no random numbers, so `seed` is ignored.
- gmic_matchpatch: G'MIC `syntexturize_matchpatch` (patch-match resynthesis) with default
  parameters, on one thread (reproducible); it has no tileable option, so the result goes
  through `periodize_poisson` (Moisan's periodic + smooth decomposition) to wrap.
- gmic_randomphase: G'MIC `syntexturize` (random-phase noise, Galerne et al. 2011); a
  spectrum synthesis, periodic by construction.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

PACKAGES = ("gmic", "gimp", "gimp-texturize")
APT_UPDATE_TIMEOUT = 300  # seconds
APT_INSTALL_TIMEOUT = 900  # GIMP pulls in ~100 MB of dependencies
RUN_TIMEOUT = 300  # one peer output; texturize takes ~15 s at 512² on 2 cores
TEXTURIZE_OVERLAP = 100  # the plug-in dialog's default, capped at half the exemplar side


class PeerUnavailable(RuntimeError):
    """The tool behind a peer is not installed (or could not be)."""


class PeerFailed(RuntimeError):
    """The tool ran but gave no usable output."""


# ---------------------------------------------------------------------------------------
# Installation

def _gimp_binary() -> str | None:
    for name in ("gimp-console-2.10", "gimp-console"):  # no display needed
        path = shutil.which(name)
        if path:
            return path
    return None


def _texturize_plugin() -> Path | None:
    for root in ("/usr/lib/gimp/2.0/plug-ins", "/usr/libexec/gimp/2.0/plug-ins"):
        for p in (Path(root) / "texturize", Path(root) / "texturize" / "texturize"):
            if p.is_file() and os.access(p, os.X_OK):
                return p
    return None


def available() -> dict:
    """Which peers can run now: {peer name: bool}."""
    gmic = shutil.which("gmic") is not None
    return {"naive": True,
            "gimp_texturize": _gimp_binary() is not None and _texturize_plugin() is not None,
            "gmic_matchpatch": gmic,
            "gmic_randomphase": gmic}


def _apt(args, timeout) -> tuple[bool, str]:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        r = subprocess.run(["apt-get", *args], capture_output=True, text=True, timeout=timeout,
                           env=env, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return False, f"timed out after {timeout} s"
    last = (r.stderr.strip() or r.stdout.strip()).splitlines()
    return r.returncode == 0, (last[-1] if last else f"exit {r.returncode}")


def ensure_installed(packages=PACKAGES, log=print) -> dict:
    """Install the peers' Debian packages if a tool is missing; return `available()`.

    `apt-get update` once, then one `apt-get install`; if that fails, each package alone,
    so one broken package does not hide the others. Never raises, never waits past the
    timeouts: a tool that cannot be had is reported through `log` and left out.
    """
    have = available()
    if all(have.values()):
        return have
    hint = f"install by hand: apt-get install --no-install-recommends {' '.join(packages)}"
    if shutil.which("apt-get") is None:
        log(f"peers: no apt-get on this machine; {hint}")
    elif hasattr(os, "geteuid") and os.geteuid() != 0:
        log(f"peers: installing needs root; {hint}")
    else:
        log("peers: apt-get update ...")
        ok, msg = _apt(["update", "-qq"], APT_UPDATE_TIMEOUT)
        if not ok:
            log(f"peers: apt-get update failed ({msg}); trying the install anyway")
        install = ["install", "-y", "-qq", "--no-install-recommends"]
        log(f"peers: apt-get install {' '.join(packages)} ...")
        ok, msg = _apt(install + list(packages), APT_INSTALL_TIMEOUT)
        if not ok:
            for pkg in packages:
                ok1, msg1 = _apt(install + [pkg], APT_INSTALL_TIMEOUT)
                if not ok1:
                    log(f"peers: could not install {pkg}: {msg1}")
    have = available()
    missing = [k for k, v in have.items() if not v]
    if missing:
        log(f"peers: left out (tool not available): {', '.join(missing)}")
    return have


def tool_versions() -> dict:
    """Installed Debian package versions, for the report ({} where dpkg is missing)."""
    out = {}
    for pkg in PACKAGES:
        try:
            r = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", pkg], capture_output=True,
                               text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if r.returncode == 0 and r.stdout.strip():
            out[pkg] = r.stdout.strip()
    return out


# ---------------------------------------------------------------------------------------
# Helpers

def output_path(out_dir, photo, tool) -> Path:
    """Where a peer's output for a photo is saved, for the benchmark's readers to find it."""
    return Path(out_dir) / f"{photo}_{tool}.png"


def load_rgb(path) -> np.ndarray:
    """PNG -> float32 H×W×3 in [0, 1]."""
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.float32) / 255


def save_rgb(path, image) -> Path:
    """float H×W×C in [0, 1] -> 8-bit RGB PNG."""
    x = np.clip(np.asarray(image, dtype=np.float32), 0, 1)
    if x.ndim == 3 and x.shape[2] == 1:
        x = np.repeat(x, 3, axis=2)
    Image.fromarray((x * 255 + 0.5).astype(np.uint8)).save(path)
    return Path(path)


def _check_output(out_path, size, tool, log_text="") -> None:
    """The tool's file exists, is size×size, and ends up stored as 8-bit RGB."""
    out_path = Path(out_path)
    if not out_path.is_file():
        raise PeerFailed(f"{tool} wrote no output{': ' + log_text[-500:] if log_text else ''}")
    with Image.open(out_path) as im:
        if im.size != (size, size):
            raise PeerFailed(f"{tool} wrote {im.size[0]}×{im.size[1]}, expected {size}²")
        if im.mode != "RGB":
            im.convert("RGB").save(out_path)


def _run(cmd, tool, env=None, timeout=None) -> tuple[float, str]:
    """Run a tool in its own process group; on timeout end the whole group.

    GIMP runs its plug-ins as child processes: killing GIMP alone leaves a looping
    plug-in spinning (seen with texturize on a 32² exemplar), so the group goes.
    """
    timeout = RUN_TIMEOUT if timeout is None else timeout
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            text=True, env=env, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as e:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate()
        raise PeerFailed(f"{tool} timed out after {timeout} s") from e
    finally:
        if proc.poll() is None:  # interrupted (e.g. Ctrl-C): leave nothing behind
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise PeerFailed(f"{tool} exited {proc.returncode}: {(err or out)[-500:]}")
    return seconds, err + out


# ---------------------------------------------------------------------------------------
# Peers

def run_naive(exemplar_path, out_path, size=512, seed=0) -> float:
    """The exemplar repeated (2×2 for a 256² exemplar at 512²): what "just tile it" gives."""
    t0 = time.perf_counter()
    with Image.open(exemplar_path) as im:
        ex = np.asarray(im.convert("RGB"))
    reps = (-(-size // ex.shape[0]), -(-size // ex.shape[1]), 1)  # ceil
    Image.fromarray(np.tile(ex, reps)[:size, :size]).save(out_path)
    return time.perf_counter() - t0


def _gmic(exemplar_path, out_path, size, seed, pipeline, tool, env=None) -> float:
    if shutil.which("gmic") is None:
        raise PeerUnavailable("gmic is not installed (Debian package gmic)")
    # `srand` seeds G'MIC's generator; `cut` clamps to 8-bit range before the PNG write.
    cmd = ["gmic", "-v", "-1", str(exemplar_path), "srand", str(int(seed)), *pipeline,
           "cut", "0,255", "output", str(out_path)]
    Path(out_path).unlink(missing_ok=True)  # a stale file must not pass for this run's output
    seconds, log = _run(cmd, tool, env)
    _check_output(out_path, size, tool, log)
    return seconds


def run_gmic_matchpatch(exemplar_path, out_path, size=512, seed=0) -> float:
    """G'MIC patch-match resynthesis, made to wrap with periodize_poisson.

    Run on one thread: its parallel patch-match passes race, so multi-threaded runs with
    the same seed differ (held-out SWD 67–73 on gravel over three runs); on one thread
    the output is the same every time.
    """
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return _gmic(exemplar_path, out_path, size, seed,
                 ["syntexturize_matchpatch", f"{size},{size}", "periodize_poisson"], "gmic_matchpatch", env)


def run_gmic_randomphase(exemplar_path, out_path, size=512, seed=0) -> float:
    """G'MIC random-phase noise: the exemplar's spectrum with random phases (periodic)."""
    return _gmic(exemplar_path, out_path, size, seed,
                 ["syntexturize", f"{size},{size}"], "gmic_randomphase")


_GIMP_PROFILE: Path | None = None
# Folders GIMP expects in a profile; missing ones only cause warnings, but make no noise.
_GIMP_FOLDERS = ("brushes", "dynamics", "fonts", "gradients", "palettes", "patterns", "plug-ins",
                 "scripts", "modules", "interpreters", "environ", "tool-presets", "templates",
                 "themes", "mypaint-brushes")


def warm_up_gimp() -> None:
    """Create GIMP's profile folder and start GIMP once, outside any timing."""
    if available()["gimp_texturize"]:
        _gimp_env()


def _gimp_env() -> dict:
    """GIMP's batch mode needs a writable profile: one temp folder per process, warmed once.

    The first start in a fresh profile builds caches (~3 s more); the warm-up keeps that
    out of the first timed output.
    """
    global _GIMP_PROFILE
    env = dict(os.environ)
    if _GIMP_PROFILE is None:
        _GIMP_PROFILE = Path(tempfile.mkdtemp(prefix="texgan-gimp-"))
        atexit.register(shutil.rmtree, _GIMP_PROFILE, True)
        for name in _GIMP_FOLDERS:
            (_GIMP_PROFILE / name).mkdir()
        env["GIMP2_DIRECTORY"] = str(_GIMP_PROFILE)
        try:
            _run([_gimp_binary(), "-i", "-d", "-f", "--no-shm", "-b", "(gimp-quit 0)"], "gimp", env, timeout=60)
        except PeerFailed:
            pass  # the real run reports the error
    env["GIMP2_DIRECTORY"] = str(_GIMP_PROFILE)
    return env


def _scheme_string(s) -> str:
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


def run_gimp_texturize(exemplar_path, out_path, size=512, seed=0) -> float:
    """GIMP + texturize, "Tileable" on. `seed` is ignored (the plug-in is deterministic)."""
    if not available()["gimp_texturize"]:
        raise PeerUnavailable("GIMP or its texturize plug-in is not installed "
                              "(Debian packages gimp, gimp-texturize)")
    exemplar_path, out_path = Path(exemplar_path).resolve(), Path(out_path).resolve()
    with Image.open(exemplar_path) as im:
        w, h = im.size
        square = im.mode == "RGB" and w == h
        if not square:  # the plug-in wants RGB without alpha; GIMP batch wants it square
            side = min(w, h)
            tmp = Path(tempfile.mkdtemp(prefix="texgan-tx-"))
            left, top = (w - side) // 2, (h - side) // 2
            im.convert("RGB").crop((left, top, left + side, top + side)).save(tmp / "in.png")
            exemplar_path, w = tmp / "in.png", side
    overlap = min(TEXTURIZE_OVERLAP, w // 2)
    # The plug-in (procedure gimp_plugin_texturize: run-mode, image, drawable, width,
    # height, overlap, tileable) returns nothing and opens its result as a new image;
    # find it as the image that is not the input, flatten, save.
    script = f"""
(let* ((img (car (gimp-file-load RUN-NONINTERACTIVE {_scheme_string(exemplar_path)} "exemplar")))
       (drw (car (gimp-image-get-active-drawable img))))
  (gimp-plugin-texturize RUN-NONINTERACTIVE img drw {size} {size} {overlap} TRUE)
  (define (other ids) (cond ((null? ids) -1) ((= (car ids) img) (other (cdr ids))) (else (car ids))))
  (let* ((new (other (vector->list (cadr (gimp-image-list)))))
         (layer (car (gimp-image-flatten new))))
    (file-png-save-defaults RUN-NONINTERACTIVE new layer {_scheme_string(out_path)} "out")))
"""
    env = _gimp_env()
    out_path.unlink(missing_ok=True)
    try:
        seconds, log = _run([_gimp_binary(), "-i", "-d", "-f", "--no-shm", "-b", script,
                             "-b", "(gimp-quit 0)"], "gimp_texturize", env)
    finally:
        if not square:
            shutil.rmtree(Path(exemplar_path).parent, ignore_errors=True)
    _check_output(out_path, size, "gimp_texturize", log)
    return seconds


PEERS = {
    "naive": run_naive,
    "gimp_texturize": run_gimp_texturize,
    "gmic_matchpatch": run_gmic_matchpatch,
    "gmic_randomphase": run_gmic_randomphase,
}
