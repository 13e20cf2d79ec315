"""The model picker's items, with thumbnails read from the model files (no torch needed).

Blender keeps only pointers to the strings of a dynamic enum, so the items are cached in this
module (rebuilt by `refresh()`), and icons live in a `bpy.utils.previews` collection.
"""

import zlib
from pathlib import Path

import bpy
import bpy.utils.previews

from ..texgan_core import catalog, fileformat
from ..texgan_core.atomic import atomic_write_bytes
from ..texgan_core.errors import TexganError
from . import state

_previews = {}           # "models" / "samples" -> ImagePreviewCollection
_items = []
_entries = {}            # identifier -> ModelEntry
_stale = True


def refresh() -> None:
    """Scan again on the next draw (a model was trained, the models folder changed)."""
    global _stale
    _stale = True


def entries() -> dict:
    _rebuild_if_stale()
    return _entries


def _rebuild_if_stale() -> None:
    global _items, _entries, _stale
    if not _stale:
        return
    _stale = False
    pcoll = _collection("models")
    thumbs = state.user_dir("thumbnails")
    items, found, cached = [], {}, set()
    for entry in catalog.list_models([state.models_dir()]):
        if entry.name in found:          # a bundled model of the same name wins, as in the core
            continue
        found[entry.name] = entry
        icon, cache = _thumbnail_icon(pcoll, thumbs, entry.path)
        cached.add(cache)
        where = "bundled" if entry.bundled else str(entry.path.parent)
        items.append((entry.name, entry.name, f"{entry.name} ({where})", icon,
                      _enum_number(entry, first_bundled=not items and entry.bundled)))
    if not items:
        items.append(("NONE", "No models", "Train one in the Train panel", 'ERROR', 0))
    _items, _entries = items, found
    if None not in cached:   # a model file went away during the scan: prune on the next one
        _prune_thumbnails(thumbs, keep=cached)


def _enum_number(entry, first_bundled: bool) -> int:
    """Blender stores the picked item's number, so it must not change when models come and
    go: a hash of the name. The first bundled model gets 0, the property's default, so a new
    scene starts with a model picked instead of none."""
    if first_bundled:
        return 0
    return (zlib.crc32(entry.name.encode()) & 0x7FFFFFFF) or 1


def _prune_thumbnails(folder: Path, keep: set) -> None:
    """Drop cached thumbnails of models that were retrained, moved or deleted: each
    retraining writes a new one, and the folder would otherwise only grow."""
    for stale in set(folder.glob("*.png")) - keep:
        stale.unlink(missing_ok=True)


def _preview_key(path: Path) -> str:
    return f"{path}:{path.stat().st_mtime_ns}"


def thumbnail(name: str):
    """The loaded ImagePreview of a model's thumbnail, or None (icon ids stay 0 without a UI)."""
    entry = entries().get(name)
    if entry is None:
        return None
    return _collection("models").get(_preview_key(entry.path))


def _cache_file(folder: Path, key: str, path: Path) -> Path:
    """Where a model's thumbnail is cached: named after the model file and its mtime (`key`)."""
    return folder / f"{path.stem}-{zlib.crc32(key.encode()):08x}.png"


def _thumbnail_icon(pcoll, folder: Path, path: Path) -> tuple:
    """(icon id, cache file): the icon is 0 when the thumbnail cannot be read; the cache file
    is None when the model file went away (its name needs the file's mtime)."""
    try:
        key = _preview_key(path)
    except OSError:
        return 0, None
    cache = _cache_file(folder, key, path)
    try:
        if key not in pcoll:
            if not cache.is_file():
                atomic_write_bytes(cache, fileformat.read_thumbnail_png(path))
            pcoll.load(key, str(cache), 'IMAGE')
    except (TexganError, OSError):
        return 0, cache
    return pcoll[key].icon_id, cache


def enum_items(_self, _context):
    _rebuild_if_stale()
    return _items


def model_names() -> list:
    return [item[0] for item in enum_items(None, None) if item[0] in _entries]


def sample_icon(path) -> int:
    """An icon showing the training's latest sample PNG (0 if it cannot be read)."""
    if not path:
        return 0
    pcoll = _collection("samples")
    try:
        key = f"{path}:{Path(path).stat().st_mtime_ns}"
    except OSError:
        return 0
    if key not in pcoll:
        if len(pcoll) > 16:
            pcoll.clear()
        pcoll.load(key, str(path), 'IMAGE')
    return pcoll[key].icon_id


def _collection(name: str):
    if name not in _previews:
        _previews[name] = bpy.utils.previews.new()
    return _previews[name]


def register() -> None:
    refresh()


def unregister() -> None:
    global _items, _entries
    for pcoll in _previews.values():
        bpy.utils.previews.remove(pcoll)
    _previews.clear()
    _items, _entries = [], {}
    refresh()
