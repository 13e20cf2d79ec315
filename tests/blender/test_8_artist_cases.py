"""What an artist runs into beyond the happy path: names, restarts, odd images and folders,
their own Python."""

import os
import sys

import pytest
import bpy

from blender_helpers import RecordingLayout, make_exemplar_image


@pytest.fixture
def settings():
    """The Train panel's settings, put back as they were afterwards."""
    s = bpy.context.scene.texgan
    saved = {k: getattr(s, k) for k in ("model_name", "kind", "quality", "steps", "exemplar_source",
                                         "exemplar_image")}
    yield s
    for k, v in saved.items():
        setattr(s, k, v)


@pytest.fixture
def prefs(addon):
    p = addon.state.preferences()
    saved = (p.models_dir, p.python_path)
    yield p
    p.models_dir, p.python_path = saved
    addon.subprocess_env.forget_torch_check()


def _refused(operator) -> str:
    try:
        operator()
    except RuntimeError as e:
        return str(e)
    raise AssertionError("the operator went ahead")


def test_a_training_may_not_take_a_bundled_models_name(addon, settings):
    settings.exemplar_source, settings.exemplar_image = 'IMAGE', make_exemplar_image("named")
    settings.model_name = "bricks"
    before = addon.state.training
    assert "bundled" in _refused(bpy.ops.texgan.train_start)
    assert addon.state.training is before
    assert not (addon.state.models_dir() / "bricks.texgan").exists()


def test_the_kind_picked_in_the_panel_is_the_recipe_the_model_trains_with(addon, settings):
    """Granular trains with nearest upsampling, Regular with the hinge loss (`texgan train
    --kind`); a model trained as Any has neither."""
    from texgan_core.fileformat import read_container
    settings.exemplar_source, settings.exemplar_image = 'IMAGE', make_exemplar_image("pebbles")
    trained = {}
    for kind in ("GRANULAR", "REGULAR", "ANY"):
        settings.model_name, settings.kind, settings.quality, settings.steps = f"kind_{kind}", kind, 'CUSTOM', 1
        assert bpy.ops.texgan.train_start() == {'FINISHED'}
        job = addon.state.training
        assert job.wait(timeout=180) == addon.jobs.DONE, job.message
        info = read_container(job.out, with_data=False)[0]
        trained[kind] = (info["config"]["upsample"], info["training"]["recipe"]["loss"])
    addon.state.training = None
    assert trained == {"GRANULAR": ("nearest", "nonsaturating"), "REGULAR": ("bilinear", "hinge"),
                       "ANY": ("bilinear", "nonsaturating")}


def test_start_keeps_an_existing_model_and_resume_finds_it_after_a_restart(
        addon, settings, tiny_training):
    """tiny.texgan and its checkpoint exist (4 steps); Blender restarted: no job in memory."""
    state, jobs = addon.state, addon.jobs
    model = tiny_training[0].out
    stamp = model.stat().st_mtime_ns
    state.training = None
    settings.exemplar_source, settings.exemplar_image = 'IMAGE', make_exemplar_image("again")
    settings.model_name, settings.quality, settings.steps = "tiny", 'CUSTOM', 6
    assert "already exists" in _refused(bpy.ops.texgan.train_start)
    assert model.stat().st_mtime_ns == stamp                   # not overwritten

    assert bpy.ops.texgan.train_resume.poll()
    assert bpy.ops.texgan.train_resume() == {'FINISHED'}
    job = state.training
    assert job.wait(timeout=180) == jobs.DONE, job.message
    assert job.step == 6                                       # 4 from before, 2 more
    settings.model_name = "never_trained"
    state.training = None
    assert not bpy.ops.texgan.train_resume.poll()


def test_a_models_folder_that_cannot_be_made_leaves_generation_working(addon, prefs, settings):
    prefs.models_dir = "/proc/texgan-cannot-be-made"
    addon.catalog_ui.refresh()
    assert "bricks" in addon.catalog_ui.model_names()          # the picker still lists
    result = addon.generation.generate(addon.state.worker(), None, "bricks", 64, 64)
    assert result.images[0].size[:] == (64, 64)
    bpy.data.images.remove(result.images[0])
    settings.exemplar_source, settings.exemplar_image = 'IMAGE', make_exemplar_image("nofolder")
    settings.model_name = "nowhere"
    message = _refused(bpy.ops.texgan.train_start)
    assert "Models Folder" in message and "Traceback" not in message


def test_an_exr_in_blender_is_written_out_for_training(addon, tmp_path):
    source = make_exemplar_image("float-source", size=32)
    source.filepath_raw = str(tmp_path / "photo.exr")
    source.file_format = 'OPEN_EXR'
    source.save()
    loaded = bpy.data.images.load(str(tmp_path / "photo.exr"))
    path = addon.pixels.exemplar_file(loaded, tmp_path / "out")
    assert path.suffix == ".png"                   # the trainer reads PNG, JPEG and TIFF
    from texgan_core.images import load_image
    assert load_image(path).shape[:2] == (32, 32)


