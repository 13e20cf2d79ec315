"""A PNG encoder that takes the image a band of rows at a time.

Pillow writes 16-bit grey only, and wants the whole frame in memory; artists want 16-bit
colour, and a 16384² texture whole is 3 GB of floats before it is encoded. Here rows are
quantised, filtered and compressed as they come, so a frame of any size costs the memory of
one band.
"""

import struct
import zlib

import numpy as np

from .atomic import atomic_file
from .errors import TexganError

SIGNATURE = b"\x89PNG\r\n\x1a\n"
COLOUR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}   # channels → grey, grey+alpha, RGB, RGBA
IDAT_BYTES = 1 << 24  # a chunk holds at most 2³¹-1 bytes; a 16384² 16-bit RGBA frame is more
ROWS_AT_ONCE = 32     # rows filtered together: bounds the filter's temporaries


def chunk(kind: bytes, payload: bytes) -> bytes:
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))


def write_bands(path, width: int, height: int, channels: int, bands, bits: int = 8) -> None:
    """Write bands of rows (H_i×W×C floats in [0, 1], top to bottom) as one 8- or 16-bit PNG,
    atomically: the frame is never whole in memory, and a failure leaves the old file."""
    with atomic_file(path) as f:
        writer = PngWriter(f, width, height, channels, bits)
        for band in bands:
            writer.add(band)
        writer.finish()


class PngWriter:
    """Write `height` rows to the binary file `out`: `add` bands top to bottom, then `finish`.

    Bands are H×W×C floats in [0, 1] (values outside are clipped)."""

    def __init__(self, out, width: int, height: int, channels: int, bits: int = 8,
                 idat_bytes: int = IDAT_BYTES):
        if bits not in (8, 16):
            raise TexganError(f"PNG bit depth must be 8 or 16, not {bits}")
        self.out, self.width, self.channels, self.bits = out, width, channels, bits
        self.rows_left = height
        self.idat_bytes = idat_bytes
        self.pixel_bytes = channels * bits // 8
        self.above = np.zeros(width * self.pixel_bytes, np.uint8)   # PNG's row above the first
        # libpng's settings for filtered rows: 8-10 % smaller than zlib's defaults here
        self.compressor = zlib.compressobj(6, zlib.DEFLATED, 15, 9, zlib.Z_FILTERED)
        self.pending = bytearray()
        header = struct.pack(">IIBBBBB", width, height, bits, COLOUR_TYPES[channels], 0, 0, 0)
        out.write(SIGNATURE + chunk(b"IHDR", header))

    def add(self, band: np.ndarray) -> None:
        if band.ndim == 2:
            band = band[..., None]
        if band.shape[1:] != (self.width, self.channels) or len(band) > self.rows_left:
            raise ValueError(f"band of shape {band.shape} does not fit a {self.width}-wide, "
                             f"{self.channels}-channel PNG with {self.rows_left} rows left")
        for top in range(0, len(band), ROWS_AT_ONCE):
            rows = self._bytes(band[top:top + ROWS_AT_ONCE])
            self._emit(self.compressor.compress(filter_rows(rows, self.above, self.pixel_bytes)))
            self.above = rows[-1]
        self.rows_left -= len(band)

    def finish(self) -> None:
        if self.rows_left:
            raise ValueError(f"PNG is missing {self.rows_left} rows")
        self._emit(self.compressor.flush(), last=True)
        self.out.write(chunk(b"IEND", b""))

    def _bytes(self, rows: np.ndarray) -> np.ndarray:
        """Quantised rows as big-endian bytes, one array row per image row."""
        top = 255.0 if self.bits == 8 else 65535.0
        values = np.clip(rows.astype(np.float32), 0.0, 1.0) * top + 0.5
        values = values.astype(np.uint8 if self.bits == 8 else ">u2")
        return values.reshape(len(rows), -1).view(np.uint8)

    def _emit(self, data: bytes, last: bool = False) -> None:
        self.pending += data
        while len(self.pending) >= self.idat_bytes or (last and self.pending):
            self.out.write(chunk(b"IDAT", bytes(self.pending[:self.idat_bytes])))
            del self.pending[:self.idat_bytes]


def filter_rows(rows: np.ndarray, above: np.ndarray, pixel_bytes: int) -> bytes:
    """Each row of bytes under the PNG filter that leaves it smallest in absolute value (the
    heuristic libpng and Pillow use): none, Sub, Up, Average or Paeth, predicting each byte
    from the one to its left (a), above (b) and above-left (c), zeros outside the image."""
    x = rows.astype(np.int16)
    b = np.concatenate([above[None], rows[:-1]]).astype(np.int16)
    a = np.zeros_like(x)
    a[:, pixel_bytes:] = x[:, :-pixel_bytes]
    c = np.zeros_like(x)
    c[:, pixel_bytes:] = b[:, :-pixel_bytes]
    pa, pb, pc = np.abs(b - c), np.abs(a - c), np.abs(a + b - 2 * c)
    paeth = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))
    candidates = np.stack([x, x - a, x - b, x - ((a + b) >> 1), x - paeth]) & 0xFF
    size = np.abs(candidates.astype(np.uint8).view(np.int8).astype(np.int32)).sum(2)
    kind = size.argmin(0)
    filtered = candidates[kind, np.arange(len(rows))].astype(np.uint8)
    return np.concatenate([kind[:, None].astype(np.uint8), filtered], 1).tobytes()
