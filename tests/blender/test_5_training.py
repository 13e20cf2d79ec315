"""Training from Blender, driven through the add-on's TrainingJob (timers don't run here)."""

import time

import bpy

from blender_helpers import TINY, make_exemplar_image


def test_tiny_training_reaches_100_percent_and_shows_in_the_picker(addon, tiny_training):
    job, exemplar, seen = tiny_training
    assert job.progress == 1.0 and job.step == job.total == 4
    assert seen and min(seen) < 1.0                  # progress was seen before the end
    assert job.model and job.out.is_file()
    assert job.sample is not None                     # the panel's live sample
    catalog_ui = addon.catalog_ui
    catalog_ui.refresh()
    assert "tiny" in catalog_ui.model_names()
    thumb = catalog_ui.thumbnail("tiny")              # the picker's icon (id 0 without UI)
    assert thumb is not None and thumb.image_size[0] > 0 and thumb.image_size[1] > 0
    bpy.context.scene.texgan.model = "tiny"          # selectable in the picker
    assert bpy.context.scene.texgan.model == "tiny"


def test_a_retrained_model_replaces_its_cached_thumbnail(addon, tiny_training):
    import os
    catalog_ui = addon.catalog_ui
    thumbs = addon.state.user_dir("thumbnails")
    catalog_ui.refresh()
    catalog_ui.entries()
    before = {p.name for p in thumbs.glob("tiny-*.png")}
    assert len(before) == 1
    model = tiny_training[0].out
    stat = model.stat()
    os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))   # as a retraining would
    catalog_ui.refresh()
    catalog_ui.entries()
    after = {p.name for p in thumbs.glob("tiny-*.png")}
    assert len(after) == 1 and after != before        # the new one cached, the old one gone
    assert catalog_ui.thumbnail("tiny").image_size[0] > 0


def test_the_timer_tick_notices_the_end_and_refreshes_the_picker(addon, tiny_training):
    addon.state.training = tiny_training[0]
    addon.ticker._announced.discard(id(tiny_training[0]))
    addon.catalog_ui.entries()                        # scanned
    assert addon.ticker.tick() is None                # nothing running: the timer stops
    assert addon.catalog_ui._stale                    # ...after asking for a rescan


def test_stop_keeps_a_resumable_checkpoint(addon, tmp_path):
    state, jobs = addon.state, addon.jobs
    exemplar = addon.pixels.exemplar_file(make_exemplar_image("stop-me"), tmp_path)
    out = tmp_path / "models" / "stopped.texgan"
    job = jobs.TrainingJob(state.runtime(), exemplar, out, steps=1000,
                           extra_args=TINY + ("--checkpoint-every", "100000"))
    job.start()
    deadline = time.monotonic() + 120
    while job.poll() == jobs.RUNNING and job.step < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert job.state == jobs.RUNNING and job.step >= 1, job.message
    job.stop()
    assert job.wait(timeout=120) == jobs.STOPPED, job.message
    stopped_at = job.step
    assert 1 <= stopped_at < 1000
    assert job.state_file.is_file() and out.is_file() and job.can_resume()
    assert not job.stop_file.exists()
    job.resume(steps=stopped_at + 1)
    assert job.wait(timeout=120) == jobs.DONE, job.message
    assert job.step == stopped_at + 1 and job.progress == 1.0


def test_missing_torch_says_how_to_fix_it(addon, tmp_path):
    import subprocess
    import sys
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    prefs = addon.state.preferences()
    prefs.python_path = str(venv / "bin" / "python")
    try:
        try:
            bpy.ops.texgan.generate(model="tiny", width=64, height=32)
        except RuntimeError as e:
            message = str(e)
        else:
            raise AssertionError("generate worked without torch")
        assert "PyTorch is not available" in message and "Install PyTorch" in message
    finally:
        prefs.python_path = ""


def test_the_threads_preference_reaches_torch_in_the_subprocesses(addon):
    import subprocess
    prefs = addon.state.preferences()
    prefs.threads = 1
    try:
        runtime = addon.state.runtime()
        out = subprocess.run([runtime.python, "-c", "import torch; print(torch.get_num_threads())"],
                             env=runtime.env(), capture_output=True, text=True, timeout=120)
        assert out.stdout.strip() == "1", out.stderr
    finally:
        prefs.threads = 0
    import os
    assert addon.state.runtime().env().get("OMP_NUM_THREADS") == os.environ.get("OMP_NUM_THREADS")
