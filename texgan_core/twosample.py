"""A second judge: can a small CNN tell patches of a candidate from patches of the real thing?

SWD compares 7×7 patch statistics, and a generator trained on a similar objective can score
well while looking wrong. A classifier trained from scratch on the very pair of images
finds whatever differs (shapes, edges, blockiness) without being told what to look for.
It trains on the top halves of both images and is tested on the bottom halves, so it
must generalise rather than remember positions: 0.5 = cannot tell them apart. Measured
before TexGAN on a gravel photo: its own other quadrants 0.36-0.45, a blocky generator 0.90.
A photo whose light or material drifts reads high even against itself (0.86-0.95 for one
quadrant of three of the benchmark photos: bench/RESULTS.md, "Two-sample judge").
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .metrics import as_image


@dataclass
class JudgeConfig:
    patch: int = 48  # px; spans a few stones / bricks at photo scale
    width: int = 16  # channels of the first conv, doubled at each stride-2 conv
    steps: int = 300  # Adam steps; ~10 s on a busy 2-core CPU
    batch: int = 32  # patches per class per step
    lr: float = 2e-3
    test_patches: int = 256  # per class, from the bottom halves


class Judge(nn.Module):
    """Three 4×4 stride-2 convs, global mean pool, one logit (42k parameters at width 16).

    Striding from the first layer keeps training to seconds on two CPU cores. Each final
    feature sees 22 px; the mean pool gathers them over the 48-px patch.
    """

    def __init__(self, channels: int, width: int = 16):
        super().__init__()
        w = width
        self.features = nn.Sequential(
            nn.Conv2d(channels, w, 4, stride=2, padding=1), nn.LeakyReLU(0.2),  # (B, w, 24, 24)
            nn.Conv2d(w, 2 * w, 4, stride=2, padding=1), nn.LeakyReLU(0.2),  # (B, 2w, 12, 12)
            nn.Conv2d(2 * w, 4 * w, 4, stride=2, padding=1), nn.LeakyReLU(0.2),  # (B, 4w, 6, 6)
        )
        self.head = nn.Linear(4 * w, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, P, P) -> (B,)
        return self.head(self.features(x - 0.5).mean((2, 3)))[:, 0]


def _crops(img: torch.Tensor, rows: tuple[int, int], count: int, patch: int, rng: np.random.Generator) -> torch.Tensor:
    """`count` random patch² crops of img (C, H, W) lying entirely within rows [r0, r1)."""
    r0, r1 = rows
    if r1 - r0 < patch or img.shape[2] < patch:
        raise ValueError(f"a half of {r1 - r0}×{img.shape[2]} px cannot hold a {patch}² patch")
    ys = rng.integers(r0, r1 - patch + 1, count)
    xs = rng.integers(0, img.shape[2] - patch + 1, count)
    return torch.stack([img[:, y:y + patch, x:x + patch] for y, x in zip(ys, xs)])  # (count, C, P, P)


@contextmanager
def _one_thread():
    """These convs are too small to gain from more threads, and on a shared 2-core machine
    two spinning threads made each step ten times slower; the caller's setting is restored."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def two_sample_accuracy(real, candidate, patch: int = 48, seed: int = 0, steps: int = 300,
                        config: JudgeConfig | None = None) -> float:
    """Test accuracy of a CNN telling patches of `real` from patches of `candidate` (0.5 = alike).

    Trained on patches from the top halves of both images, tested on the bottom halves
    (`config`, if given, replaces `patch` and `steps`). Deterministic given `seed`; the
    caller's torch RNG state is left untouched. The images may differ in size (a 256² held
    quadrant against a 512² output). About 10 s on a busy 2-core CPU.
    """
    cfg = config or JudgeConfig(patch=patch, steps=steps)
    a, b = as_image(real, "real"), as_image(candidate, "candidate")
    if a.shape[2] != b.shape[2]:
        raise ValueError(f"channel counts differ: {a.shape[2]} vs {b.shape[2]}")
    imgs = [torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1))) for x in (a, b)]  # (C, H, W)
    top = [(0, x.shape[1] // 2) for x in imgs]
    bottom = [(x.shape[1] // 2, x.shape[1]) for x in imgs]
    rng = np.random.default_rng([seed, 48])  # patch positions
    with _one_thread(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)  # initial weights
        judge = Judge(a.shape[2], cfg.width)
        opt = torch.optim.Adam(judge.parameters(), lr=cfg.lr, betas=(0.5, 0.99))
        labels = torch.cat([torch.zeros(cfg.batch), torch.ones(cfg.batch)])  # 0 = real, 1 = candidate
        for _ in range(cfg.steps):
            x = torch.cat([_crops(img, rows, cfg.batch, cfg.patch, rng) for img, rows in zip(imgs, top)])
            loss = F.binary_cross_entropy_with_logits(judge(x), labels)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        with torch.no_grad():
            x = torch.cat([_crops(img, rows, cfg.test_patches, cfg.patch, rng) for img, rows in zip(imgs, bottom)])
            guess = (judge(x) > 0).float()
    truth = torch.cat([torch.zeros(cfg.test_patches), torch.ones(cfg.test_patches)])
    return float((guess == truth).float().mean())
