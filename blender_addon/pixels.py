"""Arrays in and out of Blender images: generated textures in, exemplars out as PNG.

Blender's image rows start at the bottom, numpy's (and the core's) at the top: flip here.
"""

from pathlib import Path

import bpy
import numpy as np

from ..texgan_core import png


def new_image(name: str, rgb: np.ndarray, keep: bool = True) -> bpy.types.Image:
    """A packed 8-bit sRGB image from an H×W×3 float array in [0, 1] (row 0 = top)."""
    height, width = rgb.shape[:2]
    image = bpy.data.images.new(name, width, height, alpha=False)
    try:
        rgba = np.ones((height, width, 4), dtype=np.float32)
        rgba[..., :3] = np.clip(rgb[::-1], 0.0, 1.0)
        image.pixels.foreach_set(rgba.ravel())
        image.update()
        image.pack()            # saved inside the .blend: reopening keeps the texture
    except BaseException:       # Ctrl+C or out of memory: no half-made, unpacked image stays
        bpy.data.images.remove(image)
        raise
    image.use_fake_user = keep
    return image


def image_rgba(image) -> np.ndarray:
    """H×W×4 float32, row 0 = top."""
    width, height = image.size
    flat = np.empty(width * height * image.channels, dtype=np.float32)
    image.pixels.foreach_get(flat)
    rgba = flat.reshape(height, width, image.channels)[::-1]
    if image.channels == 4:
        return rgba
    out = np.ones((height, width, 4), dtype=np.float32)
    out[..., :min(3, image.channels)] = rgba[..., :3]
    if image.channels < 3:
        out[..., 1:3] = rgba[..., :1]
    return out


def linear_to_srgb(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(x, 1 / 2.4) - 0.055)


# What the trainer reads itself (texgan_core/images.py); EXR, HDR, TGA, BMP... are written out.
READABLE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")


def exemplar_file(image, folder) -> Path:
    """A PNG on disk showing `image` as the user sees it.

    An unmodified image loaded from a file is used in place; packed, generated, edited or
    float images are written out (float pixels are linear: converted to sRGB).
    """
    if (image.source == 'FILE' and image.packed_file is None and not image.is_dirty
            and image.filepath):
        path = Path(bpy.path.abspath(image.filepath, library=image.library))
        if path.is_file() and path.suffix.lower() in READABLE_SUFFIXES:
            return path
    if image.size[0] == 0 or image.size[1] == 0:
        raise ValueError(f"image '{image.name}' has no pixels (missing file?)")
    rgba = image_rgba(image)
    rgb = rgba[..., :3]
    if image.is_float and image.colorspace_settings.name not in ("Non-Color", "sRGB"):
        rgb = linear_to_srgb(rgb)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (bpy.path.clean_name(image.name) + ".png")
    png.write_bands(path, rgb.shape[1], rgb.shape[0], 3, [rgb])
    return path
