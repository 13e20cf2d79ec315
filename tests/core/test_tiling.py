"""A texture tiles exactly, a seed reproduces, chunks equal the whole frame."""

import numpy as np
import pytest
import torch

import texgan_core
from texgan_testutils import TINY


@pytest.fixture(scope="module")
def model(tiny_model):
    return texgan_core.load_model(tiny_model[0], device="cpu")


def _random_generator(**overrides):
    """An untrained tile generator with its noise strengths and BatchNorm statistics away from
    their starting values, so a wrongly placed noise map cannot hide behind a zero."""
    from texgan_core.config import TileConfig
    from texgan_core.generate import TextureModel
    from texgan_core.nets.tile import TileGenerator

    cfg = TileConfig(**{**TINY, **overrides})
    g = TileGenerator(cfg)
    torch.manual_seed(0)
    with torch.no_grad():
        for block in g.blocks:
            if block.noise_gain is not None:
                block.noise_gain.normal_()
            block.norm.running_mean.normal_()
            block.norm.running_var.uniform_(0.5, 2.0)
    return TextureModel(g, cfg, {}, torch.device("cpu"))


@pytest.fixture(params=["trained", "noise 1", "noise 2", "nearest", "sub-pixel out"])
def any_model(request, model):
    """The trained tiny model, untrained ones with one and two noise maps a level whose
    strengths are far from zero, one that doubles its levels by repeating pixels
    (`--upsample nearest`), and one shaped like the models before the full-resolution level
    (a sub-pixel conv makes the last 2×): what must hold for every tile generator."""
    if request.param == "trained":
        return model
    if request.param == "nearest":
        return _random_generator(level_noise=1, upsample="nearest")
    if request.param == "sub-pixel out":
        return _random_generator(level_noise=1, widths=TINY["widths"][:-1], convs=TINY["convs"][:-1],
                                 subpixel_out=True)
    return _random_generator(level_noise=int(request.param[-1]))


def test_rolling_the_noise_grid_rolls_the_image(any_model):
    g = any_model.generator
    noise = g.sample_noise(1, 6, 5, torch.Generator().manual_seed(0), [0])
    with torch.no_grad():
        grid = g.grid_input(noise)
        image = g.synthesize(grid)
        rolled = g.synthesize(torch.roll(grid, shifts=(2, 3), dims=(2, 3)))
    s = any_model.stride
    assert torch.allclose(rolled, torch.roll(image, shifts=(2 * s, 3 * s), dims=(2, 3)), atol=1e-5)


def test_periodic_planes_wrap_with_the_grid(model):
    """The sine planes' wave numbers are snapped to the grid: column `cols` equals column 0."""
    g = model.generator
    noise = g.sample_noise(1, 4, 6, torch.Generator().manual_seed(3), [0])
    with torch.no_grad():
        planes = g.grid_input(noise)[:, g.grid_channels - g.cfg.periodic_dim:g.grid_channels]
        k = np.pi * torch.tanh(g.waves(torch.cat([noise["global"], g.texture_codes[[0]]], 1))).view(-1, 2)
    # evaluate the plane one period further: identical
    y, x = 4, 6
    phase = noise["phase"][0]
    snapped = torch.round(k * torch.tensor([4.0, 6.0]) / (2 * np.pi)) * 2 * np.pi / torch.tensor([4.0, 6.0])
    beyond = torch.sin(snapped[:, 0] * y + snapped[:, 1] * x + phase)
    assert torch.allclose(beyond, planes[0, :, 0, 0], atol=1e-4)


def _edge_diffs(image, axis):
    """Mean absolute difference between each column (axis=1) and the next, wrapping."""
    return np.abs(np.roll(image, -1, axis=axis) - image).mean(axis=(0, 2) if axis == 1 else (1, 2))


def test_wrap_edge_is_as_smooth_as_the_interior(model):
    """Over a few seeds (one edge of one image is a noisy sample), the wrap-around edge
    differs no more than the interior edges at the same position in a cell."""
    images = [model.generate(256, 192, seed=seed) for seed in range(4, 8)]
    s = model.stride
    for axis in (0, 1):
        diffs = np.mean([_edge_diffs(image, axis) for image in images], axis=0)
        wrap = diffs[-1]
        same_phase = diffs[s - 1::s][:-1]  # interior edges at the same position in a cell
        assert 0.8 < wrap / same_phase.mean() < 1.25
    # the same measure catches a photo crop that does not tile
    from texgan_testutils import make_texture

    diffs = _edge_diffs(make_texture(128), 1)
    assert diffs[-1] / diffs[:-1].mean() > 1.25


