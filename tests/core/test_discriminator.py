"""The tile discriminator's branches: each judges what it is meant to, and all of them train."""

import torch

from texgan_core.config import TileConfig
from texgan_core.losses import d_loss, g_loss, r1_penalty
from texgan_core.nets.tile import PatchDiscriminator

IDS = torch.zeros(2, dtype=torch.long)


def test_a_multiscale_discriminator_judges_every_scale():
    D = PatchDiscriminator(TileConfig(d_widths=(8, 8, 8, 8), d_scales=2, d_fine=0))
    x = torch.rand(2, 3, 64, 64, requires_grad=True)
    maps = D(x, IDS)
    assert [m.shape for m in maps] == [(2, 4, 4), (2, 2, 2)]
    loss = d_loss(maps, [m.detach() for m in maps]) + g_loss(maps) + r1_penalty(maps, x)
    loss.backward()
    assert all(p.grad is not None for p in D.coarse.parameters())   # the coarse scale trains too


def test_the_fine_discriminator_judges_detail_and_not_colour():
    """Two flat crops of different colours look the same to it; grain does not."""
    torch.manual_seed(0)
    D = PatchDiscriminator(TileConfig(d_widths=(8, 8, 8, 8), d_fine=4)).eval()
    red = torch.zeros(2, 3, 64, 64)
    red[:, 0] = 0.8
    blue = torch.zeros(2, 3, 64, 64)
    blue[:, 2] = -0.5
    grainy = blue + 0.2 * torch.randn_like(blue)
    with torch.no_grad():
        (main_red, fine_red), (main_blue, fine_blue), (_, fine_grainy) = (D(x, IDS) for x in (red, blue, grainy))
    assert fine_red.shape == (2, 16, 16)                              # a logit per 4 px: full-resolution view
    assert torch.allclose(fine_red, fine_blue) and not torch.allclose(main_red, main_blue)
    assert (fine_grainy - fine_blue).abs().max() > 1e-3


def test_the_fine_discriminator_trains_and_passes_gradients_to_the_generator():
    D = PatchDiscriminator(TileConfig(d_widths=(8, 8, 8, 8), d_fine=4))
    fake = torch.rand(2, 3, 64, 64, requires_grad=True)
    maps = D(fake, IDS)
    d_loss(maps, [m.detach() for m in maps]).backward(retain_graph=True)
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in D.fine.parameters())
    fine_only = torch.autograd.grad(g_loss([maps[-1]]), fake)[0]
    assert fine_only.abs().sum() > 0
