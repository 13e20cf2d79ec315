#!/usr/bin/env python3
"""Build the TexGAN extension zip into dist/ with Blender's own tool, then validate it.

Uses `blender --command extension build|validate` when a Blender binary is on PATH (or given
with --blender), else the same tool shipped inside the `bpy` wheel (`bl_pkg/cli/blender_ext.py`).

    python scripts/build_extension.py            # -> dist/texgan-<version>.zip
"""

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bpy_extension_tool() -> list:
    """`python blender_ext.py` from the installed bpy wheel, found without importing bpy."""
    import importlib.util
    spec = importlib.util.find_spec("bpy")
    if spec is None or not spec.submodule_search_locations:
        return []
    pattern = os.path.join(spec.submodule_search_locations[0], "*", "scripts", "addons_core",
                           "bl_pkg", "cli", "blender_ext.py")
    found = sorted(glob.glob(pattern))
    return [sys.executable, found[-1]] if found else []


def extension_tool(blender: str = None) -> list:
    blender = blender or shutil.which("blender")
    if blender:
        return [blender, "--factory-startup", "--command", "extension"]
    tool = bpy_extension_tool()
    if not tool:
        sys.exit("no Blender found: put `blender` on PATH or `pip install bpy`")
    return tool


def build(out_dir: Path, blender: str = None) -> Path:
    manifest = tomllib.loads((ROOT / "blender_manifest.toml").read_text())
    out_dir.mkdir(parents=True, exist_ok=True)
    zip_path = out_dir / f"{manifest['id']}-{manifest['version']}.zip"
    zip_path.unlink(missing_ok=True)
    tool = extension_tool(blender)
    subprocess.run([*tool, "build", "--source-dir", str(ROOT), "--output-filepath",
                    str(zip_path)], check=True)
    subprocess.run([*tool, "validate", str(zip_path)], check=True)
    return zip_path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=ROOT / "dist")
    parser.add_argument("--blender", help="a Blender binary (default: `blender` on PATH, "
                        "else the bpy module's tool)")
    args = parser.parse_args(argv)
    try:
        zip_path = build(args.out_dir, args.blender)
    except subprocess.CalledProcessError as e:
        print(f"build failed: {' '.join(map(str, e.cmd))} exited with {e.returncode}",
              file=sys.stderr)
        return 1
    print(zip_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
