"""bpy.ops.texgan.generate through the real worker and a model trained by the real CLI."""

import numpy as np
import pytest
import bpy

from blender_helpers import under_way, until_finished

W, H = 128, 64          # multiples of the model's stride; not square, so axes can't swap


def _pixels(image):
    flat = np.empty(len(image.pixels), np.float32)
    image.pixels.foreach_get(flat)
    return flat


def _cube_without_material():
    bpy.ops.mesh.primitive_cube_add()
    return bpy.context.active_object


def test_generate_puts_a_packed_texture_on_base_color(addon, tiny_model):
    obj = _cube_without_material()
    result = bpy.ops.texgan.generate(model="tiny", width=W, height=H, seed=3)
    assert result == {'FINISHED'}
    material = obj.active_material
    image = addon.material_wiring.base_color_image(material)
    assert image is not None
    assert tuple(image.size) == (W, H)
    assert image.packed_file is not None
    assert _pixels(image).reshape(H, W, 4)[..., :3].std() > 0.005      # not a constant
    node = material.node_tree.nodes.active
    assert node.image == image and node.extension == 'REPEAT'


def test_saved_and_reopened_file_keeps_the_texture(addon, tiny_model, tmp_path):
    obj = _cube_without_material()
    obj.name = "keeper"
    assert bpy.ops.texgan.generate(model="tiny", width=W, height=H, seed=11) == {'FINISHED'}
    image = addon.material_wiring.base_color_image(obj.active_material)
    name, before = image.name, _pixels(image)
    path = tmp_path / "kept.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(path))
    bpy.ops.wm.read_homefile(use_empty=True)
    assert name not in bpy.data.images
    bpy.ops.wm.open_mainfile(filepath=str(path))
    material = bpy.data.objects["keeper"].active_material
    image = addon.material_wiring.base_color_image(material)
    assert image is not None and image.name == name and image.packed_file is not None
    assert tuple(image.size) == (W, H)
    np.testing.assert_array_equal(_pixels(image), before)


def test_count_three_gives_three_different_images_all_kept(addon, tiny_model):
    obj = _cube_without_material()
    before = set(bpy.data.images.keys())
    assert bpy.ops.texgan.generate(model="tiny", width=W, height=H, seed=20, count=3) \
        == {'FINISHED'}
    new = [bpy.data.images[n] for n in sorted(set(bpy.data.images.keys()) - before)]
    assert len(new) == 3
    assert all(im.use_fake_user and im.packed_file is not None for im in new)
    pixels = [_pixels(im) for im in new]
    for i in range(3):
        for j in range(i + 1, 3):
            assert np.abs(pixels[i] - pixels[j]).mean() > 1e-3
    shown = addon.material_wiring.base_color_image(obj.active_material)
    assert shown.name.endswith("_s22")        # the last seed is the one connected


def test_corrupt_model_gives_a_clear_error_quickly(addon, tiny_model, tmp_path):
    broken = tmp_path / "broken.texgan"
    broken.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00not json at all" + bytes(64))
    import time
    start = time.monotonic()
    try:
        bpy.ops.texgan.generate(model=str(broken), width=W, height=H)
    except RuntimeError as e:
        message = str(e)
    else:
        raise AssertionError("generate succeeded on a corrupt model")
    assert "not a TexGAN model file" in message and str(broken) in message
    assert time.monotonic() - start < 30
    # the worker survived the bad request and still generates
    assert bpy.ops.texgan.generate(model="tiny", width=W, height=H) == {'FINISHED'}


def test_wrong_size_names_the_valid_sizes(addon, tiny_model):
    try:
        bpy.ops.texgan.generate(model="tiny", width=W + 3, height=H)
    except RuntimeError as e:
        assert f"{W}" in str(e) and "stride" in str(e)
    else:
        raise AssertionError("a size off the stride was accepted")


OUT_OF_RANGE = {"zero width": (dict(width=0), "width and height must be positive, not 0×64"),
                "negative width": (dict(width=-16), "width and height must be positive, not -16×64"),
                "huge height": (dict(height=100000), "height 100000 is too large"),
                "negative seed": (dict(seed=-1), "seed must be 0 or more, not -1"),
                "no variations": (dict(count=0), "count must be 1 to 64, not 0"),
                "a thousand variations": (dict(count=1000), "count must be 1 to 64, not 1000")}


