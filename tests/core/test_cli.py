"""The CLI end to end, and every bad input ending in one line on stderr and exit status 2."""

import io
import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from texgan_testutils import ROOT, make_texture, save_rgb, with_header


class _Terminal(io.StringIO):
    """stderr as a terminal: bars are redrawn in place on it."""

    def isatty(self):
        return True


def texgan(*args, cwd=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "texgan_core", *map(str, args)], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=600)


def test_train_info_generate_end_to_end(exemplar, tmp_path):
    model = tmp_path / "e2e.texgan"
    r = texgan("train", exemplar, "--out", model, "--steps", 3, "--crop", 64, "--batch", 2, "--seed", 1)
    assert r.returncode == 0, r.stderr
    assert "[" in r.stderr and "step/s" in r.stderr and "ETA" in r.stderr  # the progress bar
    assert "Warning" not in r.stderr

    r = texgan("info", model, "--json")
    info = json.loads(r.stdout)
    assert info["arch"] == "tile" and info["training"]["steps"] == 3

    r = texgan("generate", model, "--size", "128x96", "--seed", 4, "--out", tmp_path / "one.png", "--preview")
    assert r.returncode == 0, r.stderr
    with Image.open(tmp_path / "one.png") as im:
        assert im.size == (128, 96) and im.mode == "RGB"
    with Image.open(tmp_path / "one_tiled2x2.png") as im:
        assert im.size == (256, 192)

    r = texgan("generate", model, "--size", "64x64", "--count", 3, "--bits", 16, "--out", tmp_path / "many")
    assert r.returncode == 0, r.stderr
    files = sorted((tmp_path / "many").glob("*.png"))
    assert len(files) == 3
    arrays = [np.asarray(Image.open(f)) for f in files]
    assert (tmp_path / "many" / "e2e_seed0.png").read_bytes()[24] == 16
    assert not np.array_equal(arrays[0], arrays[1])


def test_several_seeds_named_like_one_png_are_written_beside_it(tmp_path):
    """--count 2 --out wall.png made a folder called wall.png."""
    r = texgan("generate", "bricks", "--size", "64x64", "--count", 2, "--seed", 5, "--out", tmp_path / "wall.png")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wall_seed5.png", "wall_seed6.png"]


def test_a_finished_model_is_replaced_only_when_asked(exemplar, tmp_path):
    """Without its .state a finished model was overwritten by any new training of that name."""
    model = tmp_path / "mine.texgan"
    first = ("train", exemplar, "--out", model, "--steps", 1, "--crop", 32, "--batch", 2)
    assert texgan(*first).returncode == 0
    (tmp_path / "mine.texgan.state").unlink()
    kept = model.read_bytes()
    r = texgan(*first)
    assert r.returncode == 2 and "add --overwrite" in r.stderr and model.read_bytes() == kept
    r = texgan(*first, "--seed", 3, "--overwrite")
    assert r.returncode == 0, r.stderr
    assert model.read_bytes() != kept


def test_a_resume_on_other_exemplars_says_so(exemplar, tmp_path):
    """It went on without a word, learning another material from then on."""
    model, other = tmp_path / "r.texgan", save_rgb(tmp_path / "gravel.png", make_texture(96, seed=5))
    small = ("--crop", 32, "--batch", 2)
    assert texgan("train", exemplar, "--out", model, "--steps", 1, *small).returncode == 0
    same = texgan("train", exemplar, "--out", model, "--steps", 2, "--resume")
    assert same.returncode == 0 and "note" not in same.stderr
    r = texgan("train", other, "--out", model, "--steps", 3, "--resume")
    assert r.returncode == 0, r.stderr
    assert f"note: the training began on {exemplar.stem} and continues on gravel" in r.stderr


def test_an_animated_exemplar_says_only_its_first_frame_is_learnt(tmp_path):
    """A GIF of three frames trained on its first without a word."""
    frames = [Image.fromarray((make_texture(72, seed=s) * 255).astype(np.uint8)) for s in range(3)]
    frames[0].save(tmp_path / "flicker.gif", save_all=True, append_images=frames[1:])
    r = texgan("train", tmp_path / "flicker.gif", "--out", tmp_path / "f.texgan", "--steps", 1, "--crop", 64,
               "--batch", 2, "--progress", "json")
    assert r.returncode == 0, r.stderr
    assert "note: flicker.gif (3): several frames or pages; training learns from the first" in r.stderr
    assert any(json.loads(line)["event"] == "note" and "flicker.gif (3)" in line for line in r.stdout.splitlines())


def test_recipe_defaults_and_the_options_that_change_them(exemplar, tmp_path):
    """No sine planes, one noise map a level and bilinear upsampling by default
    (bench/EXPERIMENTS.md); each changed on request."""
    for name, extra, planes, noise, upsample in (
            ("default", (), 0, 1, "bilinear"), ("planes", ("--periodic", 3), 3, 1, "bilinear"),
            ("no-noise", ("--level-noise", 0), 0, 0, "bilinear"),
            ("nearest", ("--upsample", "nearest"), 0, 1, "nearest")):
        r = texgan("train", exemplar, "--out", tmp_path / f"{name}.texgan", "--steps", 1, "--crop", 64,
                   "--batch", 2, *extra)
        assert r.returncode == 0 and "Warning" not in r.stderr, r.stderr
        info = json.loads(texgan("info", tmp_path / f"{name}.texgan", "--json").stdout)
        assert (info["config"]["periodic_dim"], info["config"]["level_noise"], info["config"]["upsample"]) == \
            (planes, noise, upsample)


