"""Write files so that a crash at any moment leaves either the old file or the new one."""

import errno
import os
import stat
import string
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from .errors import TexganError


def _read_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def _followed(path) -> Path:
    """The file a symbolic link points to (written there, so the link stays), else `path`."""
    return Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)


@contextmanager
def atomic_file(path):
    """A binary file that becomes `path` only when the block ends without an error.

    It is written beside `path` under a temporary name, flushed to disk, then renamed over
    `path`. A rename within one folder is atomic on POSIX and Windows, so a reader (or a
    training killed by SIGKILL mid-write) never sees a half-written file; after an error the
    old file is still there and the temporary one is gone. A symbolic link is followed: the
    file it points to is replaced and the link stays, as an editor's save would leave it.
    """
    path = _followed(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes 0600; a saved file should not be private. The owner keeps write
        # permission whatever the umask, or the next checkpoint would refuse it as read-only.
        os.chmod(tmp, (0o666 & ~_UMASK) | stat.S_IWUSR)
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError) and e.filename is None:   # a full disk: say which file
            e.filename = str(path)
        raise
    _fsync_dir(path.parent)


# A temporary nothing has written to for this long lost its writer (killed mid-write: SIGKILL,
# out of memory, power loss); one being written is touched at every write call.
STALE_AFTER_SECONDS = 3600.0
_MKSTEMP_LETTERS = frozenset(string.ascii_lowercase + string.digits + "_")


def _remove_stale_temporaries(path: Path) -> None:
    """Remove the temporaries killed writes of `path` left (`.NAME.xxxxxxxx.tmp`): with
    a training that can be killed at any time and PNGs of up to a gigabyte, they would
    pile up hidden beside it."""
    prefix, now = f".{path.name}.", time.time()
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return
    for entry in entries:
        middle = entry.name[len(prefix):-len(".tmp")]
        if not (entry.name.startswith(prefix) and entry.name.endswith(".tmp") and len(middle) == 8
                and set(middle) <= _MKSTEMP_LETTERS):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and \
                    now - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER_SECONDS:
                os.unlink(entry.path)
        except OSError:
            pass


def atomic_write_bytes(path, data: bytes) -> None:
    with atomic_file(path) as f:
        f.write(data)


MAX_NAME_BYTES = 255    # a file name's limit on Linux, macOS and Windows file systems


def check_writable(path, folder: bool = False) -> None:
    """Raise TexganError now if `path` (a file, or with `folder` a folder) cannot be written:
    a training or a large generation must not spend its time and then lose the result.
    A file marked read-only is refused although a rename could replace it: the mark is how
    an artist keeps a texture from being overwritten."""
    if os.path.islink(path) and not os.path.exists(path):
        try:
            os.stat(path)
        except OSError as e:        # ELOOP: the write would replace the link with a file
            if e.errno == errno.ELOOP:
                raise TexganError(f"cannot write {path}: it is a loop of symbolic links") from None
    path = _followed(path)
    # the probe below has a name of its own; the temporary a file is written as adds 14 bytes
    if not folder and len(f".{path.name}.12345678.tmp".encode()) > MAX_NAME_BYTES:
        raise TexganError(f"cannot write {path}: its name is too long for the file system "
                          f"(a name of {len(path.name.encode())} bytes; at most {MAX_NAME_BYTES - 14})")
    if not folder and path.is_dir():
        raise TexganError(f"cannot write {path}: it is a folder")
    if not folder and path.is_file() and not os.stat(path).st_mode & stat.S_IWUSR:
        raise TexganError(f"cannot write {path}: it is read-only")
    target = path if folder else path.parent
    blocker = next((p for p in [target, *target.parents] if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        raise TexganError(f"cannot write {path}: {blocker} is a file, not a folder")
    made = [p for p in [target, *target.parents] if not p.exists()]   # deepest first
    try:
        target.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".texgan-probe.", dir=target)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise TexganError(f"cannot write {path}: {e.strerror or e}") from None
    finally:
        for folder in made:   # made again when written: a run that fails first leaves none
            try:
                folder.rmdir()
            except OSError:
                pass


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable; not possible (nor needed) on Windows."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
