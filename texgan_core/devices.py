"""Pick the compute device: CUDA, then Apple's MPS, then the CPU."""

import torch

from .errors import TexganError

CHOICES = ("auto", "cpu", "cuda", "mps")


def resolve_device(name: str = "auto") -> torch.device:
    name = (name or "auto").lower()
    if name not in CHOICES:
        raise TexganError(f"unknown device '{name}': choose one of {', '.join(CHOICES)}")
    cuda = torch.cuda.is_available()
    mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if name == "auto":
        return torch.device("cuda" if cuda else "mps" if mps else "cpu")
    if name == "cuda" and not cuda:
        raise TexganError("device 'cuda' asked for, but this PyTorch sees no CUDA GPU (use --device auto or cpu)")
    if name == "mps" and not mps:
        raise TexganError("device 'mps' asked for, but Apple's Metal backend is not available here (use --device auto or cpu)")
    return torch.device(name)
