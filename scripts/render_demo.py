#!/usr/bin/env python3
"""Render the seam demo: a generated texture tiled 3×3 beside a naive crop of the photo tiled 3×3.

Runs Blender as a Python module (`pip install bpy`) or inside Blender:

    python scripts/render_demo.py --model bricks --exemplar bench/photos/bricks.png --out docs/demo.png
    blender -b --python scripts/render_demo.py -- --model bricks --exemplar ... --out ...

The extension is built from this checkout and installed into a throwaway user folder, so the
left plane's texture comes from the same `bpy.ops.texgan.generate` an artist uses.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPEAT = 3


def parse(argv):
    if "--" in argv:                     # blender -b --python render_demo.py -- ARGS
        argv = argv[argv.index("--") + 1:]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="model name or .texgan path")
    parser.add_argument("--exemplar", required=True, type=Path, help="the photo it learnt from")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "demo.png")
    parser.add_argument("--tile", type=int, default=512, help="generated tile size in pixels")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--resolution", type=int, default=1200, help="output width")
    parser.add_argument("--samples", type=int, default=32, help="Cycles samples")
    return parser.parse_args(argv)


def install_extension(bpy):
    sys.path.insert(0, str(ROOT / "scripts"))
    from build_extension import build
    zip_path = build(Path(tempfile.mkdtemp(prefix="texgan-demo-dist-")))
    bpy.ops.extensions.package_install_files(filepath=str(zip_path), repo="user_default",
                                             enable_on_install=True)


def plane(bpy, name, x):
    bpy.ops.mesh.primitive_plane_add(size=2.0, location=(x, 0, 0))
    obj = bpy.context.active_object
    obj.name = name
    return obj


def tile_mapping(material, repeat):
    """Scale UVs so the image repeats `repeat` times across the plane."""
    for node in material.node_tree.nodes:
        if node.bl_idname == "ShaderNodeMapping":
            node.inputs["Scale"].default_value = (repeat, repeat, 1)
            return
    raise RuntimeError("no Mapping node in " + material.name)


def naive_crop(bpy, exemplar: Path):
    """The exemplar's largest centred square, to be tiled as is: its seams show."""
    import numpy as np
    photo = bpy.data.images.load(str(exemplar))
    w, h = photo.size
    side = min(w, h)
    px = np.empty(w * h * photo.channels, np.float32)
    photo.pixels.foreach_get(px)
    px = px.reshape(h, w, photo.channels)
    y0, x0 = (h - side) // 2, (w - side) // 2
    square = np.ones((side, side, 4), np.float32)
    square[..., :3] = px[y0:y0 + side, x0:x0 + side, :3]
    crop = bpy.data.images.new("naive crop", side, side)
    crop.pixels.foreach_set(square.ravel())
    crop.pack()
    return crop


def label(bpy, text, x):
    bpy.ops.object.text_add(location=(x, -1.25, 0))
    obj = bpy.context.active_object
    obj.data.body = text
    obj.data.align_x = 'CENTER'
    obj.data.size = 0.16
    mat = bpy.data.materials.new("label")
    if mat.node_tree is None:            # before Blender 5.0 a new material has no nodes
        mat.use_nodes = True
    mat.node_tree.nodes["Principled BSDF"].inputs["Base Color"].default_value = (0.02, 0.02,
                                                                                0.02, 1)
    obj.data.materials.append(mat)


def main(argv=None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    if "bpy" not in sys.modules:
        os.environ.setdefault("BLENDER_USER_RESOURCES", tempfile.mkdtemp(prefix="texgan-demo-"))
    import bpy
    install_extension(bpy)
    wiring = sys.modules["bl_ext.user_default.texgan.blender_addon.material_wiring"]

    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene

    left = plane(bpy, "TexGAN", -1.1)
    bpy.context.view_layer.objects.active = left
    bpy.ops.texgan.generate(model=args.model, width=args.tile, height=args.tile,
                            seed=args.seed)
    tile_mapping(left.active_material, REPEAT)

    right = plane(bpy, "Naive crop", 1.1)
    bpy.context.view_layer.objects.active = right
    wiring.apply_texture(right, naive_crop(bpy, args.exemplar.resolve()))
    tile_mapping(right.active_material, REPEAT)

    label(bpy, "TexGAN, tiled 3×3", -1.1)
    label(bpy, "photo crop, tiled 3×3", 1.1)

    # Even white light from everywhere: the planes show their albedo, seams and all.
    world = bpy.data.worlds.new("white")
    if world.node_tree is None:          # before Blender 5.0 a new world has no nodes
        world.use_nodes = True
    world.node_tree.nodes["Background"].inputs["Color"].default_value = (1, 1, 1, 1)
    scene.world = world
    bpy.ops.object.camera_add(location=(0, -0.15, 5))
    camera = bpy.context.active_object
    camera.data.type = 'ORTHO'
    camera.data.ortho_scale = 4.6
    scene.camera = camera

    scene.render.engine = 'CYCLES'
    scene.cycles.device = 'CPU'
    scene.cycles.samples = args.samples
    scene.cycles.use_denoising = False
    scene.view_settings.view_transform = 'Standard'
    scene.render.resolution_x = args.resolution
    scene.render.resolution_y = int(args.resolution * 0.6)
    scene.render.image_settings.file_format = 'PNG'
    args.out.parent.mkdir(parents=True, exist_ok=True)
    scene.render.filepath = str(args.out.resolve())
    bpy.ops.render.render(write_still=True)
    bpy.ops.preferences.addon_disable(module="bl_ext.user_default.texgan")
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
