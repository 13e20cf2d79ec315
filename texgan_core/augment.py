"""Differentiable augmentation (Zhao et al. 2020, "DiffAugment"): random colour, translation
and cutout, drawn anew for each batch, on real and generated crops alike before the
discriminator sees them.

With one exemplar the discriminator soon knows every real crop by heart; the generator then
wins by exploiting its blind spots (the diagonal hatching of bench/EXPERIMENTS.md). The
transforms are differentiable, so the generator learns through them, and they are applied
to both sides, so they do not leak into the generated textures.
"""

import torch
import torch.nn.functional as F


def _brightness(x, g):
    return x + (torch.rand(x.shape[0], 1, 1, 1, generator=g) - 0.5).to(x.device)


def _saturation(x, g):
    mean = x.mean(1, keepdim=True)
    return (x - mean) * (torch.rand(x.shape[0], 1, 1, 1, generator=g) * 2).to(x.device) + mean


def _contrast(x, g):
    mean = x.mean((1, 2, 3), keepdim=True)
    return (x - mean) * (torch.rand(x.shape[0], 1, 1, 1, generator=g) + 0.5).to(x.device) + mean


def _translation(x, g, ratio=0.125):
    """Shift each image by up to `ratio` of its size, filling with zeros (not wrapping: a
    real crop is not periodic, and a wrapped one would show a seam the fakes lack)."""
    b, _, h, w = x.shape
    sy, sx = int(h * ratio + 0.5), int(w * ratio + 0.5)
    dy = torch.randint(-sy, sy + 1, (b,), generator=g).tolist()
    dx = torch.randint(-sx, sx + 1, (b,), generator=g).tolist()
    padded = F.pad(x, (sx, sx, sy, sy))
    return torch.stack([padded[i, :, sy - dy[i]:sy - dy[i] + h, sx - dx[i]:sx - dx[i] + w] for i in range(b)])


def _cutout(x, g, ratio=0.5):
    """Zero one random square of `ratio` of the size per image."""
    b, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    ys = torch.randint(0, h - ch + 1, (b,), generator=g)
    xs = torch.randint(0, w - cw + 1, (b,), generator=g)
    rows = torch.arange(h).view(1, h, 1)
    cols = torch.arange(w).view(1, 1, w)
    inside = ((rows >= ys.view(b, 1, 1)) & (rows < (ys + ch).view(b, 1, 1))
              & (cols >= xs.view(b, 1, 1)) & (cols < (xs + cw).view(b, 1, 1)))
    return x * (~inside).unsqueeze(1).to(x.dtype).to(x.device)


POLICIES = {
    "color": (_brightness, _saturation, _contrast),
    "translation": (_translation,),
    "cutout": (_cutout,),
}


def parse_policy(text: str) -> tuple:
    """'color,translation' → the names, checked; '' → no augmentation."""
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in POLICIES]
    if unknown:
        raise ValueError(f"unknown augmentation {unknown[0]!r}: choose from {', '.join(POLICIES)}")
    return names


def diff_augment(x, policy, generator):
    """Apply the policy's transforms in order; random draws come from `generator` (CPU)."""
    for name in policy:
        for transform in POLICIES[name]:
            x = transform(x, generator)
    return x
