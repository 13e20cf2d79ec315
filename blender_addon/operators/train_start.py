import re
from pathlib import Path

import bpy

from .. import catalog_ui, state, ticker
from ..jobs import TrainingJob, state_file_of
from ..pixels import exemplar_file


class TEXGAN_OT_train_start(bpy.types.Operator):
    """Train a new model from the exemplar in a background process"""
    bl_idname = "texgan.train_start"
    bl_label = "Start Training"

    @classmethod
    def poll(cls, context):
        return state.training is None or not state.training.running()

    def execute(self, context):
        settings = context.scene.texgan
        name = model_name(settings)
        if not name:
            self.report({'ERROR'}, "Give the model a name")
            return {'CANCELLED'}
        problem = name_taken(name)
        if problem:
            self.report({'ERROR'}, f"TexGAN: {problem}")
            return {'CANCELLED'}
        return start_job(self, settings, name, resume=False)


def model_name(settings) -> str:
    """The Name field as a file name."""
    return re.sub(r"[^\w.-]+", "_", settings.model_name).strip("._")


def name_taken(name: str) -> str:
    """Why a new training may not be called `name` ("" if it may): a bundled model of that
    name would hide it from the picker, and an existing one would be overwritten."""
    entry = catalog_ui.entries().get(name)
    if entry is not None and entry.bundled:
        return f"'{name}' is a bundled model's name: choose another name"
    model = model_file(name)
    if model.is_file() or state_file_of(model).is_file():
        return (f"a model '{name}' already exists in {model.parent}: Resume continues its "
                f"training, another name trains a new one")
    return ""


def model_file(name: str, create: bool = False) -> Path:
    """Where a training of `name` writes its model (its checkpoint: `jobs.state_file_of`)."""
    return state.models_dir(create=create) / f"{name}.texgan"


def start_job(operator, settings, name: str, resume: bool):
    """Start (or resume) a training of `name` from the panel's exemplar and quality."""
    try:
        exemplar, label = _exemplar(settings)
    except ValueError as e:
        operator.report({'ERROR'}, str(e))
        return {'CANCELLED'}
    try:
        out = model_file(name, create=True)
    except OSError as e:
        operator.report({'ERROR'}, f"TexGAN: {e}")
        return {'CANCELLED'}
    job = TrainingJob(state.runtime(), exemplar, out, settings.train_steps(),
                      extra_args=settings.train_args(), exemplar_label=label)
    result = launch(operator, job, resume)
    if result == {'FINISHED'}:
        operator.report({'INFO'}, f"TexGAN: training '{name}' ({job.total} steps)")
    return result


def launch(operator, job, resume: bool):
    """Make `job` the panel's training and start (or resume) it; the operator's result."""
    state.training = job
    job.resume() if resume else job.start()
    if job.state == "FAILED":
        operator.report({'ERROR'}, f"TexGAN: {job.message}")
        return {'CANCELLED'}
    ticker.watch(job)
    return {'FINISHED'}


def _exemplar(settings):
    """The exemplar's path, and how messages name it: an image data-block written to a
    temporary file by the image's name (an image used from its own file by that file's path,
    which is what the artist needs to see to fix it)."""
    if settings.exemplar_source == 'IMAGE':
        image = settings.exemplar_image
        if image is None:
            raise ValueError("Choose the exemplar image")
        folder = state.temp_dir("exemplars")
        path = exemplar_file(image, folder)
        return path, f"image '{image.name}'" if Path(folder) in path.parents else ""
    if not settings.exemplar_file:
        raise ValueError("Choose the exemplar file")
    path = Path(bpy.path.abspath(settings.exemplar_file))
    if not path.is_file():
        raise ValueError(f"Exemplar file not found: {path}")
    return path, ""
