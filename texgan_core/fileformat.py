"""The `.texgan` container: the safetensors layout, read and written with the standard library.

Layout (https://github.com/huggingface/safetensors): an 8-byte little-endian header length,
a JSON header naming each tensor's dtype, shape and byte range, then the raw bytes. It holds
no code, so loading a model can never execute anything; and it needs no torch, so Blender's
own process can read a model's info and thumbnail. Our metadata sits under `__metadata__`
as `{"format": "texgan", "version": "1", "info": "<json>", "crc32": "<hex>"}`: the CRC-32 of
the raw bytes, so a damaged byte is found on load instead of drawing a wrong texture (files
written before it existed have none and are read as they are).
"""

import json
import os
import struct
import zlib
from contextlib import contextmanager
from pathlib import Path

from .atomic import atomic_write_bytes
from .errors import TexganError

FORMAT = "texgan"
VERSION = "1"
THUMBNAIL_KEY = "thumbnail.png"
MAX_HEADER_BYTES = 4 * 1024 * 1024   # TexGAN writes 5-25 KB; a big one costs Blender memory to parse

# safetensors dtype name -> (struct/numpy-style item size in bytes)
ITEM_SIZE = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2,
             "I8": 1, "U8": 1, "BOOL": 1}


def write_container(path, tensors: dict, info: dict) -> None:
    """Write `tensors` ({name: (dtype, shape, raw bytes)}) and `info` atomically to `path`."""
    header = {"__metadata__": {"format": FORMAT, "version": VERSION,
                               "info": json.dumps(info, sort_keys=True)}}
    offset = 0
    blobs = []
    for name, (dtype, shape, raw) in tensors.items():
        expected = ITEM_SIZE[dtype] * _count(shape)
        if len(raw) != expected:
            raise ValueError(f"tensor {name}: {len(raw)} bytes, expected {expected}")
        header[name] = {"dtype": dtype, "shape": list(shape),
                        "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    data = b"".join(blobs)
    header["__metadata__"]["crc32"] = f"{zlib.crc32(data):08x}"
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)  # safetensors aligns the data to 8 bytes
    atomic_write_bytes(path, struct.pack("<Q", len(head)) + head + data)


def read_container(path, with_data: bool = True, kind: str = "model file"):
    """Return (info, {name: (dtype, shape, memoryview)}) after checking every offset.

    Raises TexganError for a missing, truncated or foreign file, never anything else; its
    message calls the file `kind` (a training's state shares the container). The header is
    checked before any data is read, and the data must fill the file exactly: a load takes
    the memory the tensors need, not whatever the file's length or header claims.
    """
    path = Path(path)
    with _opened(path, kind) as (f, file_size):
        info, meta, entries, data_start = _read_header(f, file_size, path, kind)
        blob = _read(f, data_start, file_size - data_start, path, kind) if with_data else None
    data = memoryview(blob) if with_data else None
    tensors = {name: (dtype, shape, data[start:end] if with_data else None)
               for name, (dtype, shape, start, end) in entries.items()}
    if with_data and "crc32" in meta and meta["crc32"] != f"{zlib.crc32(data):08x}":
        raise TexganError(f"{kind} is damaged (its checksum does not match): {path}")
    return info, tensors


@contextmanager
def _opened(path: Path, kind: str):
    try:
        with open(path, "rb") as f:
            yield f, os.fstat(f.fileno()).st_size
    except FileNotFoundError:
        raise TexganError(f"{kind} not found: {path}") from None
    except IsADirectoryError:
        raise TexganError(f"not a {kind} but a folder: {path}") from None
    except OSError as e:
        raise TexganError(f"cannot read {kind} {path}: {e.strerror or e}") from None


def _read(f, offset: int, count: int, path: Path, kind: str) -> bytes:
    f.seek(offset)
    blob = f.read(count)
    if len(blob) != count:          # the file shrank while it was read
        raise TexganError(f"{kind} is truncated or damaged: {path}")
    return blob


