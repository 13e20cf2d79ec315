"""One-off measurement: would a longer weight average of the generator do better?
(bench/EXPERIMENTS.md, "Fakes cut from larger tiles, a longer weight average, ...")

Trains the default recipe on a photo's top-left 256² for BUDGET CPU-seconds, as
scripts/benchlib/curves.py does, and keeps beside the product's average more averages whose
half-life is a fixed SHARE of the steps taken so far. Every EVERY seconds each average is scored
on two 512² outputs, at the end on eight (held-out SWD, seam, copying; no judges).
SHARE 0 names the product's own average. Prints one JSON line.

    OMP_NUM_THREADS=1 python bench/experiments/ema_probe.py PHOTO BUDGET EVERY '[0, 0.15, 0.3]'
"""

import copy
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import torch  # noqa: E402

from benchlib.curves import quadrant_trainer, train_for  # noqa: E402
from benchlib.scoring import score_outputs  # noqa: E402
from texgan_core.train import Trainer  # noqa: E402


class ManyAverages(Trainer):
    """The trainer, updating `self.extra` ({share: generator copy}) beside its own average."""

    def _update_ema(self):
        super()._update_ema()
        with torch.no_grad():
            for share, net in self.extra.items():
                decay = 0.5 ** (1 / max(share * self.step, 1.0))
                for p_avg, p in zip(net.parameters(), self.G.parameters()):
                    p_avg.lerp_(p, 1 - decay)


def main(photo, budget, every, shares):
    photo = Path(photo)
    with tempfile.TemporaryDirectory() as tmp:
        quadrants, trainer = quadrant_trainer(photo, tmp, trainer_cls=ManyAverages)
        own = trainer.G_ema
        trainer.extra = {s: copy.deepcopy(own) for s in shares if s}

        def scores(seeds):
            out = {}
            for s in shares:
                trainer.G_ema, trainer._calibrated_at = (trainer.extra[s] if s else own), None
                out[str(s)] = score_outputs(trainer.sample_images(seeds=seeds, size=512), quadrants)
            trainer.G_ema = own
            return out

        points = []

        def score(trained):
            points.append({"seconds": round(trained, 1), "step": trainer.step, "by_share": scores((0, 1))})
            print(json.dumps({"step": trainer.step, **{s: round(v["held_swd"], 1)
                                                        for s, v in points[-1]["by_share"].items()}}),
                  file=sys.stderr, flush=True)

        train_for(trainer, budget, every, score)
        final = scores(tuple(range(8)))
    return {"photo": photo.stem, "shares": shares, "points": points, "final": final, "steps": trainer.step}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), json.loads(sys.argv[4]))))
