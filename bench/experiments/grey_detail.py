"""One-off measurement: how much of the finest-scale gap is the outputs' colour fringing?
(bench/EXPERIMENTS.md, "Grey fine detail")

Takes each saved 512² headline output (bench/outputs/<photo>_tile.png), replaces its finest
one or two detail bands (the output minus its blur, on the torus) by their projection on the
exemplar's dominant detail colour (first principal component of its detail bands: nearly
grey in every photo), and prints held-out SWD before and after, by level.
Run: OMP_NUM_THREADS=1 python bench/experiments/grey_detail.py > bench/experiments/grey_detail.jsonl
"""

import json
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
from benchlib.scoring import score_output  # noqa: E402
from texgan_core.images import load_image  # noqa: E402
from texgan_core.metrics import held_out_swd_levels, split_quadrants  # noqa: E402
from texgan_core.pyramids import band_pass, blur  # noqa: E402

def direction(ex_t, bands):
    """Unit colour vector of the exemplar's detail bands (first principal component)."""
    bs = band_pass(ex_t, bands + 1, circular=False)[:bands]
    flat = torch.cat([b.flatten(2)[0] for b in bs], 1)            # (3, N)
    cov = flat @ flat.T / flat.shape[1]
    w, v = torch.linalg.eigh(cov)
    d = v[:, -1]
    return d * torch.sign(d.sum()), (w[-1] / w.sum()).item()

def grey_detail(out_t, d, bands, keep=0.0):
    """Replace the finest `bands` detail bands by their projection on `d` (keep: share of the
    off-axis part kept)."""
    low = out_t
    for _ in range(bands):
        low = blur(low, True)  # not decimated: detail = out - blur^k (a smooth split)
    detail = out_t - low
    along = (detail * d[None, :, None, None]).sum(1, keepdim=True) * d[None, :, None, None]
    return (low + along + keep * (detail - along)).clamp(0, 1)

torch.set_num_threads(1)
photos = ("bricks", "grass", "ground", "metal", "stone", "wood")
for bands in (1, 2):
    for photo in photos:
        q = split_quadrants(load_image(ROOT / "bench" / "photos" / f"{photo}.png")[..., :3])
        out = load_image(ROOT / "bench" / "outputs" / f"{photo}_tile.png")[..., :3]
        t = torch.from_numpy(np.ascontiguousarray(out)).permute(2, 0, 1)[None].float()
        e = torch.from_numpy(np.ascontiguousarray(q["exemplar"])).permute(2, 0, 1)[None].float()
        d, share = direction(e, bands)
        new = grey_detail(t, d, bands)[0].permute(1, 2, 0).numpy()
        b, a = score_output(out, q)["held_swd"], score_output(new, q)["held_swd"]
        print(json.dumps({"photo": photo, "bands": bands, "dir": [round(x, 3) for x in d.tolist()], "share": round(share, 3),
                          "before": round(b, 1), "after": round(a, 1),
                          "levels_before": [round(v) for v in held_out_swd_levels(out, q["held"])],
                          "levels_after": [round(v) for v in held_out_swd_levels(new, q["held"])]}), flush=True)