@pytest.mark.parametrize("case", OUT_OF_RANGE)
def test_out_of_range_numbers_from_a_script_are_refused_not_clamped(addon, tiny_model, case):
    """Blender clamps an operator property's hard limits in silence: width 0 made a 16-px
    texture, count 1000 made 64 and height 100000 took four minutes at 16384."""
    changes, message = OUT_OF_RANGE[case]
    images = len(bpy.data.images)
    with pytest.raises(RuntimeError, match=message):
        bpy.ops.texgan.generate(**{"model": "tiny", "width": W, "height": H, **changes})
    assert len(bpy.data.images) == images


def test_an_object_that_cannot_hold_a_material_is_refused_before_generating(addon, tiny_model):
    previous = bpy.context.view_layer.objects.active
    bpy.ops.object.camera_add()
    camera = bpy.context.active_object
    images = len(bpy.data.images)
    try:
        bpy.ops.texgan.generate(model="tiny", width=W, height=H)
    except RuntimeError as e:
        assert "cannot have materials" in str(e)
    else:
        raise AssertionError("generated onto a camera")
    finally:
        bpy.data.objects.remove(camera)
        bpy.context.view_layer.objects.active = previous
    assert len(bpy.data.images) == images          # no orphan image kept in the file


def test_killed_worker_is_replaced_on_the_next_call(addon, tiny_model):
    import os
    import signal
    assert bpy.ops.texgan.generate(model="tiny", width=W, height=H) == {'FINISHED'}
    client = addon.state.worker()
    old = client.pid
    assert old is not None
    os.kill(old, signal.SIGKILL)
    client._proc.wait(timeout=10)
    assert bpy.ops.texgan.generate(model="tiny", width=W, height=H, seed=5) == {'FINISHED'}
    assert client.pid is not None and client.pid != old


def test_the_panels_generate_runs_in_the_background_with_a_progress_bar(addon, tiny_model):
    from blender_helpers import RecordingLayout
    """What the Generate button's invoke() does (bpy-module mode runs operators' execute()
    only): start the job, hand it to the timer, return."""
    obj = _cube_without_material()
    job = addon.generation.GenerationJob(addon.state.worker(), obj, "tiny", 2048, 2048, seed=7,
                                         count=2)
    job.start()
    addon.state.generation = job
    assert job.running() and job.result.images == []
    layout = RecordingLayout()
    addon.panels.draw_generate(layout, bpy.context)
    assert any(c[0] == "progress" for c in layout.calls)
    assert ("operator", "texgan.generate_cancel") in layout.calls
    assert ("operator", "texgan.remove_unused") not in layout.calls   # its images are in flight
    assert not bpy.ops.texgan.remove_unused.poll()

    seen = until_finished(addon, job)
    assert job.state == addon.generation.DONE, job.message
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert len({p for p in seen if 0 < p < 1}) >= 2           # bands of two images on the way
    assert [im.name for im in job.result.images] == ["tiny_2048x2048_s7", "tiny_2048x2048_s8"]
    shown = addon.material_wiring.base_color_image(obj.active_material)
    assert shown == job.result.images[-1] and shown.packed_file is not None
    layout = RecordingLayout()
    addon.panels.draw_generate(layout, bpy.context)
    assert ("operator", "texgan.generate_cancel") not in layout.calls


def test_cancel_stops_the_generation_and_the_next_one_works(addon, tiny_model):
    obj = _cube_without_material()
    images = set(bpy.data.images.keys())
    job = addon.generation.GenerationJob(addon.state.worker(), obj, "tiny", 8192, 8192, seed=1)
    job.start()
    addon.state.generation = job
    under_way(job)
    assert 0 < job.progress < 1
    pid = addon.state.worker().pid
    job.cancel()
    until_finished(addon, job, timeout=60)
    assert job.state == addon.generation.CANCELLED and job.message == "cancelled"
    assert set(bpy.data.images.keys()) == images and obj.active_material is None
    assert addon.state.worker().pid != pid
    assert bpy.ops.texgan.generate(model="tiny", width=W, height=H, seed=2) == {'FINISHED'}
    assert obj.active_material is not None
