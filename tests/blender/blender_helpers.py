"""Helpers shared by the Blender tests (a module name no other conftest shadows)."""

import time
from pathlib import Path

import bpy

ROOT = Path(__file__).resolve().parents[2]
ADDON = "bl_ext.user_default.texgan"


def make_exemplar_image(name="exemplar", size=64):
    """A generated Blender image (no file on disk): a noisy brick-like pattern."""
    import numpy as np
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:size, 0:size]
    mortar = ((y % 16) < 2) | (((x + 8 * ((y // 16) % 2)) % 32) < 2)
    rgb = np.where(mortar[..., None], [0.8, 0.8, 0.75], [0.6, 0.25, 0.15])
    rgb = np.clip(rgb + rng.normal(0, 0.05, rgb.shape), 0, 1)
    image = bpy.data.images.new(name, size, size, alpha=False)
    rgba = np.ones((size, size, 4), np.float32)
    rgba[..., :3] = rgb[::-1]
    image.pixels.foreach_set(rgba.ravel())
    return image


# Tiny training settings: a few seconds on a CPU.
TINY = ("--crop", "32", "--batch", "2")


class RecordingLayout:
    """Stands in for bpy.types.UILayout: accepts the calls panels make and records them.

    Properties are resolved against the real data, so a misspelt property name still fails.
    """

    def __init__(self, calls=None):
        self.calls = [] if calls is None else calls
        self.enabled = self.active = True
        self.scale_y = self.scale_x = 1.0
        self.use_property_split = False

    def _sub(self, *args, **kwargs):
        return RecordingLayout(self.calls)

    row = column = box = split = _sub

    def prop(self, data, name, **kwargs):
        assert name in data.bl_rna.properties, name
        self.calls.append(("prop", name))

    def template_icon_view(self, data, name, **kwargs):
        self.prop(data, name)

    def template_ID(self, data, name, **kwargs):
        self.prop(data, name)

    def operator(self, idname, **kwargs):
        category, name = idname.split(".")
        op = getattr(getattr(bpy.ops, category), name)
        self.calls.append(("operator", idname))
        return _OperatorProps(op.get_rna_type())

    def label(self, **kwargs):
        self.calls.append(("label", kwargs.get("text", "")))

    def labels(self):
        return [c[1] for c in self.calls if c[0] == "label"]

    def shows(self, text):
        """Whether `text` is said by the labels, also when wrapped over several of them."""
        return text in " ".join(self.labels())

    def progress(self, factor=0.0, text="", **kwargs):
        assert 0.0 <= factor <= 1.0
        self.calls.append(("progress", factor, text))

    def template_icon(self, **kwargs):
        self.calls.append(("template_icon", kwargs.get("icon_value")))


class _OperatorProps:
    def __init__(self, rna):
        object.__setattr__(self, "_names", set(rna.properties.keys()))

    def __setattr__(self, name, value):
        assert name in self._names, name


def until_finished(addon, job, timeout=300):
    """What Blender's timer does every half second, by hand, until the job is over (and once
    more, as its last call does); the progress seen on the way."""
    seen, deadline = [], time.monotonic() + timeout
    while job.running():
        assert time.monotonic() < deadline, f"the generation never ended ({job.progress:.0%})"
        addon.ticker.tick()
        seen.append(job.progress)
        time.sleep(0.02)
    addon.ticker.tick()
    return seen


def under_way(job, timeout=120):
    """Wait until the worker has reported progress on `job`."""
    deadline = time.monotonic() + timeout
    while job.progress == 0 and job.running() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert job.running() and job.progress > 0
