"""Reading and writing files: atomic writes, bounded reads that never follow a link.

Every file the registry reads from a tree it does not trust (manifests,
toolspecs, policy and denylist files, a downloaded index) goes through
:func:`read_bounded`: opened without following a symbolic link, refused unless
it is a regular file, and never read past its cap. Every file the registry
writes goes through :func:`write_atomic`: a temporary file in the same folder,
flushed to disk, then renamed over the target, so a reader sees the old file
or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from registry.errors import FileRefused

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # opening a FIFO must not hang before fstat


def file_kind(mode: int) -> str:
    """What an ``lstat`` mode is, in words (for refusals)."""
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISREG(mode):
        return "a regular file"
    return "a special file"


def read_bounded(path: Path, max_bytes: int, *, follow_links: bool = False) -> bytes:
    """The bytes of regular file ``path``, at most ``max_bytes`` of them.

    Raises :class:`FileRefused` when ``path`` is a symbolic link (unless
    ``follow_links``: an operator's own file, not a contributor's), not a
    regular file, larger than ``max_bytes``, or cannot be read.
    """
    flags = os.O_RDONLY | _NONBLOCK | (0 if follow_links else _NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        with contextlib.suppress(OSError):
            refuse_special(path, (path.stat() if follow_links else path.lstat()).st_mode)
        raise FileRefused(
            path, "unreadable", f"cannot be read: {error.strerror or error}"
        ) from None
    try:
        refuse_special(path, os.fstat(fd).st_mode)
        with os.fdopen(fd, "rb", closefd=False) as stream:
            data = stream.read(max_bytes + 1)
    except OSError as error:
        raise FileRefused(
            path, "unreadable", f"cannot be read: {error.strerror or error}"
        ) from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise FileRefused(path, "too_large", f"is larger than {max_bytes} bytes")
    return data


def refuse_special(path: Path, mode: int) -> None:
    """Raise :class:`FileRefused` unless ``mode`` (from ``lstat``) is a regular file's."""
    if stat.S_ISLNK(mode):
        raise FileRefused(path, "link", "is a symbolic link; only regular files are read")
    if not stat.S_ISREG(mode):
        raise FileRefused(
            path, "special", f"is {file_kind(mode)}; only regular files are read"
        )


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _new_file_mode() -> int:
    return 0o666 & ~_umask()


def staging_folder(beside: Path, prefix: str) -> Path:
    """A new empty folder next to ``beside`` with the umask's usual mode (not ``mkdtemp``'s 0700).

    What is built in it is swapped in as a whole (``dist/``), and other users (a web
    server) must be able to read it as they could a folder made with ``mkdir``.
    """
    import tempfile  # only writers need it; readers (lint) start faster without

    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=beside))
    folder.chmod(0o777 & ~_umask())
    return folder


def write_atomic(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` atomically, creating its folder if needed.

    The file keeps the mode it had (``mode`` or the umask's default for a new
    one), its content is flushed to disk before the rename, and the folder's
    entry after it, so a crash leaves the old file or the new one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode is None:
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            mode = _new_file_mode()
    import tempfile  # only writers need it; readers (lint) start faster without

    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fchmod(stream.fileno(), mode)
            os.fsync(stream.fileno())
        Path(temporary).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(temporary).unlink()
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
