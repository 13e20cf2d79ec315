"""The trainer: exemplar crops in, an EMA generator out, checkpoints all the way.

Reads top to bottom: `Trainer.__init__` builds (or resumes) everything, `run` loops over
steps; one step is a discriminator update then a generator update, then the EMA.
A stop (signal or stop file) is only noted by the handler; the loop then writes the
checkpoint between steps, so a checkpoint is never cut in half by our own stop.
"""

import contextlib
import copy
import datetime
import math
import os
import signal
import threading
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch

from .augment import diff_augment, parse_policy
from .config import (ARCHS, RESUME_MAY_CHANGE, DCGANConfig, TrainConfig, check_model_config,
                     check_train_config, model_config_from_dict, train_config_from_dict)
from .devices import resolve_device, training_dtype
from .errors import TexganError, first_line
from .generate import TextureModel
from .images import grid, load_image, png_bytes, resize, save_png
from .losses import band_covariances, band_stats_loss, colour_stats_loss, d_loss, g_loss, logit_maps, r1_penalty
from .modelfile import load_state, save_model, save_state
from .nets import build_discriminator, build_generator
from .patchloss import PatchSWDLoss


def state_path(model_path) -> Path:
    return Path(str(model_path) + ".state")


def samples_dir(model_path) -> Path:
    p = Path(model_path)
    return p.with_name(p.stem + "_samples")


def load_exemplars(paths, crop):
    """Exemplars as (C, H, W) tensors in [-1, 1], all promoted to the widest channel count."""
    if not paths:
        raise TexganError("give at least one exemplar image")
    images = [load_image(p) for p in paths]
    for path, im in zip(paths, images):
        h, w = im.shape[:2]
        if h < crop or w < crop:
            raise TexganError(f"exemplar {path} is {w}×{h} px, smaller than the {crop}-px training "
                              f"crop: use a larger image or a smaller --crop")
    channels = max(im.shape[-1] for im in images)
    channels = 3 if channels == 2 else channels
    promoted = []
    for im in images:
        if im.shape[-1] == 1 and channels > 1:
            im = np.repeat(im, 3, -1)
        if im.shape[-1] == 3 and channels == 4:
            im = np.concatenate([im, np.ones_like(im[..., :1])], -1)
        promoted.append(torch.from_numpy(np.ascontiguousarray(im)).permute(2, 0, 1) * 2 - 1)
    return promoted, channels


# The command line's name for a config field, where it differs
_OPTION_NAMES = {"periodic_dim": "--periodic", "level_noise": "--level-noise", "d_fine": "--d-fine",
                 "d_scales": "--d-scales", "steps": "--steps", "crop": "--crop", "batch": "--batch",
                 "seed": "--seed", "r1": "--r1", "lr_floor": "--lr-floor", "checkpoint_every": "--checkpoint-every",
                 "sample_every": "--sample-every", "textures": "the number of exemplars"}


def _within_bounds(check, config) -> None:
    """A recipe out of bounds (config.py) is the user's input: one line, before any work,
    naming the option they typed."""
    try:
        check(config)
    except ValueError as e:
        field, _, rest = str(e).partition(" ")
        raise TexganError(f"{_OPTION_NAMES.get(field, field)} {rest}") from None


def _remove_quietly(path: Path) -> None:
    """Remove a stop file (or a folder made in its place); one that cannot be removed has
    still been answered, and must not cost the checkpoint."""
    try:
        path.unlink()
    except IsADirectoryError:
        try:
            path.rmdir()
        except OSError:
            pass
    except OSError:
        pass


