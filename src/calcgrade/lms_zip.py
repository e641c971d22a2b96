"""Unpacking an instructor's class zip (an LMS download) without trusting it.

Every entry is either unpacked or listed in ``Unpacked.refused`` with a reason an
instructor can read; operating-system litter (``__MACOSX/``, ``.DS_Store``...) is
only counted. Nothing is written outside a fresh private temporary folder: unsafe
names are refused, files are created with ``O_EXCL | O_NOFOLLOW`` and folders one
level at a time, each checked to be a real folder. Only regular files are written.

Sizes are counted as the bytes are decompressed, never taken from the zip's
headers: an entry stops as soon as it passes ``max_file_bytes`` and the whole
zip stops once ``max_total_bytes`` have been written. Bytes of entries refused
part-way still count towards the total, which therefore also bounds the work a
zip bomb can cause. Declared sizes are only used to refuse early.
"""

from __future__ import annotations

import contextlib
import errno
import lzma
import os
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from .errors import SubmissionError
from .text_safety import printable

CANVAS = re.compile(r"^(?P<name>[^_/]+)_(?:LATE_)?(?P<user>\d+)_(?P<sub>\d+)_(?P<file>.+)$")
SUFFIXES = (".py", ".ipynb")
MAX_ENTRIES = 100_000
MAX_UNWRAP = 3
CHUNK = 64 * 1024
LITTER_FILES = {".ds_store", "thumbs.db", "desktop.ini"}
DRIVE = re.compile(r"^[A-Za-z]:")
# What a damaged member can raise while it is opened or decompressed.
DECOMPRESS_ERRORS = (zlib.error, lzma.LZMAError, EOFError)
READ_ERRORS = (zipfile.BadZipFile, *DECOMPRESS_ERRORS, OSError, RuntimeError, ValueError)

TOTAL_REACHED = "the zip's total size limit was reached"


@dataclass(frozen=True)
class Refused:
    """One zip entry that was not unpacked, and why."""

    name: str  # as stored in the zip, with control characters escaped (to show)
    reason: str
    stored: str = field(compare=False)  # as stored in the zip (to place it: whose file)


@dataclass
class Unpacked:
    """A class zip unpacked into ``folder``; the caller calls ``close()`` when done."""

    folder: Path
    root: Path  # ``folder``, or the wrapping folder(s) inside it
    refused: list[Refused]
    litter: int

    def close(self) -> None:
        """Remove the temporary folder (safe to call more than once)."""
        shutil.rmtree(self.folder, ignore_errors=True)


class _Refusal(Exception):
    """Why the entry being unpacked is refused."""


def unpack(archive: Path, *, max_file_bytes: int, max_total_bytes: int) -> Unpacked:
    """Unpack ``archive`` into a new temporary folder, refusing what is unsafe or too big.

    Raises ``SubmissionError`` if the zip cannot be read at all or holds more than
    ``MAX_ENTRIES`` entries; the temporary folder is then already removed.
    """
    if not archive.is_file():
        raise SubmissionError(f"{archive}: not a file")
    folder = Path(tempfile.mkdtemp(prefix="calcgrade-zip-"))
    try:
        with _open_zip(archive) as zipped:
            unpacker = _Unpacker(zipped, folder, max_file_bytes, max_total_bytes)
            for info in zipped.infolist():
                unpacker.take(info)
        return Unpacked(folder, _find_root(folder), unpacker.refused, unpacker.litter)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _open_zip(archive: Path) -> zipfile.ZipFile:
    try:
        zipped = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise SubmissionError(f"{archive}: not a readable zip file ({_shown(error)})") from None
    count = len(zipped.infolist())
    if count > MAX_ENTRIES:
        zipped.close()
        raise SubmissionError(
            f"{archive}: {count} entries, more than the {MAX_ENTRIES} a class zip may hold "
            "(refused whole: so many entries suggest a zip bomb)"
        )
    return zipped


def _shown(error: BaseException) -> str:
    return printable(str(error) or type(error).__name__, newlines=False)


def _parts(name: str) -> list[str]:
    """The folders and file name of an entry, or ``_Refusal`` if it could leave the folder.

    Backslashes count as separators: some Windows zip tools store ``a\\b.py``,
    and on Windows ``..\\x`` or ``\\x`` would leave the folder.
    """
    name = name.replace("\\", "/")
    if name.startswith("/") or DRIVE.match(name):
        raise _Refusal("an absolute path")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise _Refusal("its path leaves the zip's folder (..)")
    return parts


def _is_litter(parts: list[str]) -> bool:
    last = parts[-1] if parts else ""
    return "__MACOSX" in parts or last.lower() in LITTER_FILES or last.startswith("._")


