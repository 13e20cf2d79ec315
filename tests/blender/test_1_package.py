"""The extension zip: built and validated by Blender's own tool, holding only what ships."""

import subprocess
import sys
import zipfile
from pathlib import Path

import bpy

from blender_helpers import ADDON, ROOT


def test_zip_builds_validates_and_ships_only_the_extension(extension_zip):
    # bpy.__file__ is <wheel>/5.x/scripts/modules/bpy/__init__.py
    tool = Path(bpy.__file__).parents[2] / "addons_core" / "bl_pkg" / "cli" / "blender_ext.py"
    proc = subprocess.run([sys.executable, str(tool), "validate", str(extension_zip)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    names = zipfile.ZipFile(extension_zip).namelist()
    assert {"__init__.py", "blender_manifest.toml", "blender_addon/__init__.py",
            "blender_addon/operators/generate.py", "texgan_core/serve.py",
            "texgan_core/catalog.py"} <= set(names)
    tops = {n.split("/")[0] for n in names}
    assert tops <= {"__init__.py", "blender_manifest.toml", "blender_addon", "texgan_core",
                    "LICENSE"}, tops
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".state"))
                or "samples/" in n]
    if (ROOT / "LICENSE").is_file():
        assert "LICENSE" in names
    shipped_models = {n for n in names if n.startswith("texgan_core/models/")}
    on_disk = {p.relative_to(ROOT).as_posix()
               for p in (ROOT / "texgan_core" / "models").glob("*.texgan")}
    assert on_disk <= shipped_models


def test_installs_and_registers(addon):
    assert ADDON in bpy.context.preferences.addons
    prefs = bpy.context.preferences.addons[ADDON].preferences
    assert prefs is not None and prefs.device == 'AUTO'
    for name in ("generate", "randomize_seed", "train_start", "train_stop", "train_resume",
                 "install_torch", "release_worker", "refresh_models", "check_torch"):
        assert hasattr(bpy.types, f"TEXGAN_OT_{name}"), name
        assert getattr(bpy.ops.texgan, name).poll() in (True, False)
    for panel in ("TEXGAN_PT_generate_view3d", "TEXGAN_PT_train_view3d",
                  "TEXGAN_PT_generate_shader", "TEXGAN_PT_train_shader"):
        assert hasattr(bpy.types, panel), panel
    assert bpy.context.scene.texgan.count == 1
    # the add-on's own path: the installed copy, not the repo
    assert str(ROOT) not in addon.__file__
