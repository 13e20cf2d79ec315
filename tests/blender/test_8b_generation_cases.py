"""A generation meets the rest of Blender: odd targets, a failure while making the image,
Cancel between variations, another file opened, the add-on disabled, the worker stopped."""

import os
import signal
import time

import numpy as np
import pytest
import bpy

from blender_helpers import RecordingLayout, under_way, until_finished

W, H = 128, 64


def _cube():
    bpy.ops.mesh.primitive_cube_add()
    return bpy.context.active_object


def _start(addon, obj, width, height, seed=0, count=1, client=None):
    job = addon.generation.GenerationJob(client or addon.state.worker(), obj, "tiny", width, height,
                                         seed=seed, count=count)
    job.start()
    addon.state.generation = job
    return job


# Objects whose materials cannot show an image texture. Grease Pencil: strokes and fills
# with no node tree (the job used to raise in the timer and stay RUNNING, blocking Generate
# until Blender restarted). Volume: only the Volume output renders, so Base Color on the
# Surface side would be wired, packed and never seen.
# Blender 4.2 has both Grease Pencils: the legacy one, and the new one (experimental there,
# with no materials list: it was refused as an object that "cannot have materials").
NO_IMAGE_TARGETS = {"grease pencil": (lambda: bpy.ops.object.grease_pencil_add(type='STROKE'), "Grease Pencil"),
                    "volume": (bpy.ops.object.volume_add, "volume object")}
if bpy.app.version < (4, 3):
    NO_IMAGE_TARGETS["legacy grease pencil"] = (lambda: bpy.ops.object.gpencil_add(type='STROKE'), "Grease Pencil")


@pytest.mark.parametrize("kind", NO_IMAGE_TARGETS)
def test_an_object_whose_material_shows_no_image_is_refused_before_generating(addon, tiny_model, kind):
    add, message = NO_IMAGE_TARGETS[kind]
    add()
    obj = bpy.context.active_object
    images = len(bpy.data.images)
    try:
        with pytest.raises(RuntimeError, match=message):
            bpy.ops.texgan.generate(model="tiny", width=W, height=H)
    finally:
        bpy.data.objects.remove(obj)
    assert len(bpy.data.images) == images


def test_a_linked_material_is_refused_not_silently_left_unchanged(addon, tiny_model, tmp_path):
    material = bpy.data.materials.new("LibMat")
    library_file = tmp_path / "lib.blend"
    bpy.data.libraries.write(str(library_file), {material})
    bpy.data.materials.remove(material)
    with bpy.data.libraries.load(str(library_file), link=True) as (_, linked):
        linked.materials = ["LibMat"]
    material = linked.materials[0]
    obj = _cube()
    obj.data.materials.append(material)
    images = len(bpy.data.images)
    try:
        with pytest.raises(RuntimeError, match="linked from another file"):
            bpy.ops.texgan.generate(model="tiny", width=W, height=H)
        assert len(bpy.data.images) == images
    finally:
        bpy.data.objects.remove(obj)
        bpy.data.libraries.remove(material.library)


def test_a_failure_while_making_the_image_ends_the_job_and_generate_works_again(
        addon, tiny_model, monkeypatch):
    def out_of_memory(name, rgb):
        raise MemoryError
    obj = _cube()
    with monkeypatch.context() as patch:
        patch.setattr(addon.pixels, "new_image", out_of_memory)
        job = _start(addon, obj, W, H, seed=3)
        until_finished(addon, job)
    assert job.state == addon.generation.FAILED and "out of memory" in job.message
    layout = RecordingLayout()
    addon.panels.draw_generate(layout, bpy.context)
    assert layout.shows(job.message)                                  # said, not stuck at 100 %
    assert not any(c[0] == "progress" for c in layout.calls)
    assert bpy.ops.texgan.generate(model="tiny", width=W, height=H, seed=4) == {'FINISHED'}


def test_cancel_while_an_image_is_read_back_makes_no_more(addon, tiny_model):
    """count 3, Cancel arriving just after the first image's pixels came back (reading an
    8192² result takes seconds): no worker is started again for the other two."""
    class CancelledOnReadBack:
        def __init__(self, client):
            self.client, self.job, self.calls = client, None, 0

        def generate(self, *args, **kwargs):
            self.calls += 1
            rgb = self.client.generate(*args, **kwargs)
            self.job.cancel()
            return rgb

        def abort(self):
            self.client.abort()

    client = CancelledOnReadBack(addon.state.worker())
    job = client.job = _start(addon, _cube(), W, H, seed=30, count=3, client=client)
    until_finished(addon, job)
    assert job.state == addon.generation.CANCELLED
    assert client.calls == 1 and [im.name for im in job.result.images] == ["tiny_128x64_s30"]
    assert job.message.startswith("cancelled; 1 of 3 made")


