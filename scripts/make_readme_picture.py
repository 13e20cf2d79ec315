"""docs/tiled.png: each bundled model's 384² output tiled 2×2, side by side, labelled."""

import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import texgan_core  # noqa: E402
from texgan_core.catalog import list_models  # noqa: E402
from texgan_core.images import tile  # noqa: E402


def main(out=ROOT / "docs" / "tiled.png", size=384, seed=0):
    panels = []
    for entry in list_models():
        image = texgan_core.load_model(entry.path, device="cpu").generate(size, size, seed=seed)[..., :3]
        tiled = Image.fromarray((tile(image, 2, 2) * 255 + 0.5).astype(np.uint8)).resize((size, size), Image.BOX)
        ImageDraw.Draw(tiled).text((8, 8), f"{entry.name}, tiled 2x2", fill=(255, 255, 255),
                                   stroke_width=2, stroke_fill=(0, 0, 0))
        panels.append(np.asarray(tiled))
    gap = np.full((size, 8, 3), 255, np.uint8)
    row = np.concatenate([p for panel in panels for p in (panel, gap)][:-1], 1)
    out.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(row).save(out)
    print(out)


if __name__ == "__main__":
    main()