def test_a_kind_of_material_trains_with_the_options_measured_best_on_it(exemplar, tmp_path):
    """--kind regular is the hinge loss, granular nearest upsampling; an option given beside
    it wins, and a resume keeps the recipe it began with, saying --kind is ignored."""
    def trained(name, *extra):
        r = texgan("train", exemplar, "--out", tmp_path / f"{name}.texgan", "--steps", 1, "--crop", 64,
                   "--batch", 2, *extra)
        assert r.returncode == 0, r.stderr
        info = json.loads(texgan("info", tmp_path / f"{name}.texgan", "--json").stdout)
        return info["training"]["recipe"]["loss"], info["config"]["upsample"]

    assert trained("any", "--kind", "any") == ("nonsaturating", "bilinear")
    assert trained("wall", "--kind", "regular") == ("hinge", "bilinear")
    assert trained("gravel", "--kind", "granular") == ("nonsaturating", "nearest")
    assert trained("chosen", "--kind", "granular", "--upsample", "bilinear") == ("nonsaturating", "bilinear")
    r = texgan("train", exemplar, "--out", tmp_path / "wall.texgan", "--steps", 2, "--resume", "--kind", "granular")
    assert r.returncode == 0, r.stderr
    assert "--kind ignored" in r.stderr
    info = json.loads(texgan("info", tmp_path / "wall.texgan", "--json").stdout)
    assert (info["training"]["recipe"]["loss"], info["config"]["upsample"]) == ("hinge", "bilinear")
    r = texgan("train", exemplar, "--out", tmp_path / "d.texgan", "--arch", "dcgan", "--kind", "regular")
    assert r.returncode == 2 and r.stderr.strip() == "texgan: error: --kind is for --arch tile", r.stderr