class Trainer:
    def __init__(self, exemplars, out, arch="tile", train_config=None, device="auto",
                 resume=False, progress=None, stop_file=None, model_overrides=None):
        self.out = Path(out)
        self.state_file = state_path(self.out)
        self.device = resolve_device(device)
        self.progress = progress
        self.stop_file = Path(stop_file) if stop_file else None
        self.stop_reason = None
        given = train_config          # on resume, None (or a None field) keeps the checkpoint's
        tc = train_config or TrainConfig()
        resumed = None
        if resume:
            if not self.state_file.is_file():
                raise TexganError(f"nothing to resume: {self.state_file} does not exist")
            resumed = load_state(self.state_file)
            meta = resumed[1]
            # the model and the recipe come from the checkpoint; only the length may change
            # (no config, or steps=None: keep the length the training was started with), and how often
            # checkpoints and samples are written
            with self._damaged_state():
                saved = train_config_from_dict(meta["train_config"])
                kept = {name: getattr(saved, name) if getattr(given, name, None) is None else getattr(given, name)
                        for name in RESUME_MAY_CHANGE}
                tc = replace(saved, **kept)
                self.model_config = model_config_from_dict(meta["model_config"])
        if arch == "dcgan" and not resumed:  # the article's recipe: 64² crops, GAN loss only, constant rates
            tc = replace(tc, crop=DCGANConfig.size, stats_weight=0.0, band_weight=0.0, lr_floor=1.0)
        self.tc = tc
        _within_bounds(check_train_config, tc)
        self.autocast_dtype = training_dtype(tc.precision)
        try:
            self.augment_policy = parse_policy(tc.diffaug)
        except ValueError as err:
            raise TexganError(str(err)) from None
        self.exemplar_names = [Path(p).stem for p in exemplars]
        # the exemplars the training began with, by name (a resume may be given others)
        self.started_with = list(resumed[1].get("textures") or []) if resumed else self.exemplar_names
        self.exemplars, channels = load_exemplars(exemplars, tc.crop)
        if not resumed:
            cls = ARCHS.get(arch)
            if cls is None:
                raise TexganError(f"unknown architecture '{arch}': choose one of {', '.join(ARCHS)}")
            self.model_config = cls(channels=channels, textures=len(exemplars), **(model_overrides or {}))
            _within_bounds(check_model_config, self.model_config)
            if arch == "tile" and tc.crop % self.model_config.stride:
                raise TexganError(f"--crop {tc.crop} must be a multiple of the stride {self.model_config.stride}")
        elif (self.model_config.channels, self.model_config.textures) != (channels, len(exemplars)):
            raise TexganError("--resume needs the same exemplars as the training it continues")
        if self.model_config.arch == "tile":
            smallest = 2 ** len(self.model_config.d_widths)   # what the discriminator's halvings need
            if tc.crop >> (self.model_config.d_scales - 1) < smallest:
                raise TexganError(f"--d-scales {self.model_config.d_scales} pools the {tc.crop}-px crop "
                                  f"below the discriminator's {smallest} px: use fewer scales or a larger --crop")

        torch.manual_seed(tc.seed)
        self.rng = torch.Generator().manual_seed(tc.seed + 1)   # crops and noise: CPU, repeatable
        mc = self.model_config
        self.G = build_generator(mc).to(self.device)
        self.D = build_discriminator(mc).to(self.device)
        self.G_ema = copy.deepcopy(self.G).eval()
        for p in self.G_ema.parameters():
            p.requires_grad_(False)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=tc.lr_g, betas=tuple(tc.betas))
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=tc.lr_d, betas=tuple(tc.betas))
        self.step, self.seconds = 0, 0.0
        self._calibrated_at = None
        self.saved_step = None          # the step of the checkpoint on disk, if this run has one
        self.patch_loss = PatchSWDLoss(self.exemplars, tc.patch_levels) if tc.patch_weight > 0 else None
        # per-exemplar loss targets, moved to the device once rather than every step
        self._targets = torch.stack([torch.stack([e.mean((1, 2)), e.std((1, 2))])
                                     for e in self.exemplars]).to(self.device)
        self._band_targets = torch.cat([band_covariances(e[None], tc.band_levels, circular=False)
                                        for e in self.exemplars]).to(self.device) if tc.band_weight > 0 else None
        if resumed:
            with self._damaged_state():
                self._restore(*resumed)

    @contextlib.contextmanager
    def _damaged_state(self):
        """A checkpoint that does not fit this code is bad input, not an internal error."""
        try:
            yield
        except (KeyError, ValueError, TypeError, RuntimeError, AttributeError, IndexError) as e:
            raise TexganError(f"cannot resume from {self.state_file}: damaged or written by "
                              f"another TexGAN version ({first_line(e)})") from None

    # ---- data --------------------------------------------------------------------------
    def _crops(self, batch):
        """Random crops (B, C, crop, crop) and the exemplar each came from."""
        c = self.tc.crop
        ids = torch.randint(len(self.exemplars), (batch,), generator=self.rng)
        crops = []
        for i in ids.tolist():
            ex = self.exemplars[i]
            y = int(torch.randint(ex.shape[1] - c + 1, (1,), generator=self.rng))
            x = int(torch.randint(ex.shape[2] - c + 1, (1,), generator=self.rng))
            crop = ex[:, y:y + c, x:x + c]
            if self.tc.augment:
                k = int(torch.randint(4, (1,), generator=self.rng))
                crop = torch.rot90(crop, k, (1, 2))
                if int(torch.randint(2, (1,), generator=self.rng)):
                    crop = crop.flip(2)
            crops.append(crop)
        return torch.stack(crops).to(self.device), ids

    def _noise(self, generator_net, ids):
        cells = self.tc.crop // self.model_config.stride
        noise = generator_net.sample_noise(len(ids), cells, cells, self.rng, ids)
        return {k: v.to(self.device) if torch.is_tensor(v) else v for k, v in noise.items()}

    # ---- one step ----------------------------------------------------------------------
    def lr_scale(self) -> float:
        """This step's share of the base learning rates (`TrainConfig.lr_decay_from`, `lr_floor`).
        A function of the step alone, so a resumed training carries on where it stopped."""
        tc = self.tc
        start = tc.lr_decay_from * tc.steps
        progress = min(max((self.step - start) / max(tc.steps - 1 - start, 1), 0.0), 1.0)
        return 1.0 - (1.0 - tc.lr_floor) * progress

    def train_step(self):
        tc = self.tc
        scale = self.lr_scale()
        for opt, base in ((self.opt_g, tc.lr_g), (self.opt_d, tc.lr_d)):
            for group in opt.param_groups:
                group["lr"] = base * scale
        real, ids = self._crops(tc.batch)
        with torch.no_grad():
            fake = self._generate(ids)
        real = self._augment(real)
        real.requires_grad_(tc.r1 > 0)
        real_logits = self._judge(real, ids)
        loss_d = d_loss(real_logits, self._judge(self._augment(fake), ids), tc.loss)
        if tc.r1 > 0:
            loss_d = loss_d + 0.5 * tc.r1 * r1_penalty(real_logits, real)
        self.opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        self.opt_d.step()

        fake = self._generate(ids)
        loss_adv = g_loss(self._judge(self._augment(fake), ids), tc.loss)
        targets = self._targets[ids]
        loss_stats = colour_stats_loss(fake, targets[:, 0], targets[:, 1])
        loss_g = loss_adv + tc.stats_weight * loss_stats
        if self._band_targets is not None:
            loss_g = loss_g + tc.band_weight * band_stats_loss(fake, self._band_targets[ids])
        if self.patch_loss is not None:
            loss_g = loss_g + tc.patch_weight * self.patch_loss(fake, ids, self.rng)
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_g.step()
        self._update_ema()
        self.step += 1
        return {"d": loss_d.detach().item(), "g": loss_adv.detach().item(), "stats": loss_stats.detach().item()}

    def _autocast(self):
        """The forward passes' precision (`TrainConfig.precision`); losses stay float32."""
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.autocast_dtype)

    def _generate(self, ids):
        with self._autocast():
            return self.G(self._noise(self.G, ids)).float()

    def _judge(self, images, ids):
        """The discriminator's logit maps, in float32."""
        with self._autocast():
            logits = self.D(images, ids)
        return [m.float() for m in logit_maps(logits)]

    def _augment(self, images):
        return diff_augment(images, self.augment_policy, self.rng) if self.augment_policy else images

    @torch.no_grad()
    def _update_ema(self):
        decay = min(self.tc.ema_decay, (1 + self.step) / (10 + self.step))
        for p_ema, p in zip(self.G_ema.parameters(), self.G.parameters()):
            p_ema.lerp_(p, 1 - decay)

    @torch.no_grad()
    def _recalibrate_ema(self, batches=8):
        """Fresh BatchNorm statistics for the averaged weights: the live generator's running
        statistics do not fit them, and the output goes dark (seen while TexGAN was scoped).
        Done once per step at most, however many outputs that step writes."""
        norms = [m for m in self.G_ema.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
        if not norms or self._calibrated_at == self.step:
            return
        self._calibrated_at = self.step
        rng = torch.Generator().manual_seed(12345)
        for m in norms:
            m.reset_running_stats()
            m.momentum = None  # cumulative average over the batches below
        self.G_ema.train()
        cells = self.tc.crop // self.model_config.stride
        for _ in range(batches):
            ids = torch.randint(len(self.exemplars), (self.tc.batch,), generator=rng)
            noise = self.G_ema.sample_noise(self.tc.batch, cells, cells, rng, ids)
            self.G_ema({k: v.to(self.device) if torch.is_tensor(v) else v for k, v in noise.items()})
        self.G_ema.eval()
        for m in norms:
            m.momentum = 0.1

    # ---- loop --------------------------------------------------------------------------
    def run(self) -> str:
        """Train to `steps`; returns "done" or "stopped" (a checkpoint is written either way)."""
        total = self.tc.steps
        in_main_thread = threading.current_thread() is threading.main_thread()
        # SIGHUP: the terminal closed, unless the run was started to outlive it (nohup).
        # Each of them stops with a checkpoint.
        stops = [signal.SIGINT, signal.SIGTERM]
        if hasattr(signal, "SIGHUP") and signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:
            stops.append(signal.SIGHUP)
        signals = stops if in_main_thread else ()
        previous = {sig: signal.signal(sig, self._on_signal) for sig in signals}
        try:
            self._report("start", step=self.step, total=total)
            window_start, window_steps = time.monotonic(), 0
            steps_per_s, sample = 0.0, None
            while self.step < total and not self._should_stop():
                t0 = time.monotonic()
                losses = self.train_step()
                self.seconds += time.monotonic() - t0
                if not all(math.isfinite(v) for v in losses.values()):
                    raise TexganError(self._diverged_message())     # before any save: keep the last good one
                window_steps += 1
                elapsed = time.monotonic() - window_start
                if elapsed > 0:
                    steps_per_s = window_steps / elapsed
                if elapsed > 30:  # a recent window: speed changes when the machine is busy
                    window_start, window_steps = time.monotonic(), 0
                if self.step % self.tc.sample_every == 0 or self.step == total:
                    sample = str(self.write_sample())
                if self.step % self.tc.checkpoint_every == 0 and self.step < total:
                    self.save()
                    self._report("checkpoint", step=self.step, model=str(self.out.resolve()))
                if self.progress:
                    eta = (total - self.step) / steps_per_s if steps_per_s else 0.0
                    self.progress.update(self.step, total, losses, steps_per_s, eta, sample)
            self.save()
            kind = "stopped" if self.step < total else "done"
            self._report(kind, step=self.step, model=str(self.out.resolve()))
            return kind
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _diverged_message(self) -> str:
        kept = "nothing was saved" if self.saved_step is None else f"the checkpoint of step {self.saved_step} is kept"
        return (f"training diverged at step {self.step} (its losses or weights are no longer numbers); {kept}. "
                f"Start again with another --seed or lower learning rates")

    def _on_signal(self, signum, frame):
        self.stop_reason = signum

    def _should_stop(self):
        if self.stop_reason is None and getattr(self.progress, "lost", False):
            self.stop_reason = "progress reader gone"     # e.g. Blender quit: stop, keep the work
        if self.stop_reason is None and self.stop_file is not None and os.path.lexists(self.stop_file):
            self.stop_reason = "stop-file"
            _remove_quietly(self.stop_file)   # answered: a leftover would stop the next run
        return self.stop_reason is not None

    def _report(self, kind, **fields):
        if self.progress:
            self.progress.event(kind, **fields)

    # ---- outputs -----------------------------------------------------------------------
    def sample_images(self, seeds=(0, 1, 2, 3), size=None):
        """Images from the EMA generator, one per seed, cycling through the exemplars."""
        self._recalibrate_ema()
        model = TextureModel(self.G_ema, self.model_config, {"textures": self.exemplar_names}, self.device)
        size = size or max(2 * self.tc.crop, model.stride)
        return [model.generate(size, size, seed=s, texture=i % len(self.exemplars)) for i, s in enumerate(seeds)]

    def write_sample(self) -> Path:
        path = samples_dir(self.out) / f"step_{self.step:07d}.png"
        save_png(path, grid(self.sample_images(), 2))
        return path.resolve()

    def save(self):
        """The model file (for generation), then the full state (for --resume). A generator
        whose numbers (weights, BatchNorm statistics, its sample) are not all numbers is not
        saved: it would replace the last good checkpoint with one that draws black."""
        first = self.sample_images(seeds=(0,))[0]
        values = [v for v in self.G_ema.state_dict().values() if v.is_floating_point()]
        if not (np.isfinite(first).all() and all(torch.isfinite(v).all() for v in values)):
            raise TexganError(self._diverged_message())
        thumb = resize(first, 128, 128)
        training = {"steps": self.step, "target_steps": self.tc.steps, "seconds": round(self.seconds, 1),
                    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                    "device": str(self.device), "recipe": asdict(self.tc)}
        save_model(self.out, self.G_ema, self.model_config, self.exemplar_names, training, png_bytes(thumb))
        parts = {"g": self.G.state_dict(), "d": self.D.state_dict(), "g_ema": self.G_ema.state_dict(),
                 "rng": {"torch": torch.get_rng_state(), "data": self.rng.get_state()}}
        meta = {"step": self.step, "seconds": self.seconds, "train_config": asdict(self.tc),
                "model_config": asdict(self.model_config), "textures": self.exemplar_names}
        for name, opt in (("opt_g", self.opt_g), ("opt_d", self.opt_d)):
            sd = opt.state_dict()
            parts[name] = {f"{i}.{k}": v for i, s in sd["state"].items() for k, v in s.items()}
            meta[name + "_groups"] = sd["param_groups"]
        save_state(self.state_file, parts, meta)
        self.saved_step = self.step

    def _restore(self, parts, meta):
        self.G.load_state_dict(parts["g"])
        self.D.load_state_dict(parts["d"])
        self.G_ema.load_state_dict(parts["g_ema"])
        for name, opt in (("opt_g", self.opt_g), ("opt_d", self.opt_d)):
            state = {}
            for key, value in parts.get(name, {}).items():
                index, _, field = key.partition(".")
                state.setdefault(int(index), {})[field] = value
            opt.load_state_dict({"state": state, "param_groups": meta[name + "_groups"]})
            for group in opt.param_groups:   # Adam would fail at the first step, not here
                for param in group["params"]:
                    moments = opt.state.get(param)
                    if moments and any(moments[k].shape != param.shape for k in ("exp_avg", "exp_avg_sq")):
                        raise ValueError("optimiser state does not fit the networks")
        torch.set_rng_state(parts["rng"]["torch"])
        self.rng.set_state(parts["rng"]["data"])
        self.step, self.seconds = int(meta["step"]), float(meta["seconds"])
        self.saved_step = self.step
