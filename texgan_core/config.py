"""Every hyper-parameter in one place. The model config is what the model file stores."""

import math
from dataclasses import asdict, dataclass, fields


@dataclass
class TileConfig:
    """PSGAN-style generator (Bergmann, Jetchev & Vollgraf 2017) and patch discriminator."""

    arch: str = "tile"
    channels: int = 3               # 1 grey, 3 RGB, 4 RGBA: follows the exemplars
    textures: int = 1               # exemplars in the model, each with its own global code
    local_dim: int = 24             # i.i.d. noise per grid cell: what varies from place to place
    global_dim: int = 16            # noise shared by the whole image
    texture_dim: int = 16           # learned code per exemplar, selected at generation time
    # Sine planes (PSGAN), their wave vectors chosen by the global code. Off by default: on
    # photos without a regular pattern they draw a diagonal grating, and without them the
    # held-out SWD was better on 4 of 6 photos (bench/EXPERIMENTS.md). `--periodic N` for
    # strongly periodic materials (with the current recipe 4 is no better on bricks).
    periodic_dim: int = 0
    # Generator levels: the first works on the noise grid, each next one after a 2× upsampling
    # (`upsample`); a 3×3 conv turns the last level into pixels, so the stride is
    # 2 ** (len(widths) - 1). The last level is at full resolution and narrow: a non-linear,
    # noisy level there drew brick joints and wood grain that a linear last 2× could not
    # (held-out SWD better on 3 of 6 photos, equal on 3, bench/EXPERIMENTS.md).
    widths: tuple = (96, 64, 48, 24, 16)
    convs: tuple = (2, 1, 1, 1, 1)  # 3×3 convs per level; more on the grid = larger shapes
    # Models before the full-resolution level made the last 2× with a sub-pixel conv (pixel
    # shuffle) from the half-resolution level: stride 2 ** len(widths). Kept to load them.
    subpixel_out: bool = False
    # Noise maps added in every conv after an upsampling (StyleGAN). Without them all fine
    # detail had to come from the 16-px noise grid and came out as a diagonal hatching; with
    # one, held-out SWD improved on 4 of 6 photos (bench/EXPERIMENTS.md).
    level_noise: int = 1
    # How a level doubles before its convs: "bilinear" smooths first; "nearest" repeats each
    # value over 2×2 pixels and leaves the shaping to the 3×3 convs. Nearest drew separate
    # pebbles and straight wood grain where bilinear drew joined, worm-like ridges, better on
    # gravel and stone, level on ground and wood, worse on bricks and metal, whose bricks
    # it streaked (bench/EXPERIMENTS.md): an option (`--upsample nearest`), not the default.
    upsample: str = "bilinear"
    # Discriminator widths: one 4×4 stride-2 conv each, then a 3×3 conv to one logit map
    # per texture. Four halvings see about 80 px: a stone or a brick, not the whole crop.
    # Half the width of the first recipes' 32/64/128/128: equal held-out SWD on all six
    # photos over two training seeds, with 24-42 % more steps a CPU-second (bench/EXPERIMENTS.md).
    d_widths: tuple = (16, 32, 64, 64)
    d_scales: int = 1               # discriminators on the crop pooled 1×, 2×, 4×...
    # Width of a small discriminator on the finest detail band alone (the crop minus its
    # blur; 0 = none): a ~20-px view without colour. It brings the finest scale closer on all
    # six benchmark photos but costs 16-21 % of the steps, and held-out SWD came out equal, so
    # it is an option (`--d-fine 16`), not a default (bench/EXPERIMENTS.md).
    d_fine: int = 0

    @property
    def stride(self) -> int:
        return 2 ** (len(self.widths) - (0 if self.subpixel_out else 1))


@dataclass
class DCGANConfig:
    """The seed article's DCGAN: z of 100 → 64×64×3, a dense discriminator."""

    arch: str = "dcgan"
    channels: int = 3
    textures: int = 1
    z_dim: int = 100
    size: int = 64

    @property
    def stride(self) -> int:
        return self.size


