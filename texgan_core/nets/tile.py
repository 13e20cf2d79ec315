"""A periodic spatial GAN: the output tiles exactly because every operation wraps around.

Generator input is a grid of noise cells (PSGAN, Bergmann et al. 2017): local i.i.d. noise,
a global code shared by the grid (random noise plus a learned code per exemplar), optional
sine planes whose wave vectors the global code chooses (`periodic_dim`, off by default),
and the noise each upsampled level adds (StyleGAN), folded into the cells so that a window
of the grid carries all of its own randomness. The network has two ways to run the same
weights:
- `circular=True`: every conv pads by wrapping, so the output is periodic with the grid.
  Training uses this on small grids.
- `circular=False`: no padding at all ("valid"); the caller passes a wrapped window of a
  larger grid with a halo (`halo_cells`) and gets exactly the pixels of the window. This is
  how large textures are made in chunks that equal the whole-frame result.
"""

import math
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.parametrizations import spectral_norm

from ..pyramids import blur


class ConvBlock(nn.Module):
    """3×3 conv without padding, BatchNorm, LeakyReLU: padding is the caller's business.

    With `noise_maps` > 0, that many noise maps are added before the activation, mixed by
    learned strengths per channel that start at zero (StyleGAN): fine grain can then be
    random, instead of a pattern the network has to derive from the coarse noise grid.
    """

    def __init__(self, c_in, c_out, noise_maps=0):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 3, bias=False)
        self.norm = nn.BatchNorm2d(c_out)
        self.noise_gain = nn.Parameter(torch.zeros(c_out, noise_maps, 1, 1)) if noise_maps else None

    def forward(self, x, noise=None):
        x = self.norm(self.conv(x))
        if self.noise_gain is not None:
            if self.noise_gain.shape[1] == 1:  # one map: a broadcast multiply-add, one pass
                x = torch.addcmul(x, noise, self.noise_gain.view(1, -1, 1, 1))
            else:
                x = x + F.conv2d(noise, self.noise_gain)
        return F.leaky_relu(x, 0.2)


def wrap_pad(x, n=1):
    return F.pad(x, (n, n, n, n), mode="circular")


def upsample(x, circular, mode="bilinear"):
    """2× by repeating each value (nearest) or bilinear: whole when circular, else it drops
    one border pixel per side, which bilinear cannot compute and nearest drops to match."""
    if mode == "nearest":
        up = F.interpolate(x, scale_factor=2, mode="nearest")
        return up if circular else up[..., 1:-1, 1:-1]
    if circular:
        return F.interpolate(wrap_pad(x), scale_factor=2, mode="bilinear", align_corners=False)[..., 2:-2, 2:-2]
    return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)[..., 1:-1, 1:-1]


def _icnr_(conv, scale=2):
    """Start the sub-pixel conv as a nearest-neighbour upsampler (Aitken et al. 2017): the
    four sub-pixels share weights, so training does not begin from a checkerboard."""
    with torch.no_grad():
        out = conv.out_channels // (scale * scale)
        base = conv.weight[:out].clone()
        conv.weight.copy_(base.repeat_interleave(scale * scale, 0))
        conv.bias.copy_(conv.bias[:out].clone().repeat_interleave(scale * scale))


def _centre(x, rows, cols):
    """The middle rows × cols of x. Valid-mode convs and upsamplings trim a window evenly
    on both sides, so a feature map is always the middle of its level's noise maps."""
    top, left = (x.shape[-2] - rows) // 2, (x.shape[-1] - cols) // 2
    return x[..., top:top + rows, left:left + cols]


