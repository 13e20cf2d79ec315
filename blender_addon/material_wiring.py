"""Put a texture into a material: find or make the material and the Image Texture node.

Plain functions over bpy data, so tests call them directly. The node layout follows
node_wrangler's Principled setup: Texture Coordinate -> Mapping -> Image Texture -> Base Color,
left to right, so the user can find and change the tiling in the Mapping node.
"""

import bpy

MATERIAL_NAME = "TexGAN"
COLUMN = 260            # horizontal gap between the nodes of the chain
IMAGE_NODE_WIDTH = 240


class WiringError(Exception):
    pass


NODELESS_TYPES = {"GPENCIL", "GREASEPENCIL"}   # their materials are strokes and fills, not shader nodes


def check_target(obj) -> None:
    """Raise WiringError unless the texture can go into `obj`'s material: checked before
    generating, so a camera, a Grease Pencil or a linked material selected by mistake
    costs no time and leaves no image behind."""
    if obj is None:
        raise WiringError("no active object to put the texture on")
    if obj.type in NODELESS_TYPES:     # first: Blender 4.2's experimental one has no materials list
        raise WiringError(f"'{obj.name}' is a Grease Pencil object: its materials take no "
                          "image textures")
    if not hasattr(obj.data, "materials"):
        raise WiringError(f"'{obj.name}' ({obj.type.lower()}) cannot have materials")
    if obj.type == 'VOLUME':   # its material's Surface, where Base Color is, never renders
        raise WiringError(f"'{obj.name}' is a volume object: it has no surface for an image texture")
    material = obj.active_material
    if material is not None and material.library is not None:
        raise WiringError(f"the material '{material.name}' is linked from another file and cannot "
                          "be changed here: make it local first (Object > Relations > Make Local)")
    if material is None and obj.data.library is not None:
        raise WiringError(f"'{obj.name}' has linked data that cannot take a new material: make it "
                          "local first (Object > Relations > Make Local)")


def target_material(obj) -> bpy.types.Material:
    """The object's active material; a new one (in the active slot) if it has none."""
    check_target(obj)
    material = obj.active_material
    if material is None:
        material = bpy.data.materials.new(MATERIAL_NAME)
        if obj.material_slots and obj.active_material_index < len(obj.material_slots):
            obj.material_slots[obj.active_material_index].material = material
        else:
            obj.data.materials.append(material)
            obj.active_material_index = len(obj.material_slots) - 1
    _ensure_nodes(material)
    return material


def _ensure_nodes(material) -> None:
    # Before Blender 5.0 a new material has no node tree until use_nodes is set;
    # from 5.0 on it always has one and the property is deprecated.
    if material.node_tree is None or not _uses_nodes(material):
        material.use_nodes = True


def _uses_nodes(material) -> bool:
    if bpy.app.version >= (5, 0, 0):
        return True
    return material.use_nodes


def image_node(material) -> bpy.types.ShaderNodeTexImage:
    """The active Image Texture node if there is one, else a new wired chain's."""
    tree = material.node_tree
    active = tree.nodes.active
    if active is not None and active.bl_idname == "ShaderNodeTexImage":
        return active
    return add_texture_chain(tree)


def colour_input(tree):
    """The socket the texture's colour goes into, or None to leave the user's shader alone.

    The shader the active Material Output shows decides: a Principled BSDF's Base Color, or the
    Color of a simpler shader (Diffuse, Emission...); one without a colour input (a Mix Shader,
    a group) gets None. With nothing shown, the first Principled BSDF (or a new one) is wired
    to the output.
    """
    output = _active_output(tree)
    surface = output.inputs["Surface"]
    if surface.is_linked:
        shown = surface.links[0].from_node
        for name in ("Base Color", "Color"):
            if shown.inputs.get(name) is not None:
                return shown.inputs[name]
        return None
    bsdf = next((n for n in tree.nodes if n.bl_idname == "ShaderNodeBsdfPrincipled"), None)
    if bsdf is None:
        bsdf = tree.nodes.new("ShaderNodeBsdfPrincipled")
        bsdf.location = (output.location.x - 300, output.location.y)
    tree.links.new(bsdf.outputs["BSDF"], surface)
    return bsdf.inputs["Base Color"]


def _active_output(tree) -> bpy.types.Node:
    output = next((n for n in tree.nodes if n.bl_idname == "ShaderNodeOutputMaterial"
                   and n.is_active_output), None)
    if output is None:
        output = tree.nodes.new("ShaderNodeOutputMaterial")
        output.location = (300, 300)
    return output


def add_texture_chain(tree) -> bpy.types.ShaderNodeTexImage:
    """Texture Coordinate -> Mapping -> Image Texture -> the shader's colour (`colour_input`);
    the chain is left unconnected when that shader has no colour input."""
    target = colour_input(tree)
    anchor = target.node if target is not None else _active_output(tree)
    x, y = anchor.location.x, anchor.location.y
    image = tree.nodes.new("ShaderNodeTexImage")
    image.width = IMAGE_NODE_WIDTH
    image.location = (x - IMAGE_NODE_WIDTH - 80, y)
    mapping = tree.nodes.new("ShaderNodeMapping")
    mapping.location = (image.location.x - COLUMN, y)
    coords = tree.nodes.new("ShaderNodeTexCoord")
    coords.location = (mapping.location.x - COLUMN + 40, y)
    tree.links.new(coords.outputs["UV"], mapping.inputs["Vector"])
    tree.links.new(mapping.outputs["Vector"], image.inputs["Vector"])
    if target is not None:
        tree.links.new(image.outputs["Color"], target)
    tree.nodes.active = image
    return image


def show_image(node, image) -> None:
    """Put `image` in `node`, tiling (Repeat), and keep the node active for the next time."""
    node.image = image
    node.extension = 'REPEAT'
    node.select = True
    node.id_data.nodes.active = node


def apply_texture(obj, image) -> bpy.types.ShaderNodeTexImage:
    """The whole wiring: material, node, image. Returns the Image Texture node used."""
    material = target_material(obj)
    node = image_node(material)
    show_image(node, image)
    return node


def base_color_image(material):
    """The image feeding the first Principled BSDF's Base Color directly, or None."""
    tree = material.node_tree
    if tree is None:
        return None
    for link in tree.links:
        if (link.to_node.bl_idname == "ShaderNodeBsdfPrincipled"
                and link.to_socket.identifier == "Base Color"
                and link.from_node.bl_idname == "ShaderNodeTexImage"):
            return link.from_node.image
    return None
