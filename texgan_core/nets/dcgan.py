"""The seed article's DCGAN, kept faithful as the baseline the texture model must beat.

Generator: z (100) → Dense 8·8·256 → BN → LeakyReLU → three 5×5 stride-2 transposed convs
(128, 64, channels) → tanh: one 64×64 image, no notion of tiling.
Discriminator: Flatten → Dense 1024 → BN → LeakyReLU → Dense 512 → BN → LeakyReLU → Dense 1.
"""

import torch
import torch.nn as nn


def _up(c_in, c_out):
    # padding 2 + output_padding 1 doubles the size exactly, as Keras' padding="same" does
    return nn.ConvTranspose2d(c_in, c_out, 5, stride=2, padding=2, output_padding=1, bias=False)


class DCGANGenerator(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.dense = nn.Sequential(nn.Linear(cfg.z_dim, 8 * 8 * 256, bias=False),
                                   nn.BatchNorm1d(8 * 8 * 256), nn.LeakyReLU(0.2))
        self.convs = nn.Sequential(
            _up(256, 128), nn.BatchNorm2d(128), nn.LeakyReLU(0.2),   # (B, 128, 16, 16)
            _up(128, 64), nn.BatchNorm2d(64), nn.LeakyReLU(0.2),     # (B, 64, 32, 32)
            _up(64, cfg.channels), nn.Tanh())                        # (B, C, 64, 64)

    def sample_noise(self, batch, rows, cols, generator, texture_ids):
        """One z per 64×64 image; `rows × cols` images make a mosaic (which does not tile)."""
        z = torch.randn(batch * rows * cols, self.cfg.z_dim, generator=generator)
        return {"z": z, "rows": rows, "cols": cols}

    def forward(self, noise):
        z = noise["z"].to(self.dense[0].weight.device)
        x = self.convs(self.dense(z).view(-1, 256, 8, 8))
        rows, cols = noise["rows"], noise["cols"]
        b, c, s, _ = x.shape
        x = x.view(b // (rows * cols), rows, cols, c, s, s).permute(0, 3, 1, 4, 2, 5)
        return x.reshape(b // (rows * cols), c, rows * s, cols * s)


class DCGANDiscriminator(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        n = cfg.channels * cfg.size * cfg.size
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(n, 1024), nn.BatchNorm1d(1024), nn.LeakyReLU(0.2),
                                 nn.Linear(1024, 512), nn.BatchNorm1d(512), nn.LeakyReLU(0.2),
                                 nn.Linear(512, 1))

    def forward(self, images, texture_ids):
        return self.net(images)[:, 0]
