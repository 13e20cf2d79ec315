import random

import bpy


class TEXGAN_OT_randomize_seed(bpy.types.Operator):
    """Pick a random seed for the next generation"""
    bl_idname = "texgan.randomize_seed"
    bl_label = "Random Seed"
    bl_options = {'REGISTER', 'UNDO'}

    def execute(self, context):
        context.scene.texgan.seed = random.randrange(0, 2**31 - 1)
        return {'FINISHED'}
