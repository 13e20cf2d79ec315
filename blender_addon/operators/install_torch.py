import bpy

from .. import state, ticker
from ..jobs import InstallTorchJob


class TEXGAN_OT_install_torch(bpy.types.Operator):
    """Install PyTorch for the chosen Python into TexGAN's user folder (large download)"""
    bl_idname = "texgan.install_torch"
    bl_label = "Install PyTorch"

    @classmethod
    def poll(cls, context):
        return state.install is None or not state.install.running()

    def execute(self, context):
        python = state.runtime().python
        job = InstallTorchJob(python, state.site_dir(python))
        state.install = job
        job.start()
        if job.state == "FAILED":
            self.report({'ERROR'}, f"TexGAN: {job.message}")
            return {'CANCELLED'}
        ticker.watch(job)
        self.report({'INFO'}, "TexGAN: installing PyTorch; progress is shown in the preferences")
        return {'FINISHED'}
