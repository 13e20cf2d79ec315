"""Find models by name: the bundled ones, then the user's folders. No torch here."""

from dataclasses import dataclass
from pathlib import Path

from .errors import TexganError
from .fileformat import read_info

BUNDLED_DIR = Path(__file__).resolve().parent / "models"
SUFFIX = ".texgan"


@dataclass(frozen=True)
class ModelEntry:
    name: str
    path: Path
    bundled: bool


def list_models(extra_dirs=()) -> list:
    """Bundled models, then those found in `extra_dirs`; files that do not read are skipped."""
    entries = []
    for folder, bundled in [(BUNDLED_DIR, True)] + [(Path(d), False) for d in extra_dirs]:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*" + SUFFIX)):
            try:
                read_info(path)
            except TexganError:
                continue
            entries.append(ModelEntry(path.name[:-len(SUFFIX)], path, bundled))
    return entries


def resolve_model(name_or_path, extra_dirs=()) -> Path:
    """A path to an existing file is used as is; otherwise the name is looked up."""
    text = str(name_or_path)
    candidate = Path(text).expanduser()
    if candidate.is_file():
        return candidate
    name = text[:-len(SUFFIX)] if text.endswith(SUFFIX) else text
    for entry in list_models(extra_dirs):
        if entry.name == name:
            return entry.path
    if text.endswith(SUFFIX) or "/" in text or "\\" in text:
        if candidate.exists():      # a folder, a pipe, a device
            raise TexganError(f"not a model file but {'a folder' if candidate.is_dir() else 'a special file'}: {text}")
        raise TexganError(f"model file not found: {text}")
    known = ", ".join(e.name for e in list_models(extra_dirs)) or "none"
    raise TexganError(f"no model named '{text}' (known: {known})")
