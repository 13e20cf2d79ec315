"""GAN objectives, written with logits so they stay finite."""

import torch
import torch.nn.functional as F

from .pyramids import band_pass


def logit_maps(logits):
    """A discriminator gives one logit map or a list of them (one a scale)."""
    return logits if isinstance(logits, (list, tuple)) else [logits]


def d_loss(real_logits, fake_logits, kind="nonsaturating"):
    """Summed over the discriminator's scales, each scale's logits averaged."""
    return sum(_d_loss(r, f, kind) for r, f in zip(logit_maps(real_logits), logit_maps(fake_logits)))


def g_loss(fake_logits, kind="nonsaturating"):
    return sum(_g_loss(f, kind) for f in logit_maps(fake_logits))


def _d_loss(real_logits, fake_logits, kind):
    if kind == "hinge":
        return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()
    # -log σ(D(x)) - log(1 - σ(D(G(z)))): the minimax objective, in softplus form
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def _g_loss(fake_logits, kind):
    if kind == "hinge":
        return -fake_logits.mean()
    # the non-saturating generator loss: -log σ(D(G(z)))
    return F.softplus(-fake_logits).mean()


def r1_penalty(real_logits, real_images):
    """‖∇D(x)‖² on real data (Mescheder et al. 2018): keeps D smooth where the data is."""
    (grad,) = torch.autograd.grad(sum(m.sum() for m in logit_maps(real_logits)), real_images, create_graph=True)
    return grad.pow(2).flatten(1).sum(1).mean()


def colour_stats_loss(fake, target_mean, target_std):
    """Per-sample channel mean and std against the exemplar's: a cheap fix for the tinted,
    low-contrast outputs plain GAN recipes gave in their first minutes while TexGAN was scoped."""
    mean = fake.mean((2, 3))
    std = fake.std((2, 3))
    return F.mse_loss(mean, target_mean) + F.mse_loss(std, target_std)


def band_covariances(images, levels, circular):
    """(B, levels, C, C): each detail band's channel covariance, per image."""
    covs = []
    for band in band_pass(images, levels, circular):
        flat = band.flatten(2)
        flat = flat - flat.mean(2, keepdim=True)
        covs.append(flat @ flat.transpose(1, 2) / flat.shape[2])
    return torch.stack(covs, 1)


def band_stats_loss(fake, target_covs):
    """Each detail band's channel covariance against the exemplar's (B, levels, C, C), relative
    to the exemplar's band energy: band energy and colour together. Photos put their finest
    detail almost all in brightness (the channels of the finest band correlate 0.97-0.99)
    where the GAN's outputs carry colour noise (0.5-0.8). As a training loss it measured
    neutral (bench/EXPERIMENTS.md), so it is off by default."""
    covs = band_covariances(fake, target_covs.shape[1], circular=True)
    scale = torch.diagonal(target_covs, dim1=2, dim2=3).mean(2)[..., None, None] + 1e-8
    return ((covs - target_covs) / scale).pow(2).mean()