class _Unpacker:
    """Unpacks entries one by one, keeping the refusals, the litter and the bytes written."""

    def __init__(self, zipped: zipfile.ZipFile, folder: Path, max_file: int, max_total: int):
        self.zipped, self.folder = zipped, folder
        self.max_file, self.max_total = max_file, max_total
        self.written = 0
        self.stopped = False
        self.kept: dict[str, bool] = {}  # file name -> whether its first entry was kept
        self.refused: list[Refused] = []
        self.litter = 0

    def take(self, info: zipfile.ZipInfo) -> None:
        """Unpack one entry, or count it as litter, or add it to ``refused``."""
        parts: list[str] = []
        try:
            parts = _parts(info.filename)
            if _is_litter(parts):
                self.litter += 1
                return
            self._unpack(info, parts)
            return
        except _Refusal as refusal:
            reason = str(refusal)
            self._keep_place(parts[:-1])
        except OSError as error:
            reason = f"cannot be written ({_shown(error)})"
            if error.errno == errno.ENAMETOOLONG:
                reason = "its name is too long for the file system"
        shown = printable(info.filename, newlines=False)
        self.refused.append(Refused(shown, reason, info.filename))

    def _unpack(self, info: zipfile.ZipInfo, parts: list[str]) -> None:
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind == stat.S_IFLNK:
            raise _Refusal("a symbolic link (only regular files are read)")
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise _Refusal("a special file (only regular files are read)")
        if info.is_dir() or kind == stat.S_IFDIR:
            if self.stopped:
                raise _Refusal(TOTAL_REACHED)
            self._make_folders(parts)
            return
        if not parts:
            raise _Refusal("an empty name")
        name = "/".join(parts)
        if name in self.kept:
            first = "kept" if self.kept[name] else "refused"
            raise _Refusal(f"a second entry with the same name (the first was {first})")
        self.kept[name] = False
        if info.flag_bits & 0x1:
            raise _Refusal("encrypted")
        if self.stopped:
            raise _Refusal(TOTAL_REACHED)
        if info.file_size > self.max_file:
            raise _Refusal(f"over the {self.max_file:,}-byte limit for one file")
        if info.file_size > self.max_total - self.written:
            self.stopped = True
            raise _Refusal(TOTAL_REACHED)
        self._make_folders(parts[:-1])
        self._write(info, parts)
        self.kept[name] = True

    def _keep_place(self, parts: list[str]) -> None:
        """Make the folders of a refused entry, when they can be, so that the layout of
        the class (``submitted/<student>/...``, a wrapping folder) still shows whose
        file it was."""
        with contextlib.suppress(_Refusal, OSError):
            self._make_folders(parts)

    def _make_folders(self, parts: list[str]) -> None:
        """Create ``folder/parts...`` one level at a time, never through anything but a folder."""
        path = self.folder
        for depth, part in enumerate(parts, 1):
            path = path / part
            try:
                os.mkdir(path, 0o755)
            except FileExistsError:
                if not stat.S_ISDIR(os.lstat(path).st_mode):
                    shown = printable("/".join(parts[:depth]), newlines=False)
                    raise _Refusal(f"clashes with the file {shown} of another entry") from None

    def _write(self, info: zipfile.ZipInfo, parts: list[str]) -> None:
        target = self.folder.joinpath(*parts)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
        try:
            descriptor = os.open(target, flags, 0o644)
        except FileExistsError:
            what = "folder" if stat.S_ISDIR(os.lstat(target).st_mode) else "file"
            shown = printable("/".join(parts), newlines=False)
            raise _Refusal(f"clashes with the {what} {shown} of another entry") from None
        try:
            with os.fdopen(descriptor, "wb") as out:
                with _reading():
                    source = self.zipped.open(info)
                with source:
                    self._copy(source, out)
        except BaseException:
            target.unlink()
            raise

    def _copy(self, source: IO[bytes], out: IO[bytes]) -> None:
        """Copy in chunks, counting the real bytes; refuse past either limit."""
        copied = 0
        limit = min(self.max_file, self.max_total - self.written)
        while True:
            with _reading():
                chunk = source.read(min(CHUNK, limit + 1 - copied))
            if not chunk:
                return
            copied += len(chunk)
            self.written += len(chunk)
            if copied > self.max_file:
                raise _Refusal(f"over the {self.max_file:,}-byte limit for one file")
            if copied > limit:
                self.stopped = True
                raise _Refusal(TOTAL_REACHED)
            out.write(chunk)


@contextmanager
def _reading() -> Iterator[None]:
    """Turn what a damaged member raises into a refusal (write errors are not caught)."""
    try:
        yield
    except READ_ERRORS as error:
        raise _Refusal(f"cannot be read from the zip ({_shown(error)})") from None


def _find_root(folder: Path) -> Path:
    """``folder``, or the wrapping folder(s) a class was zipped in (``zip -r class.zip class/``).

    A single top folder is a wrapping folder unless it is nbgrader's ``submitted``,
    or is empty, or directly holds a ``.py``/``.ipynb`` file that is not a Canvas
    flat file (``<name>_<user id>_<submission id>_<file>``): that is a student folder.
    """
    root = folder
    for _ in range(MAX_UNWRAP):
        children = list(root.iterdir())
        if len(children) != 1 or not children[0].is_dir() or children[0].name == "submitted":
            break
        inside = list(children[0].iterdir())
        code = [path for path in inside if path.suffix in SUFFIXES and path.is_file()]
        if not inside or not all(CANVAS.match(path.name) for path in code):
            break
        root = children[0]
    return root
