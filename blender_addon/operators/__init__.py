"""One operator per file; each stays thin and calls the plain modules one level up."""

import bpy

from .check_torch import TEXGAN_OT_check_torch
from .generate import TEXGAN_OT_generate
from .generate_cancel import TEXGAN_OT_generate_cancel
from .install_torch import TEXGAN_OT_install_torch
from .randomize_seed import TEXGAN_OT_randomize_seed
from .refresh_models import TEXGAN_OT_refresh_models
from .release_worker import TEXGAN_OT_release_worker
from .remove_unused import TEXGAN_OT_remove_unused
from .train_resume import TEXGAN_OT_train_resume
from .train_start import TEXGAN_OT_train_start
from .train_stop import TEXGAN_OT_train_stop

classes = (
    TEXGAN_OT_generate,
    TEXGAN_OT_generate_cancel,
    TEXGAN_OT_randomize_seed,
    TEXGAN_OT_refresh_models,
    TEXGAN_OT_train_start,
    TEXGAN_OT_train_stop,
    TEXGAN_OT_train_resume,
    TEXGAN_OT_check_torch,
    TEXGAN_OT_install_torch,
    TEXGAN_OT_release_worker,
    TEXGAN_OT_remove_unused,
)


# registers in order, unregisters in reverse (Blender's own helper)
register, unregister = bpy.utils.register_classes_factory(classes)
