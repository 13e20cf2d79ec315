"""Generate textures through the worker and put the last one into the active material."""

import time
from dataclasses import dataclass, field
from pathlib import Path

from . import cleanup, material_wiring, pixels


@dataclass
class Result:
    images: list = field(default_factory=list)
    node: object = None            # the Image Texture node showing the last image, if any
    material: object = None        # the material holding that node
    seconds: float = 0.0


def model_label(model: str) -> str:
    """A model's name from a name or a .texgan path."""
    name = Path(model).name
    return name[:-len(".texgan")] if name.endswith(".texgan") else name


def image_name(model: str, seed: int, width: int, height: int) -> str:
    return f"{model_label(model)}_{width}x{height}_s{seed}"


def generate(client, obj, model: str, width: int, height: int, seed: int = 0,
             count: int = 1) -> Result:
    """`count` images with seeds seed, seed+1, ...; all kept in the file, the last one shown.

    Raises worker.WorkerError (the worker's message) or material_wiring.WiringError.
    With obj None the images are only made (batch use without a scene object).
    """
    start = time.perf_counter()
    if obj is not None:
        material_wiring.check_target(obj)
    result = Result()
    for i in range(count):
        rgb = client.generate(model, width, height, seed=seed + i)
        image = pixels.new_image(image_name(model, seed + i, width, height), rgb)
        cleanup.mark_generated(image, model_label(model))
        result.images.append(image)
    if obj is not None:
        result.node = material_wiring.apply_texture(obj, result.images[-1])
        result.material = obj.active_material
    result.seconds = time.perf_counter() - start
    return result
