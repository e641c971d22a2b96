"""Unpacking a class zip: unsafe, oversized, duplicated and special entries are refused."""

from __future__ import annotations

import random
import stat
import struct
import tempfile
import tracemalloc
import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO

import pytest

from calcgrade import lms_zip
from calcgrade.errors import SubmissionError
from calcgrade.lms_zip import Refused, Unpacked, unpack

MEGABYTE = 1 << 20
LIMITS = {"max_file_bytes": MEGABYTE, "max_total_bytes": 10 * MEGABYTE}
Entries = Sequence[tuple[str | zipfile.ZipInfo, bytes]]


def refused(name: str, reason: str) -> Refused:
    """A refused entry as the tests list it (what is stored is not compared)."""
    return Refused(name, reason, name)


def make_zip(path: Path, entries: Entries) -> Path:
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zipped:
        warnings.simplefilter("ignore")  # "Duplicate name" is what some tests want
        for name, data in entries:
            zipped.writestr(name, data)
    return path


def unpacked(tmp_path: Path, entries: Entries, **limits: int) -> Unpacked:
    return unpack(make_zip(tmp_path / "class.zip", entries), **{**LIMITS, **limits})


def files(result: Unpacked) -> dict[str, bytes]:
    return {
        path.relative_to(result.folder).as_posix(): path.read_bytes()
        for path in result.folder.rglob("*")
        if path.is_file()
    }


def reasons(result: Unpacked) -> dict[str, str]:
    return {refused.name: refused.reason for refused in result.refused}


@pytest.fixture(autouse=True)
def private_tempdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Temporary folders go to tmp_path/tmp, where leftovers can be seen."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_plain_zip_is_unpacked_under_a_calcgrade_temporary_folder(
    tmp_path: Path, private_tempdir: Path
) -> None:
    result = unpacked(tmp_path, [("alice/m1.py", b"x = 1\n"), ("bob/", b""), ("bob/m1.py", b"")])
    assert result.folder.parent == private_tempdir
    assert result.folder.name.startswith("calcgrade-zip-")
    assert files(result) == {"alice/m1.py": b"x = 1\n", "bob/m1.py": b""}
    assert (result.refused, result.litter, result.root) == ([], 0, result.folder)
    result.close()


def test_close_removes_the_folder_and_can_be_called_twice(tmp_path: Path) -> None:
    result = unpacked(tmp_path, [("alice/m1.py", b"")])
    result.close()
    result.close()
    assert not result.folder.exists()


def test_directory_entries_create_folders(tmp_path: Path) -> None:
    result = unpacked(tmp_path, [("alice/", b""), ("alice/work/", b"")])
    assert (result.folder / "alice" / "work").is_dir()
    assert result.refused == []


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../evil.py", "its path leaves the zip's folder (..)"),
        ("alice/../../evil.py", "its path leaves the zip's folder (..)"),
        ("..\\evil.py", "its path leaves the zip's folder (..)"),
        ("/etc/evil.py", "an absolute path"),
        ("\\evil.py", "an absolute path"),
        ("\\\\server\\share\\evil.py", "an absolute path"),
        ("C:/evil.py", "an absolute path"),
        ("c:evil.py", "an absolute path"),
    ],
)
def test_unsafe_names_are_refused_and_listed(tmp_path: Path, name: str, reason: str) -> None:
    result = unpacked(tmp_path, [(name, b"boom"), ("alice/m1.py", b"ok")])
    assert result.refused == [refused(name, reason)]
    assert files(result) == {"alice/m1.py": b"ok"}
    assert not (tmp_path / "evil.py").exists()


def test_backslashes_are_folder_separators(tmp_path: Path) -> None:
    result = unpacked(tmp_path, [("alice\\m1.py", b"ok")])
    assert files(result) == {"alice/m1.py": b"ok"}


def test_refused_names_are_made_printable(tmp_path: Path) -> None:
    result = unpacked(tmp_path, [("\x1b[2J\n/../x.py", b"")])
    assert result.refused[0].name == "\\x1b[2J\\x0a/../x.py"


def test_a_duplicate_is_refused_and_the_first_kept(tmp_path: Path) -> None:
    result = unpacked(
        tmp_path,
        [("alice/m1.py", b"first"), ("alice/m1.py", b"second"), ("./alice//m1.py", b"third")],
    )
    assert files(result) == {"alice/m1.py": b"first"}
    reason = "a second entry with the same name (the first was kept)"
    assert result.refused == [
        refused("alice/m1.py", reason),
        refused("./alice//m1.py", reason),
    ]


