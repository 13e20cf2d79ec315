"""A model file is data: it round-trips, and anything else is refused with one clear error."""

import struct
from pathlib import Path

import numpy as np
import pytest
import torch

import texgan_core
from texgan_core.atomic import atomic_write_bytes
from texgan_core.errors import TexganError
from texgan_core.fileformat import read_info, read_thumbnail_png


def test_save_load_round_trip_reproduces_the_trained_generator(tiny_model):
    path, trainer = tiny_model
    model = texgan_core.load_model(path, device="cpu")
    trainer._recalibrate_ema()  # what save() did before writing
    for (name, a), (_, b) in zip(trainer.G_ema.state_dict().items(), model.generator.state_dict().items()):
        assert torch.equal(a, b), name
    info = read_info(path)
    assert info["arch"] == "tile" and info["textures"] == ["blobs"] and info["stride"] == 16
    assert info["training"]["steps"] == 6
    assert read_thumbnail_png(path).startswith(b"\x89PNG")


@pytest.mark.parametrize("thumbnail", ["16000 px", "not a png", "cut short"])
def test_a_model_whose_thumbnail_is_not_a_small_png_still_loads_without_it(tiny_model, tmp_path, thumbnail):
    """Blender decodes the thumbnail in its own process: a 16k² PNG of 1 MB took it a
    gigabyte. Such a thumbnail is refused; the model itself is not damaged."""
    from texgan_core.modelfile import save_model

    path, trainer = tiny_model
    good = read_thumbnail_png(path)
    ihdr = struct.pack(">IIBBBBB", 16000, 16000, 8, 2, 0, 0, 0)
    data = {"16000 px": good[:16] + ihdr + good[29:], "not a png": b"GIF89a" + good[6:],
            "cut short": good[:20]}[thumbnail]
    odd = tmp_path / "odd.texgan"
    save_model(odd, trainer.G_ema, trainer.model_config, ["blobs"], {}, data)
    with pytest.raises(TexganError, match="damaged thumbnail"):
        read_thumbnail_png(odd)
    assert texgan_core.load_model(odd, device="cpu").generate(32, 32).shape == (32, 32, 3)


def test_corrupt_truncated_and_foreign_files_give_a_clear_error(tiny_model, tmp_path):
    good = tiny_model[0].read_bytes()
    cases = {
        "random.texgan": np.random.default_rng(0).bytes(5000),
        "truncated.texgan": good[: len(good) // 2],
        "header_only.texgan": good[:6],
        "empty.texgan": b"",
        "huge_header.texgan": struct.pack("<Q", 2**60) + b"{}",
        "foreign.texgan": struct.pack("<Q", 2) + b"{}",
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(TexganError) as e:
            texgan_core.load_model(tmp_path / name, device="cpu")
        assert str(tmp_path / name) in str(e.value), name
    with pytest.raises(TexganError, match="not found"):
        texgan_core.load_model(tmp_path / "missing.texgan")
    with pytest.raises(TexganError, match="no model named"):
        texgan_core.load_model("no-such-model")


def test_a_pickle_is_never_executed(tmp_path):
    """A torch.save file (pickle) that would run code on load is refused as foreign."""
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    torch.save({"x": Payload()}, tmp_path / "evil.texgan")
    with pytest.raises(TexganError):
        texgan_core.load_model(tmp_path / "evil.texgan", device="cpu")
    assert not marker.exists()


def test_one_unreadable_file_in_a_models_folder_hides_only_itself(tmp_path):
    """A header nested past Python's recursion limit raised RecursionError from the model
    listing, and Blender's Generate failed for every model, the bundled ones too."""
    from texgan_testutils import with_header
    from texgan_core.catalog import list_models

    bundled = (Path(texgan_core.__file__).parent / "models" / "bricks.texgan").read_bytes()
    (tmp_path / "mine.texgan").write_bytes(bundled)
    with_header(tmp_path / "deep.texgan", bundled, lambda h: h["__metadata__"].update(
        info='{"arch": "tile", "x": ' + "[" * 100000 + "]" * 100000 + "}"))
    names = [(entry.name, entry.bundled) for entry in list_models([tmp_path])]
    assert ("mine", False) in names and ("bricks", True) in names and "deep" not in dict(names)


def test_atomic_write_keeps_the_old_file_when_the_write_fails(tmp_path, monkeypatch):
    target = tmp_path / "m.texgan"
    atomic_write_bytes(target, b"old")

    def crash(*_):
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", crash)
    with pytest.raises(OSError):
        atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["m.texgan"]  # no temporary left behind


def test_a_write_removes_what_killed_writes_of_the_same_file_left(tmp_path):
    """kill -9 or the out-of-memory killer mid-write leaves a hidden temporary; the next
    save of that file removes the stale ones, and no other file's or a live writer's."""
    import os
    import time

    hour_ago = time.time() - 3601
    stale = [tmp_path / ".m.texgan.k2j_9x0q.tmp", tmp_path / ".m.texgan.abcdefgh.tmp"]
    kept = [tmp_path / ".m.texgan.zz12ab34.tmp",      # being written right now
            tmp_path / ".other.png.k2j_9x0q.tmp",     # another file's
            tmp_path / ".m.texgan.my-notes.tmp"]      # not a name a write makes
    for path in stale + kept:
        path.write_bytes(b"partial")
        if path is not kept[0]:
            os.utime(path, (hour_ago, hour_ago))
    atomic_write_bytes(tmp_path / "m.texgan", b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["m.texgan", *(p.name for p in kept)])


def test_written_files_follow_the_umask_not_private(tmp_path):
    import os
    import stat

    mask = os.umask(0o022)
    os.umask(mask)
    atomic_write_bytes(tmp_path / "shared.texgan", b"x")
    assert stat.S_IMODE((tmp_path / "shared.texgan").stat().st_mode) == 0o666 & ~mask


@pytest.mark.parametrize("key, old_value, old_shape", [
    ("level_noise", 0, {}),
    ("subpixel_out", True, {"widths": (32, 24, 16, 8), "convs": (1, 1, 1, 1)}),
    ("upsample", "bilinear", {}),
])
def test_a_model_file_from_before_a_config_key_still_loads(tmp_path, key, old_value, old_shape):
    """A key added to the config later means what the network did before it existed:
    files from before per-level noise, before the full-resolution level, and before the
    choice of upsampling."""
    from texgan_testutils import TINY
    from texgan_core.config import TileConfig
    from texgan_core.fileformat import read_container, write_container
    from texgan_core.modelfile import save_model
    from texgan_core.nets import build_generator

    config = TileConfig(**{**TINY, **old_shape, key: old_value})
    current = tmp_path / "current.texgan"
    save_model(current, build_generator(config).eval(), config, ["t"], {}, b"")
    info, entries = read_container(current)
    info["config"].pop(key)
    old = tmp_path / "old.texgan"
    write_container(old, entries, info)
    model = texgan_core.load_model(old, device="cpu")
    assert getattr(model.config, key) == old_value and model.stride == 16
    assert np.array_equal(model.generate(64, 64, seed=3), texgan_core.load_model(current).generate(64, 64, seed=3))
