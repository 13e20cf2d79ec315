"""`texgan` on the command line. Every failure a user can cause ends in one line and exit 2."""

import argparse
import json
import os
import re
import signal
import sys
import threading
from pathlib import Path

from .config import ARCHS, KINDS, LOSSES, PRECISIONS, RESUME_MAY_CHANGE, UPSAMPLINGS
from .errors import TexganError, first_line

EXIT_BAD_INPUT = 2
MAX_EVAL_SEEDS = 64     # about 20 s an output at the default size; their metrics are kept
# Names that cannot mean a folder for `generate --out`: it writes NAME.png (with --count,
# NAME_seedK.png beside it) or into a folder.
OTHER_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".tif", ".tiff", ".exr", ".hdr", ".bmp", ".tga", ".webp", ".texgan")


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise TexganError(f"{message} (see '{self.prog} --help')")


def parse_size(text):
    found = re.fullmatch(r"\s*(-?\d+)\s*[x×]\s*(-?\d+)\s*", text.lower(), flags=re.ASCII)
    if found is None:   # int() alone took 16_0 for 160, and digits of any script
        raise argparse.ArgumentTypeError(f"size must look like 1024x1024, not '{text}'")
    return int(found[1]), int(found[2])


def whole_number(text):
    """An int from ASCII digits: int() alone takes 1_0 for 10, and digits of any script."""
    if re.fullmatch(r"\s*[-+]?\d+\s*", text, flags=re.ASCII) is None:
        raise argparse.ArgumentTypeError(f"expected a whole number, not '{text}'")
    return int(text)


def parse_seed(text):
    """A seed torch can take: 0 to 2**63 - 1."""
    try:
        seed = whole_number(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"seed must be a whole number, not '{text}'") from None
    if not 0 <= seed < 2**63:
        raise argparse.ArgumentTypeError(f"seed must be between 0 and {2**63 - 1}, not {seed}")
    return seed