def test_a_small_exemplar_trains_on_crops_that_fit_it(tmp_path):
    """A 72-px game texture with no --crop: 64-px crops (the stride's largest multiple), said
    in one note; an explicit --crop is never changed (the bad-input cases)."""
    save_rgb(tmp_path / "small.png", make_texture(72))
    r = texgan("train", tmp_path / "small.png", "--out", tmp_path / "s.texgan", "--steps", 1, "--batch", 2)
    assert r.returncode == 0, r.stderr
    assert "training on 64-px crops" in r.stderr
    info = json.loads(texgan("info", tmp_path / "s.texgan", "--json").stdout)
    assert info["training"]["recipe"]["crop"] == 64
    # programs (the Blender panel) get the note as an event before training starts
    r = texgan("train", tmp_path / "small.png", "--out", tmp_path / "j.texgan", "--steps", 1, "--batch", 2,
               "--progress", "json")
    events = [json.loads(line) for line in r.stdout.splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds.index("note") < kinds.index("start"), kinds
    assert "training on 64-px crops" in events[kinds.index("note")]["message"]
    # a resume (after Blender restarted, say) says it again: the checkpoint keeps the crop
    r = texgan("train", tmp_path / "small.png", "--out", tmp_path / "j.texgan", "--steps", 2, "--resume",
               "--progress", "json")
    notes = [json.loads(line) for line in r.stdout.splitlines() if '"note"' in line]
    assert r.returncode == 0 and len(notes) == 1 and "training on 64-px crops" in notes[0]["message"], r.stderr


def test_a_learning_rate_floor_of_one_keeps_the_rates_constant(exemplar, tmp_path):
    """The Blender panel's Quick preset trains this way (the schedule itself: test_training)."""
    r = texgan("train", exemplar, "--out", tmp_path / "q.texgan", "--steps", 2, "--crop", 64,
               "--batch", 2, "--lr-floor", 1)
    assert r.returncode == 0, r.stderr
    recipe = json.loads(texgan("info", tmp_path / "q.texgan", "--json").stdout)["training"]["recipe"]
    assert recipe["lr_floor"] == 1.0


def test_train_with_augmentation_two_scales_one_thread_and_bfloat16(exemplar, tmp_path):
    r = texgan("train", exemplar, "--out", tmp_path / "a.texgan", "--steps", 1, "--crop", 64, "--batch", 2,
               "--diffaug", "color,cutout", "--d-scales", 2, "--d-fine", 16, "--threads", 1, "--precision", "bf16")
    assert r.returncode == 0, r.stderr
    info = json.loads(texgan("info", tmp_path / "a.texgan", "--json").stdout)
    assert (info["config"]["d_scales"], info["config"]["d_fine"]) == (2, 16)
    assert info["training"]["recipe"]["diffaug"] == "color,cutout"
    assert info["training"]["recipe"]["precision"] == "bf16"
    assert "(bf16)" in texgan("info", tmp_path / "a.texgan").stdout


def test_bundled_models_are_listed_and_generate_by_name(tmp_path):
    r = texgan("models")
    names = [line.split()[0] for line in r.stdout.splitlines()]
    assert len(names) >= 3 and "bricks" in names
    r = texgan("generate", "bricks", "--size", "256x256", "--out", tmp_path / "b.png")
    assert r.returncode == 0, r.stderr
    assert Image.open(tmp_path / "b.png").size == (256, 256)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    save_rgb(folder / "small.png", make_texture(40))
    (folder / "text.png").write_text("hello")
    (folder / "corrupt.texgan").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}")
    save_rgb(folder / "tiny8.png", make_texture(8))
    (folder / "adir.texgan").mkdir()
    (folder / "afolder.png").mkdir()
    (folder / "junk.texgan.state").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}")
    bundled = (ROOT / "texgan_core" / "models" / "bricks.texgan").read_bytes()
    (folder / "truncated.texgan").write_bytes(bundled[:len(bundled) // 2])
    for name in ("damaged", "kept"):        # a model file where a training state should be
        (folder / f"{name}.texgan.state").write_bytes(bundled)
    from texgan_core.fileformat import read_container, write_container
    write_container(folder / "only.texgan.state", {}, {"step": 3})
    info, entries = read_container(ROOT / "texgan_core" / "models" / "bricks.texgan")
    for name, changes in {"five_channels": {"config": {**info["config"], "channels": 5}},
                          "extra_names": {"textures": info["textures"] + ["ghost"]},
                          "odd_recipe": {"training": {**info["training"], "recipe": "fast"}}}.items():
        write_container(folder / f"{name}.texgan", entries, {**info, **changes})
    weight = next(k for k, (dtype, _, _) in entries.items() if k.startswith("g.") and dtype == "F32")
    dtype, shape, raw = entries[weight]
    write_container(folder / "nan_weights.texgan", {**entries, weight: (dtype, shape, b"\xff" * len(raw))}, info)
    write_container(folder / "flipped.texgan", entries, info)      # as written now: with a checksum
    flipped = bytearray((folder / "flipped.texgan").read_bytes())
    flipped[len(flipped) // 2] ^= 0x10                                  # one bit, inside the weights
    (folder / "flipped.texgan").write_bytes(bytes(flipped))
    (folder / "photo.texgan").write_bytes((folder / "small.png").read_bytes())   # a PNG, oddly named
    (folder / "appended.texgan").write_bytes(bundled + bytes(4096))       # a file grown past its tensors
    with_header(folder / "nested.texgan", bundled, lambda h: h["__metadata__"].update(
        info='{"arch": "tile", "x": ' + "[" * 100000 + "]" * 100000 + "}"))
    with_header(folder / "float_offsets.texgan", bundled, lambda h: h[next(k for k in h if k != "__metadata__")]
                 .update(data_offsets=[0.0, 4.0]))
    (folder / "finished.texgan").write_bytes(bundled)                       # a model its maker keeps
    recipe = {"train_config": {"checkpoint_every": 0}, "model_config": info["config"], "step": 3}
    write_container(folder / "bad_recipe.texgan.state", {}, recipe)
    os.makedirs(folder / "run_samples")
    save_rgb(folder / "run_samples" / "photo.png", make_texture(40))
    (folder / "linked.png").symlink_to(folder / "small.png" / "o.png")   # a link nowhere writable
    (folder / "loop1.png").symlink_to(folder / "loop2.png")
    (folder / "loop2.png").symlink_to(folder / "loop1.png")
    (folder / "loop1.texgan").symlink_to(folder / "loop2.texgan")
    (folder / "loop2.texgan").symlink_to(folder / "loop1.texgan")
    for name in LOCKED:     # marked read-only by the artist
        (folder / name).write_bytes(b"keep me")
        (folder / name).chmod(0o444)
    return folder


LOCKED = ("locked.png", "locked.texgan")
BAD = {
    "missing exemplar": ["train", "{d}/nope.png", "--out", "{d}/m.texgan"],
    "non-image exemplar": ["train", "{d}/text.png", "--out", "{d}/m.texgan"],
    "exemplar smaller than crop": ["train", "{d}/small.png", "--out", "{d}/m.texgan", "--crop", "64"],
    "exemplar too small to fit": ["train", "{d}/tiny8.png", "--out", "{d}/m.texgan"],
    "unknown device": ["train", "{d}/small.png", "--out", "{d}/m.texgan", "--crop", "32", "--device", "tpu"],
    "missing model": ["generate", "{d}/nope.texgan", "--out", "{d}/o.png"],
    "unknown model name": ["generate", "nope", "--out", "{d}/o.png"],
    "corrupt model": ["generate", "{d}/corrupt.texgan", "--out", "{d}/o.png"],
    "corrupt model info": ["info", "{d}/corrupt.texgan"],
    "zero size": ["generate", "bricks", "--size", "0x256", "--out", "{d}/o.png"],
    "negative size": ["generate", "bricks", "--size", "-256x256", "--out", "{d}/o.png"],
    "absurd size": ["generate", "bricks", "--size", "1000000x1000000", "--out", "{d}/o.png"],
    "size not a multiple of the stride": ["generate", "bricks", "--size", "1000x1000", "--out", "{d}/o.png"],
    "garbled size": ["generate", "bricks", "--size", "big", "--out", "{d}/o.png"],
    "zero steps": ["train", "{d}/small.png", "--out", "{d}/m.texgan", "--steps", "0"],
    "resume with nothing to resume": ["train", "{d}/small.png", "--out", "{d}/m.texgan", "--resume"],
    "unknown augmentation": ["train", "{d}/small.png", "--out", "{d}/m.texgan", "--crop", "32", "--diffaug", "blur"],
    "zero threads": ["train", "{d}/small.png", "--out", "{d}/m.texgan", "--crop", "32", "--threads", "0"],
    "negative level noise": ["train", "{d}/small.png", "--out", "{d}/m.texgan", "--crop", "32",
                             "--level-noise", "-1"],
    "upsampling for a DCGAN": ["train", "{d}/small.png", "--out", "{d}/m.texgan", "--arch", "dcgan",
                               "--upsample", "nearest"],
    "unknown upsampling": ["train", "{d}/small.png", "--out", "{d}/m.texgan", "--upsample", "cubic"],
    "zero discriminator scales": ["train", "{d}/small.png", "--out", "{d}/m.texgan", "--crop", "32",
                                  "--d-scales", "0"],
    "too many discriminator scales": ["train", "{d}/small.png", "--out", "{d}/m.texgan", "--crop", "32",
                                      "--d-scales", "3"],
    "model output is a folder": ["train", "{d}/small.png", "--out", "{d}/adir.texgan", "--crop", "32"],
    "image output under a file": ["generate", "bricks", "--size", "64x64", "--out", "{d}/small.png/o.png"],
    "a checkpoint in the way": ["train", "{d}/small.png", "--out", "{d}/kept.texgan", "--crop", "32"],
    "damaged checkpoint": ["train", "{d}/small.png", "--out", "{d}/damaged.texgan", "--crop", "32", "--resume"],
    "seed out of range": ["generate", "bricks", "--size", "64x64", "--seed", "99999999999999999999",
                          "--out", "{d}/o.png"],
    "truncated model info": ["info", "{d}/truncated.texgan"],
    "training state as a model": ["info", "{d}/only.texgan.state"],
    "exemplar too small to evaluate": ["eval", "bricks", "{d}/tiny8.png", "--size", "64"],
    "folder as exemplar": ["train", "{d}/afolder.png", "--out", "{d}/m.texgan", "--crop", "32"],
    "garbage checkpoint": ["train", "{d}/small.png", "--out", "{d}/junk.texgan", "--crop", "32", "--resume"],
    "model output over the exemplar": ["train", "{d}/photo.texgan", "--out", "{d}/photo.texgan", "--crop", "32"],
    "exemplar where samples go": ["train", "{d}/run_samples/photo.png", "--out", "{d}/run.texgan", "--crop", "32"],
    "stop file in the way": ["train", "{d}/small.png", "--out", "{d}/m.texgan", "--crop", "32",
                             "--stop-file", "{d}/text.png"],
    "model with five channels": ["generate", "{d}/five_channels.texgan", "--size", "64x64", "--out", "{d}/o.png"],
    "model naming more textures than it has": ["generate", "{d}/extra_names.texgan", "--size", "64x64",
                                               "--out", "{d}/o.png"],
    "texture given as a superscript": ["generate", "bricks", "--size", "64x64", "--texture", "²", "--out", "{d}/o.png"],
    "R1 weight not a number": ["train", "{d}/small.png", "--out", "{d}/m.texgan", "--crop", "32", "--r1", "nan"],
    "JPEG output name": ["generate", "bricks", "--size", "64x64", "--out", "{d}/o.jpg"],
    "model file as generate's output": ["generate", "bricks", "--size", "64x64", "--out", "{d}/o.texgan"],
    "zero learning-rate floor": ["train", "{d}/small.png", "--out", "{d}/m.texgan", "--crop", "32",
                                 "--lr-floor", "0"],
    "size starting with a dash": ["generate", "bricks", "--size", "-5x10", "--out", "{d}/o.png"],
    "empty output name": ["generate", "bricks", "--size", "64x64", "--out", ""],
    "read-only image output": ["generate", "bricks", "--size", "64x64", "--out", "{d}/locked.png"],
    "read-only model output": ["train", "{d}/small.png", "--out", "{d}/locked.texgan", "--crop", "32",
                               "--overwrite"],
    "output linked to under a file": ["generate", "bricks", "--size", "64x64", "--out", "{d}/linked.png"],
    "model whose weights are not numbers": ["generate", "{d}/nan_weights.texgan", "--size", "64x64",
                                            "--out", "{d}/o.png"],
    "model with one bit flipped": ["generate", "{d}/flipped.texgan", "--size", "64x64", "--out", "{d}/o.png"],
    "model with bytes appended": ["generate", "{d}/appended.texgan", "--size", "64x64", "--out", "{d}/o.png"],
    "model header nested too deep": ["info", "{d}/nested.texgan"],
    "model offsets not whole numbers": ["info", "{d}/float_offsets.texgan"],
    "a finished model in the way": ["train", "{d}/small.png", "--out", "{d}/finished.texgan", "--crop", "32"],
    "damaged recipe in a checkpoint": ["train", "{d}/small.png", "--out", "{d}/bad_recipe.texgan", "--crop", "32",
                                       "--resume"],
    "absurd batch": ["train", "{d}/small.png", "--out", "{d}/m.texgan", "--crop", "32", "--batch", "4000"],
    "absurd noise maps": ["train", "{d}/small.png", "--out", "{d}/m.texgan", "--crop", "32", "--level-noise", "3000"],
    "absurd sine planes": ["train", "{d}/small.png", "--out", "{d}/m.texgan", "--crop", "32", "--periodic", "3000000"],
    "absurd fine discriminator": ["train", "{d}/small.png", "--out", "{d}/m.texgan", "--crop", "32",
                                  "--d-fine", "12000"],
    "a million seeds to evaluate": ["eval", "bricks", "{d}/small.png", "--size", "32", "--seeds", "1000000"],
    "exemplar in a loop of links": ["train", "{d}/loop1.png", "--out", "{d}/m.texgan", "--crop", "32"],
    "size with an underscore": ["generate", "bricks", "--size", "16_0x16", "--out", "{d}/o.png"],
    "output name too long": ["generate", "bricks", "--size", "64x64", "--out", "{d}/" + "n" * 250 + ".png"],
    "folder as model": ["generate", "{d}/adir.texgan", "--size", "64x64", "--out", "{d}/o.png"],
    "seed in another script's digits": ["generate", "bricks", "--size", "64x64", "--seed", "٣", "--out", "{d}/o.png"],
    "count with an underscore": ["generate", "bricks", "--size", "64x64", "--count", "1_0", "--out", "{d}/many"],
    "resume and overwrite at once": ["train", "{d}/small.png", "--out", "{d}/m.texgan", "--resume", "--overwrite"],
    "output in a loop of links": ["train", "{d}/small.png", "--out", "{d}/loop1.texgan", "--crop", "32"],
}


# what the one line must speak of, so that a test passes for the right reason
EXPECTED = {"missing exemplar": "not found", "non-image exemplar": "cannot read image",
            "exemplar smaller than crop": "smaller than", "unknown device": "unknown device",
            "exemplar too small to fit": "8×8 px: TexGAN needs a larger image, at least 32 px",
            "missing model": "not found", "unknown model name": "no model named",
            "corrupt model": "not a TexGAN model", "corrupt model info": "not a TexGAN model",
            "zero size": "positive", "negative size": "", "absurd size": "too large",
            "size not a multiple of the stride": "multiple", "garbled size": "1024x1024",
            "zero steps": "positive", "resume with nothing to resume": "nothing to resume",
            "unknown augmentation": "blur", "zero threads": "positive", "zero discriminator scales": "1 or more",
            "negative level noise": "0 or more", "too many discriminator scales": "fewer scales",
            "model output is a folder": "it is a folder", "image output under a file": "is a file, not a folder",
            "a checkpoint in the way": "--resume", "damaged checkpoint": "cannot resume",
            "seed out of range": "seed must be between", "truncated model info": "truncated",
            "training state as a model": "training state", "exemplar too small to evaluate": "cannot evaluate",
            "folder as exemplar": "is a folder, not an image", "garbage checkpoint": "not a TexGAN training state",
            "JPEG output name": "writes PNG", "model file as generate's output": "not 'o.texgan'", "zero learning-rate floor": "--lr-floor",
            "model output over the exemplar": "--out would write over the exemplar",
            "exemplar where samples go": "training writes its samples there",
            "stop file in the way": "is a file with contents", "model with five channels": "unusable config",
            "model naming more textures than it has": "does not match its own config",
            "texture given as a superscript": "no texture '²'", "R1 weight not a number": "--r1",
            "size starting with a dash": "width must be a positive number of pixels, not -5",
            "empty output name": "not an empty one", "read-only image output": "locked.png: it is read-only",
            "read-only model output": "locked.texgan: it is read-only",
            "output linked to under a file": "small.png is a file, not a folder",
            "model whose weights are not numbers": "some of its weights are not numbers",
            "model with one bit flipped": "damaged (its checksum does not match)",
            "model with bytes appended": "longer than its contents",
            "model header nested too deep": "not a TexGAN model", "model offsets not whole numbers": "not a TexGAN model",
            "a finished model in the way": "finished.texgan exists: choose another --out, or add --overwrite",
            "damaged recipe in a checkpoint": "cannot resume", "absurd batch": "--batch must be a whole number from 1 to 256",
            "absurd noise maps": "--level-noise must be", "absurd sine planes": "--periodic must be",
            "absurd fine discriminator": "--d-fine must be", "a million seeds to evaluate": "--seeds must be 1 to 64",
            "exemplar in a loop of links": "loop1.png", "size with an underscore": "not '16_0x16'",
            "output name too long": "its name is too long", "folder as model": "not a model file but a folder",
            "seed in another script's digits": "seed must be a whole number", "count with an underscore": "'1_0'",
            "resume and overwrite at once": "not allowed with argument",
            "upsampling for a DCGAN": "--upsample is for --arch tile", "unknown upsampling": "invalid choice: 'cubic'",
            "output in a loop of links": "loop"}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_gives_one_line_and_exit_2(small, case):
    r = texgan(*[a.format(d=small) for a in BAD[case]], cwd=small)   # an output wrongly made lands there
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("texgan: error: "), r.stderr
    assert EXPECTED[case] in lines[0]
    assert "Traceback" not in r.stderr + r.stdout
    assert all((small / name).read_bytes() == b"keep me" for name in LOCKED)


def test_an_output_through_a_symbolic_link_replaces_the_linked_file_and_keeps_the_link(tmp_path):
    (tmp_path / "library").mkdir()
    target = tmp_path / "library" / "wall.png"
    target.write_bytes(b"old")
    link = tmp_path / "wall.png"
    link.symlink_to(target)
    r = texgan("generate", "bricks", "--size", "64x64", "--out", link)
    assert r.returncode == 0, r.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in (tmp_path / "library").iterdir()] == ["wall.png"]   # no temporary left


def test_outputs_stay_writable_for_their_owner_under_any_umask(tmp_path):
    """A checkpoint or an image is written again and again; a umask without the owner's
    write bit must not make the second write refuse the first one's file as read-only."""
    def run():
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        return subprocess.run([sys.executable, "-m", "texgan_core", "generate", "bricks", "--size", "64x64",
                               "--out", str(tmp_path / "o.png")], capture_output=True, text=True, env=env,
                              timeout=600, preexec_fn=lambda: os.umask(0o222))
    assert run().returncode == 0
    second = run()
    assert second.returncode == 0, second.stderr


def test_only_a_size_option_takes_a_dashed_value_and_file_names_after_double_dash_are_kept():
    from texgan_core.cli import _attach_dashed_sizes
    assert _attach_dashed_sizes(["generate", "m", "--size", "-5x10"]) == ["generate", "m", "--size=-5x10"]
    names = ["train", "--out", "q.texgan", "--", "--size", "-1.png"]
    assert _attach_dashed_sizes(names) == names


def test_size_error_names_the_nearest_valid_sizes(small):
    r = texgan("generate", "bricks", "--size", "1000x1024", "--out", small / "o.png")
    assert "992 or 1008" in r.stderr
    r = texgan("generate", "bricks", "--size", "8x16", "--out", small / "o.png")
    assert "use 16" in r.stderr and " or " not in r.stderr           # no 0-pixel choice


def test_json_progress_reports_errors_as_events(small):
    r = texgan("train", small / "nope.png", "--out", small / "m.texgan", "--progress", "json")
    assert r.returncode == 2
    assert json.loads(r.stdout.splitlines()[-1])["event"] == "error"


def test_eval_prints_the_metrics_for_a_model(exemplar, tiny_model, tmp_path):
    from texgan_core.images import load_image, save_png

    photo = load_image(exemplar)
    save_png(tmp_path / "ex.png", photo[:128, :128])
    save_png(tmp_path / "held.png", photo[32:160, 32:160])
    r = texgan("eval", tiny_model[0], tmp_path / "ex.png", "--held", tmp_path / "held.png", "--size", "128",
               "--seeds", "2", "--json")
    assert r.returncode == 0, r.stderr
    scores = json.loads(r.stdout)
    assert {"swd", "held_swd", "two_sample", "seam", "copying", "diversity"} <= scores.keys()
    assert 0.8 < scores["seam"] < 1.25 and scores["diversity"] > 0
    r = texgan("eval", tiny_model[0], tmp_path / "ex.png", "--size", "128", "--seeds", "1")
    assert r.returncode == 0 and "SWD" in r.stdout and "seam" in r.stdout


def test_a_long_eval_shows_a_bar(exemplar, tiny_model, tmp_path, monkeypatch):
    """Scoring takes about 20 s an output, minutes at large sizes: the terminal sees a bar
    (here drawn from the first piece on), and the table follows on a line of its own."""
    from texgan_core import cli, progress
    from texgan_core.images import load_image, save_png

    save_png(tmp_path / "ex.png", load_image(exemplar)[:128, :128])
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(progress, "BAR_AFTER_S", 0.0)
    assert cli.main(["eval", str(tiny_model[0]), str(tmp_path / "ex.png"), "--size", "128", "--seeds", "2"]) == 0
    drawn = terminal.getvalue()
    assert drawn.startswith("\reval [") and "50%  made seed 1" in drawn and drawn.endswith("100%  scored 2 of 2\n")


def test_a_frame_written_band_by_band_is_the_generated_image_and_its_preview_tiles_it(tmp_path):
    """2112 rows: three bands of at most 1,024 rows, written as they come (the frame is never
    whole in memory); the file equals the image made whole, the preview its 2×2 tiling."""
    from texgan_core import load_model

    r = texgan("generate", "bricks", "--size", "64x2112", "--seed", 9, "--preview", "--out", tmp_path / "tall.png")
    assert r.returncode == 0, r.stderr
    whole = load_model("bricks").generate(64, 2112, seed=9)
    written = np.asarray(Image.open(tmp_path / "tall.png"))
    np.testing.assert_array_equal(written, (np.clip(whole, 0, 1) * 255 + 0.5).astype(np.uint8))
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "tall_tiled2x2.png")),
                                  np.tile(written, (2, 2, 1)))


