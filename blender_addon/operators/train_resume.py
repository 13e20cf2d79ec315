import bpy

from .. import state
from ..jobs import state_file_of
from .train_start import launch, model_file, model_name, start_job


class TEXGAN_OT_train_resume(bpy.types.Operator):
    """Continue the stopped training from its checkpoint (this session's, or the one the Name
    field names, after Blender was restarted)"""
    bl_idname = "texgan.train_resume"
    bl_label = "Resume"

    @classmethod
    def poll(cls, context):
        job = state.training
        if job is not None and job.running():
            return False
        return (job is not None and job.can_resume()) or _checkpoint_on_disk(context) is not None

    def execute(self, context):
        job = state.training
        if job is None or not job.can_resume():
            # nothing from this session: the checkpoint the Name field names, on disk
            settings = context.scene.texgan
            if _checkpoint_on_disk(context) is None:
                self.report({'ERROR'}, f"TexGAN: no checkpoint of '{model_name(settings)}' to resume")
                return {'CANCELLED'}
            return start_job(self, settings, model_name(settings), resume=True)
        return launch(self, job, resume=True)


def _checkpoint_on_disk(context):
    settings = getattr(context.scene, "texgan", None)
    name = model_name(settings) if settings is not None else ""
    if not name:
        return None
    path = state_file_of(model_file(name))
    return path if path.is_file() else None
