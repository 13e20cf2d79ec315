"""Batch use, as with `blender -b --python-expr`: a fresh process installs the extension,
generates with one call, and never imports torch itself."""

import json
import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import json, os, sys
    import bpy
    bpy.ops.extensions.package_install_files(filepath=sys.argv[1], repo="user_default",
                                             enable_on_install=True)
    result = bpy.ops.texgan.generate(model=sys.argv[2], width=64, height=32, seed=3, count=2)
    images = [im for im in bpy.data.images if im.name.startswith("tiny_")]
    print("RESULT " + json.dumps({
        "result": sorted(result), "sizes": [list(im.size) for im in images],
        "packed": [im.packed_file is not None for im in images],
        "torch_in_blender": "torch" in sys.modules}))
    bpy.ops.preferences.addon_disable(module="bl_ext.user_default.texgan")
""")


def test_one_call_in_a_fresh_blender_process(extension_zip, tiny_model, tmp_path):
    env = dict(os.environ, BLENDER_USER_RESOURCES=str(tmp_path / "user"))
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(extension_zip), str(tiny_model)],
                          env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(l for l in proc.stdout.splitlines() if l.startswith("RESULT "))
    out = json.loads(line[len("RESULT "):])
    assert out["result"] == ["FINISHED"]
    assert out["sizes"] == [[64, 32], [64, 32]] and all(out["packed"])
    assert out["torch_in_blender"] is False