def build_parser():
    p = _Parser(prog="texgan", description="Grow seamlessly tileable textures from a photo.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    t = sub.add_parser("train", help="train a model on one or more exemplar images")
    t.add_argument("exemplars", nargs="+", metavar="EXEMPLAR")
    t.add_argument("--out", required=True, help="model file to write, NAME.texgan")
    t.add_argument("--arch", choices=list(ARCHS), default="tile")
    t.add_argument("--steps", type=whole_number, default=None,
                   help="total steps (default: the recipe's); the learning rates fall to a tenth by the last")
    t.add_argument("--kind", choices=list(KINDS), default=None,
                   help="the material: regular (walls, roofs, paving: --loss hinge), granular (gravel, "
                        "rock, grass: --upsample nearest) or any (default: the recipe as it is); "
                        "options given beside it win")
    t.add_argument("--lr-floor", type=float, default=None, metavar="F",
                   help="the share of their start the learning rates fall to by the last step "
                        "(default 0.1); 1 keeps them constant, better for runs of a few hundred steps")
    again = t.add_mutually_exclusive_group()
    again.add_argument("--resume", action="store_true", help="continue from OUT.state")
    again.add_argument("--overwrite", action="store_true",
                       help="start anew over an existing OUT and its OUT.state")
    t.add_argument("--device", default="auto", help="auto (CUDA, then MPS, then CPU), cpu, cuda or mps")
    t.add_argument("--progress", choices=["bar", "json"], default="bar")
    t.add_argument("--seed", type=parse_seed, default=None, help="default 0")
    t.add_argument("--crop", type=whole_number, default=None, help="training crop in pixels")
    t.add_argument("--batch", type=whole_number, default=None)
    t.add_argument("--augment", action="store_true",
                   help="random flips and 90° turns of the real crops (measured worse or level "
                   "on four photos, bench/EXPERIMENTS.md)")
    t.add_argument("--periodic", type=whole_number, default=None,
                   help="sine planes in the tile model's input (default 0: on photos with no regular "
                        "pattern they imprint diagonal gratings); 2-4 for strongly periodic materials, "
                        "though 4 measured no better on bricks with the current recipe")
    t.add_argument("--level-noise", type=whole_number, default=None, metavar="N",
                   help="noise maps added at every upsampled level of the tile generator (default: the "
                        "recipe's); 0 leaves all fine detail to the coarse noise grid")
    t.add_argument("--upsample", choices=UPSAMPLINGS, default=None,
                   help="how the tile generator doubles each level (default bilinear); nearest drew "
                        "separate pebbles on gravel and stone, and streaked bricks (bench/EXPERIMENTS.md)")
    t.add_argument("--loss", choices=LOSSES, default=None, help="GAN loss (default non-saturating)")
    t.add_argument("--r1", type=float, default=None, help="R1 gradient penalty weight (default 0: off)")
    t.add_argument("--diffaug", default=None, metavar="POLICY",
                   help="DiffAugment of the discriminator's inputs: comma-separated color, translation, "
                        "cutout; '' for none (default: the recipe's)")
    t.add_argument("--d-scales", type=whole_number, default=None,
                   help="discriminators on the crop pooled 1×, 2×, 4×... (default: the recipe's)")
    t.add_argument("--d-fine", type=whole_number, default=None, metavar="WIDTH",
                   help="add a discriminator of WIDTH channels on the finest detail band (16 measured; "
                        "default off): closer fine grain and edges, 16-21 %% fewer steps a minute")
    t.add_argument("--precision", choices=PRECISIONS, default=None,
                   help="training's forward passes in float32 (default) or bfloat16: a sixth to a third "
                        "less time a step where the hardware computes bfloat16 natively (recent x86 CPUs, "
                        "CUDA from Ampere on), slower elsewhere; measured worse on some photos")
    t.add_argument("--threads", type=whole_number, default=None,
                   help="CPU threads for torch (default: all cores); 1 when the machine is busy")
    t.add_argument("--checkpoint-every", type=whole_number, default=None)
    t.add_argument("--sample-every", type=whole_number, default=None)
    t.add_argument("--stop-file", default=None, help="stop (keeping a checkpoint) when this file appears")

    g = sub.add_parser("generate", help="generate textures from a model")
    g.add_argument("model", help="a .texgan file or the name of a bundled model")
    g.add_argument("--size", type=parse_size, default=(1024, 1024), help="WxH, default 1024x1024")
    g.add_argument("--seed", type=parse_seed, default=0)
    g.add_argument("--count", type=whole_number, default=1,
                   help="several seeds: into the folder OUT, or beside OUT.png as OUT_seedN.png")
    g.add_argument("--texture", default="0", help="exemplar index or name, for multi-exemplar models")
    g.add_argument("--bits", type=whole_number, choices=[8, 16], default=8)
    g.add_argument("--preview", action="store_true", help="also write the texture tiled 2×2")
    g.add_argument("--device", default="auto")
    g.add_argument("--out", required=True)

    i = sub.add_parser("info", help="describe a model")
    i.add_argument("model")
    i.add_argument("--json", action="store_true")

    e = sub.add_parser("eval", help="measure a model's textures against an exemplar")
    e.add_argument("model")
    e.add_argument("exemplar")
    e.add_argument("--held", default=None, help="an unseen image of the same material: adds held-out "
                                                 "SWD and the two-sample test")
    e.add_argument("--size", type=whole_number, default=512, help="output size scored, default 512")
    e.add_argument("--seeds", type=whole_number, default=3, help="how many outputs, default 3")
    e.add_argument("--device", default="auto")
    e.add_argument("--json", action="store_true")

    sub.add_parser("models", help="list the bundled models")
    s = sub.add_parser("serve", help="generation worker speaking JSON lines (used by Blender)")
    s.add_argument("rest", nargs=argparse.REMAINDER)
    return p


def _train_config(args):
    """The default recipe with the command line's changes. On --resume without --steps,
    steps is None: the training continues to the target it began with."""
    from .config import TrainConfig

    changes = {} if args.seed is None else {"seed": args.seed}
    for field in ("steps", "crop", "batch", "checkpoint_every", "sample_every"):
        value = getattr(args, field)
        if value is not None and value <= 0:
            raise TexganError(f"--{field.replace('_', '-')} must be positive, not {value}")
        if value is not None:
            changes[field] = value
    if args.resume:     # what is not given comes from the checkpoint
        changes.update({name: None for name in RESUME_MAY_CHANGE if getattr(args, name) is None})
    if args.r1 is not None and not 0 <= args.r1 < float("inf"):    # NaN too
        raise TexganError(f"--r1 must be zero or positive, not {args.r1}")
    if args.lr_floor is not None and not 0 < args.lr_floor <= 1:
        raise TexganError(f"--lr-floor must be above 0 and at most 1, not {args.lr_floor}")
    for field in ("loss", "r1", "diffaug", "precision", "lr_floor"):
        if getattr(args, field) is not None:
            changes[field] = getattr(args, field)
    return TrainConfig(augment=args.augment, **changes)


SMALLEST_FITTED_CROP = 32   # below this an exemplar is refused rather than fitted
# What --resume takes from the checkpoint instead of the command line (the recipe, so that
# a resumed run is the run it continues); --steps, --checkpoint-every and --sample-every apply.
RECIPE_OPTIONS = ("kind", "seed", "crop", "batch", "lr_floor", "loss", "r1", "diffaug", "precision",
                  "periodic", "level_noise", "upsample", "d_scales", "d_fine")


def _fill_in_kind(args):
    """The options --kind stands for, where the command line did not give them. A resumed
    run keeps its checkpoint's recipe, so there --kind is only noted as ignored."""
    if args.kind is None or args.resume:
        return
    if args.arch != "tile":
        raise TexganError("--kind is for --arch tile")
    for option, value in KINDS[args.kind].items():
        if getattr(args, option) is None:
            setattr(args, option, value)


def _other_exemplars(trainer):
    """A note when a resume was given other exemplars than the training began with (files
    of other names), or None: it goes on, but from now on learns another material."""
    if trainer.started_with == trainer.exemplar_names:
        return None
    return (f"the training began on {', '.join(trainer.started_with)} and continues on "
            f"{', '.join(trainer.exemplar_names)}")


def _first_frames_only(exemplars):
    """A note naming exemplars of several frames or pages (an animated GIF, a TIFF with a
    thumbnail), or None: training reads each file's first image and nothing else."""
    from .images import frame_count

    counts = [(path, frame_count(path)) for path in exemplars]
    several = [f"{Path(path).name} ({count})" for path, count in counts if count > 1]
    if not several:
        return None
    return f"{', '.join(several)}: several frames or pages; training learns from the first of each"


def _ignored_on_resume(args):
    """A note naming the recipe options a --resume was given and does not use, or None."""
    given = [f"--{name.replace('_', '-')}" for name in RECIPE_OPTIONS if getattr(args, name) is not None]
    given += ["--augment"] if args.augment else []
    if not args.resume or not given:
        return None
    return f"--resume continues the checkpoint's recipe: {', '.join(given)} ignored"


def _fit_crop(args, train_config):
    """The recipe's crop, or, for an exemplar smaller than it and no --crop given, the
    largest multiple of the stride that fits: a 64-px game texture trains on 64-px crops.
    Returns the recipe and a note for the user when the crop was changed (else None)."""
    from dataclasses import replace

    from .config import TileConfig

    if args.crop is not None or args.resume or args.arch != "tile":
        return train_config, None
    found = _smallest_exemplar(args.exemplars)
    if found is None:
        return train_config, None
    (width, height), path = found
    side = min(width, height)
    stride = TileConfig().stride
    fitted = side // stride * stride
    if side >= train_config.crop:
        return train_config, None
    if fitted < SMALLEST_FITTED_CROP:
        raise TexganError(f"exemplar {path} is {width}×{height} px: TexGAN needs a larger image, "
                          f"at least {SMALLEST_FITTED_CROP} px wide and high")
    return replace(train_config, crop=fitted), _crop_note(side, fitted, train_config.crop)


def _smallest_exemplar(exemplars):
    """((width, height), path) of the exemplar with the shortest side, from the headers; None
    if one cannot be read (loading it then says why)."""
    from .images import image_size

    sizes = [image_size(path) for path in exemplars]
    if None in sizes:
        return None
    return min(zip(sizes, exemplars), key=lambda pair: min(pair[0]))


def _crop_note(side, crop, recipe_crop) -> str:
    return (f"the exemplar is {side} px across: training on {crop}-px crops "
            f"(the recipe's {recipe_crop} needs a larger image)")


def _resumed_crop_note(exemplars, crop):
    """The same note for a resumed run on a small exemplar, which keeps the crop its
    checkpoint was fitted to (so the panel says it again after Blender restarts)."""
    from .config import TrainConfig

    recipe_crop = TrainConfig().crop
    found = _smallest_exemplar(exemplars) if crop < recipe_crop else None
    if found is None or min(found[0]) >= recipe_crop:
        return None
    return _crop_note(min(found[0]), crop, recipe_crop)


def _model_overrides(args):
    overrides = {}
    for option, field, least in (("periodic", "periodic_dim", 0), ("level_noise", "level_noise", 0),
                                 ("d_scales", "d_scales", 1), ("d_fine", "d_fine", 0)):
        value = getattr(args, option)
        if value is None:
            continue
        if value < least or args.arch != "tile":
            raise TexganError(f"--{option.replace('_', '-')} takes a count of {least} or more, for --arch tile")
        overrides[field] = value
    if args.upsample is not None:
        if args.arch != "tile":
            raise TexganError("--upsample is for --arch tile")
        overrides["upsample"] = args.upsample
    return overrides


def _real(path) -> Path:
    """The path with its links followed; Path.resolve raises on a loop of links."""
    return Path(os.path.realpath(path))


def _check_train_outputs(out, resume, overwrite, exemplars, stop_file):
    """Every file a training writes, checked before it starts; and a model or a checkpoint
    is work, so a new training replaces neither unless told to (--overwrite). Nor does it
    write over an exemplar, or delete a file that sits where its stop file would appear."""
    from .atomic import check_writable
    from .train import samples_dir, state_path

    state, samples = state_path(out), samples_dir(out)
    if state.is_file() and not (resume or overwrite):
        raise TexganError(f"{state} holds a training that can be continued: add --resume, "
                          f"or --overwrite (or choose another --out) to start anew")
    inputs = {_real(e) for e in exemplars}
    for written in (Path(out), state):
        if _real(written) in inputs:
            raise TexganError(f"--out would write over the exemplar {written}: choose another name")
    if any(_real(samples) in p.parents for p in inputs):
        raise TexganError(f"the exemplars must not be in {samples}: training writes its samples there")
    if Path(out).is_file() and not (resume or overwrite):
        raise TexganError(f"{out} exists: choose another --out, or add --overwrite to replace it")
    # an empty file or a folder there is a Stop pressed early (the panel's, while torch loads)
    if stop_file and not os.path.islink(stop_file) and os.path.isfile(stop_file) and os.path.getsize(stop_file):
        raise TexganError(f"--stop-file {stop_file} is a file with contents: a training would stop at "
                          f"once and delete it; choose another path")
    check_writable(out)
    check_writable(state)
    check_writable(samples, folder=True)


def cmd_train(args):
    from .progress import REPORTERS
    from .train import Trainer, state_path

    reporter = REPORTERS[args.progress]()
    try:
        if args.threads is not None:
            if args.threads < 1:
                raise TexganError(f"--threads must be positive, not {args.threads}")
            import torch

            torch.set_num_threads(args.threads)
        if not args.out.endswith(".texgan"):
            raise TexganError(f"--out must name a .texgan file, not '{args.out}'")
        _check_train_outputs(args.out, args.resume, args.overwrite, args.exemplars, args.stop_file)
        _fill_in_kind(args)
        train_config, fitted = _fit_crop(args, _train_config(args))
        trainer = Trainer(args.exemplars, args.out, arch=args.arch, train_config=train_config,
                          device=args.device, resume=args.resume, progress=reporter,
                          stop_file=args.stop_file, model_overrides=_model_overrides(args))
        if args.overwrite:      # its checkpoint must not be resumed in place of this training
            state_path(args.out).unlink(missing_ok=True)
        if args.resume and trainer.model_config.arch == "tile":
            fitted = _resumed_crop_note(args.exemplars, trainer.tc.crop)
        # Notes once the inputs are read (bad input gets its one line alone); the panel shows
        # the fitted crop, while it resumes with the options it started with.
        notes = ((fitted, True), (_first_frames_only(args.exemplars), True), (_ignored_on_resume(args), False),
                 (_other_exemplars(trainer), False))
        for note, for_programs in notes:
            if note:
                print(f"texgan: note: {note}", file=sys.stderr)
                if for_programs and args.progress == "json":
                    reporter.event("note", message=note)
        trainer.run()
    except Exception as e:  # programs reading --progress json learn why, whatever it was
        if args.progress == "json":
            reporter.event("error", message=str(e) if isinstance(e, TexganError) else _describe(e))
        raise
    if isinstance(trainer.stop_reason, int):  # a signal: the shell's convention, 128 + signal
        return 128 + trainer.stop_reason
    return 0


def cmd_generate(args):
    from . import load_model
    from .atomic import check_writable
    from .images import keeping_8bit, tiled_2x2
    from .png import write_bands
    from .progress import with_bar

    if args.count < 1:
        raise TexganError(f"--count must be at least 1, not {args.count}")
    if args.seed + args.count > 2**63:
        raise TexganError(f"--seed {args.seed} with --count {args.count} passes the largest seed, {2**63 - 1}")
    model = load_model(args.model, device=args.device)
    width, height = args.size
    model.check_size(width, height)
    if not args.out:
        raise TexganError("--out needs a PNG file name or a folder, not an empty one")
    out = Path(args.out)
    if out.suffix.lower() in OTHER_IMAGE_SUFFIXES:
        raise TexganError(f"TexGAN writes PNG (8 or 16 bit): name the output .png, not '{out.name}'")
    named = out.suffix.lower() == ".png"
    if args.count == 1:
        targets = [(args.seed, out if named else out / f"{Path(str(model.path)).stem}.png")]
    else:   # into the folder OUT, or beside OUT named after it (wall.png: wall_seed0.png, ...)
        folder, stem = (out.parent, out.stem) if named else (out, Path(str(model.path)).stem)
        targets = [(args.seed + k, folder / f"{stem}_seed{args.seed + k}.png") for k in range(args.count)]
    for _, path in targets:
        check_writable(path)
        if args.preview:
            check_writable(path.with_name(path.stem + "_tiled2x2.png"))
    channels = model.config.channels
    for seed, path in targets:
        made = model.generate_bands(width, height, seed=seed, texture=args.texture)
        bands = (band for _, band in with_bar(made, height, path.name))
        kept = []       # for the preview, an 8-bit copy: a quarter of the float frame
        if args.preview:
            bands = keeping_8bit(bands, kept)
        write_bands(path, width, height, channels, bands, bits=args.bits)
        print(path)
        if args.preview:
            preview = path.with_name(path.stem + "_tiled2x2.png")
            write_bands(preview, 2 * width, 2 * height, channels, tiled_2x2(kept))
            print(preview)
    return 0


def cmd_info(args):
    from .catalog import resolve_model
    from .fileformat import read_info

    path = resolve_model(args.model)
    info = read_info(path)
    if args.json:
        print(json.dumps({"path": str(path), **info}, indent=2))
        return 0
    training = info.get("training") if isinstance(info.get("training"), dict) else {}
    print(f"model     {path}")
    print(f"arch      {info.get('arch')}  (stride {info.get('stride')} px, {info.get('channels')} channels)")
    print(f"textures  {', '.join(info.get('textures', []))}")
    recipe = training.get("recipe") if isinstance(training.get("recipe"), dict) else {}
    precision = recipe.get("precision")
    precision = f" ({precision})" if precision else ""
    print(f"trained   {training.get('steps')} steps in {training.get('seconds')} s on {training.get('device')}"
          f"{precision}, {training.get('date')}")
    return 0


def cmd_eval(args):
    from . import load_model
    from .evaluate import evaluate, format_table
    from .images import load_image
    from .progress import StageBar

    model = load_model(args.model, device=args.device)
    model.check_size(args.size, args.size)
    if not 1 <= args.seeds <= MAX_EVAL_SEEDS:
        raise TexganError(f"--seeds must be 1 to {MAX_EVAL_SEEDS}, not {args.seeds}")
    channels = model.config.channels

    def as_model_channels(image):
        image = image[..., :3] if image.shape[-1] == 4 else image
        if channels == 1 and image.shape[-1] == 3:
            return image.mean(-1, keepdims=True)
        if channels >= 3 and image.shape[-1] == 1:
            return image.repeat(3, -1)
        return image

    exemplar = as_model_channels(load_image(args.exemplar))
    held = as_model_channels(load_image(args.held)) if args.held else None
    generate = lambda w, h, seed: model.generate(w, h, seed=seed)[..., :3]  # noqa: E731
    bar = StageBar("eval")
    try:
        result = evaluate(generate, exemplar, held, seeds=tuple(range(args.seeds)), size=args.size,
                          on_progress=bar)
    except ValueError as e:  # an image or --size too small for a metric's patches
        raise TexganError(f"cannot evaluate: {e}") from None
    finally:
        bar.finish()
    if args.json:
        finite = {k: None if isinstance(v, float) and v != v else v for k, v in result.items()}
        print(json.dumps(finite, indent=2))  # NaN (diversity of one seed) is no JSON
    else:
        print(format_table({Path(str(model.path)).stem: result}))
    return 0


def cmd_models(args):
    from .catalog import list_models
    from .fileformat import read_info

    for entry in list_models():
        info = read_info(entry.path)
        print(f"{entry.name:<12} {info.get('arch'):<6} from {', '.join(info.get('textures', []))}")
    return 0


def cmd_serve(args):
    from .serve import main as serve_main

    return serve_main(args.rest)


COMMANDS = {"train": cmd_train, "generate": cmd_generate, "info": cmd_info, "eval": cmd_eval,
            "models": cmd_models, "serve": cmd_serve}
TORCH_COMMANDS = ("train", "generate", "eval")


def _load_torch_holding_ctrl_c():
    """Import torch with Ctrl+C held until it is loaded. Pressed inside its C extensions, a
    KeyboardInterrupt is swallowed (the command then ran to the end and exited 0) or turned
    into numpy's ImportError; held, it ends the command as "interrupted" a moment later."""
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        import torch  # noqa: F401 - Ctrl+C is ignored or someone else's here: leave it so

        return
    pressed = []
    signal.signal(signal.SIGINT, lambda signum, frame: pressed.append(signum))
    try:
        import torch  # noqa: F401, F811
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if pressed:
        raise KeyboardInterrupt


class _Terminated(BaseException):
    """SIGTERM, raised where the process is, so unfinished files are removed on the way out
    (training has its own handler, which saves a checkpoint instead). Not an Exception, so
    that no handler meant for errors swallows it (the worker's per-request one did)."""


def _on_sigterm(signum, frame):
    raise _Terminated()


def _attach_dashed_sizes(argv):
    """`--size -5x10` as `--size=-5x10`: argparse reads a value that starts with a dash as an
    option and says only "expected one argument"; attached, the size check says what is wrong."""
    out = []
    for k, arg in enumerate(argv):
        if arg == "--":                 # what follows is file names
            return out + argv[k:]
        if out and out[-1] == "--size" and arg[:1] == "-" and arg[1:2].isdigit():
            out[-1] = f"--size={arg}"
        else:
            out.append(arg)
    return out


def main(argv=None) -> int:
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if in_main_thread else None
    try:
        args = build_parser().parse_args(_attach_dashed_sizes(sys.argv[1:] if argv is None else list(argv)))
        if args.command in TORCH_COMMANDS and in_main_thread:
            _load_torch_holding_ctrl_c()
        return COMMANDS[args.command](args)
    except TexganError as e:
        _say(f"error: {e}")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
    except _Terminated:
        _say("terminated (SIGTERM); unfinished files removed")
        return 128 + signal.SIGTERM
    except BrokenPipeError:         # `texgan info M | head`: the reader took what it wanted
        from .progress import to_devnull

        to_devnull(sys.stdout)
        return 128 + 13             # as if ended by SIGPIPE, the shell's convention
    except Exception as e:  # noqa: BLE001 - a user never sees a traceback
        if os.environ.get("TEXGAN_DEBUG"):
            raise
        _say(_describe(e))
        return 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _say(text):
    """`texgan: text` on stderr, on a line of its own even if a bar was being drawn."""
    from .progress import end_bar_line

    end_bar_line()
    print(f"texgan: {text}", file=sys.stderr)


def _describe(error: Exception) -> str:
    """One line for an error that is not the user's input: running out of memory or disk
    space is said in words; anything else is an internal error, its first line only."""
    text = first_line(error)
    if isinstance(error, MemoryError) or (isinstance(error, RuntimeError) and any(
            s in text for s in ("out of memory", "alloc", "can't allocate"))):
        return "error: out of memory (try a smaller size, batch or crop)"
    if isinstance(error, OSError):
        where = f": {error.filename}" if error.filename else ""
        return f"error: {error.strerror or text}{where}"
    return f"internal error: {type(error).__name__}: {text} (set TEXGAN_DEBUG=1 for details)"