def test_a_long_generation_shows_a_bar_and_a_quick_one_does_not():
    import time

    from texgan_core.progress import with_bar

    def slow_bands():
        for top in (0, 10, 20):
            time.sleep(0.05)
            yield top, np.zeros((10, 4, 3))

    log = io.StringIO()
    assert [top for top, _ in with_bar(slow_bands(), 30, "big.png", log, after_s=0.04)] == [0, 10, 20]
    lines = log.getvalue().splitlines()
    assert lines and lines[0].startswith("big.png [") and "ETA" in lines[0]
    assert lines[-1].startswith("big.png [" + "#" * 28 + "] 100%")
    quiet = io.StringIO()
    assert len(list(with_bar(slow_bands(), 30, "small.png", quiet, after_s=60))) == 3
    assert quiet.getvalue() == ""


def test_an_interruption_while_a_bar_is_drawn_is_said_on_its_own_line(monkeypatch):
    """Ctrl+C in the middle of a bar redrawn in place: the message does not end up glued to
    the bar's half-drawn line."""
    from texgan_core import cli
    from texgan_core.progress import BarProgress

    def draws_then_is_interrupted(args):
        BarProgress().draw(0.4, "40%", "big.png ")
        raise KeyboardInterrupt

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setitem(cli.COMMANDS, "models", draws_then_is_interrupted)
    assert cli.main(["models"]) == 130
    lines = terminal.getvalue().split("\n")
    assert lines[0].startswith("\rbig.png [") and lines[1:] == ["texgan: interrupted", ""], lines


