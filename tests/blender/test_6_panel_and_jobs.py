"""Panel drawing (against a recording layout: bpy-module mode has no UI to draw into),
the release button and the PyTorch installer's job."""

import bpy

from blender_helpers import RecordingLayout


def test_generate_panel_draws_every_control(addon, tiny_model):
    addon.catalog_ui.refresh()
    bpy.context.scene.texgan.model = "tiny"
    layout = RecordingLayout()
    addon.panels.draw_generate(layout, bpy.context)
    props = {c[1] for c in layout.calls if c[0] == "prop"}
    assert {"model", "width", "height", "seed", "count"} <= props
    ops = {c[1] for c in layout.calls if c[0] == "operator"}
    assert {"texgan.generate", "texgan.randomize_seed", "texgan.refresh_models"} <= ops


def test_long_messages_wrap_to_the_sidebar_instead_of_being_cut_off(addon, tmp_path):
    """A training's error and its crop note run to 90 characters and more; one label would
    be clipped at the sidebar's edge (300 px by default: about 40 characters)."""
    job = addon.jobs.TrainingJob(addon.state.runtime(), tmp_path / "ex.png", tmp_path / "wall.texgan", steps=10)
    job.message = ("TexGAN needs a larger image, at least 32 px: 'game-texture' is 24×24 px; "
                   "pick another image or a larger copy of it")
    job.note = "'game-texture' is 64×64 px, smaller than the recipe's crop: training on 64-px crops instead"
    addon.state.training = job
    try:
        layout = RecordingLayout()
        addon.panels.draw_train(layout, bpy.context)
    finally:
        addon.state.training = None
    assert layout.shows(job.message) and layout.shows(job.note)
    assert max(map(len, layout.labels())) <= 300 // 7
    assert len(layout.labels()) >= 5


def test_a_new_scene_starts_with_a_bundled_model_picked(addon):
    addon.catalog_ui.refresh()
    scene = bpy.data.scenes.new("fresh")
    try:
        picked = scene.texgan.model
        assert picked in addon.catalog_ui.entries() and addon.catalog_ui.entries()[picked].bundled
    finally:
        bpy.data.scenes.remove(scene)


def test_train_panel_shows_progress_step_and_sample(addon, tiny_training):
    addon.state.training = tiny_training[0]
    layout = RecordingLayout()
    addon.panels.draw_train(layout, bpy.context)
    progress = [c for c in layout.calls if c[0] == "progress"]
    assert progress and progress[0][1] == 1.0 and "100" in progress[0][2]
    labels = [c[1] for c in layout.calls if c[0] == "label"]
    assert any(text.startswith("Step 4 / 4") for text in labels), labels
    assert ("operator", "texgan.train_start") in layout.calls
    assert {("prop", "model_name"), ("prop", "kind"), ("prop", "quality")} <= set(layout.calls)
    assert any(c[0] == "template_icon" for c in layout.calls) or \
        bpy.app.background                            # icon ids are 0 without a UI


def test_quality_presets_train_the_recipe_default_and_custom_its_own_steps(addon):
    """Standard is what the bundled models had and the benchmark measured; Custom reads the
    Steps field, which the presets ignore."""
    from texgan_core.config import TrainConfig

    settings = bpy.context.scene.texgan
    settings.steps = 123
    chosen = {}
    for quality in ("QUICK", "STANDARD", "HIGH", "CUSTOM"):
        settings.quality = quality
        chosen[quality] = settings.train_steps()
    settings.quality = "STANDARD"
    assert chosen["STANDARD"] == TrainConfig().steps
    assert chosen["QUICK"] < chosen["STANDARD"] < chosen["HIGH"]
    assert chosen["CUSTOM"] == 123
    settings.quality = "QUICK"                  # a short run keeps its learning rates constant
    assert settings.train_args() == ("--lr-floor", "1")
    settings.quality = "STANDARD"
    assert settings.train_args() == ()
    settings.kind = "REGULAR"                   # the kind adds its own: texgan train --kind
    settings.quality = "QUICK"
    assert settings.train_args() == ("--lr-floor", "1", "--kind", "regular")
    settings.kind, settings.quality = "ANY", "STANDARD"


def test_preferences_draw(addon):
    prefs = addon.state.preferences()
    layout = RecordingLayout()
    addon.preferences.draw_preferences(layout, prefs)
    ops = {c[1] for c in layout.calls if c[0] == "operator"}
    assert {"texgan.install_torch", "texgan.release_worker", "texgan.check_torch"} <= ops


def test_release_worker_button_ends_the_worker(addon, tiny_model):
    assert bpy.ops.texgan.generate(model="tiny", width=64, height=32) == {'FINISHED'}
    client = addon.state.worker()
    proc = client._proc
    assert proc.poll() is None
    assert bpy.ops.texgan.release_worker() == {'FINISHED'}
    assert proc.poll() is not None and addon.state.worker_pid() is None


def test_install_job_reports_pip_failure_clearly(addon, tmp_path):
    import sys
    job = addon.jobs.InstallTorchJob(sys.executable, tmp_path / "site",
                                     packages=["texgan-no-such-package-for-tests"],
                                     extra_args=["--no-index"])
    job.start()
    assert job.wait(timeout=120) == addon.jobs.FAILED
    assert "pip failed" in job.message and "texgan-no-such-package-for-tests" in job.message
