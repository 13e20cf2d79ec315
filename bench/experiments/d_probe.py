"""One-off measurement: does the discriminator memorise the exemplar, or tell any real crop
from a fake? (bench/EXPERIMENTS.md, "Is the discriminator memorising the exemplar?")

Trains the default recipe on a photo's top-left 256² and, every EVERY steps (100), prints D's mean
logit on fixed 96-px crops of the exemplar, of the three unseen quadrants, and on fakes.
Run: OMP_NUM_THREADS=1 python bench/experiments/d_probe.py stone 1000 [EVERY]
"""

import json
import sys
import tempfile
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
from benchlib.curves import quadrant_trainer  # noqa: E402


def random_crops(image, rng, count=64, size=96):
    """(count, C, size, size) crops of an H×W×C array in [0, 1], scaled to [-1, 1] as D sees them."""
    x = torch.from_numpy(image.copy()).permute(2, 0, 1).float() * 2 - 1
    tops = torch.randint(x.shape[1] - size + 1, (count,), generator=rng).tolist()
    lefts = torch.randint(x.shape[2] - size + 1, (count,), generator=rng).tolist()
    return torch.stack([x[:, t:t + size, l:l + size] for t, l in zip(tops, lefts)])


def main(photo, steps, every=100):
    with tempfile.TemporaryDirectory() as tmp:   # the default recipe, rates constant: no end
        quadrants, trainer = quadrant_trainer(ROOT / "bench" / "photos" / f"{photo}.png", tmp,
                                              recipe={"train": {"steps": 10**9}})
    rng = torch.Generator().manual_seed(7)
    sets = {"train": quadrants["exemplar"], "held": quadrants["held"],
            "other0": quadrants["other"][0], "other1": quadrants["other"][1]}
    crops = {name: random_crops(image, rng) for name, image in sets.items()}
    ids = torch.zeros(64, dtype=torch.long)
    while trainer.step < steps:
        trainer.train_step()
        if trainer.step % every:
            continue
        with torch.no_grad():
            logits = {name: trainer.D(batch, ids)[0].mean().item() for name, batch in crops.items()}
            trainer.G.eval()
            logits["fake"] = trainer.D(trainer.G(trainer._noise(trainer.G, ids)), ids)[0].mean().item()
            trainer.G.train()
        print(json.dumps({"step": trainer.step, **{k: round(v, 2) for k, v in logits.items()}}), flush=True)

if __name__ == "__main__":
    main(sys.argv[1], *map(int, sys.argv[2:]))