# Presses Ctrl+C (SIGINT to itself) the moment Python looks for the module named on the command
# line. With "swallow", the KeyboardInterrupt is then lost, as torch's C extensions lose one
# pressed while they load; what runs next comes from stdin.
_CTRL_C_DURING_IMPORT = """
import os, signal, sys, time
target, swallow = sys.argv[1], sys.argv[2] == "swallow"
class CtrlC:
    def find_spec(self, name, path=None, target_=None):
        if name == target:
            sys.meta_path.remove(self)
            try:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.2)
            except KeyboardInterrupt:
                if not swallow:
                    raise
        return None
sys.meta_path.insert(0, CtrlC())
exec(sys.stdin.read())
"""


def _ctrl_c_as_in_a_terminal():
    """SIGINT as a terminal's child has it, even when the tests run as a background job (whose
    ignored SIGINT Python keeps, and every child inherits)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _pressing_ctrl_c_while_importing(module, swallow, then):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", _CTRL_C_DURING_IMPORT, module, swallow], input=then,
                          capture_output=True, text=True, env=env, timeout=600,
                          preexec_fn=_ctrl_c_as_in_a_terminal)


def test_ctrl_c_while_the_texgan_command_starts_ends_in_one_line():
    """Pressed while Python is still loading the command-line module (the first tenth of a
    second): one line and exit 130, not a traceback from the import."""
    run_the_texgan_command = ("from importlib.metadata import entry_points\n"
                              "(command,) = entry_points(group='console_scripts', name='texgan')\n"
                              "sys.argv = ['texgan', 'models']\n"
                              "sys.exit(command.load()())\n")
    r = _pressing_ctrl_c_while_importing("texgan_core.cli", "raise", run_the_texgan_command)
    assert (r.returncode, r.stderr) == (130, "texgan: interrupted\n")


def test_ctrl_c_lost_inside_torch_while_it_loads_still_stops_the_command(tmp_path):
    """Pressed while torch loads, a KeyboardInterrupt can be swallowed inside its C extensions:
    the generation then ran to the end and exited 0. It is held until torch is loaded."""
    out = tmp_path / "never.png"
    generate = ("from texgan_core.cli import main\n"
                f"sys.exit(main(['generate', 'bricks', '--size', '64x64', '--out', {str(out)!r}]))\n")
    r = _pressing_ctrl_c_while_importing("torch", "swallow", generate)
    assert (r.returncode, r.stderr) == (130, "texgan: interrupted\n")
    assert not out.exists()


def test_a_terminated_generation_leaves_no_file_and_says_so(tmp_path):
    """SIGTERM while a large frame is being written: one line, exit 143, and neither the
    output nor its unfinished temporary file left behind."""
    import signal
    import time

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "texgan_core", "generate", "bricks", "--size", "8192x8192",
                             "--out", str(tmp_path / "big.png")], stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".big.png.*.tmp")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert proc.poll() is None, "the generation ended before it could be stopped"
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM
    assert stderr.strip().splitlines()[-1].startswith("texgan: terminated")
    assert "Traceback" not in stderr
    assert list(tmp_path.iterdir()) == []


def test_a_reader_that_stops_early_gets_no_error_message(monkeypatch):
    """`texgan info bricks | head -1`: the closed pipe is no error of the user's."""
    from texgan_core import cli

    class ClosedPipe(io.StringIO):
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

    errors = io.StringIO()
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    monkeypatch.setattr(sys, "stderr", errors)
    assert cli.main(["info", "bricks"]) == 141
    assert errors.getvalue() == ""


