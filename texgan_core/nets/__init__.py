"""The networks, one module per architecture; `build` picks them from a config."""

from .dcgan import DCGANDiscriminator, DCGANGenerator
from .tile import PatchDiscriminator, TileGenerator


def build_generator(config):
    return {"tile": TileGenerator, "dcgan": DCGANGenerator}[config.arch](config)


def build_discriminator(config):
    return {"tile": PatchDiscriminator, "dcgan": DCGANDiscriminator}[config.arch](config)