def test_a_duplicate_of_a_refused_entry_says_so(tmp_path: Path) -> None:
    result = unpacked(tmp_path, [("a.py", b"12345"), ("a.py", b"1")], max_file_bytes=3)
    assert [r.reason for r in result.refused] == [
        "over the 3-byte limit for one file",
        "a second entry with the same name (the first was refused)",
    ]
    assert files(result) == {}


def test_a_name_too_long_refuses_only_that_entry(tmp_path: Path) -> None:
    long_name = "alice/" + "n" * 300 + ".py"
    result = unpacked(tmp_path, [(long_name, b""), ("alice/m1.py", b"ok")])
    assert result.refused == [refused(long_name, "its name is too long for the file system")]
    assert files(result) == {"alice/m1.py": b"ok"}


def test_a_file_then_a_folder_of_the_same_name_refuses_the_second(tmp_path: Path) -> None:
    result = unpacked(tmp_path, [("a/x", b"file"), ("a/x/y.py", b""), ("a/x/", b""), ("b", b"")])
    assert files(result) == {"a/x": b"file", "b": b""}
    reason = "clashes with the file a/x of another entry"
    assert result.refused == [refused("a/x/y.py", reason), refused("a/x/", reason)]


def test_a_folder_then_a_file_of_the_same_name_refuses_the_second(tmp_path: Path) -> None:
    result = unpacked(tmp_path, [("a/x/y.py", b"in"), ("a/x", b"file")])
    assert files(result) == {"a/x/y.py": b"in"}
    assert result.refused == [refused("a/x", "clashes with the folder a/x of another entry")]


def with_mode(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3  # unix
    info.external_attr = mode << 16
    return info


def test_a_symlink_entry_is_refused_not_written(tmp_path: Path) -> None:
    link = with_mode("alice/m1.py", stat.S_IFLNK | 0o777)
    result = unpacked(tmp_path, [(link, b"/etc/passwd"), ("alice/m2.py", b"ok")])
    assert result.refused == [
        refused("alice/m1.py", "a symbolic link (only regular files are read)")
    ]
    assert files(result) == {"alice/m2.py": b"ok"}
    assert not (result.folder / "alice" / "m1.py").is_symlink()


def test_special_files_are_refused_and_regular_modes_are_written(tmp_path: Path) -> None:
    fifo = with_mode("alice/pipe", stat.S_IFIFO | 0o644)
    script = with_mode("alice/run.py", stat.S_IFREG | 0o755)
    result = unpacked(tmp_path, [(fifo, b""), (script, b"ok")])
    assert result.refused == [refused("alice/pipe", "a special file (only regular files are read)")]
    assert files(result) == {"alice/run.py": b"ok"}
    assert stat.S_IMODE((result.folder / "alice" / "run.py").stat().st_mode) & 0o111 == 0


def test_an_encrypted_entry_is_refused(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "class.zip", [("alice/m1.py", b"x" * 20), ("bob/m1.py", b"ok")])
    data = bytearray(archive.read_bytes())
    central = data.find(b"PK\x01\x02")  # the first entry's, as its local header is at 0
    data[6] |= 0x1  # "encrypted" flag bit of the local header
    data[central + 8] |= 0x1  # and of the central directory
    archive.write_bytes(bytes(data))
    result = unpack(archive, **LIMITS)
    assert result.refused == [refused("alice/m1.py", "encrypted")]
    assert files(result) == {"bob/m1.py": b"ok"}


def test_a_damaged_entry_is_refused_and_its_partial_file_removed(tmp_path: Path) -> None:
    noise = random.Random(0).randbytes(5000)  # does not compress: the data fills the zip
    archive = make_zip(tmp_path / "class.zip", [("alice/m1.py", noise)])
    data = bytearray(archive.read_bytes())
    data[2000:2020] = b"\xff" * 20  # inside the compressed data of the only entry
    archive.write_bytes(bytes(data))
    result = unpack(archive, **LIMITS)
    assert len(result.refused) == 1
    assert result.refused[0].reason.startswith("cannot be read from the zip (")
    assert files(result) == {}


def test_a_file_over_the_limit_is_refused(tmp_path: Path) -> None:
    result = unpacked(
        tmp_path, [("big.bin", b"\x00" * 2000), ("small.py", b"ok")], max_file_bytes=1000
    )
    assert result.refused == [refused("big.bin", "over the 1,000-byte limit for one file")]
    assert files(result) == {"small.py": b"ok"}


def zip_of_zeros(path: Path, size: int) -> Path:
    """A zip of one deflated file of ``size`` zero bytes (tiny on disk)."""
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zipped,
        zipped.open("bomb.bin", "w", force_zip64=True) as out,
    ):
        for _ in range(size // MEGABYTE):
            out.write(bytes(MEGABYTE))
    return path


def declare_size(archive: Path, size: int) -> None:
    """Patch the declared (uncompressed) size in the local header and central directory."""
    data = bytearray(archive.read_bytes())
    struct.pack_into("<I", data, 22, size)  # local file header of the first entry
    central = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, size)
    extra_length = struct.unpack_from("<H", data, central + 30)[0]
    struct.pack_into("<H", data, central + 30, 0)  # drop the zip64 extra with the true size
    del data[central + 46 + len("bomb.bin") : central + 46 + len("bomb.bin") + extra_length]
    end = data.rfind(b"PK\x05\x06")
    struct.pack_into(
        "<I", data, end + 12, struct.unpack_from("<I", data, end + 12)[0] - extra_length
    )
    archive.write_bytes(bytes(data))


