"""Finding a class's submissions: plain, nbgrader and LMS-zip layouts.

- plain: ``CLASS_DIR/<student>/<module>.py`` or ``.ipynb`` (any file name that
  names the module, or a notebook whose metadata does);
- nbgrader: ``CLASS_DIR/submitted/<student>/<assignment>/*.ipynb`` where the
  assignment is named after the module (``m1_derivatives`` or ``m1...``);
- LMS download zip (``calcgrade.lms_zip`` unpacks it): the plain or nbgrader
  layout inside the zip, also wrapped in one top folder, and the flat files of
  a Canvas download, ``<name>_<user id>_<submission id>_<file name>`` (also
  with ``_LATE_`` after the name): the student id is ``<name>_<user id>``, the
  module comes from ``<file name>``.

Nothing is dropped silently. Whatever cannot be placed (a stray file, an empty
folder, two files for the same student and module, a zip entry that was not
unpacked) is listed as a problem with its reason. Links are never followed and
only regular files are read (``calcgrade.safe_read``): a submission that is a
link, a FIFO, a socket or a device, or that is over the size limit, is not read
but still gives its student a row that says why (``Entry.refused``) when its
student and module can be told; a student folder that is a link is listed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import SubmissionError
from .lms_zip import CANVAS, SUFFIXES, Refused, Unpacked, unpack
from .safe_read import kind_of
from .submission import MAX_BYTES, infer_module, module_from_name, read_submission
from .text_safety import printable

MAX_ZIP_BYTES = 1 << 30
MAX_FILES_PER_STUDENT = 2_000  # files and folders looked at in one student's folder
SKIP = "(skipped)"
LITTER = frozenset({"__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini", ".ipynb_checkpoints"})


@dataclass(frozen=True)
class Entry:
    """One submission to grade: read ``path`` below ``root`` without following links.

    ``refused`` says why the file is not graded (a link, a FIFO, over the size
    limit); the student's row then carries that reason instead of a score.
    """

    student: str
    module: str
    path: Path
    root: Path | None = None
    refused: str | None = None


@dataclass
class ClassFolder:
    entries: list[Entry]
    problems: list[str]
    layout: str
    unpacked: Unpacked | None = None

    def close(self) -> None:
        if self.unpacked is not None:
            self.unpacked.close()


@dataclass
class _Found:
    """Candidate files of a layout, before they are placed."""

    root: Path
    files: list[tuple[str, Path, str | None]] = field(default_factory=list)  # student, file, hint
    special: list[tuple[str, Path, str | None, str]] = field(default_factory=list)  # ..., why
    problems: list[str] = field(default_factory=list)
    empty: list[tuple[Path, str]] = field(default_factory=list)  # folder, problem

    def shown(self, path: Path) -> str:
        return printable(str(path.relative_to(self.root)), newlines=False)

    def empty_folders(self) -> list[str]:
        """The folders with nothing to grade, not counting those that hold a zip entry
        refused (given its own row, ``special``) since they were walked."""
        held = [path for _, path, _, _ in self.special]
        return [
            problem
            for folder, problem in self.empty
            if not any(path.is_relative_to(folder) for path in held)
        ]


def student_id(name: str) -> str:
    """A folder name as a student id: bytes that are not UTF-8 become ``\\xNN``."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def find_submissions(location: Path, modules: list[str], wanted: list[str]) -> ClassFolder:
    """The submissions under ``location`` (a folder or a zip) for the ``wanted`` modules."""
    if location.is_file() and location.suffix == ".zip":
        return _from_zip(location, modules, wanted)
    if not location.is_dir():
        raise SubmissionError(f"{location}: not a folder or a .zip file")
    return _place(_layout(location), modules, wanted)


NBGRADER_FOLDERS = frozenset({"source", "release", "submitted", "autograded", "feedback"})


