#!/usr/bin/env bash
# Install everything the tests need, then run them. pytest's exit 5 (no test collected) fails.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet -r requirements-test.txt
python3 -m pytest -q "$@"
