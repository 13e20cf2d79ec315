import bpy
from bpy.props import IntProperty, StringProperty

from .. import catalog_ui, generation, state, ticker
from ..material_wiring import WiringError
from ..worker import WorkerError

MAX_COUNT = 64      # variations a call: each is packed into the .blend


class TEXGAN_OT_generate(bpy.types.Operator):
    """Generate a seamless texture and put it into the active object's material"""
    bl_idname = "texgan.generate"
    bl_label = "Generate"
    # No 'UNDO': with it Blender offers "Adjust Last Operation", whose every change re-runs
    # execute() and waits for a whole generation beside the one the button started. The
    # panel's generation pushes its own undo step when its images exist (ticker.py).
    bl_options = {'REGISTER'}

    model: StringProperty(name="Model", description="Model name or .texgan path "
                          "(empty: the one picked in the TexGAN panel)")
    # Soft limits only: Blender clamps a hard min or max without a word, so a script asking
    # for width 0 or count 1000 got some other texture. `_refused` and the worker's size
    # check say what is wrong instead.
    width: IntProperty(name="Width", default=1024, soft_min=16, soft_max=16384, subtype='PIXEL')
    height: IntProperty(name="Height", default=1024, soft_min=16, soft_max=16384, subtype='PIXEL')
    seed: IntProperty(name="Seed", default=0, soft_min=0)
    count: IntProperty(name="Count", default=1, soft_min=1, soft_max=MAX_COUNT)

    def invoke(self, context, event):
        """From the panel: in the background, with a progress bar (ticker.py finishes it)."""
        if state.generating():
            self.report({'ERROR'}, "TexGAN: a generation is running; wait for it or cancel it")
            return {'CANCELLED'}
        model = self._model(context)
        if not model or self._refused():
            return {'CANCELLED'}
        try:
            job = generation.GenerationJob(state.worker(), getattr(context, "active_object", None),
                                           model, self.width, self.height, self.seed, self.count)
        except WiringError as e:
            self.report({'ERROR'}, f"TexGAN: {e}")
            return {'CANCELLED'}
        job.start()
        state.generation = job
        ticker.watch(job)
        return {'FINISHED'}

    def execute(self, context):
        """From scripts: waits, so the images exist when the call returns."""
        model = self._model(context)
        if not model or self._refused():
            return {'CANCELLED'}
        obj = getattr(context, "active_object", None)
        try:
            result = generation.generate(state.worker(), obj, model, self.width, self.height,
                                         self.seed, self.count)
        except (WorkerError, WiringError, generation.Interrupted) as e:
            # Interrupted too: raised on through Blender it became a RuntimeError holding a
            # traceback; as a report it is the script's one-line RuntimeError all the same
            self.report({'ERROR'}, f"TexGAN: {e}")
            return {'CANCELLED'}
        self.report({'INFO'}, f"TexGAN: {generation.summary(result)}")
        warning = generation.unconnected_warning(result)
        if warning:
            self.report({'WARNING'}, f"TexGAN: {warning}")
        return {'FINISHED'}

    def _refused(self) -> bool:
        """Seed and count out of range (sizes: the worker checks them against the model)."""
        if self.seed < 0:
            problem = f"seed must be 0 or more, not {self.seed}"
        elif not 1 <= self.count <= MAX_COUNT:
            problem = f"count must be 1 to {MAX_COUNT}, not {self.count}"
        else:
            return False
        self.report({'ERROR'}, f"TexGAN: {problem}")
        return True

    def _model(self, context) -> str:
        model = self.model or _picked_model(context)
        if not model:
            self.report({'ERROR'}, "No model chosen: pick one in the TexGAN panel or pass model=")
        return model


def _picked_model(context) -> str:
    settings = getattr(context.scene, "texgan", None)
    if settings is None or settings.model not in catalog_ui.entries():
        return ""
    return str(catalog_ui.entries()[settings.model].path)
