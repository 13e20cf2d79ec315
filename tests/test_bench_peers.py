"""The peer benchmark's pieces on tiny inputs: baseline, scoring, contact sheet, table.

GIMP and G'MIC parts skip when the binaries are missing; everything else runs without them.
"""

import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from texgan_testutils import make_texture, save_rgb

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

import bench_peers  # noqa: E402
from benchlib import peers, scoring, sheet  # noqa: E402
from texgan_core.metrics import split_quadrants  # noqa: E402

# Quadrant side: photos and outputs are 96². Not a multiple of the seam's 32-px grid, so the
# tiled exemplar's inner tile edges are not on it (at 32 they would be, and read as 1.0).
Q = 48


@pytest.fixture(scope="module")
def photo_path(tmp_path_factory):
    """A non-periodic 96² "photo" (blobs on a gradient)."""
    return save_rgb(tmp_path_factory.mktemp("photo") / "blobs.png", make_texture(size=2 * Q, seed=3))


@pytest.fixture(scope="module")
def exemplar_path(photo_path, tmp_path_factory):
    ex = split_quadrants(peers.load_rgb(photo_path), Q)["exemplar"]
    return peers.save_rgb(tmp_path_factory.mktemp("ex") / "exemplar.png", ex)


def test_naive_is_the_exemplar_tiled(exemplar_path, tmp_path):
    out = tmp_path / "naive.png"
    seconds = peers.run_naive(exemplar_path, out, size=2 * Q)
    assert seconds >= 0
    ex, got = peers.load_rgb(exemplar_path), peers.load_rgb(out)
    assert got.shape == (2 * Q, 2 * Q, 3)
    np.testing.assert_array_equal(got, np.tile(ex, (2, 2, 1)))


def test_naive_crops_when_size_is_not_a_multiple(exemplar_path, tmp_path):
    out = tmp_path / "naive.png"
    peers.run_naive(exemplar_path, out, size=Q + 10)
    assert Image.open(out).size == (Q + 10, Q + 10)


def test_score_naive_copies_everything_and_shows_a_seam(photo_path, exemplar_path, tmp_path):
    quads = split_quadrants(peers.load_rgb(photo_path), Q)
    out = tmp_path / "naive.png"
    peers.run_naive(exemplar_path, out, size=2 * Q)
    s = scoring.score_output(peers.load_rgb(out), quads)
    assert set(s) == {"held_swd", "swd_exemplar", "seam", "seam_all_edges", "copying"}
    assert s["copying"] > 0.99
    assert s["seam"] > 1 and s["seam_all_edges"] > 1  # the photo does not wrap
    assert s["swd_exemplar"] < 1e-6  # its windows are the exemplar
    assert s["held_swd"] > 0


def test_score_of_unrelated_noise_copies_nothing(photo_path):
    quads = split_quadrants(peers.load_rgb(photo_path), Q)
    noise = np.random.default_rng(0).random((2 * Q, 2 * Q, 3)).astype(np.float32)
    s = scoring.score_output(noise, quads)
    assert s["copying"] == 0
    assert 0.8 < s["seam"] < 1.2  # i.i.d. noise: the wrap is like any other edge
    assert s["held_swd"] > 0


def test_scores_of_several_outputs_are_averaged_key_by_key(photo_path):
    quads = split_quadrants(peers.load_rgb(photo_path), Q)
    rng = np.random.default_rng(0)
    outputs = [rng.random((2 * Q, 2 * Q, 3)).astype(np.float32) for _ in range(2)]
    each = [scoring.score_output(o, quads) for o in outputs]
    mean = scoring.score_outputs(outputs, quads)
    assert mean == pytest.approx({k: (each[0][k] + each[1][k]) / 2 for k in each[0]})


def test_contact_sheet_draws_each_image_tiled_2x2(tmp_path):
    rng = np.random.default_rng(1)
    big = rng.random((32, 32, 3)).astype(np.float32)
    small = (rng.random((16, 16, 3)) * 255).astype(np.uint8)
    rows = [("first", [("a", big), ("b\nsecond line", small)]), ("second", [("c", big)])]
    out = sheet.contact_sheet(rows, tmp_path / "sheet.png", cell=64)
    im = np.asarray(Image.open(out).convert("RGB"))
    row_h = 64 + 2 * sheet.LINE_H + sheet.GAP  # two-line labels make every row taller
    assert im.shape == (sheet.GAP + 2 * row_h, sheet.NAME_W + 2 * (64 + sheet.GAP), 3)
    # Largest image 32² -> scale 1: the first cell is exactly the image repeated 2×2.
    top, left = sheet.GAP, sheet.NAME_W
    cell = im[top:top + 64, left:left + 64]
    np.testing.assert_array_equal(cell, np.tile((big * 255 + 0.5).astype(np.uint8), (2, 2, 1)))
    # The 16² image at the same scale: 32 px, tiled, centred in its 64-px cell.
    left2 = sheet.NAME_W + 64 + sheet.GAP
    thumb = im[top + 16:top + 48, left2 + 16:left2 + 48]
    np.testing.assert_array_equal(thumb, np.tile(small, (2, 2, 1)))
    # Labels are drawn (dark pixels under the cells), the background elsewhere stays white.
    assert (im[top + 64:top + 64 + 2 * sheet.LINE_H, left:left + 64] < 128).any()


