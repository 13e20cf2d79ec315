"""One-off measurement: can a generation-time pass on the finest detail bands close the
finest-scale gap? (bench/EXPERIMENTS.md, "A generation-time pass on the finest detail bands")

Optimises the pixels of a saved 512² headline output (bench/outputs/<photo>_tile.png) so that
the 7×7 patches of its two finest Laplacian-style bands (each level minus its blur, on the
torus) are distributed like the exemplar quadrant's (sliced Wasserstein, bands scaled by the
exemplar band's std per channel), while the output's blurred third level is held to the
original's. Prints held-out SWD before and after, by level.
Run: OMP_NUM_THREADS=1 python bench/experiments/refine_detail.py '{"steps": 100}' bricks,wood
"""

import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
from benchlib.scoring import score_output  # noqa: E402
from texgan_core.images import load_image  # noqa: E402
from texgan_core.metrics import held_out_swd_levels, split_quadrants  # noqa: E402
from texgan_core.patchloss import random_patches  # noqa: E402
from texgan_core.pyramids import band_pass, gaussian_pyramid  # noqa: E402

PHOTOS = ("bricks", "grass", "ground", "metal", "stone", "wood")


def refine(out, ex, bands=2, steps=200, lr=0.01, samples=4096, dirs=128, anchor=10.0, seed=0):
    g = torch.Generator().manual_seed(seed)
    x0 = torch.from_numpy(out).permute(2, 0, 1)[None].float()
    e = torch.from_numpy(ex).permute(2, 0, 1)[None].float()
    eb = band_pass(e, bands + 1, circular=False)[:bands]
    scale = [b.std(dim=(0, 2, 3), keepdim=True) + 1e-4 for b in eb]
    low0 = gaussian_pyramid(x0, bands + 1, circular=True)[bands]
    x = x0.clone().requires_grad_(True)
    opt = torch.optim.Adam([x], lr=lr)
    for _ in range(steps):
        loss = 0.0
        for ours, theirs, s in zip(band_pass(x, bands + 1, circular=True)[:bands], eb, scale):
            a = random_patches(ours / s, 7, samples, g, circular=True)
            b = random_patches(theirs / s, 7, samples, g, circular=False)
            d = torch.randn(a.shape[1], dirs, generator=g)
            d = d / d.norm(dim=0, keepdim=True)
            loss = loss + (torch.sort(a @ d, 0).values - torch.sort(b @ d, 0).values).abs().mean()
        low = gaussian_pyramid(x, bands + 1, circular=True)[bands]
        loss = loss + anchor * (low - low0).abs().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            x.clamp_(0, 1)
    return x.detach()[0].permute(1, 2, 0).numpy()


if __name__ == "__main__":
    torch.set_num_threads(1)
    settings = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    for photo in (sys.argv[2].split(",") if len(sys.argv) > 2 else PHOTOS):
        q = split_quadrants(load_image(ROOT / "bench" / "photos" / f"{photo}.png")[..., :3])
        out = load_image(ROOT / "bench" / "outputs" / f"{photo}_tile.png")[..., :3]
        t0 = time.time()
        refined = refine(out, q["exemplar"], **settings)
        seconds = time.time() - t0
        after = score_output(refined, q)
        print(json.dumps({"photo": photo, "settings": settings, "seconds": round(seconds, 1),
                          "before": round(score_output(out, q)["held_swd"], 1), "after": round(after["held_swd"], 1),
                          "levels_before": [round(v) for v in held_out_swd_levels(out, q["held"])],
                          "levels_after": [round(v) for v in held_out_swd_levels(refined, q["held"])],
                          "seam": round(after["seam"], 2), "copying": after["copying"]}), flush=True)
