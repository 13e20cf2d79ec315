"""Training: repeatable, resumable, stoppable without losing work."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

import texgan_core
from texgan_testutils import ROOT, TINY
from texgan_core.config import TrainConfig
from texgan_core.train import Trainer, state_path


def _trainer(exemplar, out, steps, recipe=None, **kw):
    tc = TrainConfig(steps=steps, crop=64, batch=2, checkpoint_every=100, sample_every=100, seed=3, **(recipe or {}))
    return Trainer([exemplar], out, train_config=tc, device="cpu", model_overrides=TINY, **kw)


def test_a_fixed_seed_repeats_and_resume_continues_the_same_run(exemplar, tmp_path):
    straight = _trainer(exemplar, tmp_path / "a.texgan", 4)
    straight.run()
    first_half = _trainer(exemplar, tmp_path / "b.texgan", 4)  # the same run, stopped after 2 steps
    for _ in range(2):
        first_half.train_step()
    first_half.save()
    resumed = _trainer(exemplar, tmp_path / "b.texgan", None, resume=True)
    assert resumed.step == 2
    resumed.run()
    assert resumed.step == 4
    for (name, a), b in zip(straight.G.state_dict().items(), resumed.G.state_dict().values()):
        assert torch.allclose(a, b, atol=1e-6), name
    again = _trainer(exemplar, tmp_path / "c.texgan", 4)
    again.run()
    for a, b in zip(straight.G.parameters(), again.G.parameters()):
        assert torch.equal(a, b)
    info = texgan_core.load_model(tmp_path / "b.texgan", device="cpu").info
    assert info["training"]["steps"] == 4
    # from the API with no recipe at all: the same length, not the default recipe's 2,000 steps
    assert Trainer([exemplar], tmp_path / "b.texgan", device="cpu", resume=True).tc.steps == 4


def _cli(*args, **kw):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "texgan_core", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, **kw)


def _as_if_from_a_terminal():
    """SIGHUP as a terminal's child has it, even when the tests run under nohup (whose
    ignored SIGHUP a training keeps on purpose, and inherits)."""
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def _events_until(proc, kind, timeout=120):
    deadline = time.monotonic() + timeout
    events = []
    for line in proc.stdout:
        events.append(json.loads(line))
        if events[-1]["event"] == kind or time.monotonic() > deadline:
            return events
    return events


def test_sigterm_leaves_a_loadable_checkpoint_and_resume_continues(exemplar, tmp_path):
    out = tmp_path / "sig.texgan"
    proc = _cli("train", exemplar, "--out", out, "--steps", 100000, "--crop", 64, "--batch", 2,
                "--progress", "json", "--sample-every", 3, "--checkpoint-every", 1000)
    events = _events_until(proc, "progress")
    assert events[0] == {"event": "start", "step": 0, "total": 100000}
    progress = events[-1]
    assert progress["event"] == "progress" and progress["total"] == 100000
    assert {"step", "losses", "steps_per_s", "eta_s", "sample"} <= progress.keys()
    proc.send_signal(signal.SIGTERM)
    rest, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM, err
    last = json.loads(rest.splitlines()[-1])
    assert last["event"] == "stopped" and last["step"] >= 1
    model = texgan_core.load_model(out, device="cpu")
    assert model.info["training"]["steps"] == last["step"]
    assert model.generate(64, 64).std() > 0

    proc = _cli("train", exemplar, "--out", out, "--steps", last["step"] + 2, "--resume", "--progress", "json")
    lines, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    events = [json.loads(l) for l in lines.splitlines()]
    assert events[0] == {"event": "start", "step": last["step"], "total": last["step"] + 2}
    assert events[-1]["event"] == "done" and events[-1]["step"] == last["step"] + 2


def test_stop_file_stops_cleanly_with_a_checkpoint(exemplar, tmp_path):
    out, stop = tmp_path / "s.texgan", tmp_path / "stop"
    proc = _cli("train", exemplar, "--out", out, "--steps", 100000, "--crop", 64, "--batch", 2,
                "--progress", "json", "--stop-file", stop)
    _events_until(proc, "progress")
    stop.touch()
    rest, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert json.loads(rest.splitlines()[-1])["event"] == "stopped"
    assert state_path(out).is_file() and texgan_core.load_model(out, device="cpu")
    assert not stop.exists()        # answered, so it cannot stop the resumed run at once


def test_resume_without_steps_keeps_the_original_target(exemplar, tmp_path):
    out = tmp_path / "r.texgan"
    _trainer(exemplar, out, 3).save()  # stopped before its first step: a checkpoint at step 0
    proc = _cli("train", exemplar, "--out", out, "--resume", "--progress", "json")
    lines, err = proc.communicate(timeout=300)
    events = [json.loads(line) for line in lines.splitlines()]
    assert events[0] == {"event": "start", "step": 0, "total": 3}
    assert events[-1]["event"] == "done" and events[-1]["step"] == 3


def test_an_overwriting_training_killed_early_leaves_no_old_checkpoint_to_resume(exemplar, tmp_path):
    """--overwrite starts anew: until its first checkpoint the old .state stayed, and a
    --resume after a crash silently continued the training it was meant to replace."""
    out = tmp_path / "o.texgan"
    small = ("--crop", 64, "--batch", 2, "--progress", "json")
    first = _cli("train", exemplar, "--out", out, "--steps", 1, *small)
    first.communicate(timeout=300)
    assert first.returncode == 0 and state_path(out).is_file()
    again = _cli("train", exemplar, "--out", out, "--steps", 100000, "--checkpoint-every", 100000,
                 "--overwrite", *small)
    assert _events_until(again, "start")[-1]["event"] == "start"
    again.kill()
    again.communicate()
    assert not state_path(out).exists()


def test_sigkill_at_any_moment_keeps_the_previous_checkpoint_loadable(exemplar, tmp_path):
    """Checkpoints are written every step; kill -9 lands during writes too."""
    out = tmp_path / "k.texgan"
    for delay in (0.0, 0.05, 0.13, 0.31):
        proc = _cli("train", exemplar, "--out", out, "--steps", 100000, "--crop", 64, "--batch", 2,
                    "--progress", "json", "--checkpoint-every", 1, "--sample-every", 1000,
                    *(["--resume"] if state_path(out).exists() else []))
        _events_until(proc, "checkpoint")
        time.sleep(delay)
        proc.kill()
        proc.communicate()
        assert texgan_core.load_model(out, device="cpu").generate(64, 64).shape == (64, 64, 3)
        Trainer([exemplar], out, train_config=TrainConfig(crop=64), device="cpu", resume=True)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) <= 4  # a killed write may leave its temporary, never a broken target


@pytest.mark.parametrize("damage", ["not numbers", "blown up"])
def test_weights_that_are_not_numbers_never_replace_the_saved_model(exemplar, tmp_path, damage):
    """Losses can stay finite while the averaged weights are not (a damaged recipe), or are
    finite but so large that the texture is not: saving either would replace the last good
    model with one that draws black."""
    from texgan_core.errors import TexganError

    out = tmp_path / "w.texgan"
    trainer = _trainer(exemplar, out, 10)
    trainer.train_step()
    trainer.save()
    good, good_state = out.read_bytes(), state_path(out).read_bytes()
    with torch.no_grad():
        for name, weight in trainer.G_ema.named_parameters():
            if damage == "not numbers":
                weight.fill_(float("nan"))
                break
            if name.endswith("conv.weight"):
                weight.mul_(1e12)
    with pytest.raises(TexganError, match="diverged at step 1 .*the checkpoint of step 1 is kept"):
        trainer.save()
    assert out.read_bytes() == good and state_path(out).read_bytes() == good_state


def test_dcgan_baseline_trains_saves_and_generates_64px(exemplar, tmp_path):
    tc = TrainConfig(steps=3, batch=4, sample_every=100)
    trainer = Trainer([exemplar], tmp_path / "d.texgan", arch="dcgan", train_config=tc, device="cpu")
    assert trainer.run() == "done"
    model = texgan_core.load_model(tmp_path / "d.texgan", device="cpu")
    assert model.info["arch"] == "dcgan" and model.stride == 64
    image = model.generate(64, 64, seed=1)
    assert image.shape == (64, 64, 3) and image.std() > 0
    assert np.array_equal(image, model.generate(64, 64, seed=1))
    mosaic = model.generate(192, 128, seed=2)  # larger sizes: a mosaic of samples, made row by row
    assert np.abs(mosaic - model.generate(192, 128, seed=2, chunk=64)).max() < 1e-4
    with pytest.raises(texgan_core.errors.TexganError):
        model.generate(100, 64)


def test_an_unknown_loss_is_refused_not_trained_as_the_default(exemplar, tmp_path):
    with pytest.raises(texgan_core.errors.TexganError, match="loss must be one of nonsaturating, hinge, not 'hing'"):
        Trainer([exemplar], tmp_path / "h.texgan", train_config=TrainConfig(loss="hing"), device="cpu")


def test_hinge_loss_and_r1_penalty_train(exemplar, tmp_path):
    tc = TrainConfig(steps=2, crop=64, batch=2, sample_every=100, loss="hinge", r1=1.0)
    trainer = Trainer([exemplar], tmp_path / "h.texgan", train_config=tc, device="cpu", model_overrides=TINY)
    losses = trainer.train_step()
    assert all(np.isfinite(v) for v in losses.values())
    # the penalty is really applied: D's gradient differs with and without it
    from texgan_core.losses import d_loss, r1_penalty

    real, ids = trainer._crops(2)
    real.requires_grad_(True)
    logits = trainer.D(real, ids)
    assert r1_penalty(logits, real).item() > 0
    assert d_loss(logits, [-m for m in logits], "hinge").item() >= 0


def test_grey_exemplar_gives_a_grey_model(tmp_path):
    from PIL import Image

    from texgan_testutils import make_texture

    grey = (make_texture(96, channels=1)[..., 0] * 255).astype(np.uint8)
    Image.fromarray(grey).save(tmp_path / "g.png")
    _trainer(Path(tmp_path / "g.png"), tmp_path / "g.texgan", 1).run()
    assert texgan_core.load_model(tmp_path / "g.texgan", device="cpu").generate(64, 64).shape == (64, 64, 1)


def test_learning_rates_fall_to_their_floor_and_resume_where_they_were(exemplar, tmp_path):
    """Constant up to `lr_decay_from` of the steps, then linearly down to `lr_floor` at the
    last step, for both networks; a resumed training takes up the schedule at its step."""
    def trainer(out, **kw):
        return _trainer(exemplar, out, 8, {"lr_decay_from": 0.5, "lr_floor": 0.1}, **kw)

    def rates(t, steps):
        out = []
        for _ in range(steps):
            t.train_step()
            out.append((t.opt_g.param_groups[0]["lr"], t.opt_d.param_groups[0]["lr"]))
        return out

    straight = rates(trainer(tmp_path / "a.texgan"), 8)
    lr = TrainConfig().lr_g
    assert [g for g, _ in straight] == pytest.approx([lr] * 5 + [lr * 0.7, lr * 0.4, lr * 0.1])
    assert [d for _, d in straight] == pytest.approx([g for g, _ in straight])
    first = trainer(tmp_path / "b.texgan")
    head = rates(first, 5)
    first.save()
    tail = rates(trainer(tmp_path / "b.texgan", resume=True), 3)
    assert head + tail == pytest.approx(straight)


def test_a_training_saved_before_the_schedule_resumes_with_constant_rates(exemplar, tmp_path):
    from texgan_core.modelfile import load_state, save_state

    out = tmp_path / "old.texgan"
    first = _trainer(exemplar, out, 4)
    first.train_step()
    first.save()
    parts, meta = load_state(state_path(out))
    del meta["train_config"]["lr_floor"]  # as written before the key existed
    save_state(state_path(out), parts, meta)
    resumed = _trainer(exemplar, out, None, resume=True)
    assert resumed.tc.lr_floor == 1.0
    for _ in range(3):
        resumed.train_step()
        assert resumed.opt_g.param_groups[0]["lr"] == resumed.tc.lr_g
    assert _trainer(exemplar, tmp_path / "new.texgan", 4).tc.lr_floor < 1.0  # new trainings decay


def _output_dtypes_of_last_convs(trainer):
    """The dtypes the generator's and the discriminator's last convolutions compute in, as
    seen by the following training steps."""
    seen = set()
    for net in (trainer.G, trainer.D):
        last = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)][-1]
        last.register_forward_hook(lambda module, args, out: seen.add(out.dtype))
    return seen


def test_bfloat16_runs_the_forward_passes_and_keeps_weights_and_losses_float32(exemplar, tmp_path):
    """`precision="bf16"`: the convolutions compute in bfloat16 (a sixth to a third off a CPU
    step where the hardware has it); the weights, losses and the saved model stay float32.
    The default stays float32 throughout."""
    trainer = _trainer(exemplar, tmp_path / "b.texgan", 3, {"precision": "bf16"})
    seen = _output_dtypes_of_last_convs(trainer)
    losses = trainer.train_step()
    assert seen == {torch.bfloat16}
    assert all(np.isfinite(v) for v in losses.values())
    trainer.run()
    assert all(p.dtype == torch.float32 for p in trainer.G_ema.parameters())
    model = texgan_core.load_model(tmp_path / "b.texgan", device="cpu")
    assert model.info["training"]["recipe"]["precision"] == "bf16"
    image = model.generate(64, 64, seed=1)
    assert image.dtype == np.float32 and np.isfinite(image).all()
    fp32 = _trainer(exemplar, tmp_path / "f.texgan", 3)
    seen = _output_dtypes_of_last_convs(fp32)
    fp32.train_step()
    assert seen == {torch.float32}


def test_precision_is_checked_and_native_bfloat16_is_read_from_the_cpu(monkeypatch):
    from texgan_core.devices import native_bf16, training_dtype
    from texgan_core.errors import TexganError

    assert training_dtype("bf16") is torch.bfloat16 and training_dtype("fp32") is None
    with pytest.raises(TexganError, match="unknown precision"):
        training_dtype("fp16")
    cpu = torch.device("cpu")
    monkeypatch.setattr(torch.cpu, "get_capabilities", lambda: {"avx512_bf16": False, "amx_bf16": False})
    assert not native_bf16(cpu)
    monkeypatch.setattr(torch.cpu, "get_capabilities", lambda: {"avx512_bf16": True})
    assert native_bf16(cpu)
    assert not native_bf16(torch.device("mps"))


def _stopped_with_a_checkpoint(out, proc, expected_returncode):
    rest, err = proc.communicate(timeout=120)
    assert proc.returncode == expected_returncode, err
    assert "Traceback" not in err and "Broken pipe" not in err, err
    steps = texgan_core.load_model(out, device="cpu").info["training"]["steps"]
    assert steps >= 1 and state_path(out).is_file()
    return steps


@pytest.mark.parametrize("how", ["SIGHUP", "stop file made a folder", "progress reader gone",
                                 "Stop pressed before the first step"])
def test_every_way_a_training_is_stopped_keeps_its_checkpoint(exemplar, tmp_path, how):
    """A closed terminal (SIGHUP), a stop file that cannot be deleted, a reader that went
    away (Blender quit while the panel read the progress): each used to end the run with
    nothing saved since the last checkpoint; here the run never reaches one of its own."""
    out, stop = tmp_path / "m.texgan", tmp_path / "STOP"
    proc = _cli("train", exemplar, "--out", out, "--steps", 100000, "--crop", 64, "--batch", 2,
                "--progress", "json", "--checkpoint-every", 100000, "--sample-every", 100000,
                "--stop-file", stop, preexec_fn=_as_if_from_a_terminal)
    if how == "Stop pressed before the first step":   # the panel's Stop, while torch still loads
        stop.touch()
        rest, err = proc.communicate(timeout=120)
        assert proc.returncode == 0 and json.loads(rest.splitlines()[-1])["event"] == "stopped", err
        assert state_path(out).is_file() and not stop.exists()
        return
    _events_until(proc, "progress")
    if how == "SIGHUP":
        proc.send_signal(signal.SIGHUP)
        _stopped_with_a_checkpoint(out, proc, 128 + signal.SIGHUP)
    elif how == "stop file made a folder":
        stop.mkdir()
        _stopped_with_a_checkpoint(out, proc, 0)
    else:
        proc.stdout.close()
        proc.stdout = None
        _stopped_with_a_checkpoint(out, proc, 0)


def test_a_checkpoint_whose_optimiser_state_does_not_fit_is_refused_on_resume(exemplar, tmp_path):
    from texgan_core.errors import TexganError
    from texgan_core.fileformat import read_container, write_container

    out = tmp_path / "o.texgan"
    trainer = _trainer(exemplar, out, 2)
    trainer.run()
    meta, entries = read_container(state_path(out))
    renamed = {name.replace("0.exp_avg_sq", "0.exp_avg_sqr"): entry for name, entry in entries.items()}
    assert renamed.keys() != entries.keys()
    write_container(state_path(out), renamed, meta)
    with pytest.raises(TexganError, match="cannot resume"):
        _trainer(exemplar, out, 4, resume=True)


def test_resume_says_which_recipe_options_it_ignores_and_applies_how_often_to_checkpoint(exemplar, tmp_path):
    """The recipe is the checkpoint's, so that a resumed run is the run it continues; options
    that would change it are named, not dropped in silence. How often checkpoints and
    samples are written is not the recipe: it applies."""
    out = tmp_path / "r.texgan"
    _trainer(exemplar, out, 2).save()
    proc = _cli("train", exemplar, "--out", out, "--resume", "--steps", 4, "--batch", 4, "--seed", 9,
                "--checkpoint-every", 1, "--progress", "json")
    lines, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert "--resume continues the checkpoint's recipe: --seed, --batch ignored" in err
    events = [json.loads(line) for line in lines.splitlines()]
    assert [e["step"] for e in events if e["event"] == "checkpoint"] == [1, 2, 3]
    recipe = texgan_core.load_model(out, device="cpu").info["training"]["recipe"]
    assert (recipe["batch"], recipe["seed"], recipe["checkpoint_every"]) == (2, 3, 1)
    proc = _cli("train", exemplar, "--out", out, "--resume", "--steps", 6, "--progress", "json")
    lines, err = proc.communicate(timeout=300)     # not given again: the checkpoint's interval
    events = [json.loads(line) for line in lines.splitlines()]
    assert [e["step"] for e in events if e["event"] == "checkpoint"] == [5], err


def test_a_training_started_to_outlive_its_terminal_ignores_sighup(exemplar, tmp_path):
    """`nohup texgan train ...`: SIGHUP is ignored on purpose, and stays ignored."""
    out = tmp_path / "n.texgan"
    proc = _cli("train", exemplar, "--out", out, "--steps", 100000, "--crop", 64, "--batch", 2,
                "--progress", "json", "--sample-every", 100000,
                preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN))
    step = _events_until(proc, "progress")[-1]["step"]
    proc.send_signal(signal.SIGHUP)
    assert _events_until(proc, "progress")[-1]["step"] > step          # still training
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM, err


def test_a_training_that_diverges_stops_and_keeps_its_last_good_checkpoint(exemplar, tmp_path):
    """Once the losses are no longer numbers every later checkpoint would hold NaN weights
    (a black texture) and replace the good one: the run must stop and say so instead."""
    from texgan_core.errors import TexganError

    out = tmp_path / "d.texgan"
    trainer = _trainer(exemplar, out, 10)       # checkpoints every 100 steps: the next after step 2 is at the end
    for _ in range(2):
        trainer.train_step()
    trainer.save()
    good = out.read_bytes()
    with torch.no_grad():                       # what an exploding step leaves behind
        next(trainer.D.parameters()).fill_(float("nan"))
    with pytest.raises(TexganError, match="diverged at step 3 .*the checkpoint of step 2 is kept"):
        trainer.run()
    assert out.read_bytes() == good
    model = texgan_core.load_model(out, device="cpu")
    assert np.isfinite(model.generate(32, 32, seed=0)).all() and model.info["training"]["steps"] == 2
