"""The one timer: polls the running jobs and redraws the panels while something runs.

Everything it does is also reachable by hand (`tick()`), which is how tests drive it.
"""

import bpy

from . import catalog_ui, state
from .subprocess_env import forget_torch_check

INTERVAL = 0.5
_announced = set()       # ids of jobs whose end was already acted on


def tick():
    busy = False
    for job in (state.training, state.install, state.generation):
        if job is None:
            continue
        job.poll()
        if job.running():
            busy = True
        elif id(job) not in _announced and job.state != "IDLE":
            _announced.add(id(job))
            _finished(job)
    _redraw()
    return INTERVAL if busy else None


def _finished(job) -> None:
    if job is state.generation:
        _announce(job)
    if job is state.training:
        catalog_ui.refresh()            # a finished (or stopped) model shows in the picker
    if job is state.install:
        forget_torch_check()
        state.release_worker()           # the next worker sees the new torch


def _announce(job) -> None:
    """A panel generation's end: in the console (the panel shows it too), and as one undo
    step, since the operator that started it returned long before."""
    print(f"TexGAN: {job.message}")
    wm = getattr(bpy.context, "window_manager", None)
    windows = list(wm.windows) if wm is not None else []
    if job.result.images and windows:   # no window (background mode): no undo to push to
        try:
            with bpy.context.temp_override(window=windows[0]):   # a timer has no window
                bpy.ops.ed.undo_push(message="TexGAN Generate")
        except RuntimeError:
            pass


def watch(job) -> None:
    """Start polling (again) after `job` started."""
    _announced.discard(id(job))
    if not bpy.app.timers.is_registered(tick):
        bpy.app.timers.register(tick, first_interval=INTERVAL, persistent=True)


def _redraw() -> None:
    wm = getattr(bpy.context, "window_manager", None)
    if wm is None:
        return
    for window in wm.windows:
        for area in window.screen.areas:
            if area.type in {'VIEW_3D', 'NODE_EDITOR', 'PREFERENCES'}:
                area.tag_redraw()


@bpy.app.handlers.persistent
def _on_load_pre(*_args) -> None:
    """Another file is opening: a running generation's images belong to the file it started
    in, so it ends here rather than adding them to the new one."""
    if state.generation is not None:
        state.generation.abandon("another file was opened")


def register() -> None:
    if _on_load_pre not in bpy.app.handlers.load_pre:
        bpy.app.handlers.load_pre.append(_on_load_pre)


def unregister() -> None:
    if _on_load_pre in bpy.app.handlers.load_pre:
        bpy.app.handlers.load_pre.remove(_on_load_pre)
    if bpy.app.timers.is_registered(tick):
        bpy.app.timers.unregister(tick)
    _announced.clear()
