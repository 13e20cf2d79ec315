"""Quality against wall-clock time while training on one photo's exemplar quadrant.

The budget is the process's own CPU time spent in training steps (evaluation excluded), so
a curve means the same whether the machine is busy or not. Run one curve per process with
one thread (`OMP_NUM_THREADS=1`): one CPU-second is then one thread-second of work.
"""

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import numpy as np  # noqa: E402

from benchlib.scoring import average_scores, score_output  # noqa: E402
from benchlib.scoring import score_outputs  # noqa: E402, F401  (also imported from here by experiments)
from texgan_core.config import TrainConfig  # noqa: E402
from texgan_core.images import load_image, save_png  # noqa: E402
from texgan_core.metrics import split_quadrants  # noqa: E402
from texgan_core.train import Trainer  # noqa: E402
from texgan_core.twosample import two_sample_accuracy  # noqa: E402

# The trained model's final scores. One 512² output's seam figure swings by ±0.2 (it reads a
# single grid line against the others), and one judge's accuracy from 0.5 to 0.9 on the same
# output (bench/EXPERIMENTS.md): eight outputs and four judges make both readable.
FINAL_SEEDS = tuple(range(8))
JUDGES = 4


def train_for(trainer, budget_s, every_s, on_eval):
    """Train until `budget_s` CPU-seconds of training steps, calling `on_eval(seconds trained)`
    every `every_s` of them and at the end; the evaluations' own time is not counted. Returns
    the seconds trained."""
    trained, next_eval = 0.0, every_s
    while trained < budget_s:
        t0 = time.process_time()
        trainer.train_step()
        trained += time.process_time() - t0
        if trained >= next_eval or trained >= budget_s:
            next_eval += every_s
            on_eval(trained)
    return trained


def quadrant_trainer(photo_path, tmp, arch="tile", recipe=None, trainer_cls=Trainer):
    """The photo's quadrants, and a trainer (`trainer_cls`) on its exemplar quadrant alone,
    saved under `tmp`, with samples and checkpoints off. The caller's loop takes the steps for
    its budget; `steps` (the recipe's 2,000 unless it says otherwise) only sets the
    learning-rate schedule's length."""
    recipe = recipe or {}
    photo_path = Path(photo_path)
    quadrants = split_quadrants(load_image(photo_path)[..., :3])
    exemplar = Path(tmp) / f"{photo_path.stem}.png"
    save_png(exemplar, quadrants["exemplar"])
    tc = TrainConfig(sample_every=10**9, checkpoint_every=10**9, **recipe.get("train", {}))
    trainer = trainer_cls([exemplar], Path(tmp) / "m.texgan", arch=arch, train_config=tc, device="cpu",
                          model_overrides=recipe.get("model"))
    return quadrants, trainer


def run_curve(photo_path, arch, budget_s, every_s, out_dir, size=512, seeds=(0, 1), recipe=None,
              label=None, final_seeds=FINAL_SEEDS, judges=JUDGES) -> dict:
    """Train `arch` on the photo's top-left quadrant for `budget_s` seconds of training,
    scoring every `every_s` on `seeds`; returns the curve and writes the final output PNG.
    The trained model is then scored once more on `final_seeds` ('final'), with the judge
    trained afresh on each of its first `judges` outputs ('two_sample': their mean).
    `recipe`: {"train": {TrainConfig changes}, "model": {model config changes}}, to measure
    a variant against the default; `label` names its output file instead of `arch`."""
    recipe = recipe or {}
    photo_path, out_dir = Path(photo_path), Path(out_dir)
    with tempfile.TemporaryDirectory() as tmp:
        quadrants, trainer = quadrant_trainer(photo_path, tmp, arch, recipe)
        points, images = [], []

        def score(trained):
            images[:] = trainer.sample_images(seeds=seeds, size=size)
            points.append({"seconds": round(trained, 1), "step": trainer.step, **score_outputs(images, quadrants)})
            print(json.dumps({"photo": photo_path.stem, "arch": arch, **points[-1]}), file=sys.stderr, flush=True)

        trained = train_for(trainer, budget_s, every_s, score)
        finals = trainer.sample_images(seeds=final_seeds, size=size)
    out_path = out_dir / f"{photo_path.stem}_{label or arch}.png"
    save_png(out_path, images[0])
    each = [score_output(o, quadrants) for o in finals]
    final = average_scores(each)
    final["seam_each"] = [s["seam"] for s in each]
    final["two_sample_each"] = [two_sample_accuracy(quadrants["held"], o, seed=i)
                                for i, o in enumerate(finals[:judges])]
    return {"photo": photo_path.stem, "arch": arch, "recipe": recipe, "points": points, "final": final,
            "output": str(out_path), "two_sample": float(np.mean(final["two_sample_each"])),
            "steps_per_s": trainer.step / max(trained, 1e-9)}


if __name__ == "__main__":
    photo, arch, budget, every, out = sys.argv[1:6]
    recipe = json.loads(sys.argv[6]) if len(sys.argv) > 6 else None
    label = sys.argv[7] if len(sys.argv) > 7 else None
    print(json.dumps(run_curve(photo, arch, float(budget), float(every), out, recipe=recipe, label=label)))
