"""TexGAN core: tileable texture GANs, trained on one photo, run anywhere.

Importing this package does not import torch, so Blender's process can read model files
(`catalog`, `fileformat`) while generation and training run in a worker process.
"""

__version__ = "0.1.0"


def load_model(name_or_path, device="auto", extra_dirs=()):
    """Load a `.texgan` model (path or bundled name) ready to `generate(width, height, seed=...)`."""
    from .generate import load_model as _load

    return _load(name_or_path, device=device, extra_dirs=extra_dirs)


__all__ = ["load_model", "__version__"]
