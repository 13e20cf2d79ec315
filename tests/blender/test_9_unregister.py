"""Last: disabling the add-on ends its worker (no process left behind)."""

import os

import bpy

from blender_helpers import ADDON


def _alive(pid) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0): look at its state
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_unregister_leaves_no_worker_process(addon, tiny_model):
    assert bpy.ops.texgan.generate(model="tiny", width=64, height=32) == {'FINISHED'}
    pid = addon.state.worker_pid()
    assert pid is not None and _alive(pid)
    bpy.ops.preferences.addon_disable(module=ADDON)
    assert ADDON not in bpy.context.preferences.addons
    assert not _alive(pid)
    assert not hasattr(bpy.types, "TEXGAN_OT_generate")
