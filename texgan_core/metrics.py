"""Quality metrics for tileable textures, as plain functions.

Images are numpy float32 arrays H×W×C in [0, 1] (C = 1 or 3), row 0 at the top. Nothing
here imports the rest of texgan_core, so the meter does not move when the model does.
Every random choice comes from an explicit `seed`: the same call gives the same number.

- `swd`: realism, as the distribution of 7×7 patches over a Laplacian pyramid (ProGAN).
- `seam`: how visible the wrap-around edge of one tile is (1.0 = invisible).
- `copying`: share of output patches that repeat an exemplar patch closely, relative to
  their own contrast (flat patches never count).
- `diversity`: how much outputs of different seeds differ (0 = collapsed).
- `split_quadrants`, `held_out_swd`, `reference_scores`: the held-out protocol (score
  against a quadrant of the photo the model never saw, next to what the photo itself scores).
The CNN two-sample judge lives in `twosample.py`.
"""

from __future__ import annotations

import itertools

import numpy as np
import torch
import torch.nn.functional as F

# ---------------------------------------------------------------------------------------
# Sliced Wasserstein distance (Karras et al. 2018, progressive_growing_of_gans
# metrics/sliced_wasserstein.py), adapted to one or a few images.

_BINOMIAL = np.float32([1, 4, 6, 4, 1]) / 16  # one axis of ProGAN's 5×5 filter (cv2.pyrDown)


def as_image(img, name="image", unit_range: bool = False) -> np.ndarray:
    """The image as float32 H×W×C (a 2-D array gets C = 1); ValueError for other shapes, and
    with `unit_range` for values outside [0, 1] (the metrics with absolute thresholds:
    copying, diversity)."""
    x = np.asarray(img, dtype=np.float32)
    if x.ndim == 2:
        x = x[:, :, None]
    if x.ndim != 3 or x.shape[2] not in (1, 3):
        raise ValueError(f"{name}: expected H×W×C with C = 1 or 3, got shape {x.shape}")
    if unit_range and x.size and not (np.isfinite(x).all() and -0.01 <= x.min() and x.max() <= 1.01):
        raise ValueError(f"{name}: expected values in [0, 1], got {x.min():.3g} to {x.max():.3g}")
    return x


def _blur(x: np.ndarray) -> np.ndarray:
    """Separable binomial blur of C×H×W with mirror borders (scipy 'mirror' = numpy 'reflect').

    Five shifted adds per axis in numpy: on a shared 2-core machine torch's depthwise conv
    was ten times slower for images this small.
    """
    for axis in (1, 2):
        pad = [(0, 0)] * 3
        pad[axis] = (2, 2)
        p = np.pad(x, pad, mode="reflect")
        n = x.shape[axis]
        x = sum(k * np.take(p, np.arange(i, i + n), axis=axis) for i, k in enumerate(_BINOMIAL))
    return x


