#!/usr/bin/env bash
# Install everything the tests need, then run them. pytest's exit 5 (no test collected) fails.
# Run whole (no arguments), the extension's tests run a second time on Blender 4.2, the oldest
# the manifest accepts, from a virtual environment of their own in build/ (bpy 4.2 and 5.0
# cannot share one).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet -r requirements-test.txt
python3 -m pytest -q "$@"
if [ $# -eq 0 ]; then
    oldest=build/venv-blender-4.2
    [ -x "$oldest/bin/python" ] || python3 -m venv "$oldest"
    "$oldest/bin/python" -m pip install --quiet -r requirements-blender-4.2.txt
    "$oldest/bin/python" -m pytest -q tests/blender
fi
