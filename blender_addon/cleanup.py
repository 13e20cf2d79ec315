"""Generated images that nothing shows any more.

Every Generate keeps its image in the file (packed, with a fake user), so that no texture is
lost when a later Generate replaces it in the node; the file grows by each. These helpers find
the ones that only their fake user still holds, so an artist can drop them in one click.
"""

import time

TAG = "texgan_model"      # custom property on every image TexGAN makes: the model's name
NAME = "texgan_name"      # the name it was made with: a renamed image or a copy is the artist's
BATCH = "texgan_batch"    # when its Generate started: the latest Generate's images are kept

_last_batch = 0.0


def new_batch() -> float:
    """A stamp for one Generate's images, later than any before it (also across sessions)."""
    global _last_batch
    _last_batch = max(time.time(), _last_batch + 1e-3)
    return _last_batch


def mark_generated(image, model: str, batch: float) -> None:
    image[TAG] = model
    image[NAME] = image.name
    image[BATCH] = batch


def unused_images(images) -> list:
    """TexGAN's images whose only user is their fake user: no node, no editor, nothing else.

    Never listed: the artist's own images; generated ones the artist renamed, copied (a copy
    carries the tags under another name) or painted on and not saved; and the latest
    Generate's images, such as count > 1 variations not looked at yet. Images made before
    these tags existed carry the model's tag alone: they count as made, by no latest Generate.
    """
    made = [image for image in images if TAG in image and image.get(NAME, image.name) == image.name]
    latest = max((image[BATCH] for image in made if BATCH in image), default=None)
    return [image for image in made
            if image.use_fake_user and image.users == 1 and not image.is_dirty
            and (BATCH not in image or image[BATCH] != latest)]


def remove_unused(images) -> tuple:
    """Remove them from `images` (bpy.data.images); returns (count, bytes freed in the file)."""
    doomed = unused_images(images)
    freed = sum(image.packed_file.size for image in doomed if image.packed_file is not None)
    for image in doomed:
        images.remove(image)
    return len(doomed), freed