@dataclass
class TrainConfig:
    steps: int = 2000
    crop: int = 96                  # training crop; tile G outputs this size per sample
    batch: int = 8
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple = (0.5, 0.99)
    # Both rates fall linearly from `lr_decay_from` × steps to `lr_floor` × their value at the
    # last step (1.0 = constant rates). With constant rates held-out SWD drifted up after
    # about 1,000 steps on bricks, stone and wood; falling to a tenth over a 2,000-step run
    # holds them near their best (bench/EXPERIMENTS.md). Resuming with more steps stretches
    # the schedule: the rates rise again and fall to the floor at the new last step.
    lr_decay_from: float = 0.25
    lr_floor: float = 0.1
    # The GAN loss, "nonsaturating" or "hinge". Hinge was better on the brick wall over two
    # seeds, worse on grass, level on four photos (bench/EXPERIMENTS.md): advice for regular
    # structures, not the default.
    loss: str = "nonsaturating"
    r1: float = 0.0                 # R1 gradient penalty weight on real data (0 = off)
    # The saved generator is a moving average of the weights. Its warm-up, (1 + step) /
    # (10 + step), stays below this decay until step 1,790, so in a default run the
    # average's half-life is 7-8 % of the steps taken. Half-lives of 15 % and 30 % helped
    # bricks and cost metal, ground and stone (bench/EXPERIMENTS.md).
    ema_decay: float = 0.995
    augment: bool = False           # flips and 90° turns of real crops: measured worse or level
    stats_weight: float = 10.0      # colour mean/std matching: keeps tint and contrast right
    band_weight: float = 0.0        # detail bands' colour covariance (losses.band_stats_loss); measured neutral
    band_levels: int = 3
    patch_weight: float = 0.0       # patch-distribution (sliced Wasserstein) loss, see patchloss.py
    patch_levels: int = 4
    diffaug: str = ""               # DiffAugment policy for D's inputs, e.g. "color,translation,cutout"
    # The forward passes' precision, "fp32" or "bf16" (autocast; weights, optimiser and losses
    # stay float32). On a CPU with native bfloat16 it took a sixth to a third off a step, but
    # held-out SWD came out worse on ground, wood and grass and better on bricks
    # (bench/EXPERIMENTS.md): an option for speed, not the default.
    precision: str = "fp32"
    seed: int = 0
    checkpoint_every: int = 250
    sample_every: int = 100


ARCHS = {"tile": TileConfig, "dcgan": DCGANConfig}
LOSSES = ("nonsaturating", "hinge")     # TrainConfig.loss
PRECISIONS = ("fp32", "bf16")           # TrainConfig.precision
UPSAMPLINGS = ("bilinear", "nearest")   # TileConfig.upsample
# Kinds of material and the recipe options measured better on them, as `texgan train`
# options a --kind fills in where not given (bench/EXPERIMENTS.md, two training seeds or more
# on each photo named): the hinge loss on the brick wall and the roof tiles, nearest
# upsampling on gravel, stone and grass. Each costs the other kind (hinge grass, nearest
# bricks and metal), so the default recipe stays for everything else.
KINDS = {"any": {}, "regular": {"loss": "hinge"}, "granular": {"upsample": "nearest"}}
# What a resumed training may take from its caller; the rest of the recipe is the
# checkpoint's, so that a resumed run is the run it continues (None: keep the checkpoint's).
RESUME_MAY_CHANGE = ("steps", "checkpoint_every", "sample_every")


# What a model file written before a key existed meant by leaving it out.
LEGACY_DEFAULTS = {"tile": {"level_noise": 0, "subpixel_out": True, "upsample": "bilinear"}}
# What a training state written before a recipe key existed meant by leaving it out.
LEGACY_TRAIN_DEFAULTS = {"lr_floor": 1.0}


def _lists_to_tuples(data: dict) -> dict:
    """JSON gives lists where the configs hold tuples."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}


def model_config_from_dict(data: dict):
    """Rebuild a model config from a model file, ignoring keys this version does not know.
    Raises ValueError for values out of `check_model_config`'s bounds."""
    cls = ARCHS.get(data.get("arch"))
    if cls is None:
        raise ValueError(f"unknown architecture {data.get('arch')!r}")
    known = {f.name for f in fields(cls)}
    data = {**LEGACY_DEFAULTS.get(data["arch"], {}), **data}
    config = cls(**{k: v for k, v in _lists_to_tuples(data).items() if k in known})
    check_model_config(config)
    return config


def train_config_from_dict(data: dict) -> TrainConfig:
    """Rebuild the recipe a training state was saved with, ignoring keys this version does
    not know. Raises ValueError for values out of `check_train_config`'s bounds."""
    known = {f.name for f in fields(TrainConfig)}
    data = {**LEGACY_TRAIN_DEFAULTS, **_lists_to_tuples(data)}
    config = TrainConfig(**{k: v for k, v in data.items() if k in known})
    check_train_config(config)
    return config