def _layout(root: Path, nbgrader_shaped: bool = False) -> tuple[_Found, str]:
    """The class's layout and files; ``nbgrader_shaped``: an entry that was not unpacked
    had nbgrader's shape (``_refused_in_nbgrader_shape``)."""
    if not (nbgrader_shaped or is_nbgrader_layout(root)):
        return _plain(root), "plain"
    found = _nbgrader(root / "submitted")
    if not (root / "nbgrader_config.py").is_file():  # a bare copy: say what lies beside it
        for other in _others(root):
            name = printable(other.name, newlines=False)
            if other.is_dir(follow_symlinks=False):
                found.problems.append(f"{name}/: beside nbgrader's submitted/ folder {SKIP}")
            else:
                kind = _kind(other)
                found.problems.append(f"{name}: {kind} beside nbgrader's submitted/ folder {SKIP}")
    return found, "nbgrader"


def is_nbgrader_layout(root: Path) -> bool:
    """An nbgrader course: a real ``submitted/`` folder, with nbgrader's config beside
    it, or with nbgrader's shape (``<student>/<assignment>/*.ipynb``), or with no
    submission directly inside and nothing beside it but nbgrader's own folders.
    Otherwise ``submitted`` is just a student's name in the plain layout."""
    submitted = root / "submitted"
    if not submitted.is_dir() or submitted.is_symlink():
        return False
    if (root / "nbgrader_config.py").is_file():
        return True
    if any(True for _ in submitted.glob("*/*/*.ipynb")):
        return True
    inside = _children(submitted)
    if any(e.name.endswith(SUFFIXES) and not e.is_dir(follow_symlinks=False) for e in inside):
        return False
    return not _others(root)


def _others(root: Path) -> list[os.DirEntry[str]]:
    """What lies beside ``submitted/`` and could be a student's: folders that are not
    nbgrader's own, and links and other entries that are not regular files (a link may
    stand for a student's folder)."""
    return [
        e
        for e in _children(root)
        if not e.name.startswith(".")
        and e.name not in NBGRADER_FOLDERS
        and not e.is_file(follow_symlinks=False)
    ]


def _children(folder: Path) -> list[os.DirEntry[str]]:
    with os.scandir(folder) as listing:
        return sorted((e for e in listing if not _is_litter(e)), key=lambda e: e.name)


def _is_litter(entry: os.DirEntry[str]) -> bool:
    """What macOS, Windows and Jupyter leave behind (``._x`` files are macOS's)."""
    apple_double = entry.name.startswith("._") and not entry.is_dir(follow_symlinks=False)
    return entry.name in LITTER or apple_double


def _kind(entry: os.DirEntry[str]) -> str:
    return kind_of(entry.stat(follow_symlinks=False).st_mode)


def _not_regular(entry: os.DirEntry[str]) -> str:
    return f"{_kind(entry)}; only regular files are graded, never through a link"


def _plain(root: Path, canvas: bool = False) -> _Found:
    found = _Found(root)
    for child in _children(root):
        name = printable(child.name, newlines=False)
        if child.is_dir(follow_symlinks=False):
            if child.name.startswith("."):
                found.problems.append(f"{name}/: a hidden folder (skipped)")
            else:
                _student_folder(found, student_id(child.name), Path(child.path))
        elif canvas and child.is_file(follow_symlinks=False) and CANVAS.match(child.name):
            _canvas_file(found, Path(child.path))
        elif child.name.startswith("."):
            found.problems.append(f"{name}: a hidden entry at the top level (skipped)")
        elif child.is_file(follow_symlinks=False):
            found.problems.append(
                f"{name}: a file at the top level, expected <student>/<module>.py (skipped)"
            )
        else:
            found.problems.append(
                f"{name}: {_kind(child)} at the top level; links are not followed (skipped)"
            )
    return found


def _canvas_file(found: _Found, path: Path) -> None:
    match = CANVAS.match(path.name)
    assert match is not None
    student = student_id(f"{match['name']}_{match['user']}")
    if path.suffix not in SUFFIXES:
        found.problems.append(f"{found.shown(path)}: not a .py or .ipynb submission (skipped)")
    else:
        found.files.append((student, path, match["file"]))


