"""Reading a student's file without following a link or blocking on a special file.

A class folder comes from students (git clones, tar, unzip): a submission may
be a symbolic link to ``/etc/shadow``, to the solutions or to a classmate's
file; a student folder may itself be a link; a "notebook" may be a FIFO that
blocks whoever reads it. So a submission is read only from a regular file,
reached from a trusted folder one component at a time without following any
link (``O_NOFOLLOW`` relative to the folder's descriptor), opened without
blocking, checked to be a regular file and to be within the size limit before
a byte is read, and read with a hard cap in case it grows meanwhile.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .errors import SubmissionError

_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_KINDS = (
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a folder"),
)


class NotRegularFile(SubmissionError):
    """The path is a link, a FIFO, a socket, a device or a folder: it is not read."""

    def __init__(self, path: Path, kind: str) -> None:
        self.kind = kind
        super().__init__(f"{path}: {kind}; only regular files are graded, never through a link")


class TooLarge(SubmissionError):
    """The file is over the size limit: it is not read."""

    def __init__(self, path: Path, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(
            f"{path}: {size:,} bytes, over the {limit:,}-byte limit for one submission"
        )


def kind_of(mode: int) -> str:
    """What a file of this ``st_mode`` is, in words ("a regular file", "a symbolic link"...)."""
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return "a regular file" if stat.S_ISREG(mode) else "a special file"


def read_regular(path: Path, limit: int, root: Path | None = None) -> bytes:
    """The bytes of ``path``, a regular file of at most ``limit`` bytes.

    Every component below ``root`` (and the file itself when there is no
    ``root``) is opened without following links. Raises NotRegularFile,
    TooLarge, or SubmissionError when it cannot be read.
    """
    parts = path.relative_to(root).parts if root is not None else (path.name,)
    start = root if root is not None else path.parent
    descriptors: list[int] = []
    try:
        directory = os.open(start, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        descriptors.append(directory)
        for index, part in enumerate(parts[:-1]):
            shown = start.joinpath(*parts[: index + 1])
            directory = _open_component(part, _DIRECTORY, directory, shown)
            descriptors.append(directory)
        before = os.stat(parts[-1], dir_fd=directory, follow_symlinks=False)
        if not stat.S_ISREG(before.st_mode):  # never open a device, a socket or a FIFO
            raise NotRegularFile(path, kind_of(before.st_mode))
        handle = _open_component(parts[-1], _FILE, directory, path)
        descriptors.append(handle)
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode) or (info.st_dev, info.st_ino) != (
            before.st_dev,
            before.st_ino,
        ):
            raise NotRegularFile(path, "replaced while it was being read")
        if info.st_size > limit:
            raise TooLarge(path, info.st_size, limit)
        os.set_blocking(handle, True)
        data = _read_at_most(handle, limit + 1)
        if len(data) > limit:
            raise TooLarge(path, len(data), limit)
        return data
    except OSError as error:
        raise SubmissionError(f"{path}: cannot read it ({error.strerror})") from None
    finally:
        for descriptor in descriptors:
            os.close(descriptor)


def _open_component(name: str, flags: int, directory: int, shown: Path) -> int:
    try:
        return os.open(name, flags, dir_fd=directory)
    except OSError as error:
        if error.errno not in (errno.ELOOP, errno.ENOTDIR):
            raise
        info = os.stat(name, dir_fd=directory, follow_symlinks=False)
        raise NotRegularFile(shown, kind_of(info.st_mode)) from None


def _read_at_most(handle: int, count: int) -> bytes:
    chunks: list[bytes] = []
    left = count
    while left > 0:
        chunk = os.read(handle, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
