"""Reading exemplars and writing textures: every image is float32 H×W×C in [0, 1] inside."""

import io
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from .errors import TexganError
from .png import write_bands

Image.MAX_IMAGE_PIXELS = 16384 * 16384  # refuse decompression bombs beyond this


def load_image(path) -> np.ndarray:
    """Read PNG/JPEG/TIFF (8 or 16 bit; grey, grey+alpha, RGB, RGBA, palette) as H×W×C floats.

    C is 1 (grey), 3 (RGB) or 4 (RGBA); an alpha channel that is opaque everywhere is dropped,
    since it carries nothing to learn.
    """
    path = Path(path)
    if path.is_dir():
        raise TexganError(f"{path} is a folder, not an image")
    if not path.is_file():
        raise TexganError(f"image not found: {path}")
    try:
        with _open_quietly(path) as im:
            if Image.MAX_IMAGE_PIXELS and im.width * im.height > Image.MAX_IMAGE_PIXELS:  # Pillow: at 2×
                raise Image.DecompressionBombError(f"{im.width}×{im.height}")
            im.load()
            array = _to_float(im)
    except PermissionError:
        raise TexganError(f"cannot read image {path}: permission denied") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise TexganError(f"cannot read image {path}: not a PNG, JPEG or TIFF image ({e})") from None
    except Image.DecompressionBombError:
        raise TexganError(f"image {path} is too large (over {Image.MAX_IMAGE_PIXELS} pixels)") from None
    if array.shape[-1] in (2, 4) and array[..., -1].min() >= 1.0:
        array = array[..., :-1]
    if array.shape[-1] == 2:  # grey + real alpha: keep alpha beside an RGB colour
        array = np.concatenate([np.repeat(array[..., :1], 3, -1), array[..., 1:]], -1)
    return np.ascontiguousarray(array, dtype=np.float32)


def image_size(path):
    """(width, height) from the file's header, without decoding it; None if unreadable
    (load_image then says why)."""
    try:
        with _open_quietly(path) as im:
            return im.size
    except Exception:  # noqa: BLE001 - any failure is load_image's to report
        return None


def frame_count(path) -> int:
    """How many frames (an animated GIF) or pages (a TIFF with a thumbnail) the file holds;
    1 if it cannot be read (load_image then says why). Only the first is learnt."""
    try:
        with _open_quietly(path) as im:
            return getattr(im, "n_frames", 1)
    except Exception:  # noqa: BLE001 - any failure is load_image's to report
        return 1


@contextmanager
def _open_quietly(path):
    """Image.open without Pillow's warnings: it writes several lines on stderr about large or
    odd files it still reads, where TexGAN's size limit and errors say what matters in one."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Image.open(path) as im:
            yield im


def _to_float(im: Image.Image) -> np.ndarray:
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        return (np.asarray(im, dtype=np.float32) / 65535.0)[..., None]
    if im.mode == "I":  # 16-bit PNG greys come as 32-bit ints
        a = np.asarray(im, dtype=np.float32)
        return (a / (65535.0 if a.max() > 255 else 255.0)).clip(0, 1)[..., None]
    if im.mode == "F":
        return np.asarray(im, dtype=np.float32).clip(0, 1)[..., None]
    if im.mode in ("1", "L"):
        return (np.asarray(im.convert("L"), dtype=np.float32) / 255.0)[..., None]
    if im.mode == "LA":
        return np.asarray(im, dtype=np.float32) / 255.0
    has_alpha = im.mode in ("RGBA", "PA", "La") or (im.mode == "P" and "transparency" in im.info)
    rgb = im.convert("RGBA" if has_alpha else "RGB")
    return np.asarray(rgb, dtype=np.float32) / 255.0


def save_png(path, image: np.ndarray, bits: int = 8) -> None:
    """Write H×W×C floats in [0, 1] as an 8- or 16-bit PNG, atomically."""
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[..., None]
    write_bands(path, image.shape[1], image.shape[0], image.shape[2], [image], bits)


def to_8bit(image: np.ndarray) -> np.ndarray:
    """Floats in [0, 1] (clipped) rounded to uint8."""
    return (np.clip(image, 0, 1) * 255.0 + 0.5).astype(np.uint8)


def keeping_8bit(bands, kept: list):
    """Pass bands on, keeping each in `kept` in 8 bits: enough for a preview, a quarter of
    the float frame."""
    for band in bands:
        kept.append(to_8bit(band))
        yield band


def tiled_2x2(kept: list):
    """Bands kept by `keeping_8bit`, as the bands of their image tiled 2×2."""
    for _ in range(2):
        for band in kept:
            yield np.tile(band, (1, 2, 1)).astype(np.float32) / 255


def png_bytes(image: np.ndarray) -> bytes:
    """8-bit PNG bytes of an image (thumbnails inside model files)."""
    data = to_8bit(image)
    if data.shape[-1] == 1:
        data = data[..., 0]
    buf = io.BytesIO()
    Image.fromarray(data).save(buf, "PNG")
    return buf.getvalue()


def tile(image: np.ndarray, nx: int = 2, ny: int = 2) -> np.ndarray:
    """The image repeated nx × ny times: the quickest way to see whether it has seams."""
    return np.tile(image, (ny, nx, 1))


def grid(images, columns: int) -> np.ndarray:
    """Images of one size laid out in rows, for sample sheets."""
    h, w, c = images[0].shape
    rows = -(-len(images) // columns)
    sheet = np.ones((rows * h, columns * w, c), np.float32)
    for i, im in enumerate(images):
        r, q = divmod(i, columns)
        sheet[r * h:(r + 1) * h, q * w:(q + 1) * w] = im
    return sheet


def resize(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Area-filtered resize, used for thumbnails."""
    data = to_8bit(image)
    im = Image.fromarray(data[..., 0] if data.shape[-1] == 1 else data)
    out = np.asarray(im.resize((width, height), Image.Resampling.BOX), dtype=np.float32) / 255.0
    return out[..., None] if out.ndim == 2 else out
