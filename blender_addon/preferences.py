"""Add-on preferences: which Python runs torch, on which device, where user models live."""

import bpy
from bpy.props import EnumProperty, IntProperty, StringProperty

from . import catalog_ui, state
from .subprocess_env import forget_torch_check, _torch_cache


def _changed_runtime(_self, _context):
    forget_torch_check()
    state.release_worker()
    catalog_ui.refresh()


class TexganPreferences(bpy.types.AddonPreferences):
    bl_idname = state.ADDON_PACKAGE

    python_path: StringProperty(
        name="Python", subtype='FILE_PATH', update=_changed_runtime,
        description="Python interpreter with PyTorch that runs training and generation. "
                    "Empty: Blender's own Python (after 'Install PyTorch')")
    device: EnumProperty(
        name="Device", default='AUTO', update=_changed_runtime,
        items=[('AUTO', "Auto", "CUDA or Apple MPS when available, else the CPU"),
               ('CPU', "CPU", "Always the CPU"),
               ('CUDA', "CUDA", "An NVIDIA GPU"),
               ('MPS', "MPS", "Apple silicon GPU")])
    threads: IntProperty(
        name="CPU Threads", default=0, min=0, soft_max=32, max=256, update=_changed_runtime,
        description="Threads each training or generation process may use on the CPU. "
                    "0: all cores. Lower it to keep Blender responsive while training")
    models_dir: StringProperty(
        name="Models Folder", subtype='DIR_PATH', update=_changed_runtime,
        description="Where trained models are written and looked for. "
                    "Empty: the extension's user folder")

    def draw(self, context):
        draw_preferences(self.layout, self)


def draw_preferences(layout, prefs):
    layout.use_property_split = True
    layout.prop(prefs, "python_path")
    layout.prop(prefs, "device")
    layout.prop(prefs, "threads")
    layout.prop(prefs, "models_dir")
    layout.label(text=f"Models folder in use: {state.models_dir()}")

    box = layout.box()
    runtime = state.runtime()
    known = _torch_cache.get((runtime.python, runtime.site_dir))   # never a subprocess in draw
    if known is None:
        box.label(text="PyTorch: not checked yet", icon='QUESTION')
    elif known[0]:
        box.label(text=f"PyTorch {known[1]} found", icon='CHECKMARK')
    else:
        box.label(text=known[1], icon='ERROR')
    row = box.row()
    row.operator("texgan.check_torch", icon='VIEWZOOM')
    job = state.install
    if job is not None and job.running():
        box.progress(factor=job.progress, text=job.message or "installing…")
    else:
        row.operator("texgan.install_torch", icon='IMPORT')
        if job is not None and job.message:
            box.label(text=job.message, icon='CHECKMARK' if job.state == "DONE" else 'ERROR')

    row = layout.row()
    pid = state.worker_pid()
    row.label(text=f"Worker: running (pid {pid})" if pid else "Worker: not running")
    row.operator("texgan.release_worker", icon='X')


classes = (TexganPreferences,)


# registers in order, unregisters in reverse (Blender's own helper)
register, unregister = bpy.utils.register_classes_factory(classes)
