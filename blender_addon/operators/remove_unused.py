import bpy

from .. import cleanup, state


class TEXGAN_OT_remove_unused(bpy.types.Operator):
    """Remove generated textures that nothing shows any more (Ctrl+Z brings them back)"""
    bl_idname = "texgan.remove_unused"
    bl_label = "Remove Unused Textures"
    bl_options = {'REGISTER', 'UNDO'}

    @classmethod
    def poll(cls, context):
        # Not "is there anything to remove": a batch script ending with this call must not
        # fail on a file that is already clean (the panel shows the button only when needed).
        return not state.generating()

    def execute(self, context):
        count, freed = cleanup.remove_unused(bpy.data.images)
        self.report({'INFO'}, f"TexGAN: removed {count} unused generated "
                    f"image{'s' if count != 1 else ''} ({freed / 2**20:.1f} MiB)")
        return {'FINISHED'}
