"""Test helpers shared by the core and benchmark tests (imported by name: every folder's
conftest.py is module `conftest`, so helpers cannot live there)."""

import json
import struct
import sys
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Small enough to train in seconds, shaped like the real thing (same levels and stride).
TINY = dict(widths=(32, 24, 16, 8, 8), convs=(1, 1, 1, 1, 1), local_dim=8, global_dim=4, texture_dim=4,
            periodic_dim=2, d_widths=(8, 16, 16, 16))


def make_texture(size=160, seed=0, channels=3):
    """A non-periodic synthetic texture: blobs on a gradient, different per seed."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / size
    image = np.zeros((size, size, channels))
    for c in range(channels):
        image[..., c] = 0.3 + 0.4 * x * (c + 1) / channels
    for _ in range(40):
        (cy, cx), r = rng.random(2), 0.03 + 0.05 * rng.random()
        mask = (y - cy) ** 2 + (x - cx) ** 2 < r * r
        image[mask] = rng.random(channels)
    return np.clip(image + 0.03 * rng.standard_normal(image.shape), 0, 1).astype(np.float32)


def save_rgb(path, image):
    Image.fromarray((image * 255 + 0.5).astype(np.uint8)).save(path)
    return path


def with_header(path, model_bytes, edit):
    """A copy of a model file with its JSON header edited (the checksum covers the tensors)."""
    n = struct.unpack("<Q", model_bytes[:8])[0]
    header = json.loads(model_bytes[8:8 + n])
    edit(header)
    head = json.dumps(header).encode()
    head += b" " * (-len(head) % 8)
    path.write_bytes(struct.pack("<Q", len(head)) + head + model_bytes[8 + n:])
