"""Pick the compute device: CUDA, then Apple's MPS, then the CPU."""

import torch

from .config import PRECISIONS
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


def training_dtype(precision: str = "fp32"):
    """The dtype training's forward passes autocast to: torch.bfloat16 for "bf16", None for
    float32 throughout. Weights, optimiser state, losses and generation stay float32."""
    if precision not in PRECISIONS:
        raise TexganError(f"unknown precision '{precision}': choose one of {', '.join(PRECISIONS)}")
    return torch.bfloat16 if precision == "bf16" else None


def native_bf16(device: torch.device) -> bool:
    """Whether the device computes bfloat16 in hardware (x86 AVX512-BF16 or AMX, CUDA from
    Ampere on); elsewhere bfloat16 is emulated and slower than float32. False where this
    torch cannot tell."""
    if device.type == "cpu":
        capabilities = getattr(torch.cpu, "get_capabilities", dict)()  # torch >= 2.6
        return bool(capabilities.get("avx512_bf16") or capabilities.get("amx_bf16"))
    if device.type == "cuda":
        try:
            return torch.cuda.is_bf16_supported(including_emulation=False)
        except TypeError:  # torch < 2.4: no emulation to rule out, so ask for compute capability 8 (Ampere)
            return torch.cuda.get_device_capability(device)[0] >= 8
    return False
