"""What a batch leaves behind: the gradebook CSV and a feedback file per student."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .results import ModuleResult
from .text_safety import csv_cell, markdown_text, printable


@dataclass(frozen=True)
class Row:
    """One student's results in this batch (a result per module graded)."""

    student: str
    results: dict[str, ModuleResult]
    problems: dict[str, str]  # module -> why it is not graded ("ungraded: ...", "missing")


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(handle, 0o666 & ~UMASK)  # as an ordinary new file, not mkstemp's 0600
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


UMASK = _read_umask()  # read once, at import, before any thread runs


def columns(course_exercises: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(module, exercise) per gradebook column, in course order."""
    return [(module, exercise) for module, names in course_exercises.items() for exercise in names]


def gradebook_csv(rows: Iterable[Row], course_exercises: dict[str, list[str]]) -> str:
    """The gradebook: student, a column per exercise, total, max, status.

    The student and status cells are text from the class folder, so they go
    through ``csv_cell``: control characters and newlines are shown as escapes
    (``\\x1b``), and a cell that would start with ``=``, ``+``, ``-``, ``@``, a
    tab or a carriage return gets a leading ``'`` so that no spreadsheet runs it
    as a formula. So the student cell is the folder name with that leading ``'``
    added (drop it to match the row to the student; ``results/*.json`` keep the
    exact name under "student"). Scores, written by calcgrade, are left as they are.
    """
    single = len(course_exercises) == 1
    cols = columns(course_exercises)
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerow(
        ["student", *[e if single else f"{m}:{e}" for m, e in cols], "total", "max", "status"]
    )
    maximum = {module: 0.0 for module in course_exercises}
    for row in rows:
        for module, result in row.results.items():
            maximum[module] = result.max_score
    for row in sorted(rows, key=lambda r: r.student):
        cells: list[str] = [csv_cell(row.student)]
        for module, exercise in cols:
            found = row.results.get(module)
            score = found.exercises.get(exercise, {}).get("score") if found else None
            cells.append("" if score is None else f"{score:g}")
        total = sum(result.score for result in row.results.values())
        top = sum(maximum.values())
        status = "; ".join(f"{m}: {why}" for m, why in sorted(row.problems.items())) or "graded"
        cells += [f"{total:g}", f"{top:g}", csv_cell(status)]
        writer.writerow(cells)
    return out.getvalue()


def feedback_markdown(row: Row) -> str:
    """A student's feedback: points per exercise, then each lost point explained.

    Text from the student (their name, notes, why a module is not graded) is
    escaped Markdown (``markdown_text``); messages, which quote the student's
    values and errors, are indented code blocks, shown literally. Module,
    exercise and check names and hints come from the course and are written as
    they are (hints may hold intended `code` spans).
    """
    lines = [f"# Feedback for {markdown_text(row.student)}", ""]
    for module, why in sorted(row.problems.items()):
        lines += [f"## {module}", "", f"Not graded: {markdown_text(why)}.", ""]
    for module, result in row.results.items():
        lines += [f"## {module}: {result.score:g} / {result.max_score:g} points", ""]
        lines += ["| exercise | points |", "| --- | --- |"]
        for exercise, points in result.exercises.items():
            lines.append(f"| {exercise} | {points['score']:g} / {points['max_score']:g} |")
        lines.append("")
        for check in result.checks:
            if check.status == "passed":
                continue
            kind = "hidden check" if check.visibility == "hidden" else "check"
            lines.append(
                f"- **{check.exercise}** ({kind} `{check.id}`, "
                f"{check.score:g} / {check.max_score:g}, {check.status})"
            )
            lines += [f"  {line}" for line in _quoted(check.message)]
            if check.hint:
                lines.append(f"  *Hint:* {check.hint}")
        for note in result.load_notes:
            lines.append(f"- note: {markdown_text(note)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _quoted(text: str) -> list[str]:
    """``text`` as an indented code block, which Markdown shows literally.

    Every line, blank ones included, is indented by four spaces, so no line of
    the text can end the block; each line is ``printable`` (no control
    characters, and no carriage return that a renderer could take for a line end).
    """
    return ["", *("    " + printable(line) for line in text.splitlines()), ""]