def test_install_pytorch_for_blender_does_not_shadow_a_chosen_pythons_torch(addon, prefs):
    """A private torch installed for Blender's Python must not reach another interpreter."""
    state, env = addon.state, addon.subprocess_env
    fake = state.site_dir(sys.executable) / "torch"
    fake.mkdir(parents=True)
    try:
        (fake / "__init__.py").write_text("__version__ = 'private-build'\n")
        env.forget_torch_check()
        assert env.check_torch(state.runtime()) == (True, "private-build")   # Blender's own
        # the same interpreter under another path stands for the user's own Python
        prefs.python_path = os.path.join(os.path.dirname(sys.executable), ".",
                                         os.path.basename(sys.executable))
        ok, version = env.check_torch(state.runtime())
        assert ok and version != "private-build"
    finally:
        import shutil
        shutil.rmtree(fake.parent)
        env.forget_torch_check()


def _failed_job(addon, tmp_path, image, extra_args=(), **runtime_changes):
    from dataclasses import replace
    state, jobs = addon.state, addon.jobs
    exemplar = addon.pixels.exemplar_file(image, tmp_path)
    job = jobs.TrainingJob(replace(state.runtime(), **runtime_changes), exemplar,
                           tmp_path / "models" / "failing.texgan", steps=100000, extra_args=extra_args)
    job.start()
    return job


def test_messages_speak_of_the_panel_not_of_command_line_flags(addon, tmp_path):
    from blender_helpers import TINY
    job = _failed_job(addon, tmp_path, make_exemplar_image("gpu-less"), TINY, device="cuda")
    assert job.wait(timeout=120) == addon.jobs.FAILED
    assert "Device" in job.message and "preferences" in job.message and "--" not in job.message
    job = _failed_job(addon, tmp_path, make_exemplar_image("too-small", size=24))   # under 32 px
    assert job.wait(timeout=120) == addon.jobs.FAILED
    assert "larger image" in job.message and "--crop" not in job.message


def test_a_diverged_training_is_told_in_the_panel_without_command_line_options(addon):
    from types import SimpleNamespace
    from texgan_core.train import Trainer
    message = Trainer._diverged_message(SimpleNamespace(step=812, saved_step=750))
    assert "--" in message                                    # the command line's advice
    shown = addon.subprocess_env.for_blender(message)
    assert "diverged at step 812" in shown and "step 750 is kept" in shown and "--" not in shown


def _failed_start(addon, settings, model_name):
    """Start Training from the panel's settings; the failed job's message."""
    settings.model_name, settings.quality, settings.steps = model_name, 'CUSTOM', 2
    try:
        bpy.ops.texgan.train_start()
        job = addon.state.training
        assert job.wait(timeout=120) == addon.jobs.FAILED
    finally:
        addon.state.training = None
    return job.message


def test_a_message_about_the_exemplar_names_the_image_not_a_temporary_file(addon, settings, tmp_path):
    """An image data-block is trained from a PNG written to a temporary folder; what the
    panel says must name the image the artist picked."""
    settings.exemplar_source, settings.exemplar_image = 'IMAGE', make_exemplar_image("tiny-scan", size=24)
    message = _failed_start(addon, settings, "from_a_small_image")
    assert "image 'tiny-scan' is 24×24 px" in message, message
    assert str(addon.state.temp_dir("exemplars")) not in message
    # an image used from its own file: that file's path is what the artist needs to see
    on_disk = tmp_path / "scan.png"
    settings.exemplar_image.save(filepath=str(on_disk))
    settings.exemplar_image = bpy.data.images.load(str(on_disk))
    message = _failed_start(addon, settings, "from_a_small_file")
    assert f"exemplar {on_disk} is 24×24 px" in message, message


def test_a_training_killed_from_outside_says_so(addon, tmp_path):
    import signal
    import time
    from blender_helpers import TINY
    job = _failed_job(addon, tmp_path, make_exemplar_image("doomed"), TINY)
    deadline = time.monotonic() + 120
    while job.poll() == addon.jobs.RUNNING and job.step < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(job.pid, signal.SIGKILL)
    assert job.wait(timeout=60) == addon.jobs.FAILED
    assert "killed (SIGKILL" in job.message and "status -9" not in job.message


