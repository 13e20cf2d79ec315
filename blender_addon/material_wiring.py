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


def target_material(obj) -> bpy.types.Material:
    """The object's active material; a new one (in the active slot) if it has none."""
    if obj is None:
        raise WiringError("no active object to put the texture on")
    if not hasattr(obj.data, "materials"):
        raise WiringError(f"'{obj.name}' ({obj.type.lower()}) cannot have materials")
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


def principled_bsdf(tree) -> bpy.types.Node:
    """The first Principled BSDF, or a new one wired to the (possibly new) Material Output."""
    for node in tree.nodes:
        if node.bl_idname == "ShaderNodeBsdfPrincipled":
            return node
    output = next((n for n in tree.nodes if n.bl_idname == "ShaderNodeOutputMaterial"
                   and n.is_active_output), None)
    if output is None:
        output = tree.nodes.new("ShaderNodeOutputMaterial")
        output.location = (300, 300)
    bsdf = tree.nodes.new("ShaderNodeBsdfPrincipled")
    bsdf.location = (output.location.x - 300, output.location.y)
    tree.links.new(bsdf.outputs["BSDF"], output.inputs["Surface"])
    return bsdf


def add_texture_chain(tree) -> bpy.types.ShaderNodeTexImage:
    """Texture Coordinate -> Mapping -> Image Texture -> Principled Base Color."""
    bsdf = principled_bsdf(tree)
    x, y = bsdf.location.x, bsdf.location.y
    image = tree.nodes.new("ShaderNodeTexImage")
    image.width = IMAGE_NODE_WIDTH
    image.location = (x - IMAGE_NODE_WIDTH - 80, y)
    mapping = tree.nodes.new("ShaderNodeMapping")
    mapping.location = (image.location.x - COLUMN, y)
    coords = tree.nodes.new("ShaderNodeTexCoord")
    coords.location = (mapping.location.x - COLUMN + 40, y)
    tree.links.new(coords.outputs["UV"], mapping.inputs["Vector"])
    tree.links.new(mapping.outputs["Vector"], image.inputs["Vector"])
    tree.links.new(image.outputs["Color"], bsdf.inputs["Base Color"])
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
