"""Quality metrics on synthetic images whose answer is known (no files, fixed seeds)."""

import numpy as np
import pytest
import torch

from texgan_core.evaluate import evaluate, format_table, reference_rows, tiling_generator
from texgan_core.metrics import (
    _pyr_up,
    copying,
    diversity,
    held_out_swd,
    held_out_swd_levels,
    laplacian_pyramid,
    nearest_patch_rms,
    patch_contrast,
    reference_scores,
    seam,
    split_quadrants,
    swd,
)
from texgan_core.twosample import two_sample_accuracy


def smooth_texture(size: int, seed: int, sigma: float = 2.0, channels: int = 3) -> np.ndarray:
    """Gaussian-filtered white noise through the FFT: periodic by construction and stationary."""
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((size, size, channels))
    f = np.fft.fftfreq(size)
    g = np.exp(-2 * (np.pi * sigma) ** 2 * (f[:, None] ** 2 + f[None, :] ** 2))
    x = np.real(np.fft.ifft2(np.fft.fft2(noise, axes=(0, 1)) * g[:, :, None], axes=(0, 1)))
    return np.clip(0.5 + 0.15 * (x - x.mean()) / x.std(), 0, 1).astype(np.float32)


def blobs(size: int, seed: int) -> np.ndarray:
    """Structured: two-colour blobs with sharp edges (a thresholded smooth field)."""
    t = smooth_texture(size, seed, sigma=4.0, channels=1)
    m = (t > 0.5).astype(np.float32)
    return np.concatenate([0.2 + 0.6 * m, 0.3 + 0.3 * m, 0.7 - 0.4 * m], axis=2) + 0.05 * (t - 0.5)


