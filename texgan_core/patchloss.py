"""Patch-distribution loss: the generator's 7×7 patches, over a Gaussian pyramid, should be
distributed like the exemplar's (sliced Wasserstein, as in GPDM, Elnekave & Weiss 2022).

Measured while scoping TexGAN (GPDM on a gravel photo): optimising pixels for this alone reaches the
realism of the photo without copying; a generator needs the discriminator as well for
shapes. The training outputs are whole periodic tiles, so their patches are taken on the
torus: the wrap is trained like any other place.
"""

import torch
import torch.nn.functional as F

from .pyramids import gaussian_pyramid


def random_patches(x, size, count, generator, circular):
    """`count` size² patches of (B, C, H, W) at random places, as rows (count, size·size·C).
    Sampling, not all patches: the loss then costs the same at any crop size."""
    if circular:
        x = F.pad(x, (0, size - 1, 0, size - 1), mode="circular")
    b, _, h, w = x.shape
    n = torch.randint(b, (count,), generator=generator)
    y = torch.randint(h - size + 1, (count,), generator=generator)
    x0 = torch.randint(w - size + 1, (count,), generator=generator)
    offsets = torch.arange(size)
    rows = (y[:, None] + offsets)[:, :, None]                 # (count, size, 1)
    cols = (x0[:, None] + offsets)[:, None, :]                # (count, 1, size)
    picked = x.permute(0, 2, 3, 1)[n[:, None, None].to(x.device), rows.to(x.device), cols.to(x.device)]
    return picked.reshape(count, -1)                          # (count, size·size·C)


class PatchSWDLoss:
    """Holds the exemplars' pyramids; `__call__` scores a batch of periodic outputs."""

    def __init__(self, exemplars, levels=4, patch=7, projections=64, samples=4096):
        self.levels, self.patch, self.projections, self.samples = levels, patch, projections, samples
        self.pyramids = [gaussian_pyramid(e[None], levels, circular=False) for e in exemplars]

    def __call__(self, fake, texture_ids, generator):
        """Mean over pyramid levels of the sliced Wasserstein-1 distance between random
        patches of the fakes and of the exemplar (the batch's most common one: batches
        mixing exemplars are compared with one of them, a small bias multi-exemplar
        training can take)."""
        target_id = int(torch.mode(texture_ids.cpu()).values)
        loss = 0.0
        for ours, theirs in zip(gaussian_pyramid(fake, self.levels, circular=True), self.pyramids[target_id]):
            a = random_patches(ours, self.patch, self.samples, generator, circular=True)
            b = random_patches(theirs.to(fake), self.patch, self.samples, generator, circular=False)
            dirs = torch.randn(a.shape[1], self.projections, generator=generator).to(fake)
            dirs = dirs / dirs.norm(dim=0, keepdim=True)
            loss = loss + (torch.sort(a @ dirs, dim=0).values - torch.sort(b @ dirs, dim=0).values).abs().mean()
        return loss / self.levels
