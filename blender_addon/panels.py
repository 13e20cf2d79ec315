"""Sidebar tab "TexGAN" in the 3D Viewport and the Shader Editor. Drawing only."""

import textwrap

import bpy

from . import catalog_ui, cleanup, generation, state


class _Sidebar:
    bl_region_type = 'UI'
    bl_category = "TexGAN"


class _InShaderEditor(_Sidebar):
    bl_space_type = 'NODE_EDITOR'

    @classmethod
    def poll(cls, context):
        return getattr(context.space_data, "tree_type", "") == 'ShaderNodeTree'


class _InViewport(_Sidebar):
    bl_space_type = 'VIEW_3D'


# Blender's interface font at 1× scale: about 7 px a character on average.
_PX_PER_CHAR = 7
_NO_REGION_WIDTH = 300      # the sidebar's default width; module mode draws without a region


def label_wrapped(layout, context, text, icon='NONE'):
    """A message on as many lines as the sidebar's width needs: a label is cut off at the
    region's edge, and errors and notes run to 90 characters and more."""
    region = getattr(context, "region", None)
    width = region.width if region is not None else _NO_REGION_WIDTH
    scale = context.preferences.system.ui_scale or 1.0      # 0 in module mode
    chars = max(16, int(width / (_PX_PER_CHAR * scale)) - 4)  # less the icon's width
    col = layout.column(align=True)
    for i, line in enumerate(textwrap.wrap(text, chars) or [""]):
        col.label(text=line, icon=icon if i == 0 else 'BLANK1')


def draw_generate(layout, context):
    settings = context.scene.texgan
    layout.template_icon_view(settings, "model", show_labels=True, scale=6.0, scale_popup=5.0)
    row = layout.row(align=True)
    row.prop(settings, "model", text="")
    row.operator("texgan.refresh_models", text="", icon='FILE_REFRESH')
    col = layout.column(align=True)
    col.prop(settings, "width")
    col.prop(settings, "height")
    row = layout.row(align=True)
    row.prop(settings, "seed")
    row.operator("texgan.randomize_seed", text="", icon='FILE_REFRESH')
    layout.prop(settings, "count")
    entry = catalog_ui.entries().get(settings.model)
    job = state.generation
    generating = state.generating()
    if generating:
        row = layout.row(align=True)
        row.progress(factor=job.progress, text=f"Generating… {100 * job.progress:.0f}%")
        row.operator("texgan.generate_cancel", text="", icon='CANCEL')
    row = layout.row()
    row.scale_y = 1.4
    row.enabled = entry is not None and not generating
    op = row.operator("texgan.generate", icon='TEXTURE')
    if entry is not None:
        op.model = str(entry.path)
    op.width, op.height, op.seed, op.count = (settings.width, settings.height, settings.seed,
                                              settings.count)
    if context.active_object is None:
        layout.label(text="No active object: images only", icon='INFO')
    if job is not None and not generating:
        warning = generation.unconnected_warning(job.result) if job.state == generation.DONE else ""
        if job.state in (generation.FAILED, generation.CANCELLED) or warning:
            label_wrapped(layout, context, warning or job.message,
                          icon='ERROR' if job.state == generation.FAILED or warning else 'INFO')
    unused = 0 if generating else len(cleanup.unused_images(bpy.data.images))
    if unused:      # images a later Generate replaced: kept in the file until dropped
        layout.operator("texgan.remove_unused", text=f"Remove {unused} Unused", icon='TRASH')


def draw_train(layout, context):
    settings = context.scene.texgan
    layout.prop(settings, "exemplar_source", expand=True)
    if settings.exemplar_source == 'IMAGE':
        layout.template_ID(settings, "exemplar_image", open="image.open")
    else:
        layout.prop(settings, "exemplar_file")
    layout.prop(settings, "model_name")
    layout.prop(settings, "kind")
    layout.prop(settings, "quality")
    if settings.quality == 'CUSTOM':
        layout.prop(settings, "steps")

    job = state.training
    row = layout.row(align=True)
    if job is not None and job.running():
        row.operator("texgan.train_stop", icon='PAUSE')
    else:
        row.operator("texgan.train_start", icon='PLAY')
        row.operator("texgan.train_resume", icon='FORWARD')   # greyed out with nothing to resume
    if job is None:
        return
    box = layout.box()
    box.label(text=f"'{job.name}'")
    box.progress(factor=job.progress, text=f"{job.progress * 100:.0f} %")
    col = box.column(align=True)
    col.label(text=f"Step {job.step} / {job.total}")
    if job.running():
        col.label(text=f"ETA {job.eta_text()}")
    if job.message:
        label_wrapped(col, context, job.message, icon='ERROR' if job.state == "FAILED" else 'INFO')
    if job.note:
        label_wrapped(col, context, job.note, icon='INFO')
    icon = catalog_ui.sample_icon(job.sample)
    if icon:
        box.template_icon(icon_value=icon, scale=8.0)


class TEXGAN_PT_generate_view3d(_InViewport, bpy.types.Panel):
    bl_label = "TexGAN"
    bl_idname = "TEXGAN_PT_generate_view3d"

    def draw(self, context):
        draw_generate(self.layout, context)


class TEXGAN_PT_train_view3d(_InViewport, bpy.types.Panel):
    bl_label = "Train"
    bl_idname = "TEXGAN_PT_train_view3d"
    bl_parent_id = "TEXGAN_PT_generate_view3d"
    bl_options = {'DEFAULT_CLOSED'}

    def draw(self, context):
        draw_train(self.layout, context)


class TEXGAN_PT_generate_shader(_InShaderEditor, bpy.types.Panel):
    bl_label = "TexGAN"
    bl_idname = "TEXGAN_PT_generate_shader"

    def draw(self, context):
        draw_generate(self.layout, context)


class TEXGAN_PT_train_shader(_InShaderEditor, bpy.types.Panel):
    bl_label = "Train"
    bl_idname = "TEXGAN_PT_train_shader"
    bl_parent_id = "TEXGAN_PT_generate_shader"
    bl_options = {'DEFAULT_CLOSED'}

    def draw(self, context):
        draw_train(self.layout, context)


classes = (
    TEXGAN_PT_generate_view3d,
    TEXGAN_PT_train_view3d,
    TEXGAN_PT_generate_shader,
    TEXGAN_PT_train_shader,
)


# registers in order, unregisters in reverse (Blender's own helper)
register, unregister = bpy.utils.register_classes_factory(classes)
