"""Generate textures through the worker and put the last one into the active material."""

import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..texgan_core.errors import first_line
from . import cleanup, material_wiring, pixels
from .jobs import DONE, FAILED, RUNNING


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

    Raises worker.WorkerError (the worker's message) or material_wiring.WiringError, and
    Interrupted on Ctrl+C (bpy as a module), after keeping the images already made.
    With obj None the images are only made (batch use without a scene object).
    """
    job = GenerationJob(client, obj, model, width, height, seed, count)
    try:
        job.run()                       # all the pixels, then
        job.poll()                      # all the images
    except KeyboardInterrupt:
        job.cancel()
        try:
            job.poll()                  # the images whose pixels are made, as Cancel keeps them
        except KeyboardInterrupt:       # pressed again: keep what exists
            pass
        raise Interrupted(f"interrupted; {len(job.result.images)} of {count} made"
                          + (", kept in the file" if job.result.images else "")) from None
    if job.error is not None:
        raise job.error
    return job.result


class Interrupted(KeyboardInterrupt):
    """Ctrl+C stopped a scripted generation; its message says what was kept."""


CANCELLED = "CANCELLED"   # GenerationJob.state: RUNNING, then DONE, CANCELLED or FAILED


class GenerationJob:
    """A Generate that leaves Blender responsive: the worker makes the pixels in a thread,
    reporting `progress` (0..1); `poll()`, on Blender's main thread, turns each finished one
    into an image and at the end puts the last into the object's material. `cancel()` stops
    the worker; images already made are kept. Scripts use `generate()`, which waits."""

    def __init__(self, client, obj, model: str, width: int, height: int, seed: int = 0,
                 count: int = 1):
        if obj is not None:
            material_wiring.check_target(obj)           # refused before any work
        self.client, self.obj, self.model = client, obj, model
        self.width, self.height, self.seed, self.count = width, height, seed, count
        self.state, self.progress, self.message, self.error = RUNNING, 0.0, "", None
        self.result = Result()
        self._made = queue.Queue()                      # (seed, pixels), then None at the end
        self._failure = None
        self._cancelled = False
        self._started = time.perf_counter()
        self._batch = cleanup.new_batch()               # this Generate's images, as one

    def start(self) -> None:
        threading.Thread(target=self.run, daemon=True, name="texgan-generate").start()

    def run(self) -> None:
        """Make the pixels (in the calling thread); poll() makes the images."""
        try:
            for i in range(self.count):
                if self._cancelled:     # Cancel between two images: start no more
                    break

                def seen(done, i=i):
                    self.progress = (i + done) / self.count
                self._made.put((self.seed + i, self.client.generate(
                    self.model, self.width, self.height, seed=self.seed + i, on_progress=seen,
                    stopped=lambda: self._cancelled)))
        except Exception as e:  # noqa: BLE001 - WorkerError, or the result file unreadable
            self._failure = e
        finally:
            self._made.put(None)

    def running(self) -> bool:
        return self.state == RUNNING

    def cancel(self) -> None:
        if self.running():
            self._cancelled = True
            self.client.abort()

    def abandon(self, why: str) -> None:
        """End at once, making no more images: the add-on is being disabled, or another
        file is loading (whose images these are not). Nothing will poll this job again."""
        if self.running():
            self.cancel()
            self.state, self.message = CANCELLED, f"cancelled: {why}"
            self.result.images = []     # in a file being closed: nothing to announce or undo

    def poll(self) -> None:
        """On Blender's main thread: images for what is made; the material at the end.
        Whatever goes wrong here ends the job as FAILED with its message: a job that
        raised would stay RUNNING and block Generate until Blender restarts."""
        try:
            self._take_made()
        except Exception as e:  # noqa: BLE001
            self.cancel()
            self.state, self.error = FAILED, e
            what = "out of memory" if isinstance(e, MemoryError) else first_line(e)
            made = len(self.result.images)
            self.message = f"could not finish the generation ({made} of {self.count} made): {what}"

    def _take_made(self) -> None:
        while self.running():
            try:
                item = self._made.get_nowait()
            except queue.Empty:
                return
            if item is None:
                self._finish()
                return
            seed, rgb = item
            image = pixels.new_image(image_name(self.model, seed, self.width, self.height), rgb)
            cleanup.mark_generated(image, model_label(self.model), self._batch)
            self.result.images.append(image)

    def _finish(self) -> None:
        self.result.seconds = time.perf_counter() - self._started
        made = len(self.result.images)
        if self._cancelled:
            self.state = CANCELLED
            self.message = (f"cancelled; {made} of {self.count} made, kept in the file" if made
                            else "cancelled")
            return
        if self._failure is not None:
            self.state, self.error, self.message = FAILED, self._failure, str(self._failure)
            return
        try:
            if self.obj is not None:
                self.result.node = material_wiring.apply_texture(self.obj, self.result.images[-1])
                self.result.material = self.obj.active_material
        except ReferenceError:          # the object was deleted meanwhile: images only
            self.obj = None
        except material_wiring.WiringError as e:
            self.state, self.error, self.message = FAILED, e, str(e)
            return
        self.state, self.progress = DONE, 1.0
        self.message = summary(self.result)


def summary(result: Result) -> str:
    names = ", ".join(image.name for image in result.images)
    where = f" in material '{result.material.name}'" if result.material is not None else \
        " (no object: images kept in the file)"
    return f"{names}{where}, {result.seconds:.1f} s"


def unconnected_warning(result: Result) -> str:
    try:
        if result.node is not None and not result.node.outputs["Color"].is_linked:
            return (f"the Image Texture node '{result.node.name}' is not connected: the "
                    "material's output shows a shader with no colour input")
    except ReferenceError:              # the node (or its file) is gone since
        pass
    return ""
