"""Node wiring, without any model: a chain is built when needed, an active node reused."""

import numpy as np
import bpy


def _fresh_object(name):
    bpy.ops.mesh.primitive_plane_add()
    obj = bpy.context.active_object
    obj.name = name
    return obj


def _image(name):
    return bpy.data.images.new(name, 32, 32)


def test_new_chain_links_image_to_base_color_and_repeats(addon):
    wiring = addon.material_wiring
    obj = _fresh_object("wired")
    assert obj.active_material is None
    node = wiring.apply_texture(obj, _image("wired-img"))
    material = obj.active_material
    assert material is not None and material.name.startswith("TexGAN")
    tree = material.node_tree
    assert node.image.name == "wired-img" and node.extension == 'REPEAT'
    assert wiring.base_color_image(material).name == "wired-img"
    mapping = node.inputs["Vector"].links[0].from_node
    coords = mapping.inputs["Vector"].links[0].from_node
    assert mapping.bl_idname == "ShaderNodeMapping"
    assert coords.bl_idname == "ShaderNodeTexCoord"
    assert coords.outputs["UV"].links[0].to_node == mapping
    bsdf = node.outputs["Color"].links[0].to_node
    # laid out left to right, no node on top of another
    xs = [coords.location.x, mapping.location.x, node.location.x, bsdf.location.x]
    assert xs == sorted(xs) and len(set(xs)) == 4
    assert len([n for n in tree.nodes if n.bl_idname == "ShaderNodeTexImage"]) == 1


def test_active_image_node_is_reused(addon):
    wiring = addon.material_wiring
    obj = _fresh_object("reused")
    first = wiring.apply_texture(obj, _image("first"))
    count = len(obj.active_material.node_tree.nodes)
    second = wiring.apply_texture(obj, _image("second"))
    assert second == first
    assert len(obj.active_material.node_tree.nodes) == count
    assert wiring.base_color_image(obj.active_material).name == "second"


def _material_showing(addon, obj, shader_type):
    """A material whose output shows `shader_type` (no Principled BSDF in it)."""
    material = bpy.data.materials.new(f"{obj.name}-mat")
    obj.data.materials.append(material)
    addon.material_wiring._ensure_nodes(material)
    tree = material.node_tree
    for node in [n for n in tree.nodes if n.bl_idname != "ShaderNodeOutputMaterial"]:
        tree.nodes.remove(node)
    output = tree.nodes["Material Output"]
    shader = tree.nodes.new(shader_type)
    tree.links.new(shader.outputs[0], output.inputs["Surface"])
    return material, shader, output


def test_the_users_own_shader_keeps_its_place_and_gets_the_colour(addon):
    obj = _fresh_object("emissive")
    material, emission, output = _material_showing(addon, obj, "ShaderNodeEmission")
    node = addon.material_wiring.apply_texture(obj, _image("glow"))
    assert output.inputs["Surface"].links[0].from_node == emission
    assert node.outputs["Color"].links[0].to_socket == emission.inputs["Color"]
    assert not [n for n in material.node_tree.nodes if n.bl_idname == "ShaderNodeBsdfPrincipled"]


def test_a_shader_with_no_colour_input_is_left_wired_as_it_was(addon):
    obj = _fresh_object("mixed")
    material, mix, output = _material_showing(addon, obj, "ShaderNodeMixShader")
    links_before = len(material.node_tree.links)
    node = addon.material_wiring.apply_texture(obj, _image("unplugged"))
    assert node.image.name == "unplugged" and not node.outputs["Color"].is_linked
    assert output.inputs["Surface"].links[0].from_node == mix
    assert len(material.node_tree.links) == links_before + 2   # coords -> mapping -> image


def test_exemplar_export_writes_what_blender_shows(addon, tmp_path):
    from blender_helpers import make_exemplar_image
    image = make_exemplar_image("export-me", size=48)
    path = addon.pixels.exemplar_file(image, tmp_path)
    assert path.suffix == ".png" and path.is_file()
    back = bpy.data.images.load(str(path))
    a = addon.pixels.image_rgba(image)[..., :3]
    b = addon.pixels.image_rgba(back)[..., :3]
    assert back.size[:] == (48, 48)
    assert np.abs(a - b).max() < 1 / 255 + 1e-6