def test_remove_unused_drops_only_generated_images_nothing_shows(addon, tiny_model, tmp_path):
    """Three Generates into one node: the two replaced images go, the shown one and the
    artist's own unused image stay, also after saving and reopening."""
    bpy.ops.mesh.primitive_cube_add()
    obj = bpy.context.active_object
    obj.name = "cleaned"
    own = bpy.data.images.new("artists_own", 16, 16)
    own.use_fake_user = True
    for seed in (41, 42, 43):
        assert bpy.ops.texgan.generate(model="tiny", width=64, height=64, seed=seed) == {'FINISHED'}
    replaced = ["tiny_64x64_s41", "tiny_64x64_s42"]
    shown = addon.material_wiring.base_color_image(obj.active_material).name
    assert shown == "tiny_64x64_s43"
    assert all(name in bpy.data.images for name in replaced)    # Generate itself drops nothing

    layout = RecordingLayout()
    addon.panels.draw_generate(layout, bpy.context)
    assert ("operator", "texgan.remove_unused") in layout.calls
    assert {'REGISTER', 'UNDO'} <= bpy.types.TEXGAN_OT_remove_unused.bl_options   # Ctrl+Z
    assert bpy.ops.texgan.remove_unused() == {'FINISHED'}
    assert not any(name in bpy.data.images for name in replaced)
    assert shown in bpy.data.images and "artists_own" in bpy.data.images
    kept = set(bpy.data.images.keys())
    assert bpy.ops.texgan.remove_unused() == {'FINISHED'}       # nothing left: a script goes on
    assert set(bpy.data.images.keys()) == kept
    layout = RecordingLayout()
    addon.panels.draw_generate(layout, bpy.context)
    assert ("operator", "texgan.remove_unused") not in layout.calls

    path = tmp_path / "cleaned.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(path))
    bpy.ops.wm.open_mainfile(filepath=str(path))
    image = addon.material_wiring.base_color_image(bpy.data.objects["cleaned"].active_material)
    assert image.name == shown and image.packed_file is not None
    assert not any(name in bpy.data.images for name in replaced)
    assert "artists_own" in bpy.data.images


def test_remove_unused_keeps_the_latest_variations_and_what_the_artist_renamed_copied_or_painted(
        addon, tiny_model):
    bpy.ops.mesh.primitive_cube_add()
    assert bpy.ops.texgan.generate(model="tiny", width=64, height=64, seed=80, count=4) == {'FINISHED'}
    variations = [f"tiny_64x64_s{seed}" for seed in (80, 81, 82)]     # 83 is connected
    assert not addon.cleanup.unused_images(bpy.data.images)       # just asked for, not yet seen
    assert bpy.ops.texgan.remove_unused() == {'FINISHED'}
    assert all(name in bpy.data.images for name in variations)

    bpy.data.images[variations[0]].name = "chosen_one"            # the artist's now
    copy = bpy.data.images[variations[1]].copy()
    copy.use_fake_user = True
    bpy.data.images[variations[2]].pixels[0] = 0.5                # painted on, not saved
    assert bpy.ops.texgan.generate(model="tiny", width=64, height=64, seed=90) == {'FINISHED'}
    doomed = {im.name for im in addon.cleanup.unused_images(bpy.data.images)}
    assert doomed == {variations[1], "tiny_64x64_s83"}            # the plain older ones only
    assert bpy.ops.texgan.remove_unused() == {'FINISHED'}
    assert {"chosen_one", copy.name, variations[2], "tiny_64x64_s90"} <= set(bpy.data.images.keys())


def test_a_small_exemplar_says_in_the_panel_which_crop_it_trains_on(addon, tmp_path):
    """A 64-px game texture trains on 64-px crops (the recipe's 96 would not fit): the
    note that the command line prints reaches the Train panel, in the panel's words."""
    state, jobs = addon.state, addon.jobs
    exemplar = addon.pixels.exemplar_file(make_exemplar_image("game-texture", size=64), tmp_path)
    job = jobs.TrainingJob(state.runtime(), exemplar, tmp_path / "models" / "game.texgan", steps=1,
                           extra_args=("--batch", "2"))
    job.start()
    assert job.wait(timeout=180) == jobs.DONE, job.message
    assert "64-px crops" in job.note and "--" not in job.note
    addon.state.training = job
    layout = RecordingLayout()
    addon.panels.draw_train(layout, bpy.context)
    assert layout.shows(job.note)
    note = job.note
    job.resume(steps=2)                          # still on 64-px crops: still said
    assert job.wait(timeout=180) == jobs.DONE, job.message
    assert job.note == note
    after_restart = jobs.TrainingJob(state.runtime(), exemplar, job.out, steps=3, extra_args=("--batch", "2"))
    after_restart.resume()                       # a new job for the same model: said again
    assert after_restart.wait(timeout=180) == jobs.DONE, after_restart.message
    assert after_restart.note == note


def test_remove_unused_also_finds_images_made_before_its_tags_existed(addon):
    """Files from earlier versions hold generated images tagged with the model's name only:
    exactly the ones that built up there, so they are listed (never as the latest Generate)."""
    old = bpy.data.images.new("tiny_64x64_s7_from_an_old_file", 16, 16)
    old[addon.cleanup.TAG] = "tiny"
    old.use_fake_user = True
    try:
        assert old in addon.cleanup.unused_images(bpy.data.images)
    finally:
        bpy.data.images.remove(old)
