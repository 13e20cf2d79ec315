"""Helpers shared by the Blender tests (a module name no other conftest shadows)."""

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
