"""TexGAN extension entry point: Blender imports this; the add-on lives in blender_addon/."""

from . import blender_addon


def register():
    blender_addon.register()


def unregister():
    blender_addon.unregister()