def test_same_seed_same_image_other_seed_other_image(model):
    a = model.generate(128, 128, seed=11)
    b = model.generate(128, 128, seed=11)
    c = model.generate(128, 128, seed=12)
    assert a.dtype == np.float32 and a.shape == (128, 128, 3)
    assert 0.0 <= a.min() and a.max() <= 1.0
    assert np.array_equal(a, b)
    assert np.abs(a - c).mean() > 1e-3


def test_chunked_generation_equals_whole_frame(any_model):
    g = any_model.generator
    with torch.no_grad():
        noise = g.sample_noise(1, 192 // 16, 320 // 16, torch.Generator().manual_seed(5), [0])
        circular = g.synthesize(g.grid_input(noise), circular=True)
    whole = any_model.generate(320, 192, seed=5, chunk=4096)
    assert np.abs(whole - ((circular[0] + 1) / 2).permute(1, 2, 0).numpy()).max() < 1e-4
    for chunk in (16, 32, 64, 100):
        chunked = any_model.generate(320, 192, seed=5, chunk=chunk)
        assert np.abs(whole - chunked).max() < 1e-4
    bands = list(any_model.generate_bands(320, 192, seed=5, chunk=64))    # what the CLI writes
    assert [(top, band.shape) for top, band in bands] == [(t, (64, 320, 3)) for t in (0, 64, 128)]
    assert np.array_equal(np.concatenate([band for _, band in bands]),
                          any_model.generate(320, 192, seed=5, chunk=64))


@pytest.mark.parametrize("width,height", [(0, 64), (-16, 64), (64, 10**6), (65, 64)])
def test_bad_sizes_are_refused_with_a_clear_message(model, width, height):
    with pytest.raises(texgan_core.errors.TexganError) as e:
        model.generate(width, height)
    if width == 65:
        assert "64 or 80" in str(e.value)


def test_texture_selection_in_a_multi_exemplar_model(tmp_path):
    from texgan_testutils import TINY, make_texture, save_rgb
    from texgan_core.config import TrainConfig
    from texgan_core.train import Trainer

    paths = [save_rgb(tmp_path / f"t{k}.png", make_texture(96, seed=k)) for k in range(2)]
    trainer = Trainer(paths, tmp_path / "two.texgan", device="cpu", model_overrides=TINY,
                      train_config=TrainConfig(steps=2, crop=64, batch=2, sample_every=100))
    trainer.run()
    model = texgan_core.load_model(tmp_path / "two.texgan", device="cpu")
    assert model.textures == ["t0", "t1"]
    a = model.generate(64, 64, seed=1, texture=0)
    b = model.generate(64, 64, seed=1, texture="t1")
    assert np.abs(a - b).mean() > 1e-4
    with pytest.raises(texgan_core.errors.TexganError):
        model.generate(64, 64, texture=2)


def test_noise_per_level_reaches_the_image_through_its_learned_strengths():
    """Redrawing only the per-level noise changes the image; at the strengths' starting value
    (zero) it does not, so training starts from the network without it."""
    model = _random_generator(level_noise=1)
    g = model.generator
    noise = g.sample_noise(1, 4, 4, torch.Generator().manual_seed(1), [0])
    other = dict(noise, fine=torch.randn(noise["fine"].shape, generator=torch.Generator().manual_seed(2)))
    assert noise["fine"].shape[1] == 4 + 16 + 64 + 256  # the TINY net's four upsampled levels
    with torch.no_grad():
        assert (g(noise) - g(other)).abs().mean() > 1e-3
        for block in g.blocks:
            if block.noise_gain is not None:
                block.noise_gain.zero_()
        assert torch.equal(g(noise), g(other))


def test_one_noise_map_is_mixed_by_each_channels_own_strength():
    """With one noise map a level the block takes a broadcast multiply-add instead of a 1×1
    conv: the same sum, each channel scaled by its own strength."""
    import torch.nn.functional as F

    from texgan_core.nets.tile import ConvBlock

    block = ConvBlock(4, 6, noise_maps=1).eval()
    torch.manual_seed(0)
    with torch.no_grad():
        block.noise_gain.normal_()
        x, noise = torch.randn(2, 4, 10, 10), torch.randn(2, 1, 8, 8)
        expected = F.leaky_relu(block.norm(block.conv(x)) + F.conv2d(noise, block.noise_gain), 0.2)
        assert torch.allclose(block(x, noise), expected, atol=1e-6)
