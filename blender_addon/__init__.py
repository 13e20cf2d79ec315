"""TexGAN's Blender side: panel, operators, preferences, and the processes that run torch.

Blender's process never imports torch. Generation goes to a long-lived worker subprocess
(worker.py), training to one subprocess per job (jobs.py); both run texgan_core from this
extension's folder. Registration follows node_wrangler: each module registers its `classes`.
"""

from . import catalog_ui, operators, panels, preferences, properties, state, ticker

_modules = (catalog_ui, preferences, properties, operators, panels)


def register():
    for module in _modules:
        module.register()
    ticker.register()


def unregister():
    ticker.unregister()
    state.shutdown()
    for module in reversed(_modules):
        module.unregister()
