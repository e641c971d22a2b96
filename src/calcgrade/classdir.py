"""Finding a class's submissions: plain, nbgrader and LMS-zip layouts.

- plain: ``CLASS_DIR/<student>/<module>.py`` or ``.ipynb`` (any file name that
  names the module, or a notebook whose metadata does);
- nbgrader: ``CLASS_DIR/submitted/<student>/<assignment>/*.ipynb`` where the
  assignment is named after the module (``m1_derivatives`` or ``m1...``);
- LMS download zip: either the plain layout inside the zip, or the flat files of
  a Canvas download, ``<name>_<user id>_<submission id>_<file name>`` (also with
  ``_LATE_`` after the name); the student id is ``<name>_<user id>``, the module
  comes from ``<file name>``.

Anything that cannot be placed (a stray file, an empty folder, two files for the
same student and module) is reported as a problem, never silently dropped.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import SubmissionError
from .submission import infer_module, module_from_name, read_submission

CANVAS = re.compile(r"^(?P<name>[^_/]+)_(?:LATE_)?(?P<user>\d+)_(?P<sub>\d+)_(?P<file>.+)$")
SUFFIXES = (".py", ".ipynb")
MAX_ZIP_BYTES = 1 << 30


@dataclass(frozen=True)
class Entry:
    """One submission to grade."""

    student: str
    module: str
    path: Path


@dataclass
class ClassFolder:
    entries: list[Entry]
    problems: list[str]
    layout: str
    cleanup: Path | None = None

    def close(self) -> None:
        if self.cleanup is not None:
            shutil.rmtree(self.cleanup, ignore_errors=True)


def find_submissions(location: Path, modules: list[str], wanted: list[str]) -> ClassFolder:
    """The submissions under ``location`` (a folder or a zip) for the ``wanted`` modules."""
    if location.is_file() and location.suffix == ".zip":
        return _from_zip(location, modules, wanted)
    if not location.is_dir():
        raise SubmissionError(f"{location}: not a folder or a .zip file")
    if (location / "submitted").is_dir():
        return _nbgrader(location / "submitted", modules, wanted)
    return _plain(location, modules, wanted)


def _module_of(path: Path, modules: list[str], hint: str | None = None) -> str | None:
    if hint is not None:
        named = module_from_name(Path(hint).stem if hint.endswith(SUFFIXES) else hint, modules)
        if named:
            return named
    try:
        return infer_module(read_submission(path), modules)
    except SubmissionError:
        return None


def _collect(
    found: list[tuple[str, Path, str | None]],
    modules: list[str],
    wanted: list[str],
    problems: list[str],
    root: Path,
) -> list[Entry]:
    """Place (student, file, module hint) triples; report what cannot be placed."""
    chosen: dict[tuple[str, str], Path] = {}
    for student, path, hint in found:
        shown = path.relative_to(root) if path.is_relative_to(root) else path
        module = _module_of(path, modules, hint)
        if module is None:
            problems.append(f"{shown}: cannot tell which module it is for (skipped)")
            continue
        if module not in wanted:
            continue
        key = (student, module)
        if key in chosen:
            other = (
                chosen[key].relative_to(root) if chosen[key].is_relative_to(root) else chosen[key]
            )
            problems.append(
                f"{shown}: a second submission of {student} for {module} "
                f"(kept {other}; skipped this one)"
            )
            continue
        chosen[key] = path
    return [Entry(student, module, path) for (student, module), path in sorted(chosen.items())]


def _plain(root: Path, modules: list[str], wanted: list[str]) -> ClassFolder:
    problems: list[str] = []
    found: list[tuple[str, Path, str | None]] = []
    for child in sorted(root.iterdir()):
        if child.name.startswith("."):
            continue
        if not child.is_dir():
            problems.append(
                f"{child.name}: a file at the top level, expected <student>/<module>.py"
            )
            continue
        files = [
            f
            for f in sorted(child.rglob("*"))
            if f.suffix in SUFFIXES and f.is_file() and ".ipynb_checkpoints" not in f.parts
        ]
        if not files:
            problems.append(f"{child.name}/: no .py or .ipynb submission inside")
        found.extend((child.name, f, None) for f in files)
    return ClassFolder(_collect(found, modules, wanted, problems, root), problems, "plain")


def _nbgrader(submitted: Path, modules: list[str], wanted: list[str]) -> ClassFolder:
    problems: list[str] = []
    found: list[tuple[str, Path, str | None]] = []
    for student in sorted(p for p in submitted.iterdir() if p.is_dir()):
        assignments = [a for a in sorted(student.iterdir()) if a.is_dir()]
        if not assignments:
            problems.append(f"submitted/{student.name}/: no assignment folder inside")
        for assignment in assignments:
            notebooks = [n for n in sorted(assignment.glob("*.ipynb"))]
            if not notebooks:
                problems.append(f"submitted/{student.name}/{assignment.name}/: no notebook inside")
            found.extend((student.name, n, assignment.name) for n in notebooks)
    return ClassFolder(_collect(found, modules, wanted, problems, submitted), problems, "nbgrader")


def _from_zip(archive: Path, modules: list[str], wanted: list[str]) -> ClassFolder:
    folder = Path(tempfile.mkdtemp(prefix="calcgrade-zip-"))
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = [m for m in zipped.infolist() if not m.is_dir()]
            if sum(m.file_size for m in members) > MAX_ZIP_BYTES:
                raise SubmissionError(f"{archive}: unpacks to more than {MAX_ZIP_BYTES} bytes")
            for member in members:
                name = Path(member.filename)
                if name.is_absolute() or ".." in name.parts or "__MACOSX" in name.parts:
                    continue
                target = folder / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(zipped.read(member))
    except (zipfile.BadZipFile, OSError) as error:
        shutil.rmtree(folder, ignore_errors=True)
        raise SubmissionError(f"{archive}: not a readable zip file ({error})") from None
    flat = [p for p in folder.iterdir() if p.is_file()]
    if flat and all(CANVAS.match(p.name) for p in flat if p.suffix in SUFFIXES):
        problems: list[str] = []
        found = []
        for path in sorted(flat):
            match = CANVAS.match(path.name)
            if match is None or path.suffix not in SUFFIXES:
                problems.append(f"{path.name}: not a .py or .ipynb submission (skipped)")
                continue
            found.append((f"{match['name']}_{match['user']}", path, match["file"]))
        entries = _collect(found, modules, wanted, problems, folder)
        return ClassFolder(entries, problems, "lms-zip (canvas)", cleanup=folder)
    result = find_submissions(folder, modules, wanted)
    result.layout = f"zip ({result.layout})"
    result.cleanup = folder
    return result
