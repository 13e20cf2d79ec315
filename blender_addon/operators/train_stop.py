import bpy

from .. import state


class TEXGAN_OT_train_stop(bpy.types.Operator):
    """Stop the training; its checkpoint is kept so Resume can continue it"""
    bl_idname = "texgan.train_stop"
    bl_label = "Stop"

    @classmethod
    def poll(cls, context):
        return state.training is not None and state.training.state == "RUNNING"

    def execute(self, context):
        state.training.stop()
        return {'FINISHED'}
