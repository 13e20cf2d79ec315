"""Exemplars in every format artists have; textures out as 8- or 16-bit PNG."""

import numpy as np
import pytest
from PIL import Image

from texgan_core.errors import TexganError
from texgan_core.images import load_image, save_png


def _ramp(h=40, w=50):
    y, x = np.mgrid[0:h, 0:w]
    return (x / (w - 1)).astype(np.float64), (y / (h - 1)).astype(np.float64)


@pytest.mark.parametrize("mode,suffix,channels", [
    ("L", ".png", 1), ("RGB", ".png", 3), ("RGB", ".jpg", 3), ("RGB", ".tif", 3),
    ("RGBA", ".png", 4), ("LA", ".png", 4), ("P", ".png", 3), ("I;16", ".png", 1), ("I;16", ".tif", 1),
])
def test_formats_load_as_floats_in_unit_range(tmp_path, mode, suffix, channels):
    x, y = _ramp()
    rgba = np.stack([x, y, 1 - x, 0.25 + 0.5 * y], -1)
    if mode == "I;16":
        im = Image.fromarray((x * 65535).astype(np.uint16))
    elif mode == "L":
        im = Image.fromarray((x * 255).astype(np.uint8))
    else:
        im = Image.fromarray((rgba * 255).astype(np.uint8), "RGBA")
        im = (im.convert("RGB") if mode == "P" else im).convert(mode)
    path = tmp_path / f"ex{suffix}"
    im.save(path)
    out = load_image(path)
    assert out.dtype == np.float32 and out.shape == (40, 50, channels)
    assert 0.0 <= out.min() and out.max() <= 1.0
    if mode in ("L", "I;16"):
        assert abs(out[0, -1, 0] - 1.0) < 0.02 and abs(out[0, 0, 0]) < 0.02  # the ramp survived
    if channels == 4:
        assert abs(out[-1, 0, 3] - 0.75) < 0.02  # real alpha is kept


def test_opaque_alpha_is_dropped(tmp_path):
    Image.new("RGBA", (8, 8), (10, 20, 30, 255)).save(tmp_path / "a.png")
    assert load_image(tmp_path / "a.png").shape == (8, 8, 3)


def test_sixteen_bit_png_round_trip(tmp_path):
    x, y = _ramp()
    image = np.stack([x, y, x * y], -1).astype(np.float32)
    save_png(tmp_path / "t.png", image, bits=16)
    with Image.open(tmp_path / "t.png") as im:
        assert im.info.get("dpi") is None and im.mode == "RGB"
    raw = (tmp_path / "t.png").read_bytes()
    assert raw[24] == 16 and raw[25] == 2  # IHDR: 16 bits, colour type RGB
    assert np.abs(load_image(tmp_path / "t.png") - image).max() < 1 / 255 + 1e-6
    grey = image[..., :1]
    save_png(tmp_path / "g.png", grey, bits=16)
    back = load_image(tmp_path / "g.png")
    assert back.shape == (40, 50, 1) and np.abs(back - grey).max() < 1e-4  # full 16-bit precision


def test_png_pixels_are_split_over_idat_chunks(tmp_path):
    """A chunk holds under 2 GiB, less than a 16384² 16-bit RGBA frame: the pixels are split,
    and a reader joins them back."""
    from texgan_core.png import PngWriter

    x, y = _ramp()
    grey = (x * y)[..., None].astype(np.float32)
    with open(tmp_path / "split.png", "wb") as f:
        writer = PngWriter(f, 50, 40, 1, bits=16, idat_bytes=64)
        writer.add(grey)
        writer.finish()
    assert (tmp_path / "split.png").read_bytes().count(b"IDAT") > 10
    assert np.abs(load_image(tmp_path / "split.png") - grey).max() < 1e-4


@pytest.mark.parametrize("channels", [1, 3, 4])
@pytest.mark.parametrize("bits", [8, 16])
def test_a_png_written_in_bands_reads_back_as_the_whole_image(tmp_path, channels, bits):
    """Bands of any heights, and rows (a ramp, noise, flat) for which the writer picks
    different row filters, against Pillow's reader: how a frame too large for memory is
    written."""
    from texgan_core.png import write_bands

    rng = np.random.default_rng(channels)
    x, y = _ramp(70, 45)
    image = np.stack([x, y, x * y, 0.25 + 0.5 * y], -1)[..., :channels].astype(np.float32)
    image[20:35] = rng.random((15, 45, channels))
    image[50:55] = 0.5
    bands = [image[:1], image[1:33], image[33:34], image[34:]]
    write_bands(tmp_path / "b.png", 45, 70, channels, bands, bits=bits)
    top = 2 ** bits - 1
    want = (np.clip(image, 0, 1) * top + 0.5).astype(np.int64)
    with Image.open(tmp_path / "b.png") as im:
        if bits == 8 or channels == 1:
            got = np.asarray(im, dtype=np.int64).reshape(70, 45, channels)
            np.testing.assert_array_equal(got, want)
    back = load_image(tmp_path / "b.png")          # 16-bit colour: Pillow reads 8 bits of it
    assert back.shape == (70, 45, channels)
    assert np.abs(back - image).max() <= (1 / top if bits == 8 or channels == 1 else 1 / 255) + 1e-6


