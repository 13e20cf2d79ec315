"""Generation: any size, any seed, in chunks that match the whole frame (bit for bit when
the size is a multiple of the chunk, otherwise to float rounding)."""

import copy

import numpy as np
import torch
from torch.nn.utils.fusion import fuse_conv_bn_eval

from .catalog import resolve_model
from .devices import resolve_device
from .errors import TexganError
from .modelfile import load_generator

MAX_SIDE = 16384
DEFAULT_CHUNK = 1024  # output pixels per chunk side: bounds the network's memory (not the frame's)


class TextureModel:
    """A loaded model. `generate` returns float32 H×W×C in [0, 1], row 0 at the top."""

    def __init__(self, generator, config, info, device, path=None):
        self.generator = generator.to(device).eval()
        self.config = config
        self.info = info
        self.device = device
        self.path = path
        self.textures = list(info.get("textures") or ["texture"])
        # what generation runs: the same function as `generator`, prepared for speed
        self.network = _inference_copy(self.generator) if self.tiles else self.generator

    @property
    def stride(self) -> int:
        return self.config.stride

    @property
    def tiles(self) -> bool:
        """Whether outputs wrap around seamlessly (the DCGAN baseline's do not)."""
        return self.config.arch == "tile"

    def check_size(self, width, height) -> None:
        s = self.stride
        for name, value in (("width", width), ("height", height)):
            if not isinstance(value, (int, np.integer)) or value <= 0:
                raise TexganError(f"{name} must be a positive number of pixels, not {value}")
            if value > MAX_SIDE:
                raise TexganError(f"{name} {value} is too large: at most {MAX_SIDE} pixels a side")
        bad = [(n, v) for n, v in (("width", width), ("height", height)) if v % s]
        if bad:
            name, value = bad[0]
            lower, upper = value // s * s, (value // s + 1) * s
            choice = f"use {lower} or {upper}" if lower else f"use {upper}"   # no 0-pixel texture
            raise TexganError(f"{name} {value} is not a multiple of this model's stride {s}: {choice}")

    def texture_index(self, texture) -> int:
        if isinstance(texture, str):
            if texture in self.textures:
                return self.textures.index(texture)
            digits = texture.lstrip("-")
            if not (digits.isascii() and digits.isdigit()):   # '²' is a digit to isdigit()
                raise TexganError(f"no texture '{texture}' in this model (has: {', '.join(self.textures)})")
            texture = int(texture)
        if not 0 <= int(texture) < len(self.textures):
            raise TexganError(f"texture {texture} out of range: this model has {len(self.textures)} "
                              f"(0 to {len(self.textures) - 1})")
        return int(texture)

    def generate(self, width, height, seed=0, texture=0, chunk=DEFAULT_CHUNK,
                 on_progress=None) -> np.ndarray:
        """The whole frame; `on_progress(fraction done)` after each band of rows."""
        self.check_size(width, height)
        out = np.empty((height, width, self.config.channels), np.float32)
        for top, band in self.generate_bands(width, height, seed, texture, chunk):
            out[top:top + len(band)] = band
            if on_progress is not None:
                on_progress((top + len(band)) / height)
        return out

    @torch.no_grad()
    def generate_bands(self, width, height, seed=0, texture=0, chunk=DEFAULT_CHUNK):
        """The image `generate` makes, as (top row, band of rows) from the top down: a frame of
        any size in the memory of one band (`chunk` rows) to write it out."""
        self.check_size(width, height)
        index = self.texture_index(texture)
        s = self.stride
        rows, cols = height // s, width // s
        noise = self.generator.sample_noise(1, rows, cols, torch.Generator().manual_seed(int(seed)), [index])
        if not self.tiles:
            yield from self._mosaic(noise["z"], rows, cols, max(1, chunk // s))
            return
        noise = _to(noise, self.device)
        coarse, fine = self.generator.coarse_grid(noise), noise["fine"]
        del noise                   # the windows take what they need from these two
        yield from self._windows(coarse, fine, rows, cols, max(1, chunk // s))

    def _mosaic(self, z, rows, cols, block):
        """DCGAN: one independent 64² sample per cell (it cannot tile), a block of rows at a time."""
        s = self.stride
        for r0 in range(0, rows, block):
            nr = min(block, rows - r0)
            part = {"z": z[r0 * cols:(r0 + nr) * cols], "rows": nr, "cols": cols}
            yield r0 * s, _to_image(self.generator(part))

    def _windows(self, coarse, fine, rows, cols, block):
        """Run the generator in valid mode on wrapped windows of the cell grid, one chunk of
        at most block × block cells at a time. Wrapping the small grid once beats wrap-padding
        every large feature map (measured: a seventh of the time went to those copies). The
        grid is joined from its coarse part and the per-level noise a window at a time: joined
        whole it copied the frame's noise (16384²: 1.4 GB more at the peak)."""
        s = self.stride
        halo = self.generator.halo_cells()
        start, _ = self.generator.valid_span(halo)
        for r0 in range(0, rows, block):
            nr = min(block, rows - r0)
            band = np.empty((nr * s, cols * s, self.config.channels), np.float32)
            for c0 in range(0, cols, block):
                nc = min(block, cols - c0)
                ri = torch.arange(r0 - halo, r0 + nr + halo, device=fine.device) % rows
                ci = torch.arange(c0 - halo, c0 + nc + halo, device=fine.device) % cols
                window = torch.cat([coarse[:, :, ri][:, :, :, ci], fine[:, :, ri][:, :, :, ci]], 1)
                window = window.contiguous(memory_format=torch.channels_last)
                piece = self.network.synthesize(window, circular=False)
                piece = piece[..., -start:-start + nr * s, -start:-start + nc * s]
                band[:, c0 * s:(c0 + nc) * s] = _to_image(piece)
            yield r0 * s, band


def _inference_copy(generator):
    """The same function, faster: BatchNorm folded into the convs before it, channels-last
    memory (measured on 2 cores: about a quarter less time at 1024²)."""
    fast = copy.deepcopy(generator).eval()
    for block in fast.blocks:
        block.conv = fuse_conv_bn_eval(block.conv, block.norm)
        block.norm = torch.nn.Identity()
    return fast.to(memory_format=torch.channels_last)


def _to(noise, device):
    return {k: v.to(device) if torch.is_tensor(v) else v for k, v in noise.items()}


def _to_image(batch) -> np.ndarray:
    """(1, C, H, W) in [-1, 1] → H×W×C float32 in [0, 1]."""
    return ((batch[0].float().clamp(-1, 1) + 1) * 0.5).permute(1, 2, 0).cpu().numpy()


def load_model(name_or_path, device="auto", extra_dirs=()) -> TextureModel:
    path = resolve_model(name_or_path, extra_dirs)
    config, generator, info = load_generator(path)
    return TextureModel(generator, config, info, resolve_device(device), path=path)
