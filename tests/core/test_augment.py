"""DiffAugment: the discriminator's view is augmented, differentiably and repeatably."""

import pytest
import torch

from texgan_core.augment import diff_augment, parse_policy

POLICY = ("color", "translation", "cutout")


def test_augmentation_is_differentiable_repeatable_and_changes_the_view():
    x = torch.rand(4, 3, 32, 32, requires_grad=True)
    a = diff_augment(x, POLICY, torch.Generator().manual_seed(1))
    b = diff_augment(x, POLICY, torch.Generator().manual_seed(1))
    c = diff_augment(x, POLICY, torch.Generator().manual_seed(2))
    assert a.shape == x.shape
    assert torch.equal(a, b) and not torch.equal(a, c)
    a.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0   # the generator learns through it


def test_cutout_blanks_a_quarter_and_translation_only_shifts():
    x = torch.rand(3, 3, 32, 32) + 0.5      # no zeros of its own
    cut = diff_augment(x, ("cutout",), torch.Generator().manual_seed(0))
    assert torch.allclose((cut == 0).float().mean((1, 2, 3)), torch.full((3,), 0.25))
    moved = diff_augment(x, ("translation",), torch.Generator().manual_seed(0))
    for original, shifted in zip(x, moved):
        kept = shifted[shifted != 0]
        assert kept.numel() >= 28 * 28 * 3                    # at most 4 px (1/8) shifted
        assert any(torch.equal(shifted, _shift(original, dy, dx)) for dy in range(-4, 5) for dx in range(-4, 5))


def _shift(image, dy, dx):
    out = torch.zeros_like(image)
    h, w = image.shape[1:]
    out[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = image[:, max(-dy, 0):h - max(dy, 0),
                                                                           max(-dx, 0):w - max(dx, 0)]
    return out


def test_an_unknown_policy_is_named():
    assert parse_policy(" color, cutout ") == ("color", "cutout")
    assert parse_policy("") == ()
    with pytest.raises(ValueError, match="blur"):
        parse_policy("color,blur")

