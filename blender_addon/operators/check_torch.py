import bpy

from .. import state
from ..subprocess_env import check_torch


class TEXGAN_OT_check_torch(bpy.types.Operator):
    """Check whether the chosen Python can import PyTorch"""
    bl_idname = "texgan.check_torch"
    bl_label = "Check PyTorch"

    def execute(self, context):
        ok, message = check_torch(state.runtime(), refresh=True)
        self.report({'INFO'} if ok else {'ERROR'},
                    f"TexGAN: PyTorch {message}" if ok else f"TexGAN: {message}")
        return {'FINISHED'} if ok else {'CANCELLED'}
