"""The patch-distribution loss ranks outputs the way the eye would, and trains."""

import numpy as np
import torch

from texgan_testutils import make_texture
from texgan_core.patchloss import PatchSWDLoss, random_patches


def _tensor(image):
    return torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1) * 2 - 1


def test_the_exemplar_scores_near_zero_and_flat_or_noise_score_high():
    exemplar = _tensor(make_texture(128, seed=0))
    loss = PatchSWDLoss([exemplar], levels=3, samples=2048)
    ids = torch.zeros(2, dtype=torch.long)

    def score(batch):
        return float(loss(batch, ids, torch.Generator().manual_seed(0)))

    same = score(torch.stack([exemplar[:, :64, :64], exemplar[:, 64:, 64:]]))
    flat = score(exemplar.mean((1, 2), keepdim=True).expand(3, 64, 64)[None].repeat(2, 1, 1, 1))
    noise = score(torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(1)) * 2 - 1)
    assert same < 0.3 * flat and same < 0.3 * noise


def test_random_patches_are_real_patches_and_wrap_on_the_torus():
    image = torch.arange(2 * 1 * 8 * 8, dtype=torch.float32).view(2, 1, 8, 8)
    rows = random_patches(image, 3, 200, torch.Generator().manual_seed(0), circular=True)
    padded = torch.nn.functional.pad(image, (0, 2, 0, 2), mode="circular")
    every = {tuple(padded[b, 0, y:y + 3, x:x + 3].flatten().tolist()) for b in range(2) for y in range(8) for x in range(8)}
    assert all(tuple(r.tolist()) in every for r in rows)
    assert any(r[2] < r[0] for r in rows)     # some patches run across the wrap


def test_the_loss_pulls_pixels_towards_the_exemplar():
    exemplar = _tensor(make_texture(96, seed=2))
    loss = PatchSWDLoss([exemplar], levels=2, samples=1024)
    fake = torch.zeros(1, 3, 48, 48, requires_grad=True)
    optimiser = torch.optim.Adam([fake], lr=0.05)
    g = torch.Generator().manual_seed(0)
    ids = torch.zeros(1, dtype=torch.long)
    first = loss(fake, ids, g).item()
    for _ in range(60):
        optimiser.zero_grad()
        loss(fake, ids, g).backward()
        optimiser.step()
    assert loss(fake, ids, torch.Generator().manual_seed(0)).item() < 0.5 * first
