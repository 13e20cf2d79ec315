"""The band statistics loss tells brightness detail from colour noise of the same strength."""

import torch

from texgan_core.losses import band_covariances, band_stats_loss


def _photo_like(detail_seed, size=64, colour_detail=False):
    """Smooth colour areas with fine detail in brightness only, as in photographs (or, with
    `colour_detail`, the same amount of detail drawn for each channel on its own)."""
    colour = torch.rand(1, 3, 4, 4, generator=torch.Generator().manual_seed(0))
    colour = torch.nn.functional.interpolate(colour, size=size, mode="bicubic")
    g = torch.Generator().manual_seed(detail_seed)
    return colour + torch.randn(1, 3 if colour_detail else 1, size, size, generator=g) * 0.1


def _finest_correlation(x):
    cov = band_covariances(x.detach(), 1, circular=True)[0, 0]
    d = cov.diagonal().sqrt()
    return float((cov / d[:, None] / d[None, :]).triu(1).sum() / 3)


def test_new_detail_scores_near_zero_and_the_same_detail_in_colour_high():
    targets = band_covariances(_photo_like(1), 3, circular=True)
    assert float(band_stats_loss(_photo_like(1), targets)) < 1e-10
    again = float(band_stats_loss(_photo_like(2), targets))
    colour = float(band_stats_loss(_photo_like(2, colour_detail=True), targets))
    assert colour > 10 * again


def test_descending_the_loss_turns_colour_noise_into_brightness_detail():
    target = _photo_like(3)
    targets = band_covariances(target, 2, circular=True)
    fake = (0.5 + torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(4)) * 0.05).requires_grad_()
    assert _finest_correlation(fake) < 0.2 < _finest_correlation(target) - 0.6
    optimiser = torch.optim.Adam([fake], lr=0.003)
    for _ in range(200):
        optimiser.zero_grad()
        band_stats_loss(fake, targets).backward()
        optimiser.step()
    assert abs(_finest_correlation(fake) - _finest_correlation(target)) < 0.05
