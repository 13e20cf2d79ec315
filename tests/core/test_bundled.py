"""The bundled models: at least three, small, documented, and they make tileable textures."""

import numpy as np
import pytest

import texgan_core
from texgan_core.catalog import BUNDLED_DIR, list_models


def test_at_least_three_small_documented_bundled_models():
    bundled = [e for e in list_models() if e.bundled]
    assert len(bundled) >= 3
    sources = (BUNDLED_DIR / "SOURCES.md").read_text()
    for entry in bundled:
        assert entry.path.stat().st_size <= 10 * 2**20
        assert entry.name in sources
        info = texgan_core.load_model(entry.name, device="cpu").info
        assert info["training"]["steps"] >= 1000  # trained, not a placeholder


def test_bundled_models_generate_varied_tileable_textures():
    for entry in list_models():
        model = texgan_core.load_model(entry.name, device="cpu")
        a = model.generate(256, 256, seed=0)
        b = model.generate(256, 256, seed=1)
        assert a.std() > 0.02 and np.abs(a - b).mean() > 0.01
        wrap = np.abs(a[:, -1] - a[:, 0]).mean()
        interior = np.mean([np.abs(a[:, k * 16 - 1] - a[:, k * 16]).mean() for k in range(1, 16)])
        assert 0.75 < wrap / interior < 1.33


def test_a_damaged_copy_of_a_bundled_model_is_refused_on_load(tmp_path):
    """The shipped files carry the container's checksum: a copy damaged on its way to a user
    says so, instead of drawing a wrong texture."""
    from texgan_core.errors import TexganError

    for entry in (e for e in list_models() if e.bundled):
        damaged = bytearray(entry.path.read_bytes())
        damaged[len(damaged) // 2] ^= 0x10
        copy = tmp_path / entry.path.name
        copy.write_bytes(bytes(damaged))
        with pytest.raises(TexganError, match="checksum"):
            texgan_core.load_model(copy, device="cpu")