def test_a_header_declaring_a_small_size_never_lets_a_big_member_through(tmp_path: Path) -> None:
    archive = zip_of_zeros(tmp_path / "class.zip", 50 * MEGABYTE)
    assert archive.stat().st_size < MEGABYTE
    declare_size(archive, 10)
    tracemalloc.start()
    try:
        result = unpack(archive, max_file_bytes=MEGABYTE, max_total_bytes=2 * MEGABYTE)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * MEGABYTE
    assert [r.name for r in result.refused] == ["bomb.bin"]
    assert result.refused[0].reason.startswith("cannot be read from the zip (")
    assert files(result) == {}


def test_an_honest_big_member_is_refused_from_its_declared_size(tmp_path: Path) -> None:
    archive = zip_of_zeros(tmp_path / "class.zip", 50 * MEGABYTE)
    result = unpack(archive, max_file_bytes=MEGABYTE, max_total_bytes=2 * MEGABYTE)
    assert result.refused == [refused("bomb.bin", f"over the {MEGABYTE:,}-byte limit for one file")]


class Lying:
    """A member stream that yields far more bytes than its header declared."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.given = 0

    def read(self, size: int) -> bytes:
        chunk = bytes(min(size, self.left))
        self.left -= len(chunk)
        self.given += len(chunk)
        return chunk

    def __enter__(self) -> Lying:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        pass


def lie(monkeypatch: pytest.MonkeyPatch, size: int) -> list[Lying]:
    """Make every member read as ``size`` zero bytes, whatever its header says."""
    streams: list[Lying] = []

    def open_member(self: zipfile.ZipFile, info: zipfile.ZipInfo) -> Lying:
        streams.append(Lying(size))
        return streams[-1]

    monkeypatch.setattr(zipfile.ZipFile, "open", open_member)
    return streams


def test_the_file_cap_counts_real_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = make_zip(tmp_path / "class.zip", [("a.bin", b"tiny"), ("b.bin", b"tiny")])
    streams = lie(monkeypatch, 50 * MEGABYTE)
    result = unpack(archive, max_file_bytes=1000, max_total_bytes=10 * MEGABYTE)
    reason = "over the 1,000-byte limit for one file"
    assert result.refused == [refused("a.bin", reason), refused("b.bin", reason)]
    assert [stream.given for stream in streams] == [1001, 1001]
    assert files(result) == {}


def test_the_total_cap_counts_real_bytes_and_stops_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = ["a.bin", "b.bin", "c.bin", "d/"]
    archive = make_zip(tmp_path / "class.zip", [(name, b"") for name in names])
    streams = lie(monkeypatch, 400)
    result = unpack(archive, max_file_bytes=1000, max_total_bytes=1000)
    assert files(result) == {"a.bin": bytes(400), "b.bin": bytes(400)}
    reason = "the zip's total size limit was reached"
    assert result.refused == [refused("c.bin", reason), refused("d/", reason)]
    assert sum(stream.given for stream in streams) == 1000 + 1


def test_the_total_cap_refuses_early_from_declared_sizes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = [("a.bin", bytes(400)), ("b.bin", bytes(400)), ("c.bin", bytes(400)), ("d.py", b"")]
    archive = make_zip(tmp_path / "class.zip", entries)
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def open_member(self: zipfile.ZipFile, info: zipfile.ZipInfo) -> IO[bytes]:
        opened.append(info.filename)
        return real_open(self, info)

    monkeypatch.setattr(zipfile.ZipFile, "open", open_member)
    result = unpack(archive, max_file_bytes=1000, max_total_bytes=1000)
    assert files(result) == {"a.bin": bytes(400), "b.bin": bytes(400)}
    reason = "the zip's total size limit was reached"
    assert result.refused == [refused("c.bin", reason), refused("d.py", reason)]
    assert opened == ["a.bin", "b.bin"]  # c.bin declares 400 bytes where 200 are left


def test_litter_is_counted_not_written_nor_refused(tmp_path: Path) -> None:
    litter = [
        "__MACOSX/",
        "__MACOSX/class/._alice",
        ".DS_Store",
        "class/alice/.DS_Store",
        "class/alice/._m1.py",
        "class/Thumbs.db",
        "class/DESKTOP.INI",
    ]
    entries = [(name, b"junk") for name in litter] + [("class/alice/m1.py", b"ok")]
    result = unpacked(tmp_path, entries)
    assert (result.litter, result.refused) == (len(litter), [])
    assert files(result) == {"class/alice/m1.py": b"ok"}
    assert result.root == result.folder / "class"


@pytest.mark.parametrize(
    ("names", "root"),
    [
        (["class/alice/m1.py", "class/bob/m1.py"], "class"),
        (["outer/class/alice/m1.py", "outer/class/bob/m1.py"], "outer/class"),
        (["class/class/alice/m1.py"], "class/class"),
        (["a/b/c/d/e/alice/m1.py"], "a/b/c"),  # at most MAX_UNWRAP levels
        (["class/alice_123_456_m1.py", "class/bob_LATE_7_8_m1.ipynb"], "class"),
        (["class/README.txt"], "class"),
        (["course/submitted/alice/m1_derivatives/m1.ipynb"], "course"),
        (["submitted/alice/m1_derivatives/m1.ipynb"], ""),
        (["alice/m1.py"], ""),
        (["alice/m1.py", "alice/notes/"], ""),
        (["class/alice_123_456_m1.py", "class/notes.py"], ""),
        (["README.txt", "alice/m1.py", "bob/m1.py"], ""),
        (["class.py"], ""),
        (["class/"], ""),
    ],
)
def test_root_unwraps_wrapping_folders_only(tmp_path: Path, names: list[str], root: str) -> None:
    result = unpacked(tmp_path, [(name, b"") for name in names])
    assert result.root == result.folder / root


def test_a_corrupt_zip_raises_and_leaves_no_folder(tmp_path: Path, private_tempdir: Path) -> None:
    archive = tmp_path / "class.zip"
    archive.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(SubmissionError, match=r"class\.zip: not a readable zip file"):
        unpack(archive, **LIMITS)
    assert list(private_tempdir.iterdir()) == []


def test_a_truncated_zip_raises_and_leaves_no_folder(tmp_path: Path, private_tempdir: Path) -> None:
    archive = make_zip(tmp_path / "class.zip", [("alice/m1.py", b"x = 1\n" * 1000)])
    archive.write_bytes(archive.read_bytes()[:-30])
    with pytest.raises(SubmissionError, match="not a readable zip file"):
        unpack(archive, **LIMITS)
    assert list(private_tempdir.iterdir()) == []


def test_a_folder_is_not_a_zip(tmp_path: Path, private_tempdir: Path) -> None:
    with pytest.raises(SubmissionError, match="not a file"):
        unpack(tmp_path, **LIMITS)
    assert list(private_tempdir.iterdir()) == []


def test_too_many_entries_refuse_the_whole_zip(
    tmp_path: Path, private_tempdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lms_zip, "MAX_ENTRIES", 3)
    archive = make_zip(tmp_path / "class.zip", [(f"{n}.py", b"") for n in range(4)])
    with pytest.raises(SubmissionError, match=r"4 entries, more than the 3 .*zip bomb"):
        unpack(archive, **LIMITS)
    assert list(private_tempdir.iterdir()) == []


def test_an_interrupted_unpack_leaves_no_folder(
    tmp_path: Path, private_tempdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = make_zip(tmp_path / "class.zip", [("a.py", b""), ("b.py", b"")])
    real_take = lms_zip._Unpacker.take

    def take(self: lms_zip._Unpacker, info: zipfile.ZipInfo) -> None:
        if info.filename == "b.py":
            raise KeyboardInterrupt
        real_take(self, info)

    monkeypatch.setattr(lms_zip._Unpacker, "take", take)
    with pytest.raises(KeyboardInterrupt):
        unpack(archive, **LIMITS)
    assert list(private_tempdir.iterdir()) == []


def test_refusals_keep_the_zip_order(tmp_path: Path) -> None:
    entries = [("/abs.py", b""), ("ok.py", b""), ("../up.py", b""), ("ok.py", b"")]
    result = unpacked(tmp_path, entries)
    assert list(reasons(result)) == ["/abs.py", "../up.py", "ok.py"]
