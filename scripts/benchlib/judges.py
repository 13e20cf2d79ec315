"""The two-sample judge on the references: the photo's own unseen quadrants and the peers.

A judge reading means little alone: where a photo's light or material drifts from one
quadrant to the next, the judge tells even the photo's own other quadrants from the held-out
one. These readings put TexGAN's beside what the photo itself and the peers score.
"""

from pathlib import Path

from benchlib.curves import JUDGES
from benchlib.peers import output_path
from texgan_core.images import load_image
from texgan_core.metrics import split_quadrants
from texgan_core.twosample import two_sample_accuracy

REAL = ("real top-right", "real bottom-left")  # the order of split_quadrants' 'other'


def reference_judges(photo_path, peer_dir, tools, judges=JUDGES, steps=300) -> dict:
    """`judges` judge readings (seeds 0, 1, ...) against the held-out quadrant for each of the
    photo's two other quadrants and each tool's saved output (`peer_dir`/PHOTO_TOOL.png)."""
    photo_path = Path(photo_path)
    quadrants = split_quadrants(load_image(photo_path)[..., :3])
    candidates = dict(zip(REAL, quadrants["other"]))
    for tool in tools:
        path = output_path(peer_dir, photo_path.stem, tool)
        if path.exists():
            candidates[tool] = load_image(path)[..., :3]
    readings = {name: [two_sample_accuracy(quadrants["held"], image, seed=seed, steps=steps)
                       for seed in range(judges)] for name, image in candidates.items()}
    return {"photo": photo_path.stem, "readings": readings}