def noise(size: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random((size, size, 3), dtype=np.float32)


# --- SWD ---------------------------------------------------------------------------------


def test_laplacian_pyramid_levels_and_reconstruction():
    img = smooth_texture(256, 0)
    pyr = laplacian_pyramid(img, 5)
    assert [p.shape[1] for p in pyr] == [256, 128, 64, 32, 16]
    # Upsampling each level back and adding the next finer one gives the image again.
    rec = pyr[-1]
    for level in pyr[-2::-1]:
        rec = _pyr_up(rec, level.shape[1:]) + level
    assert np.abs(rec.transpose(1, 2, 0) - img).max() < 1e-5


def test_pyramid_blurs_with_the_binomial_kernel():
    """ProGAN's (and cv2.pyrDown's) 5×5 [1,4,6,4,1]/16 filter: an impulse shows its taps."""
    img = np.zeros((32, 32, 1), np.float32)
    img[16, 16] = 1.0
    low = laplacian_pyramid(img, 2)[1][0]               # blurred, every other pixel
    taps = np.float32([1, 6, 1]) / 16                   # offsets -2, 0, +2 of [1,4,6,4,1]/16
    assert np.allclose(low[7:10, 7:10], np.outer(taps, taps), atol=1e-7)
    assert np.isclose(low.sum() * 4, 1.0, atol=1e-6)    # the mean is kept


def _plain_swd(a, b, seed=0, repeats=4, dirs=128):
    """SWD written out directly, for small images (every neighbourhood is used), with the
    same random directions as `swd`: per-channel normalised 7×7×C neighbourhoods, unit
    directions, sorted projections, mean absolute difference, ×1e3, averaged over levels."""
    levels = []
    pyramids = zip(laplacian_pyramid(a, 2), laplacian_pyramid(b, 2))
    for i, (la, lb) in enumerate(pyramids):
        sets = []
        for level in (la, lb):
            c, h, w = level.shape
            d = np.array([level[:, y:y + 7, x:x + 7] for y in range(h - 6) for x in range(w - 6)],
                         np.float64)                                     # (N, C, 7, 7)
            d = (d - d.mean((0, 2, 3), keepdims=True)) / (d.std((0, 2, 3), keepdims=True) + 1e-8)
            sets.append(d.reshape(len(d), -1))
        rng = np.random.default_rng([seed, i, 1])
        per_repeat = []
        for _ in range(repeats):
            v = rng.standard_normal((dirs, sets[0].shape[1])).astype(np.float32).astype(np.float64)
            v /= np.linalg.norm(v, axis=1, keepdims=True)
            pa, pb = (np.sort(v @ d.T, axis=1) for d in sets)
            per_repeat.append(np.abs(pa - pb).mean())
        levels.append(1e3 * np.mean(per_repeat))
    return levels


def test_swd_matches_the_definition_written_out():
    a, b = smooth_texture(32, 1), blobs(32, 2)[..., :3]
    got = swd(a, b)["levels"]
    assert len(got) == 2
    assert np.allclose(got, _plain_swd(a, b), rtol=1e-3)


def test_swd_compares_equal_sizes_in_eval_and_held_out():
    """SWD reads lower with more neighbourhoods: every score compares windows of one size."""
    ex = smooth_texture(64, 3)
    tiled = evaluate(tiling_generator(ex), ex, seeds=(0,), size=128)
    assert tiled["swd"] < 1e-6                # each 64² window of the tiling is the exemplar
    small, held = smooth_texture(48, 4), smooth_texture(64, 5)
    assert np.isclose(held_out_swd(small, held, window=64), swd(small, held[:48, :48])["mean"])


def test_metrics_refuse_images_outside_0_to_1():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        copying(smooth_texture(64, 0) * 255, smooth_texture(64, 1))


def test_swd_self_is_zero_and_other_textures_are_far():
    a = blobs(256, 1)
    result = swd(a, a)
    assert len(result["levels"]) == 5
    assert result["mean"] < 1e-6
    same_process, against_noise = swd(a, blobs(256, 2)), swd(a, noise(256, 1))
    assert against_noise["mean"] > 1.5 * same_process["mean"]
    # Fine levels separate far more clearly; the coarsest has only (16 - 6)² neighbourhoods
    # per image and reads ~190 even between two samples of one process.
    assert against_noise["levels"][0] > 3 * same_process["levels"][0]


def test_held_out_swd_by_level_finds_the_scale_that_is_off():
    """Pixel noise on the texture shows in the finest level and nowhere else; the levels'
    mean is the held-out SWD."""
    held = smooth_texture(128, 1)
    grainy = np.clip(smooth_texture(256, 2) + np.random.default_rng(3).normal(0, 0.1, (256, 256, 3)), 0, 1)
    clean = held_out_swd_levels(smooth_texture(256, 2), held, window=128)
    noisy = held_out_swd_levels(grainy, held, window=128)
    assert len(noisy) == 4
    assert noisy[0] > 2 * clean[0] and np.allclose(noisy[1:], clean[1:], rtol=0.1)
    assert np.isclose(np.mean(noisy), held_out_swd(grainy, held, window=128))


def test_swd_noise_pair_is_close_compared_to_noise_vs_structure():
    n1, n2 = noise(256, 1), noise(256, 2)
    assert swd(n1, n2)["mean"] < 0.6 * swd(n1, blobs(256, 1))["mean"]


def test_swd_different_sizes_and_determinism():
    small, big = blobs(128, 1), blobs(256, 2)
    r = swd(big, small, seed=3)
    assert len(r["levels"]) == 4  # the smaller image's levels: 128, 64, 32, 16
    assert r == swd(big, small, seed=3)
    against_noise = swd(big, noise(128, 0), seed=3)
    assert r["mean"] < 0.7 * against_noise["mean"]
    assert r["levels"][0] < 0.4 * against_noise["levels"][0]


# --- Seam --------------------------------------------------------------------------------


def test_seam_of_a_crop_is_visible():
    crop = smooth_texture(512, 4)[100:356, 50:306]  # edges 256 px apart in a non-periodic field
    assert seam(crop)["seam"] > 1.3
    assert seam(crop)["seam_all_edges"] > 1.3


@pytest.mark.parametrize("img", [smooth_texture(256, 5, sigma=1.0), noise(256, 6)], ids=["periodic", "white-noise"])
def test_seam_of_a_periodic_image_is_one(img):
    result = seam(img)
    assert 0.9 < result["seam"] < 1.1
    assert 0.9 < result["seam_all_edges"] < 1.1


def test_seam_ignores_a_lattice_the_generator_draws_everywhere():
    img = smooth_texture(256, 7, sigma=1.0)
    img[:, 31::32] += 0.2  # a bright line every 32 px, as ×2 upsampling can leave; col 255 too
    r = seam(img)
    assert 0.9 < r["seam"] < 1.1 < 1.5 < r["seam_all_edges"]


# --- Copying -----------------------------------------------------------------------------


def test_copying_detects_crops_and_tiling_not_new_texture():
    ex = smooth_texture(128, 8)
    assert copying(ex[37:117, 21:101], ex) > 0.9
    assert copying(np.tile(ex, (2, 2, 1))[50:242, 70:262], ex) > 0.9  # crosses the exemplar's wrap
    assert copying(noise(128, 9), ex) < 0.05
    assert copying(smooth_texture(128, 10), ex) < 0.05


def low_contrast(img: np.ndarray) -> np.ndarray:
    """The image at 0.15× contrast around 0.5: patch std ~0.02 (5 grey levels), like bench/photos/wood."""
    return (0.5 + 0.15 * (img - 0.5)).astype(np.float32)


def test_patch_contrast_is_the_patch_std():
    img = np.full((32, 48, 3), 0.3, np.float32)
    img[:16, :16, 0] = np.tile([0.2, 0.4], 128).reshape(16, 16)  # ±0.1 in one channel of three
    contrast = patch_contrast(img)
    assert contrast.shape == (6,)
    assert contrast[0] == pytest.approx(0.1 / np.sqrt(3))
    assert (contrast[1:] == 0).all()


def test_copying_is_relative_to_the_patch_contrast():
    # Smooth, low-contrast exemplar: with an absolute RMS test (0.025) every patch below
    # matched something, and all of these scored 0.97-1.0.
    ex = low_contrast(smooth_texture(128, 20))
    assert copying(np.full_like(ex, ex.mean()), ex) == 0  # flat: no content to copy
    assert copying(low_contrast(smooth_texture(128, 21)), ex) == 0  # another seed
    assert copying(low_contrast(smooth_texture(128, 22, sigma=3.0)), ex) == 0  # blurrier noise
    # Copies of it still count, whatever their contrast.
    tiled = np.tile(ex, (2, 2, 1))
    assert copying(tiled[37:229, 90:282], ex) == 1.0
    assert copying(np.round(tiled[5:133, 70:198] * 255) / 255, ex) == 1.0


def test_copying_needs_a_near_verbatim_match():
    # Two-colour blobs: an edge patch of another seed lies within half its own contrast of
    # some edge of the exemplar in 56 % of cases; the absolute cap leaves 9 %.
    ex, other = blobs(256, 1), blobs(256, 2)
    assert copying(other, ex) < 0.15
    assert copying(other, ex, max_rms=1.0) > 0.4


def test_copying_threshold_tolerates_quantisation_only():
    ex = smooth_texture(128, 11)
    crop = ex[10:90, 30:110]
    assert nearest_patch_rms(np.round(crop * 255) / 255, ex).max() < 0.005
    noisy = np.clip(crop + 0.01 * np.random.default_rng(0).standard_normal(crop.shape), 0, 1)
    assert copying(noisy, ex) > 0.9
    assert nearest_patch_rms(smooth_texture(128, 12), ex).min() > 0.05


# --- Diversity ---------------------------------------------------------------------------


def test_diversity():
    a = noise(64, 1)
    assert diversity([a, a.copy(), a.copy()]) == 0.0
    assert diversity([a, noise(64, 2)]) == pytest.approx(1 / 3, abs=0.02)  # E|U - V| for uniforms
    with pytest.raises(ValueError):
        diversity([a])


# --- Held-out protocol -------------------------------------------------------------------


def test_split_quadrants_takes_the_top_left_512():
    photo = np.zeros((600, 700, 3), np.float32)
    photo[:256, :256], photo[:256, 256:512], photo[256:512, :256], photo[256:512, 256:512] = 0.1, 0.2, 0.3, 0.4
    q = split_quadrants(photo)
    assert q["exemplar"].shape == q["held"].shape == (256, 256, 3)
    assert [o.shape for o in q["other"]] == [(256, 256, 3)] * 2
    assert (q["exemplar"] == 0.1).all() and (q["held"] == 0.4).all()
    assert (q["other"][0] == 0.2).all() and (q["other"][1] == 0.3).all()
    with pytest.raises(ValueError):
        split_quadrants(np.zeros((500, 700, 3), np.float32))


def test_reference_scores_rank_real_quadrants_above_noise():
    photo = blobs(256, 13)
    ref = reference_scores(photo, size=128)
    assert set(ref) == {"real", "real_each", "exemplar"}
    assert len(ref["real_each"]) == 2
    held = split_quadrants(photo, size=128)["held"]
    assert held_out_swd(photo[:128, 128:], held, window=128) == pytest.approx(ref["real_each"][0])
    # The coarsest level (100 neighbourhoods of a 16² level) is mostly sampling noise and
    # narrows the gap in the mean; see test_swd_self_is_zero_and_other_textures_are_far.
    assert max(ref["real"], ref["exemplar"]) < 0.7 * held_out_swd(noise(256, 14), held, window=128)


# --- Two-sample judge --------------------------------------------------------------------


def test_two_sample_accuracy_separates_only_different_textures():
    held = smooth_texture(256, 15)
    state = torch.random.get_rng_state()
    threads = torch.get_num_threads()
    same = two_sample_accuracy(held, smooth_texture(256, 16), steps=100)
    different = two_sample_accuracy(held, noise(256, 17), steps=100)
    assert same < 0.75
    assert different > 0.9
    assert torch.equal(state, torch.random.get_rng_state())  # the caller's RNG is untouched
    assert torch.get_num_threads() == threads
    assert two_sample_accuracy(held, noise(256, 17), steps=10) == two_sample_accuracy(held, noise(256, 17), steps=10)


# --- evaluate / format_table -------------------------------------------------------------


def test_evaluate_a_tiling_baseline_and_a_noise_generator():
    photo = smooth_texture(256, 18)
    ex, held = photo[:128, :128], photo[128:, 128:]
    seen = []
    tiled = evaluate(tiling_generator(ex), ex, seeds=(0, 1), size=128, on_progress=lambda *a: seen.append(a))
    assert [done for done, _ in seen] == [0.25, 0.5, 0.75, 1.0]     # `texgan eval`'s bar
    assert seen[-1][1] == "scored 2 of 2"
    assert tiled["copying"] == 1.0
    assert tiled["per_seed"]["copying"] == [1.0, 1.0]
    assert tiled["diversity"] > 0  # shifted copies differ pixel by pixel
    assert "held_swd" not in tiled and "two_sample" not in tiled

    def noise_fn(width, height, seed):
        return noise(max(width, height), 100 + seed)[:height, :width]

    rows = {
        "noise": evaluate(noise_fn, ex, held, seeds=(0, 1), size=128, judge_steps=40),
        "tiled": tiled,
    }
    assert rows["noise"]["copying"] == 0.0
    assert rows["noise"]["diversity"] > 0.3
    assert rows["noise"]["swd"] > 2 * rows["tiled"]["swd"]
    assert rows["noise"]["two_sample"] > 0.9
    text = format_table(rows)
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["held", "SWD", "SWD"]
    assert lines[2].startswith("noise") and lines[3].startswith("tiled")
    assert "100%" in lines[3] and lines[3].count("-") >= 2  # no held-out scores for 'tiled'
    assert format_table(rows["noise"]).splitlines()[2].split()[0] == f"{rows['noise']['held_swd']:.1f}"


def test_reference_rows_real_quadrants_and_tiled_exemplar():
    rows = reference_rows(smooth_texture(256, 19), size=128, judge_steps=30)
    assert set(rows) == {"real", "exemplar tiled"}
    real, tiled = rows["real"], rows["exemplar tiled"]
    assert real["copying"] == 0.0 and tiled["copying"] == 1.0
    assert real["seam"] > 1.3  # a plain crop of the photo does not tile
    assert real["held_swd"] < 100
    assert real["two_sample"] < 0.7     # two samples of one process: the judge is near chance
    assert tiled["swd"] < 1e-6          # the tiled exemplar's windows are the exemplar
    assert "real" in format_table(rows)