class TileGenerator(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        code_dim = cfg.global_dim + cfg.texture_dim
        self.texture_codes = nn.Parameter(torch.randn(cfg.textures, cfg.texture_dim))
        with warnings.catch_warnings():  # periodic_dim 0 is allowed: an empty layer, no warning
            warnings.filterwarnings("ignore", "Initializing zero-element tensors")
            self.waves = nn.Sequential(nn.Linear(code_dim, 64), nn.ReLU(), nn.Linear(64, 2 * cfg.periodic_dim))
        self.plan = []  # "up" or "conv", in order
        blocks = []
        c = cfg.local_dim + code_dim + cfg.periodic_dim
        self.grid_channels = c  # the rest of the grid is per-level noise, see `level_noise_maps`
        for level, (width, n) in enumerate(zip(cfg.widths, cfg.convs)):
            if level:
                self.plan.append("up")
            for _ in range(n):
                blocks.append(ConvBlock(c, width, noise_maps=cfg.level_noise if level else 0))
                self.plan.append("conv")
                c = width
        self.blocks = nn.ModuleList(blocks)
        # The last conv to RGB, and what follows it (`synthesize`, `valid_span`). Older models
        # make the last 2× there with a sub-pixel conv and a pixel shuffle (no weights of its
        # own: their model files keep their keys).
        if cfg.subpixel_out:
            self.to_pixels = nn.Conv2d(c, cfg.channels * 4, 3)
            _icnr_(self.to_pixels)
            self.after_pixels, self.plan_out = nn.PixelShuffle(2), ["conv", "shuffle"]
        else:
            self.to_pixels = nn.Conv2d(c, cfg.channels, 3)
            self.after_pixels, self.plan_out = nn.Identity(), ["conv"]

    def _noise_channels_below(self, level) -> int:
        """Grid channels of the per-level noise of levels 1 … level-1: 4^l a map for level l
        (2^l × the grid), in order of level."""
        return self.cfg.level_noise * sum(4 ** lv for lv in range(1, level))

    @property
    def level_noise_channels(self) -> int:
        """Grid channels that carry the per-level noise, all levels."""
        return self._noise_channels_below(len(self.cfg.widths))

    # ---- noise -------------------------------------------------------------------------
    def sample_noise(self, batch, rows, cols, generator, texture_ids):
        """Random inputs for `rows × cols` cells, drawn on the CPU so a seed means the same
        texture on every device."""
        cfg = self.cfg
        return {
            "local": torch.randn(batch, cfg.local_dim, rows, cols, generator=generator),
            "global": torch.randn(batch, cfg.global_dim, generator=generator),
            "phase": torch.rand(batch, cfg.periodic_dim, generator=generator) * 2 * math.pi,
            "texture": torch.as_tensor(texture_ids, dtype=torch.long).reshape(batch),
            # drawn last, so models without it keep their seeds' textures
            "fine": torch.randn(batch, self.level_noise_channels, rows, cols, generator=generator),
        }

    def grid_input(self, noise):
        """Assemble the cell grid: local noise, broadcast codes, sine planes, per-level noise."""
        return torch.cat([self.coarse_grid(noise), noise["fine"].to(noise["local"].device)], 1)

    def coarse_grid(self, noise):
        """The grid's channels before the per-level noise (`grid_channels` of them). Large
        frames join the two a window at a time: the whole grid would copy the frame's noise.

        Wave numbers are snapped to whole periods of the grid, so the planes wrap as exactly
        as everything else (straight-through: the snap passes gradients unchanged).
        """
        local = noise["local"]
        b, _, rows, cols = local.shape
        device = local.device
        code = torch.cat([noise["global"].to(device), self.texture_codes[noise["texture"].to(device)]], 1)
        k = math.pi * torch.tanh(self.waves(code)).view(b, -1, 2)          # (B, P, 2) rad/cell
        period = torch.tensor([rows, cols], dtype=k.dtype, device=device)
        snapped = torch.round(k * period / (2 * math.pi)) * 2 * math.pi / period
        k = k + (snapped - k).detach()
        y = torch.arange(rows, dtype=k.dtype, device=device).view(1, 1, rows, 1)
        x = torch.arange(cols, dtype=k.dtype, device=device).view(1, 1, 1, cols)
        phase = noise["phase"].to(device)[..., None, None]
        planes = torch.sin(k[..., 0, None, None] * y + k[..., 1, None, None] * x + phase)  # (B, P, R, C)
        codes = code[..., None, None].expand(-1, -1, rows, cols)
        return torch.cat([local, codes, planes], 1)                      # (B, grid_channels, R, C)

    # ---- synthesis ---------------------------------------------------------------------
    def synthesize(self, grid, circular=True):
        """Cell grid (B, C0, R, C) → image (B, channels, R·s, C·s) in [-1, 1] when circular;
        in valid mode the image shrinks by the halo (see `valid_span`)."""
        x, fine = grid[:, :self.grid_channels], grid[:, self.grid_channels:]
        blocks = iter(self.blocks)
        level, noise = 0, None
        for step in self.plan:
            if step == "up":
                x = upsample(x, circular, self.cfg.upsample)
                level += 1
                noise = self.level_noise_maps(fine, level)
                continue
            x = wrap_pad(x) if circular else x
            rows, cols = x.shape[-2] - 2, x.shape[-1] - 2  # what the unpadded 3×3 conv leaves
            x = next(blocks)(x, None if noise is None else _centre(noise, rows, cols))
        x = self.to_pixels(wrap_pad(x) if circular else x)
        return torch.tanh(self.after_pixels(x))

    def level_noise_maps(self, fine, level):
        """The level's noise maps for the whole window: its cells' channels unfolded to pixels."""
        if not self.cfg.level_noise:
            return None
        first, count = self._noise_channels_below(level), self.cfg.level_noise * 4 ** level
        return F.pixel_shuffle(fine[:, first:first + count], 2 ** level)

    def forward(self, noise):
        return self.synthesize(self.grid_input(noise), circular=True)

    def valid_span(self, halo):
        """Where a valid-mode run on a window with `halo` extra cells each side lands, in
        output pixels: (first pixel relative to the window's first real cell, pixels beyond
        the real cells' own). Each conv eats a pixel per side, each upsampling one more."""
        start, extra = -halo, 2 * halo
        for step in self.plan + self.plan_out:
            if step == "conv":
                start, extra = start + 1, extra - 2
            elif step == "up":
                start, extra = 2 * start + 1, 2 * extra - 2
            else:
                start, extra = 2 * start, 2 * extra
        return start, extra

    def halo_cells(self):
        """The smallest halo whose valid-mode output still covers the window."""
        halo = 0
        while True:
            start, extra = self.valid_span(halo)
            if start <= 0 and start + extra >= 0:
                return halo
            halo += 1


class PatchDiscriminator(nn.Module):
    """Fully convolutional, spectrally normalised: one real/fake logit per ~80-px patch,
    one logit map per exemplar (the one a sample claims to be is read).

    With `d_scales` > 1 more copies look at the crop average-pooled 2×, 4×, ...: the same
    small receptive field then spans whole stones and bricks (pix2pixHD, SinGAN), without a
    deeper network that would memorise the single exemplar. With `d_fine` > 0 a small
    branch judges the finest detail band alone (see `_fine_branch`). Returns one logit map
    a branch.
    """

    FINE_GAIN = 4.0  # the finest band's std is 0.03-0.14 on photos in [-1, 1]: lift it to ~0.1-0.6

    def __init__(self, cfg):
        super().__init__()
        self.net = self._branch(cfg)
        self.coarse = nn.ModuleList(self._branch(cfg) for _ in range(cfg.d_scales - 1))
        self.fine = self._fine_branch(cfg) if cfg.d_fine else None

    @staticmethod
    def _branch(cfg):
        layers = []
        c = cfg.channels
        for width in cfg.d_widths:
            layers += [spectral_norm(nn.Conv2d(c, width, 4, stride=2, padding=1)), nn.LeakyReLU(0.2)]
            c = width
        layers.append(spectral_norm(nn.Conv2d(c, cfg.textures, 3, padding=1)))
        return nn.Sequential(*layers)

    @staticmethod
    def _fine_branch(cfg):
        """Each 2×2 block's pixels side by side (every pixel seen, in a third of the time a
        stride-1 conv took), a 3×3 conv, a 4×4 stride-2 conv, a 3×3 logit conv: a ~20-px view,
        too small to hold a brick, so it judges edges and grain, not layout."""
        w = cfg.d_fine
        return nn.Sequential(
            nn.PixelUnshuffle(2),
            spectral_norm(nn.Conv2d(4 * cfg.channels, w, 3, padding=1)), nn.LeakyReLU(0.2),
            spectral_norm(nn.Conv2d(w, w, 4, stride=2, padding=1)), nn.LeakyReLU(0.2),
            spectral_norm(nn.Conv2d(w, cfg.textures, 3, padding=1)))

    def forward(self, images, texture_ids):
        inputs = [(self.net, images)]
        inputs += [(net, F.avg_pool2d(images, 2 ** scale)) for scale, net in enumerate(self.coarse, 1)]
        if self.fine is not None:  # reflect-padded blur: real crops do not wrap, fakes must not differ there
            inputs.append((self.fine, self.FINE_GAIN * (images - blur(images, circular=False))))
        maps = []
        for net, x in inputs:
            logits = net(x)                                                 # (B, T, h, w)
            index = texture_ids.to(images.device).view(-1, 1, 1, 1).expand(-1, 1, *logits.shape[2:])
            maps.append(logits.gather(1, index)[:, 0])                      # (B, h, w)
        return maps
