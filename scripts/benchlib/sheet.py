"""Contact sheet: one row per photo, each image shown tiled 2×2 so its seams show."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

LINE_H = 12  # px per line of label text (PIL's default font)
NAME_W = 84  # px of the left column holding the photo name
GAP = 6
BACKGROUND = (255, 255, 255)
INK = (0, 0, 0)


# PIL's default font has no glyphs for these; a label stays readable without them.
_ASCII = str.maketrans({"²": "^2", "×": "x", "—": "-", "–": "-", "’": "'", "·": "."})


def _to_uint8(image) -> np.ndarray:
    x = np.asarray(image)
    if x.dtype != np.uint8:
        x = (np.clip(x.astype(np.float32), 0, 1) * 255 + 0.5).astype(np.uint8)
    if x.ndim == 2:
        x = x[:, :, None]
    if x.shape[2] == 1:
        x = np.repeat(x, 3, axis=2)
    return x[:, :, :3]


def tiled_thumbnail(image, scale: float) -> Image.Image:
    """The image repeated 2×2, resized by `scale` (area filter, so seams are not aliased away)."""
    x = np.tile(_to_uint8(image), (2, 2, 1))
    h, w = x.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return Image.fromarray(x).resize(size, Image.BOX)


def contact_sheet(rows, out_path, cell: int = 192) -> Path:
    """Write a PNG: rows = [(photo name, [(label, image), ...]), ...]; labels may hold "\n".

    Every image is drawn tiled 2×2 at one common scale, chosen so that the largest image
    in the sheet fills a `cell`-px square: a 256² exemplar next to 512² outputs shows the
    same texture at the same size (half the cell), so grain sizes compare by eye.
    Images are float H×W×C in [0, 1] or uint8.
    """
    if not rows:
        raise ValueError("contact_sheet: no rows")
    largest = max(max(np.asarray(im).shape[:2]) for _, items in rows for _, im in items)
    scale = cell / (2 * largest)
    ncols = max(len(items) for _, items in rows)
    lines = max(str(label).count("\n") + 1 for _, items in rows for label, _ in items)
    row_h = cell + lines * LINE_H + GAP
    width = NAME_W + ncols * (cell + GAP)
    height = GAP + len(rows) * row_h
    sheet = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default()
    for r, (name, items) in enumerate(rows):
        top = GAP + r * row_h
        draw.text((4, top + cell // 2 - 6), str(name).translate(_ASCII), fill=INK, font=font)
        for c, (label, image) in enumerate(items):
            left = NAME_W + c * (cell + GAP)
            thumb = tiled_thumbnail(image, scale)
            # Smaller images sit centred in their cell.
            sheet.paste(thumb, (left + (cell - thumb.width) // 2, top + (cell - thumb.height) // 2))
            draw.multiline_text((left, top + cell + 1), str(label).translate(_ASCII), fill=INK,
                                font=font, spacing=0)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out_path, optimize=True)
    return out_path