def test_info_reads_a_model_whose_recipe_is_not_what_it_expects(small):
    r = texgan("info", small / "odd_recipe.texgan")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("model") and "trained" in r.stdout


# Header edits (the checksum covers the tensors, not the header), each of which took
# gigabytes or hung before it was refused: 25,000 textures of 25,000 dimensions (2.7 GB),
# a billion texture names (7.9 GB), a hundred million convolutions (still building at 60 s),
# 1,000 noise maps a level (3 GB at 256²), a sixth level without its convolutions, and a
# DCGAN claiming 14-px samples (5.1 GB). The last is within bounds and checked by shape.
HOSTILE_CONFIGS = {
    "huge codes": ({"textures": 25000, "texture_dim": 25000}, "unusable config (textures must be"),
    "a billion textures": ({"textures": 10**9}, "unusable config (textures must be"),
    "endless convolutions": ({"convs": [2, 1, 1, 1, 10**8]}, "unusable config (convs must be"),
    "noise maps by the thousand": ({"level_noise": 1000}, "unusable config (level_noise must be"),
    "a level without convolutions": ({"widths": [96, 64, 48, 24, 16, 8]}, "unusable config (convs must name"),
    "an unknown upsampling": ({"upsample": "lanczos"}, "unusable config (upsample must be one of"),
    "a DCGAN of another size": ({"arch": "dcgan", "size": 14, "z_dim": 100}, "unusable config (size must be"),
    "wide but within bounds": ({"widths": [1024] * 8, "convs": [8] * 8}, "does not match its own config"),
}


