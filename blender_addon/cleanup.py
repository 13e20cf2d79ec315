"""Generated images that nothing shows any more.

Every Generate keeps its image in the file (packed, with a fake user), so that no texture is
lost when a later Generate replaces it in the node; the file grows by each. These helpers find
the ones that only their fake user still holds, so an artist can drop them in one click.
"""

TAG = "texgan_model"   # custom property on every image TexGAN makes: the model's name


def mark_generated(image, model: str) -> None:
    image[TAG] = model


def unused_images(images) -> list:
    """TexGAN's images whose only user is their fake user: no node, no editor, nothing else.
    The artist's own images are never listed, used or not."""
    return [image for image in images
            if TAG in image and image.use_fake_user and image.users == 1]


def remove_unused(images) -> tuple:
    """Remove them from `images` (bpy.data.images); returns (count, bytes freed in the file)."""
    doomed = unused_images(images)
    freed = sum(image.packed_file.size for image in doomed if image.packed_file is not None)
    for image in doomed:
        images.remove(image)
    return len(doomed), freed
