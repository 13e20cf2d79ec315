import bpy
from bpy.props import IntProperty, StringProperty

from .. import catalog_ui, generation, state
from ..material_wiring import WiringError
from ..worker import WorkerError


class TEXGAN_OT_generate(bpy.types.Operator):
    """Generate a seamless texture and put it into the active object's material"""
    bl_idname = "texgan.generate"
    bl_label = "Generate"
    bl_options = {'REGISTER', 'UNDO'}

    model: StringProperty(name="Model", description="Model name or .texgan path "
                          "(empty: the one picked in the TexGAN panel)")
    width: IntProperty(name="Width", default=1024, min=16, max=16384, subtype='PIXEL')
    height: IntProperty(name="Height", default=1024, min=16, max=16384, subtype='PIXEL')
    seed: IntProperty(name="Seed", default=0, min=0)
    count: IntProperty(name="Count", default=1, min=1, max=64)

    def execute(self, context):
        model = self.model or _picked_model(context)
        if not model:
            self.report({'ERROR'}, "No model chosen: pick one in the TexGAN panel or pass model=")
            return {'CANCELLED'}
        obj = getattr(context, "active_object", None)
        try:
            result = generation.generate(state.worker(), obj, model, self.width, self.height,
                                         self.seed, self.count)
        except (WorkerError, WiringError) as e:
            self.report({'ERROR'}, f"TexGAN: {e}")
            return {'CANCELLED'}
        names = ", ".join(image.name for image in result.images)
        where = f" in material '{result.material.name}'" if result.material is not None else \
            " (no active object: images kept in the file)"
        self.report({'INFO'}, f"TexGAN: {names}{where}, {result.seconds:.1f} s")
        if result.node is not None and not result.node.outputs["Color"].is_linked:
            self.report({'WARNING'}, f"TexGAN: the Image Texture node '{result.node.name}' is not "
                        "connected: the material's output shows a shader with no colour input")
        return {'FINISHED'}


def _picked_model(context) -> str:
    settings = getattr(context.scene, "texgan", None)
    if settings is None or settings.model not in catalog_ui.entries():
        return ""
    return str(catalog_ui.entries()[settings.model].path)