@pytest.mark.parametrize("case", HOSTILE_CONFIGS)
def test_a_model_file_asking_for_a_huge_network_is_refused_without_building_it(tmp_path, case):
    from texgan_core.fileformat import read_container, write_container

    changes, message = HOSTILE_CONFIGS[case]
    info, entries = read_container(ROOT / "texgan_core" / "models" / "bricks.texgan")
    config = {**info["config"], **changes}
    write_container(tmp_path / "huge.texgan", entries, {**info, "config": config, "arch": config["arch"]})
    _refused_in_little_memory(tmp_path / "huge.texgan", message)


def test_a_model_file_longer_than_its_tensors_is_refused_before_it_is_read(tmp_path):
    """A file grown to 2 GB past its tensors (here a sparse one) loaded, read whole into memory."""
    path = tmp_path / "long.texgan"
    path.write_bytes((ROOT / "texgan_core" / "models" / "bricks.texgan").read_bytes())
    os.truncate(path, 2 * 1024**3)
    _refused_in_little_memory(path, "longer than its contents")


def _refused_in_little_memory(path, message):
    """Loading `path` in a fresh process fails with `message`, its peak memory under 1 GiB."""
    probe = ("import resource, sys, texgan_core\n"
             "try:\n    texgan_core.load_model(sys.argv[1], device='cpu')\n"
             "except Exception as e:\n    print(e)\n"
             "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)\n")
    r = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True,
                       text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    message_line, peak_mib = r.stdout.strip().splitlines()
    assert message in message_line
    assert int(peak_mib) < 1024, f"peak {peak_mib} MiB"