def _decode_png(data: bytes):
    """The PNG specification's decoder, byte by byte (no Pillow): the IHDR, the raw sample
    bytes with each row's filter undone, and the rows' filter types. Slow; for small images."""
    import struct
    import zlib

    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        payload = data[pos + 8:pos + 8 + length]
        header = struct.unpack(">IIBBBBB", payload) if kind == b"IHDR" else header
        idat += payload if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, bits, colour = header[:4]
    bpp = {0: 1, 4: 2, 2: 3, 6: 4}[colour] * bits // 8
    raw, stride, rows, kinds, prev = zlib.decompress(idat), width * bpp, [], [], bytearray(width * bpp)
    for r in range(height):
        start = r * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            paeth = a if pa <= pb and pa <= pc else b if pb <= pc else c
            line[i] = (line[i] + (0, a, b, (a + b) // 2, paeth)[kind]) & 0xFF
        rows.append(bytes(line))
        kinds.append(kind)
        prev = line
    return header, b"".join(rows), kinds


@pytest.mark.parametrize("channels", [1, 3, 4])
def test_sixteen_bit_samples_are_exact_under_mixed_row_filters(tmp_path, channels):
    """Every 16-bit sample, read back by the specification's own decoder: Pillow reads only
    8 bits of 16-bit colour, so this is the check that the low bytes and filters are right."""
    from texgan_core.png import write_bands

    rng = np.random.default_rng(0)
    x, y = _ramp(24, 19)
    image = np.stack([x, y, x * y, 1 - y], -1)[..., :channels].astype(np.float32)
    image[8:14] = rng.random((6, 19, channels))
    image[18:] = 0.5
    write_bands(tmp_path / "s.png", 19, 24, channels, [image[:5], image[5:]], bits=16)
    header, samples, kinds = _decode_png((tmp_path / "s.png").read_bytes())
    assert header[:4] == (19, 24, 16, {1: 0, 3: 2, 4: 6}[channels])
    got = np.frombuffer(samples, ">u2").reshape(24, 19, channels)
    np.testing.assert_array_equal(got, (image * 65535 + 0.5).astype(np.uint16))
    assert len(set(kinds)) >= 3                              # several filters were exercised


def test_a_png_missing_rows_is_not_written(tmp_path):
    from texgan_core.png import write_bands

    save_png(tmp_path / "old.png", np.zeros((8, 8, 3), np.float32))
    before = (tmp_path / "old.png").read_bytes()
    with pytest.raises(ValueError, match="missing 4 rows"):
        write_bands(tmp_path / "old.png", 8, 12, 3, [np.ones((8, 8, 3), np.float32)])
    assert (tmp_path / "old.png").read_bytes() == before        # the old file, untouched
    assert [p.name for p in tmp_path.iterdir()] == ["old.png"]   # no temporary left behind


def test_non_images_and_missing_files_are_refused(tmp_path):
    (tmp_path / "notes.png").write_text("not an image")
    with pytest.raises(TexganError, match="cannot read image"):
        load_image(tmp_path / "notes.png")
    with pytest.raises(TexganError, match="not found"):
        load_image(tmp_path / "nothing.png")


def test_an_image_past_the_pixel_limit_is_refused_in_one_line_without_pillows_warning(tmp_path, monkeypatch):
    """Pillow only warns (on stderr, several lines) between its limit and twice it, and reads
    the image: TexGAN refuses from the limit on, before decoding, in one line."""
    import warnings

    from PIL import Image

    from texgan_core.images import load_image

    path = tmp_path / "large.png"
    Image.new("RGB", (40, 40), (90, 60, 30)).save(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)     # 1,600 pixels: past the limit, not twice it
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(TexganError, match="too large"):
            load_image(path)
    assert not caught


def test_a_bit_depth_png_cannot_hold_is_refused_and_nothing_written(tmp_path):
    with pytest.raises(TexganError, match="8 or 16, not 12"):
        save_png(tmp_path / "deep.png", np.zeros((4, 4, 3), np.float32), bits=12)
    assert list(tmp_path.iterdir()) == []
