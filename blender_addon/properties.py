"""The panel's settings: one PropertyGroup on the Scene (`scene.texgan`)."""

import bpy
from bpy.props import EnumProperty, IntProperty, PointerProperty, StringProperty

from . import catalog_ui
from ..texgan_core.config import TrainConfig

# Quality presets in training steps; the trainer's speed decides the wall time. Standard is the
# recipe's measured default (what the bundled models had); High is twice that, which measured
# better on rough materials (ground, grass, metal, stone) and worse on bricks
# (bench/EXPERIMENTS.md, "Twice the steps with the falling learning rates").
QUALITY_STEPS = {'QUICK': 500, 'STANDARD': TrainConfig.steps, 'HIGH': 2 * TrainConfig.steps}
# Quick keeps the learning rates constant: falling over only 500 steps measured worse on all
# six benchmark photos (bench/EXPERIMENTS.md, "The panel's Quick preset").
QUALITY_ARGS = {'QUICK': ("--lr-floor", "1")}


class TexganSettings(bpy.types.PropertyGroup):
    model: EnumProperty(name="Model", items=catalog_ui.enum_items,
                        description="Texture model (bundled or trained by you)")
    width: IntProperty(name="Width", default=1024, min=16, soft_max=4096, max=16384,
                       subtype='PIXEL')
    height: IntProperty(name="Height", default=1024, min=16, soft_max=4096, max=16384,
                        subtype='PIXEL')
    seed: IntProperty(name="Seed", default=0, min=0, description="Same seed, same texture")
    count: IntProperty(name="Count", default=1, min=1, soft_max=16, max=64,
                       description="How many variations (seeds seed, seed+1, ...)")

    exemplar_source: EnumProperty(
        name="Exemplar", default='IMAGE',
        items=[('IMAGE', "Image", "An image already in this .blend"),
               ('FILE', "File", "An image file on disk")])
    exemplar_image: PointerProperty(name="Image", type=bpy.types.Image,
                                    description="The photo to learn the texture from")
    exemplar_file: StringProperty(name="File", subtype='FILE_PATH',
                                  description="The photo to learn the texture from")
    model_name: StringProperty(name="Name", default="my_texture",
                               description="Name of the new model in the picker")
    quality: EnumProperty(
        name="Quality", default='STANDARD',
        items=[('QUICK', "Quick", f"{QUALITY_STEPS['QUICK']} steps: a first look"),
               ('STANDARD', "Standard", f"{QUALITY_STEPS['STANDARD']} steps"),
               ('HIGH', "High", f"{QUALITY_STEPS['HIGH']} steps: rough materials; walls do better on Standard"),
               ('CUSTOM', "Custom", "Choose the number of steps")])
    steps: IntProperty(name="Steps", default=TrainConfig.steps, min=1, soft_max=50000)
    # `texgan train --kind` (texgan_core.config.KINDS holds what each one changes)
    kind: EnumProperty(
        name="Kind", default='ANY',
        items=[('ANY', "Any", "The recipe as it is: wood, metal, ground, fabric, anything else"),
               ('REGULAR', "Regular", "Walls, roofs, paving: bricks or tiles in rows (the hinge loss)"),
               ('GRANULAR', "Granular", "Gravel, pebbles, rock, grass (nearest-neighbour upsampling)")],
        description="What the photo shows: each kind trains with the options measured best on it")

    def train_steps(self) -> int:
        return self.steps if self.quality == 'CUSTOM' else QUALITY_STEPS[self.quality]

    def train_args(self) -> tuple:
        """The preset's and the kind's recipe changes, as `texgan train` options."""
        kind = () if self.kind == 'ANY' else ("--kind", self.kind.lower())
        return QUALITY_ARGS.get(self.quality, ()) + kind


classes = (TexganSettings,)


def register():
    for cls in classes:
        bpy.utils.register_class(cls)
    bpy.types.Scene.texgan = PointerProperty(type=TexganSettings)


def unregister():
    del bpy.types.Scene.texgan
    for cls in reversed(classes):
        bpy.utils.unregister_class(cls)