def test_cancel_while_a_new_worker_starts_makes_nothing(addon, tiny_model, monkeypatch):
    """Cancel landing while the worker process is being created found no process to kill:
    the whole image was made (minutes at large sizes) and kept."""
    client = addon.state.worker()
    client.close()                                  # the next request starts a new worker
    job = addon.generation.GenerationJob(client, _cube(), "tiny", W, H, seed=40)
    popen = addon.worker.subprocess.Popen

    def cancelled_while_starting(*args, **kwargs):
        job.cancel()
        return popen(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(addon.worker.subprocess, "Popen", cancelled_while_starting)
        job.start()
        addon.state.generation = job
        until_finished(addon, job)
    assert job.state == addon.generation.CANCELLED and job.message == "cancelled"
    assert not job.result.images and not client.alive()
    assert bpy.ops.texgan.generate(model="tiny", width=W, height=H, seed=41) == {'FINISHED'}


def test_ctrl_c_in_a_script_keeps_the_images_made_and_stops_the_worker(addon, tiny_model, monkeypatch):
    """bpy as a module: Ctrl+C is a KeyboardInterrupt in the waiting script. It used to
    come out as a RuntimeError holding a traceback, drop the images already made, and leave
    the worker on the abandoned request (minutes at large sizes) with its result file."""
    client = addon.state.worker()

    class CtrlCOnTheSecondImage:
        def generate(self, model, width, height, seed=0, on_progress=None, **kwargs):
            def progress(done):
                if seed == 81:      # as the worker writes the result: it must not stay behind
                    deadline = time.monotonic() + 60
                    while not list(client._tmp.glob("*.npy")) and time.monotonic() < deadline:
                        time.sleep(0.01)
                    raise KeyboardInterrupt
                on_progress(done)
            return client.generate(model, width, height, seed=seed, on_progress=progress, **kwargs)

        def abort(self):
            client.abort()

    _cube()
    with monkeypatch.context() as patch:
        patch.setattr(addon.state, "worker", CtrlCOnTheSecondImage)
        assert "interrupted; 1 of 3 made, kept in the file" in _interrupted_generate(seed=80)
    made = [im for im in bpy.data.images if im.name.startswith(f"tiny_{W}x{H}_s8")]
    assert [im.name for im in made] == ["tiny_128x64_s80"] and made[0].packed_file is not None
    assert not client.alive() and not list(client._tmp.glob("*.npy"))
    assert bpy.ops.texgan.generate(model="tiny", width=W, height=H, seed=90) == {'FINISHED'}


def test_ctrl_c_while_the_worker_starts_leaves_no_worker_behind(addon, tiny_model, monkeypatch):
    """Ctrl+C in a script during the seconds the worker spends loading torch: it was left
    running beside the interrupted script, half-started."""
    client = addon.state.worker()
    client.close()
    started, popen, read = [], addon.worker.subprocess.Popen, client._read

    def recorded(*args, **kwargs):
        started.append(popen(*args, **kwargs))
        return started[-1]

    def ctrl_c_while_starting(timeout, what):
        if what == "start":
            raise KeyboardInterrupt
        return read(timeout, what)

    with monkeypatch.context() as patch:
        patch.setattr(addon.worker.subprocess, "Popen", recorded)
        patch.setattr(client, "_read", ctrl_c_while_starting)
        with pytest.raises(KeyboardInterrupt):
            client.generate("tiny", W, H, seed=70)
    assert len(started) == 1 and started[0].poll() is not None and not client.alive()
    _cube()
    assert bpy.ops.texgan.generate(model="tiny", width=W, height=H, seed=71) == {'FINISHED'}


def test_ctrl_c_while_the_images_are_made_keeps_the_others_and_leaves_no_half_image(
        addon, tiny_model, monkeypatch):
    """A script makes all the pixels first, then the images: Ctrl+C there came out as a
    traceback and dropped the images still to be made."""
    new_image, calls = addon.pixels.new_image, []

    def interrupted_on_the_second(name, rgb, **kwargs):
        calls.append(name)
        if len(calls) == 2:     # halfway through: after the image exists, before it is packed
            rgb = np.full(rgb.shape, _Boom(), dtype=object)
        return new_image(name, rgb, **kwargs)

    _cube()
    before = len(bpy.data.images)
    with monkeypatch.context() as patch:
        patch.setattr(addon.pixels, "new_image", interrupted_on_the_second)
        assert "interrupted; 2 of 3 made, kept in the file" in _interrupted_generate(seed=184)
    made = sorted(im.name for im in bpy.data.images if im.name.startswith(f"tiny_{W}x{H}_s18"))
    assert made == ["tiny_128x64_s184", "tiny_128x64_s186"] and len(bpy.data.images) == before + 2


def _interrupted_generate(seed):
    """A script's three-image generate that Ctrl+C stops: its one-line error."""
    with pytest.raises(RuntimeError) as raised:
        bpy.ops.texgan.generate(model="tiny", width=W, height=H, seed=seed, count=3)
    assert "Traceback" not in str(raised.value)
    return str(raised.value)


class _Boom:
    """A pixel value whose every comparison is a Ctrl+C."""
    def _interrupt(self, other):
        raise KeyboardInterrupt
    __lt__ = __le__ = __gt__ = __ge__ = _interrupt


def test_opening_another_file_ends_the_generation_and_brings_none_of_its_images(
        addon, tiny_model, tmp_path):
    job = _start(addon, _cube(), 4096, 4096, seed=50)
    under_way(job)
    bpy.ops.wm.read_homefile(use_empty=True)
    assert not job.running() and "another file was opened" in job.message
    until_finished(addon, job)
    time.sleep(0.5)
    addon.ticker.tick()
    assert not [im for im in bpy.data.images if im.name.startswith("tiny_4096x4096")]
    assert bpy.ops.texgan.generate(model="tiny", width=W, height=H, seed=51) == {'FINISHED'}


def test_disabling_the_addon_ends_a_running_generation(addon, tiny_model):
    """What unregister does (state.shutdown): the timer is gone afterwards, so the job must
    end there, or the panel stays at "Generating…" once the add-on is enabled again."""
    job = _start(addon, _cube(), 4096, 4096, seed=60)
    under_way(job)
    pid = addon.state.worker_pid()
    addon.state.shutdown()
    assert not job.running() and job.message == "cancelled: TexGAN was disabled"
    layout = RecordingLayout()
    addon.panels.draw_generate(layout, bpy.context)
    assert not any(c[0] == "progress" for c in layout.calls)
    assert bpy.ops.texgan.generate(model="tiny", width=W, height=H, seed=61) == {'FINISHED'}
    assert addon.state.worker_pid() not in (None, pid)


def test_a_worker_stopped_from_outside_says_so_and_the_next_generate_works(addon, tiny_model):
    """SIGTERM used to be caught by the worker's per-request handler: it lived on and the
    panel read "internal error: _Terminated"."""
    job = _start(addon, _cube(), 4096, 4096, seed=70)
    under_way(job)
    pid = addon.state.worker_pid()
    os.kill(pid, signal.SIGTERM)
    until_finished(addon, job, timeout=60)
    assert job.state == addon.generation.FAILED
    assert "stopped from outside (SIGTERM)" in job.message and "_Terminated" not in job.message
    assert bpy.ops.texgan.generate(model="tiny", width=W, height=H, seed=71) == {'FINISHED'}
    assert addon.state.worker_pid() != pid


def test_a_crash_is_called_a_crash_not_memory(addon):
    words = addon.subprocess_env.exit_text
    assert words(-signal.SIGSEGV) == "crashed (SIGSEGV)"
    assert "out of memory" in words(-signal.SIGKILL)
    assert words(128 + signal.SIGTERM) == words(-signal.SIGTERM) == "was stopped from outside (SIGTERM)"
    assert words(1) == "ended with exit status 1"


def test_the_generate_button_offers_no_redo_panel(addon):
    """'Adjust Last Operation' re-runs execute() for every change: a whole generation, waited
    for, beside the one the button started. The panel's generation pushes its own undo step."""
    assert 'UNDO' not in bpy.types.TEXGAN_OT_generate.bl_options
    assert 'REGISTER' in bpy.types.TEXGAN_OT_generate.bl_options
