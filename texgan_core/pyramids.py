"""Binomial pyramids of image batches in torch, for the losses that compare an output's
scales with the exemplar's (training outputs are periodic tiles: blur them on the torus)."""

import torch
import torch.nn.functional as F

_BINOMIAL = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0]) / 16


def blur(x, circular):
    """5×5 binomial blur of (B, C, H, W), channel by channel."""
    c = x.shape[1]
    kernel = (_BINOMIAL[:, None] * _BINOMIAL[None, :]).to(x)[None, None].expand(c, 1, 5, 5)
    return F.conv2d(F.pad(x, (2, 2, 2, 2), mode="circular" if circular else "reflect"), kernel, groups=c)


def gaussian_pyramid(x, levels, circular):
    """`levels` images, full size first, each the previous blurred and halved."""
    out = [x]
    for _ in range(levels - 1):
        out.append(blur(out[-1], circular)[..., ::2, ::2])
    return out


def band_pass(x, levels, circular):
    """Detail bands, finest first: each level minus its blur (what the level adds)."""
    return [level - blur(level, circular) for level in gaussian_pyramid(x, levels, circular)]
