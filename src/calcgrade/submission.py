"""Reading a submission: a ``.py`` file or a ``.ipynb`` notebook, as code cells.

A notebook contributes its code cells in order; IPython magics, shell escapes
and help lines are replaced by ``pass`` (keeping line numbers) with a note.
A file that cannot be parsed still yields a ``SourceFile`` whose ``problem``
explains why, so grading reports it per exercise instead of crashing.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import SubmissionError
from .safe_read import TooLarge, read_regular

MAX_BYTES = 20 * 1024 * 1024
_MAGIC = re.compile(r"^(\s*)(%|!|[\w.,\s]+=\s*[!%])")
_HELP = re.compile(r"^\s*[\w.]+\?{1,2}\s*$")


@dataclass(frozen=True)
class Cell:
    label: str
    source: str
    number: int | None = None  # its place among a notebook's cells, from 1


@dataclass(frozen=True)
class SourceFile:
    path: Path
    kind: str
    cells: tuple[Cell, ...]
    notes: tuple[str, ...]
    sha256: str
    module_hint: str | None = None
    problem: str | None = None

    def load_message(self) -> dict[str, Any]:
        """The request that makes a worker execute this file."""
        return {
            "op": "load",
            "cells": [{"label": cell.label, "source": cell.source} for cell in self.cells],
            "stop_on_error": self.kind == "py",
        }


def read_submission(path: Path, root: Path | None = None) -> SourceFile:
    """Read ``path``; raise SubmissionError only if it cannot be read at all.

    The file must be a regular file of at most MAX_BYTES, reached without
    following a link (below ``root`` when given: see ``safe_read``).
    """
    if path.suffix not in (".py", ".ipynb"):
        raise SubmissionError(f"{path}: expected a .py file or a .ipynb notebook")
    return parse_submission(path, read_regular(path, MAX_BYTES, root))


def parse_submission(path: Path, raw: bytes) -> SourceFile:
    """The submission whose bytes are ``raw`` and whose name is ``path`` (only its
    suffix and name are used: the file is not read, and need not be on this machine)."""
    if path.suffix not in (".py", ".ipynb"):
        raise SubmissionError(f"{path}: expected a .py file or a .ipynb notebook")
    if len(raw) > MAX_BYTES:
        raise TooLarge(path, len(raw), MAX_BYTES)
    digest = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return SourceFile(
            path,
            path.suffix[1:],
            (),
            (),
            digest,
            problem=f"the file is not UTF-8 text ({error.reason} at byte {error.start})",
        )
    if path.suffix == ".py":
        return SourceFile(path, "py", (Cell(path.name, text),), (), digest)
    return _read_notebook(path, text, digest)


def _read_notebook(path: Path, text: str, digest: str) -> SourceFile:
    try:
        notebook = json.loads(text)
        cells, hint = _notebook_cells(notebook)
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        reason = error.args[0] if error.args else type(error).__name__
        return SourceFile(
            path,
            "ipynb",
            (),
            (),
            digest,
            problem=f"this is not a readable Jupyter notebook ({reason})",
        )
    kept: list[Cell] = []
    notes: list[str] = []
    for number, source in cells:
        label = f"{path.name}, cell {number}"
        cleaned, skipped = strip_magics(source)
        notes.extend(f"{label}: skipped IPython-only line `{line.strip()}`" for line in skipped)
        if cleaned.strip():
            kept.append(Cell(label, cleaned, number))
    return SourceFile(path, "ipynb", tuple(kept), tuple(notes), digest, module_hint=hint)


def _notebook_cells(notebook: Any) -> tuple[list[tuple[int, str]], str | None]:
    """(cell number, code) for each code cell, for nbformat 4 and 3."""
    if type(notebook) is not dict:
        raise ValueError("the top level is not a JSON object")
    metadata = notebook.get("metadata") or {}
    hint = (metadata.get("calcgrade") or {}).get("module") if type(metadata) is dict else None
    if "cells" in notebook:
        cells, key = notebook["cells"], "source"
    elif "worksheets" in notebook:
        cells = [cell for sheet in notebook["worksheets"] for cell in sheet.get("cells", [])]
        key = "input"
    else:
        raise ValueError("it has no 'cells' list")
    if type(cells) is not list:
        raise ValueError("'cells' is not a list")
    code = []
    for number, cell in enumerate(cells, start=1):
        if type(cell) is not dict or cell.get("cell_type") != "code":
            continue
        source = cell.get(key, "")
        if type(source) is list:
            source = "".join(str(line) for line in source)
        code.append((number, str(source)))
    return code, hint if type(hint) is str else None


def strip_magics(source: str) -> tuple[str, list[str]]:
    """Replace IPython-only lines by ``pass``; a ``%%`` cell magic drops the cell."""
    lines = source.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if first.lstrip().startswith("%%"):
        return "", [first]
    skipped = []
    for index, line in enumerate(lines):
        match = _MAGIC.match(line)
        if match or _HELP.match(line):
            skipped.append(line)
            indent = match.group(1) if match else line[: len(line) - len(line.lstrip())]
            lines[index] = f"{indent}pass"
    return "\n".join(lines) + "\n", skipped


def infer_module(source: SourceFile, modules: list[str]) -> str | None:
    """The module a submission is for: notebook metadata first, then the file name."""
    if source.module_hint in modules:
        return source.module_hint
    return module_from_name(source.path.stem, modules)


def module_from_name(name: str, modules: list[str]) -> str | None:
    """The module a name points to: it contains the module's name, or starts with
    its prefix (``m1``, ``m1-final``) when only one module has that prefix."""
    stem = name.lower()
    for module in modules:
        if module in stem:
            return module
    prefix = re.match(r"([a-z]+\d+)(?:[_\-.]|$)", stem)
    if prefix:
        matches = [m for m in modules if m.split("_")[0] == prefix.group(1)]
        if len(matches) == 1:
            return matches[0]
    return None
