import bpy

from .. import catalog_ui


class TEXGAN_OT_refresh_models(bpy.types.Operator):
    """Scan the models folders again"""
    bl_idname = "texgan.refresh_models"
    bl_label = "Refresh Models"

    def execute(self, context):
        catalog_ui.refresh()
        return {'FINISHED'}
