import bpy

from .. import state, ticker


class TEXGAN_OT_train_resume(bpy.types.Operator):
    """Continue the stopped training from its checkpoint"""
    bl_idname = "texgan.train_resume"
    bl_label = "Resume"

    @classmethod
    def poll(cls, context):
        return state.training is not None and state.training.can_resume()

    def execute(self, context):
        job = state.training
        job.resume()
        if job.state == "FAILED":
            self.report({'ERROR'}, f"TexGAN: {job.message}")
            return {'CANCELLED'}
        ticker.watch(job)
        return {'FINISHED'}
