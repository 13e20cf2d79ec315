import bpy

from .. import state


class TEXGAN_OT_release_worker(bpy.types.Operator):
    """Stop the generation worker and free the memory its models hold"""
    bl_idname = "texgan.release_worker"
    bl_label = "Release Worker"

    def execute(self, context):
        released = state.release_worker()
        self.report({'INFO'}, "TexGAN: worker released" if released else
                    "TexGAN: no worker was running")
        return {'FINISHED'}