def _pyr_up(x: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """cv2.pyrUp to `shape`: zeros between samples, blurred, ×4 to keep the mean."""
    up = np.zeros((x.shape[0], *shape), x.dtype)
    up[:, ::2, ::2] = x
    return _blur(up) * 4


def laplacian_pyramid(img, levels: int) -> list[np.ndarray]:
    """Band-pass levels, finest first, as C×h×w arrays; the last level is the low-pass rest."""
    pyramid = [np.ascontiguousarray(as_image(img).transpose(2, 0, 1))]  # (C, H, W)
    for _ in range(1, levels):
        down = _blur(pyramid[-1])[:, ::2, ::2]
        pyramid[-1] = pyramid[-1] - _pyr_up(down, pyramid[-1].shape[1:])
        pyramid.append(down)
    return pyramid


def _num_levels(size: int, min_size: int = 16) -> int:
    """ProGAN's levels: 256 → 256, 128, 64, 32, 16."""
    n = 0
    while size >= min_size:
        n, size = n + 1, size // 2
    return max(n, 1)


def _descriptors(level: np.ndarray, count: int, seed, nhood: int = 7) -> np.ndarray:
    """`count` random nhood×nhood neighbourhoods (all of them if fewer), normalised as ProGAN.

    ProGAN takes 128 per image from thousands of images; with one image we take many from
    it. Each set is normalised per channel by its own mean and std (ProGAN's
    finalize_descriptors), so the distance compares structure, not overall level/contrast.
    """
    c, h, w = level.shape
    if h < nhood or w < nhood:
        raise ValueError(f"pyramid level {h}×{w} is smaller than the {nhood}² neighbourhood")
    windows = np.lib.stride_tricks.sliding_window_view(level, (nhood, nhood), axis=(1, 2))  # (C, h', w', n, n)
    total = windows.shape[1] * windows.shape[2]
    rng = np.random.default_rng(seed)
    pick = np.arange(total) if total <= count else np.sort(rng.choice(total, count, replace=False))
    ys, xs = np.divmod(pick, windows.shape[2])
    desc = windows[:, ys, xs].transpose(1, 0, 2, 3).astype(np.float64)  # (N, C, n, n)
    desc -= desc.mean(axis=(0, 2, 3), keepdims=True)
    desc /= desc.std(axis=(0, 2, 3), keepdims=True) + 1e-8  # +eps: a flat level stays 0
    return desc.reshape(len(desc), -1).astype(np.float32)  # (N, C·n·n)


def _at_quantiles(sorted_proj: np.ndarray, n: int) -> np.ndarray:
    """Resample projections (k, m) sorted along m to (k, n) at the same quantiles (linear)."""
    m = sorted_proj.shape[1]
    if m == n:
        return sorted_proj
    pos = np.clip((np.arange(n) + 0.5) * m / n - 0.5, 0, m - 1)
    i0 = np.floor(pos).astype(int)
    i1 = np.minimum(i0 + 1, m - 1)
    f = (pos - i0).astype(np.float32)
    return sorted_proj[:, i0] * (1 - f) + sorted_proj[:, i1] * f


def _sliced_wasserstein(da: np.ndarray, db: np.ndarray, repeats: int, dirs_per_repeat: int, seed) -> float:
    rng = np.random.default_rng(seed)
    n = max(len(da), len(db))
    results = []
    for _ in range(repeats):
        dirs = rng.standard_normal((dirs_per_repeat, da.shape[1])).astype(np.float32)  # (dirs, D)
        dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
        pa = _at_quantiles(np.sort(dirs @ da.T, axis=1), n)  # (dirs, N), sorted along N
        pb = _at_quantiles(np.sort(dirs @ db.T, axis=1), n)
        results.append(float(np.abs(pa - pb).mean()))
    return float(np.mean(results))


def swd(a, b, seed: int = 0, descriptors: int = 4096, repeats: int = 4, dirs_per_repeat: int = 128,
        min_size: int = 16) -> dict:
    """Sliced Wasserstein distance ×1e3 between the 7×7-patch distributions of two images.

    ProGAN's metric: per Laplacian level, random 7×7×C neighbourhoods of each image, projected
    on random unit directions, sorted, mean absolute difference. Lower is more alike; an image
    against itself gives 0 (the same seed picks the same positions in same-sized images).
    Images of different sizes are compared level by level (the same frequency band), over
    the levels the smaller one has (down to `min_size` px), with sorted projections compared
    at the same quantiles. Returns {'levels': [finest first], 'mean': mean over levels}.

    With one image the coarse levels hold few neighbourhoods (a 16² level: 100), so they
    read mostly sampling noise: two 256² samples of one synthetic process score about
    [30, 29, 29, 62, 200], mean 70. Compare against `reference_scores`, not against 0.
    """
    a, b = as_image(a, "a"), as_image(b, "b")
    if a.shape[2] != b.shape[2]:
        raise ValueError(f"channel counts differ: {a.shape[2]} vs {b.shape[2]}")
    levels = _num_levels(min(a.shape[:2] + b.shape[:2]), min_size)
    dists = []
    for i, (la, lb) in enumerate(zip(laplacian_pyramid(a, levels), laplacian_pyramid(b, levels))):
        da = _descriptors(la, descriptors, seed=[seed, i, 0])
        db = _descriptors(lb, descriptors, seed=[seed, i, 0])
        dists.append(1e3 * _sliced_wasserstein(da, db, repeats, dirs_per_repeat, seed=[seed, i, 1]))
    return {"levels": dists, "mean": float(np.mean(dists))}


# ---------------------------------------------------------------------------------------
# Seam


def _ratio(num: float, den: float) -> float:
    if den > 0:
        return float(num / den)
    return 1.0 if num == 0 else float("inf")  # a flat image has no seam


def seam(img, grid: int = 32) -> dict:
    """How visible the wrap-around edge is: 1.0 = like any other edge, above 1 = a seam.

    'seam': mean |difference| across the wrap (last column vs first, last row vs first)
    divided by the same across the interior edges on a `grid`-px lattice (columns 32k-1 vs
    32k, rows likewise). A generator upsampling ×2 per stage leaves a faint lattice of
    period 2^stages; edges on the grid sit at the same phase of it as the wrap (for sizes
    that are multiples of `grid`), so a lattice artefact is not counted as a seam.
    'seam_all_edges': the wrap divided by the mean over all adjacent interior pixel pairs
    (no lattice correction; it reads above 1 wherever the lattice edges are stronger).
    """
    x = as_image(img).astype(np.float64)
    h, w = x.shape[:2]
    if h < 2 * grid or w < 2 * grid:
        raise ValueError(f"seam needs an image of at least {2 * grid}² for grid={grid}, got {h}×{w}")
    wrap = np.concatenate([np.abs(x[:, -1] - x[:, 0]).ravel(), np.abs(x[-1] - x[0]).ravel()]).mean()
    cols, rows = np.arange(grid, w, grid), np.arange(grid, h, grid)
    on_grid = np.concatenate([np.abs(x[:, cols - 1] - x[:, cols]).ravel(),
                              np.abs(x[rows - 1] - x[rows]).ravel()]).mean()
    every = np.concatenate([np.abs(np.diff(x, axis=1)).ravel(), np.abs(np.diff(x, axis=0)).ravel()]).mean()
    return {"seam": _ratio(wrap, on_grid), "seam_all_edges": _ratio(wrap, every)}


# ---------------------------------------------------------------------------------------
# Copying

# See copying(): a patch is a copy when its nearest exemplar patch is closer than half its
# own contrast and than 10 grey levels of 255 (RMS over the 16×16×C patch); a patch with
# less than one grey level of contrast is flat and carries nothing to copy.
COPY_SHARE_OF_CONTRAST = 0.5
COPY_MAX_RMS = 0.04
FLAT_STD = 1 / 255


def _patches(x: torch.Tensor, patch: int, stride: int) -> torch.Tensor:
    """(1, C, H, W) -> (L, C·patch²) patches on a `stride` grid."""
    return F.unfold(x, patch, stride=stride)[0].T


def nearest_patch_rms(output, exemplar, patch: int = 16, stride: int = 16, chunk: int = 4096) -> np.ndarray:
    """RMS difference of each output patch (on a `stride` grid) to its nearest exemplar patch.

    Exemplar patches are taken at stride 1 on a torus: patches that wrap around its edges
    count, so the exemplar tiled at any offset is found. Exhaustive search by matrix
    products, `chunk` exemplar patches at a time to bound memory. Returns (L,) floats.
    """
    out, ex = as_image(output, "output", unit_range=True), as_image(exemplar, "exemplar", unit_range=True)
    if out.shape[2] != ex.shape[2]:
        raise ValueError(f"channel counts differ: {out.shape[2]} vs {ex.shape[2]}")
    if min(out.shape[:2]) < patch or min(ex.shape[:2]) < patch:
        raise ValueError(f"both images must be at least {patch}² for patch={patch}")
    # Centred on 0.5: distances are unchanged and the float32 norms cancel with less error.
    o = _patches(torch.from_numpy(out.transpose(2, 0, 1) - 0.5)[None], patch, stride)  # (L, D)
    ex_torus = np.pad(ex, ((0, patch - 1), (0, patch - 1), (0, 0)), mode="wrap") - 0.5
    e_all = torch.from_numpy(np.ascontiguousarray(ex_torus.transpose(2, 0, 1)))[None]  # (1, C, H+p-1, W+p-1)
    h_ex, w_ex = ex.shape[:2]
    rows_per_chunk = max(1, chunk // w_ex)
    best = torch.full((len(o),), float("inf"))
    with torch.no_grad():
        for r0 in range(0, h_ex, rows_per_chunk):
            e = _patches(e_all[:, :, r0:min(h_ex, r0 + rows_per_chunk) + patch - 1], patch, 1)  # (rows·W, D)
            e_sq = (e * e).sum(1)
            for i in range(0, len(o), chunk):
                ob = o[i:i + chunk]
                d2 = (ob * ob).sum(1)[:, None] + e_sq[None] - 2 * ob @ e.T  # (≤chunk, rows·W)
                best[i:i + chunk] = torch.minimum(best[i:i + chunk], d2.min(1).values)
    return torch.sqrt(best.clamp_min(0) / o.shape[1]).numpy()


def patch_contrast(img, patch: int = 16, stride: int = 16) -> np.ndarray:
    """Each patch's own std (its channel means removed, RMS over the patch), on a `stride` grid.

    How much structure a patch has: what a copy of it must reproduce. Same patch order as
    `nearest_patch_rms`. Returns (L,) floats.
    """
    x = as_image(img)
    p = _patches(torch.from_numpy(x.transpose(2, 0, 1).copy())[None], patch, stride).double()  # (L, C·patch²)
    p = p.view(len(p), x.shape[2], -1)  # (L, C, patch²)
    return (p - p.mean(2, keepdim=True)).pow(2).mean((1, 2)).sqrt().numpy()


def copying(output, exemplar, patch: int = 16, threshold: float = COPY_SHARE_OF_CONTRAST, stride: int = 16,
            max_rms: float = COPY_MAX_RMS, flat_std: float = FLAT_STD) -> float:
    """Share of the output's patch² patches (on a `stride` grid) copied near-verbatim from the exemplar.

    A copy is a patch whose nearest exemplar patch (stride 1, on a torus, see
    `nearest_patch_rms`) differs by less than `threshold` × the patch's own contrast
    (`patch_contrast`) and by less than `max_rms`; a patch with less contrast than
    `flat_std` is never a copy. The exemplar tiled, at any offset, scores 1.0.

    Why relative: with an absolute test alone (RMS < 0.025, the earlier metric) any smooth
    patch lay close to some smooth exemplar patch: on bench/photos/wood a flat one-colour
    image scored 100 %, G'MIC random phase blurred by 1 px 66 %. Why the cap: a
    high-contrast patch can lie within half its contrast of a plain straight edge of the
    exemplar by chance (two-colour blobs of another seed: 50-56 % without the cap, 7-9 %
    with it); at 0.15× contrast, where the cap does not bind, such blobs still score 50 %.
    Why means count: a mean-free distance would also catch G'MIC periodize_poisson's smooth
    colour offsets (wood matchpatch 50 → 63 %) but let blurred random phase reach 3 %.

    Measured with the defaults (0.5, 0.04, 1/255) against the top-left 256² of the ten
    colour photos in bench/photos (512² outputs) and on 256² synthetic fields. Copies: the
    exemplar tiled 1.0 on every photo; 8-bit quantised 1.0; ±1 % Gaussian noise 0.94-1.0;
    JPEG q90 re-encoded 0.93-1.0, except tiles, the lowest-contrast photo (patch std ~7
    grey levels), 0.63. Not copies: a flat image 0; random-phase noise 0, blurred by 1 px
    (Gaussian σ = 1) 0-0.003; smooth synthetic fields of another seed 0; i.i.d. noise 0;
    the unseen quadrants of the photos without clone-stamped content (bricks_stone, metal,
    rock, stone) 0-0.004. A threshold of 0.6 lifts tiles' JPEG copy to 0.92 but wood's
    blurred random phase to 0.04 (0.18 at 0.7). Many game-texture photos repeat themselves
    verbatim (unseen quadrants against their own top left: gravel 70-88 %, grass 71-77 %,
    ground 12-54 %, bricks 0-33 %, wood 0-19 %, tiles 0-14 %): the 'real' row of
    `evaluate.reference_rows` gives that floor per photo.
    """
    rms = nearest_patch_rms(output, exemplar, patch, stride)
    contrast = patch_contrast(output, patch, stride)
    copied = (contrast >= flat_std) & (rms < np.minimum(threshold * contrast, max_rms))
    return float(copied.mean())


# ---------------------------------------------------------------------------------------
# Diversity


def diversity(images) -> float:
    """Mean absolute pixel difference over all pairs of outputs (different seeds).

    0 = the model ignores its seed (collapse). For scale, two unrelated crops of the
    exemplar differ by about `diversity([ex, np.roll(ex, (h // 2, w // 2), (0, 1))])`.
    Pure translation is not discounted: a model that only shifts one texture around
    scores high here and is caught by `copying` or by eye instead.
    """
    imgs = [as_image(im, unit_range=True) for im in images]
    if len(imgs) < 2:
        raise ValueError("diversity needs at least two images")
    if any(im.shape != imgs[0].shape for im in imgs):
        raise ValueError(f"images differ in shape: {[im.shape for im in imgs]}")
    return float(np.mean([np.abs(a - b).mean() for a, b in itertools.combinations(imgs, 2)]))


# ---------------------------------------------------------------------------------------
# Held-out protocol: the photo's top-left 256² is the only exemplar; outputs are scored
# against its unseen bottom-right 256², next to what the photo's own quadrants score.


def split_quadrants(photo, size: int = 256) -> dict:
    """Cut the photo's top-left (2·size)² into quadrants.

    {'exemplar': top-left (train on this only), 'held': bottom-right (score against this),
    'other': [top-right, bottom-left] (unseen, give the 'real' reference)}.
    """
    x = as_image(photo, "photo")
    if x.shape[0] < 2 * size or x.shape[1] < 2 * size:
        raise ValueError(f"photo must be at least {2 * size}², got {x.shape[0]}×{x.shape[1]}")
    q = lambda r, c: np.ascontiguousarray(x[r * size:(r + 1) * size, c * size:(c + 1) * size])  # noqa: E731
    return {"exemplar": q(0, 0), "held": q(1, 1), "other": [q(0, 1), q(1, 0)]}


def held_out_swd(output, held, window: int = 256, seed: int = 0) -> float:
    """Mean SWD of the output's window² tiles (4 for a 512² output) against the held quadrant.

    Scoring windows of the held quadrant's size keeps the number comparable with
    `reference_scores`, where a 256² quadrant is scored against another.
    """
    return float(np.mean(held_out_swd_levels(output, held, window, seed)))


def held_out_swd_levels(output, held, window: int = 256, seed: int = 0) -> list[float]:
    """`held_out_swd` per pyramid level, finest first: at which scale an output is off.

    Both sides are always the same size (SWD reads lower with more neighbourhoods): the
    window shrinks to the smaller image's side, and the held image is cut to one window.
    """
    out, ref = as_image(output, "output"), as_image(held, "held")
    window = min(window, *out.shape[:2], *ref.shape[:2])
    ref = ref[:window, :window]
    h, w = out.shape[:2]
    levels = [swd(out[r:r + window, c:c + window], ref, seed=seed)["levels"]
              for r in range(0, h - window + 1, window) for c in range(0, w - window + 1, window)]
    return [float(v) for v in np.mean(levels, axis=0)]


def reference_scores(photo, seed: int = 0, size: int = 256) -> dict:
    """What the photo itself scores against its held quadrant (lower is better).

    'real': mean of the two other unseen quadrants ('real_each': both), the level a
    perfect generator would reach; 'exemplar': the training quadrant itself (what a
    generator that copies the exemplar, or tiles it, reaches).
    """
    q = split_quadrants(photo, size)
    real = [held_out_swd(o, q["held"], window=size, seed=seed) for o in q["other"]]
    return {"real": float(np.mean(real)), "real_each": real,
            "exemplar": held_out_swd(q["exemplar"], q["held"], window=size, seed=seed)}
