import bpy

from .. import state


class TEXGAN_OT_generate_cancel(bpy.types.Operator):
    """Stop the running generation (images already made are kept)"""
    bl_idname = "texgan.generate_cancel"
    bl_label = "Cancel"

    @classmethod
    def poll(cls, context):
        return state.generating()

    def execute(self, context):
        state.generation.cancel()
        return {'FINISHED'}