def _read_header(f, file_size: int, path: Path, kind: str):
    """(info, metadata, {name: (dtype, shape, start, end)}, where the data starts), every
    entry checked against the file's size."""
    bad = f"not a TexGAN {kind} (or damaged): {path}"
    if file_size < 8:
        raise TexganError(bad)
    (n,) = struct.unpack("<Q", _read(f, 0, 8, path, kind))
    if n > MAX_HEADER_BYTES or 8 + n > file_size:
        raise TexganError(bad)
    try:
        header = json.loads(_read(f, 8, n, path, kind))
        meta = header.pop("__metadata__")
        if meta.get("format") != FORMAT:
            raise ValueError
        info = json.loads(meta["info"])
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError, RecursionError):
        raise TexganError(bad) from None       # RecursionError: [[[[...]]]] nested past Python's limit
    if meta.get("version") != VERSION:
        raise TexganError(f"{kind} {path} has format version {meta.get('version')}, "
                          f"this TexGAN reads version {VERSION}: update TexGAN")
    data_size = file_size - 8 - n
    entries, max_end = {}, 0
    for name, entry in header.items():
        try:
            dtype, shape, (start, end) = entry["dtype"], entry["shape"], entry["data_offsets"]
            if not all(_is_whole(v) for v in (start, end, *shape)):
                raise TypeError
            size = ITEM_SIZE[dtype] * _count(shape)
        except (KeyError, TypeError, ValueError):
            raise TexganError(bad) from None
        if not (0 <= start <= end <= data_size) or end - start != size:
            raise TexganError(f"{kind} is truncated or damaged: {path}")
        entries[name] = (dtype, tuple(shape), start, end)
        max_end = max(max_end, end)
    if max_end != data_size:                   # bytes beyond the last tensor: not written by us
        raise TexganError(f"{kind} is damaged (it is longer than its contents): {path}")
    if not _plausible_info(info):
        raise TexganError(f"{kind} has damaged metadata: {path}")
    return info, meta, entries, 8 + n


def _is_whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _plausible_info(info) -> bool:
    """The fields every reader relies on have the right kinds (a file is data: check it)."""
    return (isinstance(info, dict) and isinstance(info.get("config", {}), dict)
            and isinstance(info.get("training", {}), dict)
            and isinstance(info.get("textures", []), list)
            and all(isinstance(t, str) for t in info.get("textures", [])))


def read_info(path) -> dict:
    """The model's description (arch, textures, stride, training, config) without its weights."""
    info, _ = read_container(path, with_data=False)
    if "arch" not in info:   # a training's .state file shares the container
        raise TexganError(f"not a TexGAN model file (a training state?): {path}")
    return info


MAX_THUMBNAIL_SIDE = 1024      # TexGAN writes 128²
MAX_THUMBNAIL_BYTES = 4 * 1024 * 1024


def read_thumbnail_png(path) -> bytes:
    """PNG bytes of the small preview stored in the model file, if it is a PNG of a
    thumbnail's size: Blender decodes it in its own process, and a 16k² PNG of 1 MB took
    it a gigabyte of memory."""
    path = Path(path)
    with _opened(path, "model file") as (f, file_size):
        _, _, entries, data_start = _read_header(f, file_size, path, "model file")
        if THUMBNAIL_KEY not in entries:
            raise TexganError(f"model file has no thumbnail: {path}")
        _, _, start, end = entries[THUMBNAIL_KEY]
        if end - start > MAX_THUMBNAIL_BYTES:
            raise TexganError(f"model file has a damaged thumbnail: {path}")
        png = _read(f, data_start + start, end - start, path, "model file")
    # the signature, then the IHDR chunk: its length, its type, width and height
    if len(png) < 24 or png[:16] != b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" or \
            max(struct.unpack(">II", png[16:24])) > MAX_THUMBNAIL_SIDE:
        raise TexganError(f"model file has a damaged thumbnail: {path}")
    return png


def _count(shape) -> int:
    n = 1
    for s in shape:
        if int(s) < 0:
            raise ValueError("negative dimension")
        n *= int(s)
    return n
