import re
from pathlib import Path

import bpy

from .. import state, ticker
from ..jobs import TrainingJob
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
        name = re.sub(r"[^\w.-]+", "_", settings.model_name).strip("._")
        if not name:
            self.report({'ERROR'}, "Give the model a name")
            return {'CANCELLED'}
        try:
            exemplar = _exemplar(settings)
        except ValueError as e:
            self.report({'ERROR'}, str(e))
            return {'CANCELLED'}
        out = state.models_dir() / f"{name}.texgan"
        job = TrainingJob(state.runtime(), exemplar, out, settings.train_steps())
        state.training = job
        job.start()
        if job.state == "FAILED":
            self.report({'ERROR'}, f"TexGAN: {job.message}")
            return {'CANCELLED'}
        ticker.watch(job)
        self.report({'INFO'}, f"TexGAN: training '{name}' ({job.total} steps)")
        return {'FINISHED'}


def _exemplar(settings):
    if settings.exemplar_source == 'IMAGE':
        if settings.exemplar_image is None:
            raise ValueError("Choose the exemplar image")
        return exemplar_file(settings.exemplar_image, state.temp_dir("exemplars"))
    if not settings.exemplar_file:
        raise ValueError("Choose the exemplar file")
    path = Path(bpy.path.abspath(settings.exemplar_file))
    if not path.is_file():
        raise ValueError(f"Exemplar file not found: {path}")
    return path
