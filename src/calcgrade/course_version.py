"""The version of one module of a course: what its results carry.

``Course.version`` hashes the whole course (every grader, every reference, every
notebook's demo cells), so it changes when another module changes, and it
differs wherever only part of the course is present, such as a Gradescope
autograder, which ships one module's notebook. A result carries the version of
its module instead: the course's version string plus a hash of what grades that
module and nothing else, the same wherever those files are the same (``calcgrade
check``, ``calcgrade grade``, the Gradescope autograder):

- the module's section of course_config.yml (exercises, checks, points,
  visibility), with the tolerances and limits that apply to it and the public seed;
- its grader (the file, or every file of its package) and its reference;
- the demo cells of its exercise notebook (which cells grading leaves out).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from weakref import WeakKeyDictionary

from .config import Course, source_files

_versions: WeakKeyDictionary[Course, dict[str, str]] = WeakKeyDictionary()


def module_version(course: Course, module: str) -> str:
    """``<version>+<hash>``: the course's version and a hash of what grades ``module``."""
    known = _versions.setdefault(course, {})
    if module not in known:
        known[module] = f"{course.spec.version}+{_digest(course, module)[:12]}"
    return known[module]


def _digest(course: Course, module: str) -> str:
    section = {
        "module": module,
        "spec": course.module(module).model_dump(mode="json"),
        "tolerances": course.tolerances(module).model_dump(mode="json"),
        "limits": course.limits(module).model_dump(mode="json"),
        "seed": course.spec.seed,
    }
    digest = hashlib.sha256(json.dumps(section, sort_keys=True).encode())
    for label, path in (
        ("grader", course.grader_path(module)),
        ("reference", course.reference_path(module)),
    ):
        for name, file in _files(path):
            digest.update(f"\0{label}/{name}\0".encode())
            digest.update(file.read_bytes() if file.is_file() else b"(missing)")
    for demo in sorted(course.course_cells(module).demos):
        digest.update(b"\0demo\0" + demo.encode())
    return digest.hexdigest()


def _files(path: Path) -> list[tuple[str, Path]]:
    """The file ``path``, or the Python files of the package in the folder ``path``."""
    return list(source_files(path).items()) if path.is_dir() else [(path.name, path)]