def _student_folder(found: _Found, student: str, folder: Path) -> None:
    """The .py and .ipynb files anywhere in a student's folder, links not followed."""
    before = len(found.files) + len(found.special)
    pending, seen = [folder], 0
    while pending:
        current = pending.pop()
        for child in _children(current):
            seen += 1
            if seen > MAX_FILES_PER_STUDENT:
                found.problems.append(
                    f"{found.shown(folder)}/: over {MAX_FILES_PER_STUDENT} files and folders; "
                    "the rest were not looked at"
                )
                return
            path = Path(child.path)
            if child.name.startswith("."):
                continue
            if child.is_dir(follow_symlinks=False):
                pending.append(path)
            elif child.is_symlink() and path.suffix not in SUFFIXES:  # maybe to a folder
                found.problems.append(
                    f"{found.shown(path)}: a symbolic link; links are not followed (skipped)"
                )
            elif path.suffix in SUFFIXES:
                if child.is_file(follow_symlinks=False):
                    found.files.append((student, path, None))
                else:
                    found.special.append((student, path, None, _not_regular(child)))
    if len(found.files) + len(found.special) == before:
        found.empty.append((folder, f"{found.shown(folder)}/: no .py or .ipynb submission inside"))


def _nbgrader(submitted: Path) -> _Found:
    found = _Found(submitted)
    for student in _children(submitted):
        shown = f"submitted/{printable(student.name, newlines=False)}"
        if not student.is_dir(follow_symlinks=False):
            found.problems.append(f"{shown}: {_kind(student)}, expected a student's folder {SKIP}")
            continue
        assignments = [a for a in _children(Path(student.path)) if not a.name.startswith(".")]
        for stray in (a for a in assignments if not a.is_dir(follow_symlinks=False)):
            found.problems.append(
                f"{shown}/{printable(stray.name, newlines=False)}: {_kind(stray)}, expected "
                f"an assignment folder {SKIP}"
            )
        assignments = [a for a in assignments if a.is_dir(follow_symlinks=False)]
        if not assignments:
            found.empty.append((Path(student.path), f"{shown}/: no assignment folder inside"))
        for assignment in assignments:
            notebooks = [n for n in _children(Path(assignment.path)) if n.name.endswith(".ipynb")]
            if not notebooks:
                where = f"{shown}/{printable(assignment.name, newlines=False)}/"
                found.empty.append((Path(assignment.path), f"{where}: no notebook inside"))
            for notebook in notebooks:
                who, path = student_id(student.name), Path(notebook.path)
                if notebook.is_file(follow_symlinks=False):
                    found.files.append((who, path, assignment.name))
                else:
                    found.special.append((who, path, assignment.name, _not_regular(notebook)))
    return found


def _place(layout: tuple[_Found, str], modules: list[str], wanted: list[str]) -> ClassFolder:
    """Place each (student, file, module hint); list what cannot be placed, with why."""
    found, name = layout
    problems = found.problems + found.empty_folders()
    chosen: dict[tuple[str, str], Entry] = {}

    def place(student: str, module: str, path: Path, refused: str | None) -> None:
        key = (student, module)
        if key in chosen:
            problems.append(
                f"{found.shown(path)}: a second submission of {printable(student)} for {module} "
                f"(kept {found.shown(chosen[key].path)}; skipped this one)"
            )
        else:
            chosen[key] = Entry(student, module, path, found.root, refused)

    for student, path, hint in found.files:
        module = _from_hint(hint, modules)
        refused = None
        if module is None:
            module, refused = _from_content(found.root, path, modules)
        if module is None and refused is not None and len(wanted) == 1:
            module = wanted[0]  # unreadable, and named for no module: the one being graded
        if module is None:
            problems.append(f"{found.shown(path)}: {refused or _UNKNOWN_MODULE} (skipped)")
        elif module in wanted:
            place(student, module, path, refused)
    for student, path, hint, why in found.special:
        module = _from_hint(hint or path.stem, modules) or (wanted[0] if len(wanted) == 1 else None)
        if module is None or (student, module) in chosen:
            problems.append(f"{found.shown(path)}: {why} (skipped)")
        elif module in wanted:
            place(student, module, path, why)
    entries = [chosen[key] for key in sorted(chosen)]
    return ClassFolder(entries, problems, name)


