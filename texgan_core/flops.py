"""Count a generator's multiply-adds by running it once with hooks: the speed benchmark's
yardstick (achieved GFLOP/s = counted FLOPs / wall time)."""

import torch


def count_flops(model, width, height, seed=0) -> int:
    """FLOPs (2 per multiply-add) of the convolutions and linear layers in one generation."""
    total = 0

    def hook(module, inputs, output):
        nonlocal total
        if isinstance(module, torch.nn.Conv2d):
            k = module.kernel_size[0] * module.kernel_size[1]
            total += 2 * output.numel() * module.in_channels // module.groups * k
        elif isinstance(module, torch.nn.ConvTranspose2d):
            k = module.kernel_size[0] * module.kernel_size[1]
            total += 2 * inputs[0].numel() * module.out_channels * k
        elif isinstance(module, torch.nn.Linear):
            total += 2 * output.numel() * module.in_features

    handles = [m.register_forward_hook(hook) for m in model.network.modules()
               if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d, torch.nn.Linear))]
    try:
        model.generate(width, height, seed=seed, chunk=max(width, height))
    finally:
        for h in handles:
            h.remove()
    return total
