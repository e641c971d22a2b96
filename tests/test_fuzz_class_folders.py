"""Property-based fuzzing of the class folders and class zips given to ``calcgrade grade``.

Hypothesis draws whole classes, each in a fresh temporary folder:

- class folders in the plain layout (``<student>/<file>``) and the nbgrader layout
  (``submitted/<student>/<assignment>/<file>``), whose student names are unicode
  (NFC and NFD spellings of one name side by side), carry control characters
  (ESC, CR, newline, tab, DEL, C1, bidi overrides), collide once slugged
  (``a b`` / ``a_b``), are long (up to 200 bytes of UTF-8), start with a dot or
  look like spreadsheet formulas; their entries are correct, wrong, empty,
  garbage and unparsable files, links (to a secret file outside the class, to a
  classmate's file, to a folder, dangling, to themselves), FIFOs, folders,
  nested files, two files for one module and sparse 30 MB files;
- class zips with such names plus ``..``, absolute and drive paths, backslash
  separators, duplicate entries, 300-character names, file/folder clashes,
  symbolic-link and FIFO entries, folder entries, one or two wrapping folders,
  operating-system litter and an entry whose headers declare 100 bytes for
  25 MB of data (or honestly declare the 25 MB).

The fast tests (``find_submissions`` only, no worker) check, for every class:

1. it returns within 10 s (a FIFO is never opened for reading) without raising;
2. it writes nothing: the whole temporary tree is unchanged, and the zip's
   temporary folder (``calcgrade-zip-*``) is gone once the folder is closed
   (``tempfile.tempdir`` points into the example's own folder meanwhile, so
   any leftover is seen and no other test's files are);
3. nothing is dropped silently: each top-level entry is a student with an
   entry or is named in a problem (``mentioned``), and every ``.py``/``.ipynb``
   file that the layout makes a candidate is an entry or is named in a problem;
   for zips, every entry is unpacked byte-exact (the first of its name) or
   refused, and every refusal is listed or gives its student a row;
4. a placed entry that is to be read is a regular file reached without any
   link below the class folder; entries are unique per (student, module).

The slow tests grade the same kind of class through the real CLI
(``--isolation basic -j 2``) and check:

1. exit status 0 and no exception (an empty class, or one where nothing could
   be placed, is not an error either: it gives a gradebook with no rows and a
   summary that lists why, exit 0; an unreadable zip would be exit 1, but the
   strategies only draw readable zips);
2. nothing outside ``--out`` appears or changes (the temporary tree, the
   class folder or zip, the secret, the course), and the private temporary
   folder is empty afterwards (no ``calcgrade-zip-*``, no worker folder);
3. the gradebook has one row per student that ``find_submissions`` placed
   (compared as ``csv_cell`` of the exact id, a Counter so that ids that look
   alike in the CSV are still counted), and every problem and every file not
   read is printed (``not graded ...`` / ``not read ...``); every top-level
   name is a row or named in those lines;
4. ``results/`` holds exactly one ``<student_file_name>.json`` per row with a
   score, whose ``student`` is that exact id; feedback and instructor pages
   are one per row, with distinct names; a placed file that is exactly the
   correct (or cubed) solution scores 5 (or 2), and an entry refused (a link,
   a FIFO, too big) never has a score;
5. the secret marker (in the file and folder that links point to, and printed
   by that file if it ever ran) is in no file under ``out/`` nor the output;
6. each run ends within 60 s (a hang guard; a run takes about 1.5 s).

Skipped without a word by design, so not required to be listed: names in
``classdir.LITTER`` and ``._x`` files (``Thumbs.db``, ``._1`` are drawn as
names), hidden files inside a student's folder, hidden assignment folders,
files that are not ``.py``/``.ipynb`` beside a submission, and in an nbgrader
zip what lies outside ``submitted/``.

Not checked: which of two files for one module is kept (only that the other is
listed); the wording of reasons; that a student is named by the right folder
when a zip holds a single student folder whose files are in a subfolder (it is
then taken as a wrapping folder, by design); Canvas flat files (drawn names
never have that form); the HTML pages' content; strict isolation; resuming.

Each bug the fuzzing found has its minimal reproduction at the end of this
file: a looping link that crashed the scan, a student named ``submitted`` that
turned a plain class into an nbgrader one, strays in ``submitted/`` dropped
without a word.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import stat
import struct
import tempfile
import threading
import time
import unicodedata
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal, TypeVar

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from calcgrade.batch import student_file_name
from calcgrade.classdir import LITTER, ClassFolder, find_submissions
from calcgrade.classdir import is_nbgrader_layout as is_nbgrader
from calcgrade.cli import cli
from calcgrade.lms_zip import Unpacked
from calcgrade.submission import MAX_BYTES
from calcgrade.text_safety import csv_cell, printable

from .conftest import ROOT

TINY = ROOT / "tests" / "fixtures" / "tiny_course"
MODULES = ["t1_squares"]
SUFFIXES = (".py", ".ipynb")
GOOD = "def square(x):\n    return x ** 2\n\ndef add_one(x):\n    return x + 1.0\n"
CUBED = GOOD.replace("x ** 2", "x ** 3")
MARKER = "FUZZ-SECRET-1f0c9e7d"
# What links point to: a correct solution that would print the marker if it ever ran.
SECRET_SOURCE = f"# {MARKER}\nprint({MARKER!r})\n{GOOD}"
HUGE = 30 * 1024 * 1024  # sparse: over the 20 MB limit, no disk used
BOMB = 25 * 1024 * 1024
T = TypeVar("T")

FAST = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


# names


CONTROLS = ["\x1b", "\x1b[2J", "\r", "\n", "\t", "\x7f", "\x9b", "\u202e", "\u2066", "\u2028"]
FIXED_NAMES = [
    "ann",
    "a b",
    "a_b",
    "A_b",
    "a.b",
    unicodedata.normalize("NFC", "José"),
    unicodedata.normalize("NFD", "José"),
    "Ångström Ñuñez",
    "=1+2",
    '=HYPERLINK("http://x","y")',
    "+1",
    "-rf",
    "@sum",
    ".hidden",
    "..x",
    "...",
    " lead",
    "trail ",
    "con",
    "x\x1b[31mred",
    "evil\u202etxt.py",
    "cr\rlf\nx",
    "tab\tx",
    "a~b",
    "back\\slash",
    "[bold]rich[/bold]",
    "<b>x</b>",
    "名前",
    "🙂",
    "t1_squares.py",
    "é" * 100,  # 200 bytes
    "x" * 200,
    "._1",  # litter: skipped without a word in a folder, counted in a zip
    "Thumbs.db",
    "submitted",  # a student's name in a plain class, not nbgrader's folder
]


def is_litter(name: str, folder: bool) -> bool:
    """What the library skips without a word: OS litter, and ``._x`` files (macOS's)."""
    return name in LITTER or (name.startswith("._") and not folder)


def valid_name(name: str) -> bool:
    return (
        name not in ("", ".", "..")
        and "/" not in name
        and "\0" not in name
        and len(name.encode()) <= 200
    )


def fill(piece: str) -> str:
    """``piece`` repeated to about 200 bytes of UTF-8, never more."""
    out = ""
    while len((out + piece).encode()) <= 200:
        out += piece
    return out or "x"


CHARACTERS = st.one_of(
    st.characters(exclude_categories=["Cs"], exclude_characters="/\x00"),
    st.sampled_from([*CONTROLS, " ", "_", ".", "-", "=", "'", '"', "\\", "é", "e\u0301", "Å"]),
)
RANDOM_NAMES = st.lists(CHARACTERS, min_size=1, max_size=10).map("".join)
LONG_NAMES = st.lists(CHARACTERS, min_size=1, max_size=3).map(lambda cs: fill("".join(cs)))
NAMES = st.tuples(
    st.one_of(st.sampled_from(FIXED_NAMES), RANDOM_NAMES, LONG_NAMES),
    st.sampled_from(["", "", "NFC", "NFD"]),
).map(lambda pair: unicodedata.normalize(pair[1], pair[0]) if pair[1] else pair[0])  # type: ignore[arg-type]


@st.composite
def student_names(draw: st.DrawFn, max_size: int = 5) -> list[str]:
    """1 to ``max_size`` distinct names, often with the NFC/NFD twin or the slug twin of one."""
    names = draw(st.lists(NAMES.filter(valid_name), min_size=1, max_size=max_size, unique=True))
    first = names[0]
    twins = [
        unicodedata.normalize("NFD", first),
        unicodedata.normalize("NFC", first),
        first.replace(" ", "_"),
        first.replace("_", " "),
    ]
    for twin in twins:
        if draw(st.booleans()) and twin not in names and valid_name(twin):
            names.append(twin)
    return names[: max_size + 1]


# contents


def notebook(source: str, module: str | None = "t1_squares") -> str:
    metadata = {"calcgrade": {"module": module}} if module else {}
    cell: dict[str, Any] = {"cell_type": "code", "source": source, "metadata": {}}
    cell.update(outputs=[], execution_count=None)
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": metadata, "cells": [cell]})


def content(kind: str, name: str, garbage: bytes) -> bytes:
    ipynb = name.endswith(".ipynb")
    if kind == "good":
        return notebook(GOOD).encode() if ipynb else GOOD.encode()
    if kind == "wrong":
        return notebook(CUBED).encode() if ipynb else CUBED.encode()
    if kind == "empty":
        return b""
    if kind == "garbage":
        return garbage
    assert kind == "bad_json"
    return b'{"cells": [{"cell_type": "code", "source": "def square(x'


FILE_KINDS = ["good", "good", "wrong", "empty", "garbage", "bad_json"]
OTHER_KINDS = ["link_secret", "link_classmate", "link_folder", "link_dangling", "fifo", "dir"]
ENTRY_KINDS = [*FILE_KINDS, *OTHER_KINDS, "huge"]


# class folders


@dataclass(frozen=True)
class FolderEntry:
    path: str  # relative to the student's folder
    kind: str
    garbage: bytes


@dataclass(frozen=True)
class Student:
    name: str
    kind: str  # folder, link_classmate, link_outside, link_self, file, fifo
    entries: tuple[FolderEntry, ...]


@dataclass(frozen=True)
class ClassSpec:
    layout: str  # plain or nbgrader
    students: tuple[Student, ...]


PLAIN_FILES = [
    "t1_squares.py",
    "t1_squares.py",
    "t1_squares.ipynb",
    "homework.ipynb",
    "t1-final.py",
    "notes.txt",
    "sub/t1_squares.py",
    "deep/er/t1_squares.ipynb",
    ".t1_squares.py",
    "t1_squares.py/inner.py",
    "Thumbs.db",
    "._t1_squares.py",
]
ASSIGNMENTS = ["t1_squares", "t1_squares", "t1", "ps1", ".hidden"]
NBGRADER_FILES = ["t1_squares.ipynb", "homework.ipynb", "notes.txt", "t1_squares.py", ".x.ipynb"]
STUDENT_KINDS = ["folder"] * 6 + ["link_classmate", "link_outside", "link_self", "file", "fifo"]


@st.composite
def entry_paths(draw: st.DrawFn, layout: str) -> str:
    if layout == "plain":
        return draw(
            st.one_of(
                st.sampled_from(PLAIN_FILES),
                NAMES.filter(valid_name).map(lambda n: fill(n)[:60] + ".py"),
            )
        )
    if draw(st.integers(0, 9)) == 0:  # not in an assignment
        return draw(st.sampled_from(NBGRADER_FILES))
    assignment = draw(st.sampled_from(ASSIGNMENTS))
    name = draw(
        st.one_of(
            st.sampled_from(NBGRADER_FILES),
            NAMES.filter(valid_name).map(lambda n: fill(n)[:60] + ".ipynb"),
        )
    )
    return f"{assignment}/{name}"


@st.composite
def class_specs(draw: st.DrawFn, layout: str | None = None) -> ClassSpec:
    layout = layout or draw(st.sampled_from(["plain", "plain", "nbgrader"]))
    students = []
    kinds = STUDENT_KINDS
    for name in draw(student_names()):
        kind = draw(st.sampled_from(kinds))
        entries: tuple[FolderEntry, ...] = ()
        if kind == "folder":
            drawn = st.builds(
                FolderEntry,
                entry_paths(layout),
                st.sampled_from(ENTRY_KINDS),
                st.binary(max_size=40),
            )
            entries = tuple(draw(st.lists(drawn, max_size=3)))
        students.append(Student(name, kind, entries))
    return ClassSpec(layout, tuple(students))


@dataclass
class Built:
    base: Path  # the example's temporary folder
    target: Path  # what is graded: the class folder or the zip
    scratch: Path  # tempfile.tempdir while the library runs
    names: list[str]  # the top-level names that must each be a row or listed
    # zips: each entry in zip order, (name, kind from external_attr, bytes if readable)
    entries: list[tuple[str, int, bytes | None]] = field(default_factory=list)
    wrap: tuple[str, ...] = ()  # zips: the wrapping folders drawn


def outside(base: Path) -> tuple[Path, Path]:
    """The secret file and the secret folder that links point to, outside the class."""
    secret = base / "secret.py"
    secret.write_text(SECRET_SOURCE)
    folder = base / "outside"
    folder.mkdir()
    (folder / "t1_squares.py").write_text(SECRET_SOURCE)
    return secret, folder


def real_folder(top: Path, path: Path) -> bool:
    """Whether every component of ``path`` below ``top`` is a real folder (or absent)."""
    current = top
    for part in path.relative_to(top).parts:
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except FileNotFoundError:
            return True
        if not stat.S_ISDIR(mode):
            return False
    return True


def build_folder(base: Path, spec: ClassSpec) -> Built:
    secret, secret_folder = outside(base)
    root = base / "class"
    top = root / "submitted" if spec.layout == "nbgrader" else root
    top.mkdir(parents=True)
    names = [s.name for s in spec.students]
    for number, student in enumerate(spec.students):
        path = top / student.name
        other = names[(number + 1) % len(names)]
        if student.kind == "folder":
            path.mkdir()
        elif student.kind == "link_classmate":
            path.symlink_to(top / other)
        elif student.kind == "link_outside":
            path.symlink_to(secret_folder)
        elif student.kind == "link_self":
            path.symlink_to(path)
        elif student.kind == "file":
            path.write_text(GOOD)
        else:
            os.mkfifo(path)
    for number, student in enumerate(spec.students):
        folder = top / student.name
        other = names[(number + 1) % len(names)]
        for entry in student.entries:
            path = folder / entry.path
            if os.path.lexists(path) or not real_folder(top, path.parent):
                continue  # drawn twice, or under a file: nothing to make
            path.parent.mkdir(parents=True, exist_ok=True)
            make_entry(path, entry, secret, secret_folder, top / other / entry.path)
    return Built(base, root, base / "scratch", names)


def make_entry(path: Path, entry: FolderEntry, secret: Path, folder: Path, classmate: Path) -> None:
    if entry.kind in FILE_KINDS:
        path.write_bytes(content(entry.kind, path.name, entry.garbage))
    elif entry.kind == "link_secret":
        path.symlink_to(secret)
    elif entry.kind == "link_classmate":
        path.symlink_to(classmate)
    elif entry.kind == "link_folder":
        path.symlink_to(folder)
    elif entry.kind == "link_dangling":
        path.symlink_to(path.parent / "nowhere.py")
    elif entry.kind == "fifo":
        os.mkfifo(path)
    elif entry.kind == "dir":
        path.mkdir()
    else:
        assert entry.kind == "huge"
        with path.open("wb") as stream:
            stream.truncate(HUGE)


# class zips


@dataclass(frozen=True)
class ZipEntry:
    name: str
    kind: str  # a FILE_KINDS kind, link_secret, link_relative, fifo, dir, dir_attr
    garbage: bytes = b""


@dataclass(frozen=True)
class ZipSpec:
    names: tuple[str, ...]
    wrap: str
    nbgrader: bool
    entries: tuple[ZipEntry, ...]
    bomb: str | None  # None, "lying" or "honest": a 25 MB entry, first in the zip


ZIP_KINDS = [*FILE_KINDS, "link_secret", "link_relative", "fifo", "dir", "dir_attr"]
EXTRAS = [
    "dotdot",
    "absolute",
    "drive",
    "long_file",
    "long_folder",
    "duplicate",
    "clash_file",
    "clash_folder",
    "empty_folder",
    "litter",
    "stray",
    "backslash",
    "submitted_stray",
]


def bomb_name(wrap: str, nbgrader: bool) -> str:
    return f"{wrap}submitted/bomb/t1_squares/t1_squares.ipynb" if nbgrader else f"{wrap}bomb/t1.py"


@st.composite
def zip_specs(draw: st.DrawFn) -> ZipSpec:
    names = draw(student_names(max_size=4))
    nbgrader = draw(st.sampled_from([False, False, True]))
    wrap = draw(st.sampled_from(["", "", "class/", "Download 2024/class/"]))
    garbage = st.binary(max_size=40)
    entries: list[ZipEntry] = []
    for name in names:
        for _ in range(draw(st.integers(1, 3))):
            if nbgrader:
                assignment = draw(st.sampled_from(ASSIGNMENTS))
                file = draw(st.sampled_from(NBGRADER_FILES))
                path = f"{wrap}submitted/{name}/{assignment}/{file}"
            else:
                path = f"{wrap}{name}/{draw(st.sampled_from(PLAIN_FILES))}"
            kind = draw(st.sampled_from(ZIP_KINDS))
            entries.append(ZipEntry(path + ("/" if kind == "dir" else ""), kind, draw(garbage)))
    name = names[0]
    for extra in draw(st.lists(st.sampled_from(EXTRAS), max_size=4)):
        some = draw(st.sampled_from(entries)).name.rstrip("/")
        new = {
            "dotdot": [f"../{name}/t1_squares.py", f"{wrap}{name}/../../escape.py"],
            "absolute": [f"/tmp/{name}/t1_squares.py"],
            "drive": ["C:\\evil\\t1_squares.py", "c:/x.py"],
            "long_file": [f"{wrap}{name}/{'x' * 300}.py"],
            "long_folder": [f"{wrap}{'y' * 300}/t1_squares.py"],
            "duplicate": [some],
            "clash_file": [some.rsplit("/", 1)[0]],
            "clash_folder": [f"{some}/inner.py"],
            "empty_folder": [f"{wrap}{name}/"],
            "litter": [
                f"__MACOSX/{wrap}{name}/._t1_squares.py",
                f"{wrap}{name}/.DS_Store",
                ".DS_Store",
                f"{wrap}{name}/._t1_squares.py",
            ],
            "stray": [f"{wrap}README.txt"],
            "backslash": [f"{wrap}{name}\\t1_squares.py"],
            "submitted_stray": [f"{wrap}submitted/README.txt"] if nbgrader else [],
        }[extra]
        kind = "wrong" if extra == "duplicate" else draw(st.sampled_from(FILE_KINDS))
        entries += [ZipEntry(n, "dir" if n.endswith("/") else kind) for n in new]
    order = draw(st.permutations(entries))
    bomb = draw(st.sampled_from([None, None, None, None, "lying", "honest"]))
    return ZipSpec(tuple(names), wrap, nbgrader, tuple(order), bomb)


@cache
def bomb_zip(name: str, lying: bool) -> bytes:
    """A zip of one 25 MB entry of zeros (25 KB deflated); if ``lying``, both of its
    headers declare 100 bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        info = zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 3
        info.external_attr = 0o100644 << 16
        with zipped.open(info, "w") as stream:
            for _ in range(BOMB >> 20):
                stream.write(bytes(1 << 20))
    data = bytearray(buffer.getvalue())
    if lying:
        assert data[:4] == b"PK\x03\x04" and not data[6] & 0x08  # sizes are in the headers
        struct.pack_into("<I", data, 22, 100)  # local header: uncompressed size
        central = data.index(b"PK\x01\x02")
        struct.pack_into("<I", data, central + 24, 100)
    return bytes(data)


ATTRIBUTES = {
    "link_secret": 0o120777,
    "link_relative": 0o120777,
    "fifo": 0o010644,
    "dir": 0o040755,
    "dir_attr": 0o040755,
}


def build_zip(base: Path, spec: ZipSpec) -> Built:
    secret, _ = outside(base)
    archive = base / "class.zip"
    mode: Literal["w", "a"] = "w"
    if spec.bomb:
        archive.write_bytes(bomb_zip(bomb_name(spec.wrap, spec.nbgrader), spec.bomb == "lying"))
        mode = "a"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are the point
        with zipfile.ZipFile(archive, mode, zipfile.ZIP_DEFLATED) as zipped:
            for entry in spec.entries:
                info = zipfile.ZipInfo(entry.name, (2024, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3
                info.external_attr = ATTRIBUTES.get(entry.kind, 0o100644) << 16
                data: bytes
                if entry.kind == "link_secret":
                    data = str(secret).encode()
                elif entry.kind == "link_relative":
                    data = b"../../../secret.py"
                elif entry.kind in ("fifo", "dir", "dir_attr"):
                    data = b""
                else:
                    data = content(entry.kind, entry.name, entry.garbage)
                zipped.writestr(info, data)
    wrap = tuple(part for part in spec.wrap.split("/") if part)
    built = Built(base, archive, base / "scratch", [], wrap=wrap)
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist():
            read: bytes | None = None
            with contextlib.suppress(zipfile.BadZipFile):  # the lying entry's CRC
                read = zipped.read(info) if info.file_size <= MAX_BYTES else None
            built.entries.append((info.filename, stat.S_IFMT(info.external_attr >> 16), read))
    # The top-level names: the component after the wrapping folders (and submitted/).
    prefix = [*wrap, "submitted"] if spec.nbgrader else list(wrap)
    for name, _, _ in built.entries:
        parts = zip_parts(name) or []
        inside = parts and not zip_litter(parts) and parts[: len(prefix)] == prefix
        if inside and len(parts) > len(prefix) and parts[len(prefix)] not in built.names:
            built.names.append(parts[len(prefix)])
    return built


# running


def snapshot(base: Path, skip: Iterable[Path]) -> dict[str, tuple[Any, ...]]:
    """Every path under ``base`` (links not followed) with its kind and content, but
    ``skip``'s subtrees; folders by kind only (``out/`` appearing changes ``base``)."""
    skipped = {str(path) for path in skip}
    seen: dict[str, tuple[Any, ...]] = {}
    for folder, folders, files in os.walk(base):
        folders[:] = [f for f in folders if os.path.join(folder, f) not in skipped]
        for name in [*folders, *files]:
            path = os.path.join(folder, name)
            info = os.lstat(path)
            kind = stat.S_IFMT(info.st_mode)
            if stat.S_ISREG(info.st_mode):
                digest = ""
                if info.st_size <= 1 << 20:
                    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
                seen[path] = (kind, info.st_mode, info.st_size, info.st_mtime_ns, digest)
            elif stat.S_ISLNK(info.st_mode):
                seen[path] = (kind, os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                seen[path] = (kind, info.st_mode)
            else:
                seen[path] = (kind, info.st_mode, info.st_mtime_ns)
    return seen


@contextlib.contextmanager
def private_tempdir(scratch: Path) -> Iterator[None]:
    """``tempfile.gettempdir()`` is ``scratch`` meanwhile: leftovers are ours to see."""
    scratch.mkdir()
    before = tempfile.tempdir
    tempfile.tempdir = str(scratch)
    try:
        yield
    finally:
        tempfile.tempdir = before


def within(seconds: float, function: Callable[[], T]) -> T:
    """``function()``, failing (instead of hanging) if it takes over ``seconds``."""
    box: list[Any] = []

    def run() -> None:
        try:
            box.append(("value", function()))
        except BaseException as error:  # re-raised below
            box.append(("error", error))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s (a FIFO read? a hang?)"
    kind, value = box[0]
    if kind == "error":
        raise value
    return value


def mentioned(name: str, lines: Iterable[str]) -> bool:
    """Whether a problem names ``name`` as a path component (at its start, after a
    ``/`` or after ``zip: ``) followed by ``/`` or ``:``."""
    pattern = re.compile(rf"(?:^|/|: ){re.escape(printable(name, newlines=False))}[/:]")
    return any(pattern.search(line) for line in lines)


def shown_path(path: Path, root: Path) -> str:
    return printable(str(path.relative_to(root)), newlines=False)


def children(folder: Path) -> list[os.DirEntry[str]]:
    with os.scandir(folder) as listing:
        kept = (e for e in listing if not is_litter(e.name, e.is_dir(follow_symlinks=False)))
        return sorted(kept, key=lambda e: e.name)


def candidates(folder: Path) -> Iterator[Path]:
    """The files of a plain-layout student folder that must be placed or listed: every
    ``.py``/``.ipynb`` that is not a folder, and every link (never followed: it may
    point to a folder); hidden names (and what is below them) are skipped silently by
    design."""
    for child in children(folder):
        if child.name.startswith("."):
            continue
        path = Path(child.path)
        if child.is_dir(follow_symlinks=False):
            yield from candidates(path)
        elif child.is_symlink() or path.suffix in SUFFIXES:
            yield path


def check_covered(root: Path, layout: str, folder: ClassFolder) -> None:
    """Property 3 on disk: each top-level entry and each candidate file is placed or listed."""
    placed = {entry.path for entry in folder.entries}
    students = {entry.student for entry in folder.entries}
    problems = folder.problems
    text = "\n".join(problems)
    top = root / "submitted" if layout == "nbgrader" else root
    for child in children(top):
        path = Path(child.path)
        if not child.is_dir(follow_symlinks=False) or (
            layout == "plain" and child.name.startswith(".")
        ):
            assert mentioned(child.name, problems), (child.name, problems)
            continue
        assert child.name in students or mentioned(child.name, problems), (child.name, problems)
        if layout == "plain":
            for file in candidates(path):
                assert file in placed or shown_path(file, top) in text, (file, problems)
            continue
        for assignment in children(path):
            inner = Path(assignment.path)
            if assignment.name.startswith("."):
                continue
            if not assignment.is_dir(follow_symlinks=False):
                assert shown_path(inner, root) in text, (inner, problems)
                continue
            for notebook in children(inner):
                if notebook.name.endswith(".ipynb"):
                    file = Path(notebook.path)
                    assert file in placed or shown_path(file, top) in text, (file, problems)


def check_entries(top: Path, folder: ClassFolder) -> None:
    """Property 4: what is read is a regular file reached without links; no duplicates."""
    keys = [(entry.student, entry.module) for entry in folder.entries]
    assert len(keys) == len(set(keys)), keys
    assert {module for _, module in keys} <= set(MODULES)
    for entry in folder.entries:
        assert entry.root == top, entry
        if entry.refused is not None:
            assert entry.refused.strip(), entry
            continue
        assert entry.root is not None
        current = entry.root
        for part in entry.path.relative_to(entry.root).parts[:-1]:
            current = current / part
            assert stat.S_ISDIR(os.lstat(current).st_mode), (entry, current)
        # the size is checked when it is read (nbgrader's files are not read to be placed)
        assert stat.S_ISREG(os.lstat(entry.path).st_mode), entry


def is_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:  # not there, or a name too long to be there
        return False


def zip_parts(name: str) -> list[str] | None:
    """An entry's path as the unpacker reads it; None when it must be refused as unsafe."""
    name = name.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    return None if ".." in parts else parts


def zip_litter(parts: list[str]) -> bool:
    last = parts[-1] if parts else ""
    return (
        "__MACOSX" in parts
        or last.lower() in {".ds_store", "thumbs.db", "desktop.ini"}
        or last.startswith("._")
    )


def check_unpacked(built: Built, folder: ClassFolder) -> None:
    """Property 3 for zips: each entry is unpacked byte-exact, refused and listed, or litter."""
    unpacked = folder.unpacked
    assert unpacked is not None
    refused = Counter(r.name for r in unpacked.refused)
    text = "\n".join(folder.problems)
    reasons = {entry.refused for entry in folder.entries}
    for r in unpacked.refused:  # listed as it is, or placed (then a row, or listed by path)
        end = r.name.replace("\\", "/").rsplit("/", 1)[-1]
        listed = any(end in line and r.reason in line for line in folder.problems)
        assert listed or r.reason in reasons, (r, folder.problems)
    litter = 0
    groups: dict[tuple[str, ...], list[tuple[str, int, bytes | None]]] = {}
    for name, kind, data in built.entries:
        found = zip_parts(name)
        shown = printable(name, newlines=False)
        if found is None:
            assert refused[shown], (name, unpacked.refused)
            continue
        parts = found
        if zip_litter(parts):
            litter += 1
            continue
        if name.endswith("/") or kind == stat.S_IFDIR:
            on_disk = unpacked.folder.joinpath(*parts)
            assert is_folder(on_disk) or refused[shown], (name, unpacked.refused)
        else:
            groups.setdefault(tuple(parts), []).append((name, kind, data))
    assert unpacked.litter == litter
    assert (litter > 0) == ("entries of operating-system litter ignored" in text)
    for key, group in groups.items():
        path = unpacked.folder.joinpath(*key)
        names = {printable(name, newlines=False) for name, _, _ in group}
        try:
            exists = stat.S_ISREG(os.lstat(path).st_mode)
        except OSError:  # not there, or a name too long to be there
            exists = False
        assert sum(refused[n] for n in names) + exists >= len(group), (key, unpacked.refused)
        if exists:  # the first regular entry of that name, byte for byte
            first = next(data for _, kind, data in group if kind in (0, stat.S_IFREG))
            assert path.read_bytes() == first, key
    for path in unpacked.folder.rglob("*"):
        info = os.lstat(path)
        assert stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode), path
        assert info.st_size <= MAX_BYTES


def nbgrader_shaped(spec: ClassSpec) -> bool:
    """A plain class that calcgrade reads as nbgrader's on purpose: its student named
    ``submitted`` is the only one, or has a notebook two folders down, nbgrader's very
    shape (``submitted/<student>/<assignment>/*.ipynb``): a copy of nbgrader's folders
    without its config is far likelier. The other students' folders are then named as
    skipped, not dropped, which check_covered still checks."""
    named = [student for student in spec.students if student.name == "submitted"]
    return bool(named) and (
        len(spec.students) == 1
        or any(e.path.count("/") == 2 and e.path.endswith(".ipynb") for e in named[0].entries)
    )


def find(built: Built) -> ClassFolder:
    return within(10, lambda: find_submissions(built.target, MODULES, MODULES))


# fast: finding and unpacking, no worker


@settings(FAST, max_examples=300)
@given(spec=class_specs())
@example(spec=ClassSpec("plain", (Student("submitted", "folder", ()),)))  # see nbgrader_shaped
@example(  # found by a randomized run: links beside submitted/ were passed over
    spec=ClassSpec(
        "plain",
        (Student("ann", "link_classmate", ()), Student("submitted", "folder", ())),
    )
)
@example(  # found by a randomized run: see nbgrader_shaped
    spec=ClassSpec(
        "plain",
        (
            Student("ann", "folder", ()),
            Student("a b", "folder", ()),
            Student("submitted", "folder", (FolderEntry("deep/er/t1_squares.ipynb", "good", b""),)),
        ),
    )
)
def test_any_class_folder_is_found_without_writing_or_dropping_anything(spec: ClassSpec) -> None:
    with tempfile.TemporaryDirectory() as name:
        built = build_folder(Path(name), spec)
        before = snapshot(built.base, [built.scratch])
        with private_tempdir(built.scratch):
            folder = find(built)
        try:
            # a drawn nbgrader class may also read as a plain one whose student is named
            # "submitted" (when nothing in it has nbgrader's shape): either way, nothing
            # may be dropped
            layout = "nbgrader" if is_nbgrader(built.target) else "plain"
            assert folder.layout == layout
            if spec.layout == "plain" and not nbgrader_shaped(spec):
                assert layout == "plain"
            check_covered(built.target, layout, folder)
            top = built.target / "submitted" if layout == "nbgrader" else built.target
            check_entries(top, folder)
        finally:
            folder.close()
        assert snapshot(built.base, [built.scratch]) == before
        assert list(built.scratch.iterdir()) == []


def refused_in_nbgrader_shape(unpacked: Unpacked) -> bool:
    """Whether an entry that was not unpacked (a link, too big) lies at
    ``submitted/<student>/<assignment>/<name>.ipynb`` below the class's root, beside a
    real ``submitted/``: its place alone shows nbgrader's layout, which the unpacked
    files may not."""
    prefix = unpacked.root.relative_to(unpacked.folder).parts
    for entry in unpacked.refused:
        parts = tuple(entry.stored.replace("\\", "/").split("/"))
        if any(part in ("", ".", "..") for part in parts):
            continue  # an unsafe name says nothing of the layout
        below = parts[len(prefix) :] if parts[: len(prefix)] == prefix else ()
        if len(below) == 4 and below[0] == "submitted" and below[3].endswith(".ipynb"):
            return (unpacked.root / "submitted").is_dir()
    return False


@settings(FAST, max_examples=200)
@given(spec=zip_specs())
@example(  # found by a randomized run: a refused notebook shows nbgrader's layout
    spec=ZipSpec(
        names=("ann",),
        wrap="",
        nbgrader=True,
        entries=(
            ZipEntry("submitted/ann/t1_squares/t1_squares.ipynb", "link_secret"),
            ZipEntry("submitted/ann/t1_squares/notes.txt", "good"),
            ZipEntry("ann/", "dir"),
        ),
        bomb=None,
    )
)
def test_any_class_zip_is_unpacked_safely_and_accounted_for(spec: ZipSpec) -> None:
    with tempfile.TemporaryDirectory() as name:
        built = build_zip(Path(name), spec)
        before = snapshot(built.base, [built.scratch])
        with private_tempdir(built.scratch):
            folder = find(built)
            try:
                assert folder.unpacked is not None
                root = folder.unpacked.root
                assert root == folder.unpacked.folder or root.is_relative_to(folder.unpacked.folder)
                assert built.scratch in folder.unpacked.folder.parents
                check_unpacked(built, folder)
                shaped = refused_in_nbgrader_shape(folder.unpacked)
                layout = "nbgrader" if shaped or is_nbgrader(root) else "plain"
                assert folder.layout in (f"zip ({layout})", "zip (canvas)")
                if folder.layout != "zip (canvas)":
                    check_covered(root, layout, folder)
                top = root / "submitted" if layout == "nbgrader" else root
                check_entries(top, folder)
            finally:
                folder.close()
            folder.close()  # twice is harmless
        assert list(built.scratch.iterdir()) == [], "a calcgrade-zip-* folder was left"
        assert snapshot(built.base, [built.scratch]) == before


# slow: graded through the CLI


def grade(built: Built) -> tuple[int, str, BaseException | None]:
    out = built.base / "out"
    args = ["grade", str(built.target), "--out", str(out), "-j", "2"]
    args += ["--course", str(TINY), "--isolation", "basic"]
    with contextlib.chdir(built.base):  # a write to the working folder would be seen
        result = within(60, lambda: CliRunner().invoke(cli, args, env={"COLUMNS": "100000"}))
    exception = result.exception
    if isinstance(exception, SystemExit) and exception.code == 0:
        exception = None
    return result.exit_code, result.output, exception


def read_gradebook(out: Path) -> list[dict[str, str]]:
    with (out / "gradebook.csv").open(newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


@dataclass
class Expected:
    """What ``find_submissions`` made of the class, read before its zip folder is closed."""

    students: list[str]
    problems: list[str]
    refused: list[tuple[str, str, str]]  # student, module, why
    sources: dict[str, bytes]  # student -> the bytes of the file to be graded
    unwrapped: tuple[str, ...] = ()  # zips: the wrapping folders the library took off


def expected(built: Built) -> Expected:
    with private_tempdir(built.base / "finding"):
        folder = find(built)
        try:
            sources = {
                e.student: e.path.read_bytes()
                for e in folder.entries
                if e.refused is None and e.path.stat().st_size <= MAX_BYTES
            }
            unwrapped: tuple[str, ...] = ()
            if folder.unpacked is not None:
                unwrapped = folder.unpacked.root.relative_to(folder.unpacked.folder).parts
            return Expected(
                sorted({e.student for e in folder.entries}),
                list(folder.problems),
                [(e.student, e.module, e.refused) for e in folder.entries if e.refused],
                sources,
                unwrapped,
            )
        finally:
            folder.close()


def check_graded(built: Built, want: Expected) -> None:
    """Properties 1 to 5 of one CLI run."""
    before = snapshot(built.base, [built.scratch, built.base / "out"])
    before.update(snapshot(TINY, []))
    started = time.monotonic()
    with private_tempdir(built.scratch):
        code, output, exception = grade(built)
    seconds = time.monotonic() - started
    assert code == 0 and exception is None, (code, output, exception)
    assert seconds < 60
    after = snapshot(built.base, [built.scratch, built.base / "out"])
    after.update(snapshot(TINY, []))
    assert after == before, "written outside --out"
    assert list(built.scratch.iterdir()) == [], "a temporary folder was left"

    out = built.base / "out"
    rows = read_gradebook(out)
    assert Counter(row["student"] for row in rows) == Counter(map(csv_cell, want.students))
    listed = [
        line.removeprefix("  not graded ").removeprefix("  not read ")
        for line in output.splitlines()
        if line.startswith(("  not graded ", "  not read "))
    ]
    for problem in want.problems:
        assert printable(problem, newlines=False) in listed, (problem, output)
    for student, module, why in want.refused:
        line = f"{printable(student, newlines=False)}/{module}: not graded: {why}"
        assert printable(line, newlines=False) in listed, (line, output)
    shown_rows = {row["student"] for row in rows}
    zipped = built.target.suffix == ".zip"
    nbgrader = is_folder(built.target) and is_nbgrader(built.target)
    top = built.target / "submitted" if nbgrader else built.target
    names = built.names
    if is_folder(built.target) and not nbgrader:  # a drawn nbgrader class may read as plain:
        inside = built.target / "submitted"  # its students are then in student "submitted"
        names = list(dict.fromkeys(
            "submitted" if os.path.lexists(inside / n) and not os.path.lexists(built.target / n)
            else n
            for n in names
        ))  # fmt: skip
    if want.unwrapped == built.wrap:  # else a lone student folder was taken as a wrapper
        for name in names:
            if is_litter(name, folder=zipped or is_folder(top / name)):  # skipped by design
                continue
            assert csv_cell(name) in shown_rows or mentioned(name, listed), (name, output)

    exercises = (
        [k for k in rows[0] if k not in ("student", "total", "max", "status")] if rows else []
    )
    scored = [row for row in rows if any(row[e] for e in exercises)]
    results = sorted(p for p in (out / "results").rglob("*") if p.is_file()) if rows else []
    assert len(results) == len(scored), (results, rows)
    ids = [json.loads(path.read_text(encoding="utf-8"))["student"] for path in results]
    assert len(set(ids)) == len(ids) and set(ids) <= set(want.sources)
    for path, student in zip(results, ids, strict=True):
        assert path.name == f"{student_file_name(student)}.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        source = want.sources[student]
        if source in (GOOD.encode(), notebook(GOOD).encode()):
            assert data["score"] == 5, (student, data["checks"])
        elif source in (CUBED.encode(), notebook(CUBED).encode()):
            assert data["score"] == 2, (student, data["checks"])
    assert f"graded {len(scored)}, reused 0, ungraded 0" in output
    refused = {student for student, _, _ in want.refused}
    for row in rows:
        if row["student"] in {csv_cell(s) for s in refused}:
            assert not any(row[e] for e in exercises) and row["total"] == "0", row
    files = {name: student_file_name(name) for name in want.students}
    assert len(set(files.values())) == len(files)
    for sub, suffixes in (("feedback", (".md", ".html")), ("instructor", (".html",))):
        made = sorted(p.name for p in (out / sub).glob("*")) if rows else []
        assert made == sorted(f + s for f in files.values() for s in suffixes), (sub, made)

    everything = output.encode() + b"".join(
        p.read_bytes() for p in out.rglob("*") if p.is_file() and not p.is_symlink()
    )
    assert MARKER.encode() not in everything


@pytest.mark.slow
@settings(FAST, max_examples=40)
@given(spec=class_specs())
@example(  # found by a randomized run: a drawn nbgrader class read as plain
    spec=ClassSpec(
        "nbgrader",
        (Student("ann", "folder", ()), Student("evil\u202etxt.py", "link_classmate", ())),
    )
)
def test_grading_any_class_folder_keeps_every_student_apart_and_nothing_leaks(
    spec: ClassSpec,
) -> None:
    with tempfile.TemporaryDirectory() as name:
        built = build_folder(Path(name), spec)
        check_graded(built, expected(built))


@pytest.mark.slow
@settings(FAST, max_examples=25)
@given(spec=zip_specs())
def test_grading_any_class_zip_keeps_every_student_apart_and_nothing_leaks(
    spec: ZipSpec,
) -> None:
    with tempfile.TemporaryDirectory() as name:
        built = build_zip(Path(name), spec)
        check_graded(built, expected(built))


# what the fuzzing found: minimal reproductions of bugs since fixed


@pytest.mark.parametrize("target", ["t1_squares.py", "../ben/notes.txt/x.py"])
def test_a_looping_link_in_a_student_folder_is_listed_not_a_crash(
    tmp_path: Path, target: str
) -> None:
    """A link in a student's folder that loops (ELOOP) or runs through a file (ENOTDIR)
    made the whole class fail to grade (``DirEntry.is_dir()`` follows links and raises):
    now it is a refused file, never followed."""
    (tmp_path / "ann").mkdir()
    (tmp_path / "ben").mkdir()
    (tmp_path / "ben" / "notes.txt").write_text("")
    (tmp_path / "ann" / "t1_squares.py").symlink_to(target)
    folder = find_submissions(tmp_path, MODULES, MODULES)
    assert [entry.student for entry in folder.entries] == ["ann"]
    assert (folder.entries[0].refused or "").startswith("a symbolic link")


def test_a_student_named_submitted_does_not_hide_the_class(tmp_path: Path) -> None:
    """A plain class with a student (or an empty folder) named ``submitted`` was read as
    an nbgrader course, and every other student dropped without a row or a word."""
    (tmp_path / "submitted").mkdir()
    (tmp_path / "ann").mkdir()
    (tmp_path / "ann" / "t1_squares.py").write_text(GOOD)
    folder = find_submissions(tmp_path, MODULES, MODULES)
    assert "ann" in {e.student for e in folder.entries} or mentioned("ann", folder.problems)


def test_a_link_beside_submitted_is_named_not_dropped(tmp_path: Path) -> None:
    """Links beside an empty ``submitted/`` (found by a randomized run) made the class
    read as nbgrader's, and were then passed over without a word. A link may stand for a
    student's folder: the class is plain, and each link named."""
    (tmp_path / "submitted").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "ann").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "elsewhere").rename(tmp_path / ".elsewhere")  # dangling, still a link
    folder = find_submissions(tmp_path, MODULES, MODULES)
    assert folder.layout == "plain"
    assert mentioned("ann", folder.problems)
    # beside the nbgrader shape, a link is named as skipped
    (tmp_path / "submitted" / "ben" / "t1_squares").mkdir(parents=True)
    (tmp_path / "submitted" / "ben" / "t1_squares" / "t1_squares.ipynb").write_text(notebook(GOOD))
    folder = find_submissions(tmp_path, MODULES, MODULES)
    assert folder.layout == "nbgrader"
    assert "ann: a symbolic link beside nbgrader's submitted/ folder (skipped)" in folder.problems


@pytest.mark.parametrize("stray", ["file", "fifo", "notebook beside an assignment"])
def test_strays_in_an_nbgrader_course_are_listed(tmp_path: Path, stray: str) -> None:
    """In ``submitted/``, a file or a FIFO where a student folder should be, and a
    notebook directly in a student's folder that also has an assignment folder, were
    neither graded nor listed."""
    submitted = tmp_path / "submitted"
    (submitted / "ben" / "t1_squares").mkdir(parents=True)
    (submitted / "ben" / "t1_squares" / "t1_squares.ipynb").write_text(notebook(GOOD))
    if stray == "file":
        (submitted / "ann").write_text(notebook(GOOD))
    elif stray == "fifo":
        os.mkfifo(submitted / "ann")
    else:
        (submitted / "ann" / "ps1").mkdir(parents=True)
        (submitted / "ann" / "t1_squares.ipynb").write_text(notebook(GOOD))
    folder = find_submissions(tmp_path, MODULES, MODULES)
    assert "ann" in {e.student for e in folder.entries} or any(
        "submitted/ann:" in p or "ann/t1_squares.ipynb" in p for p in folder.problems
    ), folder.problems