_UNKNOWN_MODULE = "cannot tell which module it is for (name it <module>.py or .ipynb)"


def _from_hint(hint: str | None, modules: list[str]) -> str | None:
    if hint is None:
        return None
    return module_from_name(Path(hint).stem if hint.endswith(SUFFIXES) else hint, modules)


def _from_content(root: Path, path: Path, modules: list[str]) -> tuple[str | None, str | None]:
    """(module, None) from the file's name or metadata, or (None, why it cannot be read)."""
    named = module_from_name(path.stem, modules)
    try:
        return infer_module(read_submission(path, root), modules) or named, None
    except SubmissionError as error:
        return named, str(error).removeprefix(f"{path}: ")


def _from_zip(archive: Path, modules: list[str], wanted: list[str]) -> ClassFolder:
    unpacked = unpack(archive, max_file_bytes=MAX_BYTES, max_total_bytes=MAX_ZIP_BYTES)
    try:
        root = unpacked.root
        shaped = _refused_in_nbgrader_shape(unpacked)
        if shaped or is_nbgrader_layout(root):
            found, layout = _layout(root, shaped)
        else:
            found = _plain(root, canvas=True)
            canvas = any(hint is not None for _, _, hint in found.files)
            layout = "canvas" if canvas else "plain"
        unplaced = [e for e in unpacked.refused if not _refused_entry(found, unpacked, e, layout)]
        folder = _place((found, layout), modules, wanted)
    except BaseException:
        unpacked.close()
        raise
    folder.problems[:0] = [f"{archive.name}: {entry.name}: {entry.reason}" for entry in unplaced]
    if unpacked.litter:
        folder.problems.append(
            f"{archive.name}: {unpacked.litter} entries of operating-system litter ignored "
            "(__MACOSX/, .DS_Store, ._* files)"
        )
    folder.layout = f"zip ({folder.layout})"
    folder.unpacked = unpacked
    return folder


def _below_root(unpacked: Unpacked, entry: Refused) -> list[str] | None:
    """The folders and file name of a zip entry that was not unpacked, below the class's
    root; None when its name is unsafe, lies outside the root or is no submission's."""
    parts = entry.stored.replace("\\", "/").split("/")
    prefix = list(unpacked.root.relative_to(unpacked.folder).parts)
    unsafe = ":" in parts[0] or any(part in ("", ".", "..") for part in parts)
    if unsafe or parts[: len(prefix)] != prefix or not entry.stored.endswith(SUFFIXES):
        return None
    return parts[len(prefix) :]


def _refused_in_nbgrader_shape(unpacked: Unpacked) -> bool:
    """Whether a zip entry that was not unpacked (a link, too big) has nbgrader's shape,
    ``submitted/<student>/<assignment>/<name>.ipynb`` below the class's root: the
    layout of what was unpacked alone would not show it."""
    if not (unpacked.root / "submitted").is_dir():
        return False
    for entry in unpacked.refused:
        parts = _below_root(unpacked, entry)
        if parts and len(parts) == 4 and parts[0] == "submitted" and parts[3].endswith(".ipynb"):
            return True
    return False


def _refused_entry(found: _Found, unpacked: Unpacked, entry: Refused, layout: str) -> bool:
    """Give a zip entry that was not unpacked (too big, a link) its student's row, when
    its place in the layout says whose it is; False when it says nothing."""
    parts = _below_root(unpacked, entry)
    if parts is None:
        return False
    path = unpacked.root.joinpath(*parts)
    if layout == "nbgrader" and len(parts) == 4 and parts[0] == "submitted":
        found.special.append((student_id(parts[1]), path, parts[2], entry.reason))
    elif layout != "nbgrader" and len(parts) >= 2:
        found.special.append((student_id(parts[0]), path, None, entry.reason))
    elif layout != "nbgrader" and (match := CANVAS.match(parts[0])):
        who = student_id(f"{match['name']}_{match['user']}")
        found.special.append((who, path, match["file"], entry.reason))
    else:
        return False
    return True
