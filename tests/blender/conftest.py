"""Blender tests: bpy 5.0 as a Python module, the built extension installed into a temporary
BLENDER_USER_RESOURCES.

bpy keeps its state per process, so the whole set shares one Blender session: the zip is
built and installed once, a tiny model is trained once (through the add-on's TrainingJob and
the real CLI), and tests run in file order (the unregister test comes last).
Run on its own: `python -m pytest tests/blender`.
"""

import importlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest


# Must be set before bpy is imported anywhere in this process.
USER_RESOURCES = Path(tempfile.mkdtemp(prefix="texgan-blender-user-"))
os.environ["BLENDER_USER_RESOURCES"] = str(USER_RESOURCES)

import bpy  # noqa: E402  (after BLENDER_USER_RESOURCES; a missing bpy fails the run)

from blender_helpers import ADDON, ROOT, TINY, make_exemplar_image  # noqa: E402


def pytest_unconfigure(config):
    shutil.rmtree(USER_RESOURCES, ignore_errors=True)


@pytest.fixture(scope="session")
def extension_zip(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_extension.py"),
                           "--out-dir", str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    zips = list(out.glob("texgan-*.zip"))
    assert len(zips) == 1, proc.stdout
    return zips[0]


@pytest.fixture(scope="session")
def addon(extension_zip):
    """The installed add-on's blender_addon package (bl_ext.user_default.texgan...)."""
    result = bpy.ops.extensions.package_install_files(
        filepath=str(extension_zip), repo="user_default", enable_on_install=True)
    assert result == {'FINISHED'}
    assert ADDON in bpy.context.preferences.addons
    return importlib.import_module(ADDON + ".blender_addon")





@pytest.fixture(scope="session")
def tiny_training(addon):
    """A 4-step training of model 'tiny' driven through the add-on's TrainingJob."""
    state, jobs, pixels = addon.state, addon.jobs, addon.pixels
    exemplar = pixels.exemplar_file(make_exemplar_image(), state.temp_dir("test-exemplars"))
    job = jobs.TrainingJob(state.runtime(), exemplar, state.models_dir() / "tiny.texgan",
                           steps=4, extra_args=TINY)
    seen = []
    job.start()
    deadline = time.monotonic() + 180
    while job.poll() not in jobs.FINAL and time.monotonic() < deadline:
        seen.append(job.progress)
        time.sleep(0.05)
    assert job.state == jobs.DONE, f"{job.state}: {job.message}"
    return job, exemplar, seen


@pytest.fixture(scope="session")
def tiny_model(tiny_training) -> Path:
    return Path(tiny_training[0].model)