def test_run_peers_naive_only_writes_outputs_rows_and_table(photo_path, tmp_path):
    rows, sheet_rows = bench_peers.run_peers([photo_path], tmp_path, size=2 * Q, quadrant=Q, install=False,
                                             tools=("naive",), log=lambda *a: None)
    by = {r["tool"]: r for r in rows}
    assert set(by) == {"real", "exemplar", "naive"}
    assert (tmp_path / "blobs_naive.png").is_file()
    # The tiled exemplar's windows are the exemplar: it scores exactly the exemplar's own.
    assert by["naive"]["held_swd"] == pytest.approx(by["exemplar"]["held_swd"])
    assert by["naive"]["seconds"] >= 0 and by["naive"]["cpu_seconds"] >= 0
    assert len(by["real"]["real_each"]) == 2
    (name, items), = sheet_rows
    assert name == "blobs" and len(items) == 2  # the photo itself, then the naive output
    lines = bench_peers.table_lines(rows)
    text = "\n".join(lines)
    assert "| blobs |" in text and "exemplar tiled 2×2" in text and "100 %" in text
    # --report-only rebuilds the same contact sheet from the rows and the saved outputs.
    (name2, items2), = bench_peers.saved_sheet_rows(rows, tmp_path, quadrant=Q, photos_dir=photo_path.parent)
    assert name2 == name and [label for label, _ in items2] == [label for label, _ in items]
    for (_, a), (_, b) in zip(items, items2):
        np.testing.assert_array_equal(a, b)


def test_table_reports_a_failed_peer():
    rows = [{"photo": "p", "tool": "real", "held_swd": 10.0},
            {"photo": "p", "tool": "exemplar", "held_swd": 11.0},
            {"photo": "p", "tool": "gmic_randomphase", "error": "boom"}]
    text = "\n".join(bench_peers.table_lines(rows))
    assert "failed: boom" in text


def test_missing_tools_are_reported_not_raised(monkeypatch, exemplar_path, tmp_path):
    monkeypatch.setattr(peers.shutil, "which", lambda name: None)
    messages = []
    have = peers.ensure_installed(log=messages.append)
    assert have["naive"] and not have["gmic_matchpatch"]
    assert any("apt-get" in m for m in messages)
    with pytest.raises(peers.PeerUnavailable):
        peers.run_gmic_randomphase(exemplar_path, tmp_path / "x.png")


@pytest.mark.skipif(shutil.which("gmic") is None, reason="gmic not installed")
def test_gmic_peers_make_the_requested_size_and_follow_the_seed(exemplar_path, tmp_path):
    for run in (peers.run_gmic_matchpatch, peers.run_gmic_randomphase):
        out = tmp_path / f"{run.__name__}.png"
        assert run(exemplar_path, out, size=2 * Q, seed=1) > 0
        im = Image.open(out)
        assert im.size == (2 * Q, 2 * Q) and im.mode == "RGB"
    # Both follow their seed: the same seed gives the same output, another seed another.
    for run in (peers.run_gmic_matchpatch, peers.run_gmic_randomphase):
        a, b = tmp_path / "a.png", tmp_path / "b.png"
        run(exemplar_path, a, size=2 * Q, seed=1)
        run(exemplar_path, b, size=2 * Q, seed=2)
        same = peers.load_rgb(tmp_path / f"{run.__name__}.png")
        np.testing.assert_array_equal(peers.load_rgb(a), same)
        assert np.abs(peers.load_rgb(b) - same).mean() > 0.01


@pytest.mark.skipif(not peers.available()["gimp_texturize"], reason="GIMP or gimp-texturize not installed")
def test_gimp_texturize_makes_the_requested_size(tmp_path, monkeypatch):
    # 64² in, 128² out: ~5 s with GIMP's start. (A 32² exemplar made the plug-in loop.)
    monkeypatch.setattr(peers, "RUN_TIMEOUT", 60)
    ex = save_rgb(tmp_path / "ex.png", make_texture(size=64, seed=5))
    out = tmp_path / "tx.png"
    assert peers.run_gimp_texturize(ex, out, size=128) > 0
    im = Image.open(out)
    assert im.size == (128, 128) and im.mode == "RGB"