def test_an_exemplar_over_the_pixel_limit_is_refused_before_decoding(tmp_path):
    """16400² grey: over TexGAN's 16384² but under Pillow's own refusal at twice that."""
    from texgan_core.png import write_bands

    side = 16400
    write_bands(tmp_path / "huge.png", side, side, 1, (np.zeros((400, side, 1), np.float32) for _ in range(41)))
    r = texgan("train", tmp_path / "huge.png", "--out", tmp_path / "m.texgan")
    assert r.returncode == 2 and "too large" in r.stderr, r.stderr


def test_a_training_refused_for_bad_input_leaves_no_folders_behind(tmp_path):
    r = texgan("train", tmp_path / "missing.png", "--out", tmp_path / "new" / "a" / "m.texgan")
    assert r.returncode == 2 and "not found" in r.stderr
    assert not (tmp_path / "new").exists()


def test_a_write_that_fails_says_which_file(tmp_path):
    """A full disk fails a write() with no file name: the one-line error must name it."""
    import errno

    from texgan_core.atomic import atomic_file

    with pytest.raises(OSError) as failed:
        with atomic_file(tmp_path / "big.png") as f:
            f.write(b"part")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert failed.value.filename == str(tmp_path / "big.png")
    assert list(tmp_path.iterdir()) == []


def test_bad_input_alongside_a_note_still_gets_its_one_line(small, tmp_path):
    """A 40-px exemplar would train on 32-px crops (a note), but the device is unknown: the
    error is the only line, as for any bad input."""
    r = texgan("train", small / "small.png", "--out", tmp_path / "m.texgan", "--device", "tpu")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "unknown device" in r.stderr, r.stderr


def test_progress_stops_at_a_closed_pipe_but_not_at_a_full_disk():
    """Only a reader that went away stops a training; a log file on a full disk loses lines."""
    import errno

    from texgan_core.progress import BarProgress

    class Failing:
        def __init__(self, error):
            self.error = error

        def write(self, text):
            raise self.error

        def flush(self):
            pass

    full = BarProgress(Failing(OSError(errno.ENOSPC, "No space left on device")))
    full.draw(0.5, "half")
    assert not full.lost
    closed = BarProgress(Failing(BrokenPipeError(errno.EPIPE, "Broken pipe")))
    closed.draw(0.5, "half")
    assert closed.lost


def test_a_model_file_without_texture_names_still_generates(tmp_path):
    from texgan_core.fileformat import read_container, write_container

    info, entries = read_container(ROOT / "texgan_core" / "models" / "bricks.texgan")
    write_container(tmp_path / "nameless.texgan", entries, {k: v for k, v in info.items() if k != "textures"})
    r = texgan("generate", tmp_path / "nameless.texgan", "--size", "64x64", "--out", tmp_path / "o.png")
    assert r.returncode == 0, r.stderr