# ---- bounds --------------------------------------------------------------------------------
# A config comes from the command line, a script, a model file or a training state; each is
# checked against these bounds before a network is built. They are far beyond any recipe
# measured, and near where a network would take gigabytes or hours: a damaged or hostile
# file (a file is data) asking for more is refused in one line.

def _whole(name, value, low, high):
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, not {value!r}")


def _number(name, value, low, high, above_low=False, below_high=False):
    ok = not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value) \
        and (low < value if above_low else low <= value) and (value < high if below_high else value <= high)
    if not ok:
        span = f"{'above' if above_low else 'from'} {low} {'and below' if below_high else 'to'} {high}"
        raise ValueError(f"{name} must be a number {span}, not {value!r}")


def _whole_numbers(name, value, most, high):
    if not isinstance(value, tuple) or not 1 <= len(value) <= most:
        raise ValueError(f"{name} must be 1 to {most} whole numbers, not {value!r}")
    for v in value:
        _whole(name, v, 1, high)


def _choice(name, value, choices):
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(str, choices))}, not {value!r}")


def check_model_config(config) -> None:
    """Raise ValueError naming the first field out of bounds."""
    _choice("channels", config.channels, (1, 3, 4))
    _whole("textures", config.textures, 1, 256)
    if config.arch == "dcgan":
        _whole("z_dim", config.z_dim, 1, 1024)
        _choice("size", config.size, (DCGANConfig.size,))     # the network makes 64² and no other
        return
    _whole("local_dim", config.local_dim, 1, 512)
    _whole("global_dim", config.global_dim, 0, 512)
    _whole("texture_dim", config.texture_dim, 0, 512)
    _whole("periodic_dim", config.periodic_dim, 0, 64)
    _whole_numbers("widths", config.widths, 8, 1024)
    _whole_numbers("convs", config.convs, 8, 8)
    if len(config.convs) != len(config.widths):
        raise ValueError(f"convs must name one count a level: {len(config.widths)}, not {len(config.convs)}")
    _choice("subpixel_out", config.subpixel_out, (False, True))
    _whole("level_noise", config.level_noise, 0, 16)
    _choice("upsample", config.upsample, UPSAMPLINGS)
    _whole_numbers("d_widths", config.d_widths, 8, 1024)
    _whole("d_scales", config.d_scales, 1, 4)
    _whole("d_fine", config.d_fine, 0, 256)


def check_train_config(tc: TrainConfig) -> None:
    """Raise ValueError naming the first field out of bounds."""
    _whole("steps", tc.steps, 1, 10_000_000)
    _whole("crop", tc.crop, 16, 1024)
    _whole("batch", tc.batch, 1, 256)
    _number("lr_g", tc.lr_g, 0, 1, above_low=True)
    _number("lr_d", tc.lr_d, 0, 1, above_low=True)
    if not isinstance(tc.betas, tuple) or len(tc.betas) != 2:
        raise ValueError(f"betas must be two numbers, not {tc.betas!r}")
    for beta in tc.betas:
        _number("betas", beta, 0, 1, below_high=True)
    _number("lr_decay_from", tc.lr_decay_from, 0, 1)
    _number("lr_floor", tc.lr_floor, 0, 1, above_low=True)
    _choice("loss", tc.loss, LOSSES)
    _number("r1", tc.r1, 0, 1e6)
    _number("ema_decay", tc.ema_decay, 0, 1, below_high=True)
    _choice("augment", tc.augment, (False, True))
    for name in ("stats_weight", "band_weight", "patch_weight"):
        _number(name, getattr(tc, name), 0, 1e6)
    _whole("band_levels", tc.band_levels, 1, 8)
    _whole("patch_levels", tc.patch_levels, 1, 8)
    if not isinstance(tc.diffaug, str):
        raise ValueError(f"diffaug must be a policy such as 'color,translation', not {tc.diffaug!r}")
    _choice("precision", tc.precision, PRECISIONS)
    _whole("seed", tc.seed, 0, 2**63 - 1)
    _whole("checkpoint_every", tc.checkpoint_every, 1, 10**9)
    _whole("sample_every", tc.sample_every, 1, 10**9)


def to_dict(config) -> dict:
    return asdict(config)


__all__ = ["ARCHS", "KINDS", "LOSSES", "PRECISIONS", "RESUME_MAY_CHANGE", "TileConfig", "DCGANConfig",
           "TrainConfig", "UPSAMPLINGS", "check_model_config", "check_train_config", "model_config_from_dict",
           "train_config_from_dict", "to_dict"]
