"""texgan_core.serve, the worker's protocol, spoken directly: bad requests get error replies
and the worker goes on; quit ends it with status 0."""

import json
import os
import subprocess
import sys

import numpy as np

from blender_helpers import ROOT


def test_worker_survives_bad_requests_and_reports_user_errors(tiny_model, tmp_path):
    out = tmp_path / "t.npy"
    lines = [
        "this is not json",
        json.dumps([1, 2]),
        json.dumps({"id": 1, "cmd": "dance"}),
        json.dumps({"id": 2, "cmd": "generate", "model": str(tiny_model)}),
        json.dumps({"id": 3, "cmd": "generate", "model": "no-such-model", "width": 32,
                    "height": 32, "out": str(out)}),
        json.dumps({"id": 4, "cmd": "generate", "model": str(tiny_model), "width": 48,
                    "height": 32, "seed": 1, "out": str(out)}),
        json.dumps({"id": 5, "cmd": "info"}),
        json.dumps({"id": 6, "cmd": "quit"}),
        json.dumps({"id": 7, "cmd": "info"}),        # never answered: the worker has quit
    ]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "texgan_core", "serve"], env=env,
                          input="\n".join(lines) + "\n", capture_output=True, text=True,
                          timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert lines[0]["event"] == "ready" and lines[0]["ok"] is True
    progress = [(i, r) for i, r in enumerate(lines) if r.get("event") == "progress"]
    assert [(r["id"], r["done"]) for _, r in progress] == [(4, 1.0)]   # one band: 32 rows
    assert lines[progress[0][0] + 1]["id"] == 4                          # then its reply
    by_order = [r for r in lines[1:] if "event" not in r]
    assert [r["ok"] for r in by_order] == [False, False, False, False, False, True, True, True]
    assert by_order[0]["kind"] == "request" and by_order[2]["error"].startswith("bad request")
    assert "width" in by_order[3]["error"]
    assert by_order[4]["kind"] == "user" and "no model named 'no-such-model'" in \
        by_order[4]["error"]
    assert by_order[5]["id"] == 4 and by_order[5]["width"] == 48
    image = np.load(out)
    assert image.shape == (32, 48, 3) and image.dtype == np.float32
    assert 0.0 <= image.min() and image.max() <= 1.0
    assert str(tiny_model) in by_order[6]["loaded"][0]


def test_worker_exits_when_its_input_closes(tiny_model):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "texgan_core", "serve"], env=env, input="",
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0
    assert json.loads(proc.stdout.splitlines()[0])["ok"] is True
