"""Grading a whole class: parallel workers, results written as they finish, resumable.

Each result is written atomically to ``OUT/results/`` as soon as it is ready,
keyed by a hash of the submission, the version of its module (its grader,
reference and config section: ``calcgrade.course_version``), calcgrade's own
version, the seed, the isolation level and whether demo cells run; a rerun (after a crash or
``kill -9``) reuses every result whose key still matches and grades only the
rest. The gradebook and the feedback files are rebuilt from the results at the
end, so no row is lost or duplicated. A submission whose worker would not start
is retried once, then reported as ungraded, never as zero. A student's HTML
pages are stamped with a fingerprint of what they show, and redrawn only when it
changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from . import __version__
from .classdir import ClassFolder, Entry
from .config import Course
from .course_version import module_version
from .errors import GradingError, SubmissionError
from .forkserver import ForkServer
from .gradebook import Row, feedback_markdown, gradebook_csv, write_atomically
from .html_report import (
    Audience,
    SvgCache,
    class_page,
    fingerprint,
    row_page,
    written_fingerprint,
)
from .nbgrader_release import as_released
from .results import ModuleResult
from .runner import Options, grade_batch_item, load_grader, load_reference
from .safe_read import read_regular
from .submission import MAX_BYTES, read_submission
from .text_safety import printable

PLAIN_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,79}")
SLUG_CHARACTER = re.compile(r"[^A-Za-z0-9._-]+")
WINDOWS_DEVICES = re.compile(r"(con|prn|aux|nul|com\d|lpt\d)(\..*)?")


def student_file_name(student: str) -> str:
    """The name of a student's files under OUT: the same id always gives the same
    name, and two different ids never give the same one.

    An id of lowercase letters, digits, ``.``, ``_`` and ``-`` (not starting
    with a dot, at most 80 characters, not a Windows device name) is its own
    name. Any other id gets a readable slug and ``~`` and a hash of the exact
    id: ``a b`` is ``a_b~3c1f...``, ``a_b`` stays ``a_b``, NFC and NFD ``José``
    get different hashes. No plain name contains ``~``, so the two kinds never
    meet; and names differ in more than letter case, for case-insensitive file
    systems.
    """
    if PLAIN_NAME.fullmatch(student) and not WINDOWS_DEVICES.fullmatch(student):
        return student
    ascii_letters = unicodedata.normalize("NFKD", student).encode("ascii", "ignore").decode()
    slug = SLUG_CHARACTER.sub("_", ascii_letters).strip("._")[:60] or "student"
    digest = hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{slug}~{digest}"


@dataclass
class BatchResult:
    rows: list[Row]
    graded: list[tuple[Entry, ModuleResult]] = field(default_factory=list)
    reused: int = 0
    ungraded: list[tuple[Entry, str]] = field(default_factory=list)
    refused: list[tuple[Entry, str]] = field(default_factory=list)  # files not read, and why
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def refused_lines(self) -> list[str]:
        """One line per file that was not read: whose, which module, and why."""
        return [
            f"{printable(entry.student, newlines=False)}/{entry.module}: not graded: {why}"
            for entry, why in self.refused
        ]


Done = Callable[[Entry, "ModuleResult | str"], None]  # a result, or why there is none


class Engine(Protocol):
    """What grades a batch's submissions: ``grade`` calls ``done`` once per entry,
    from the calling thread, with its result or the reason it is ungraded."""

    def grade(
        self,
        course: Course,
        modules: list[str],
        options: Options,
        entries: list[Entry],
        done: Done,
    ) -> None: ...

    def close(self) -> None: ...


class ThreadEngine:
    """Threads of this process, all served by one fork server (launched early by the
    caller, so that it warms up while the graders are imported)."""

    def __init__(self, server: ForkServer, workers: int) -> None:
        self.server = server
        self.workers = max(1, workers)

    def grade(
        self,
        course: Course,
        modules: list[str],
        options: Options,
        entries: list[Entry],
        done: Done,
    ) -> None:
        for module in modules:  # import graders once, before the threads start
            load_grader(course, module)
            load_reference(course, module)

        def one(entry: Entry) -> ModuleResult:
            source = read_submission(entry.path, entry.root)
            return grade_batch_item(course, entry.module, source, options, self.server)

        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            futures = {pool.submit(one, entry): entry for entry in entries}
            for future in as_completed(futures):
                try:
                    graded: ModuleResult | str = future.result()
                except (GradingError, SubmissionError) as error:
                    graded = str(error)
                done(futures[future], graded)

    def close(self) -> None:
        self.server.close()


class Batch:
    """One batch run over a class folder."""

    def __init__(
        self,
        course: Course,
        modules: list[str],
        out: Path,
        options: Options,
        all_modules: bool,
        html: bool = True,
        released: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """``released``: per module, the exercises of an nbgrader assignment as it was
        released (``calcgrade.nbgrader_release``); results count only those."""
        self.html = html
        self.released = dict(released or {})
        self.course = course
        self.modules = modules
        self.out = out
        self.options = options
        self.all_modules = all_modules

    def result_path(self, entry: Entry) -> Path:
        name = student_file_name(entry.student)
        if self.all_modules:
            return self.out / "results" / name / f"{entry.module}.json"
        return self.out / "results" / f"{name}.json"

    def key(self, entry: Entry) -> str:
        digest = hashlib.sha256(read_regular(entry.path, MAX_BYTES, entry.root)).hexdigest()
        seed = self.options.seed if self.options.seed is not None else self.course.spec.seed
        version = module_version(self.course, entry.module)  # another module's change: kept
        parts = [digest, version, __version__, entry.module, str(seed), self.options.isolation]
        if self.options.run_demo_cells:
            parts.append("run demo cells")
        if entry.module in self.released:
            parts.append("released: " + " ".join(self.released[entry.module]))
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    def _previous(self, entry: Entry, key: str) -> ModuleResult | None:
        path = self.result_path(entry)
        try:
            data = json.loads(path.read_text())
            if data.get("key") == key and data.get("student") == entry.student:
                data.pop("key")
                data.pop("student")
                return ModuleResult.from_dict(data)
        except (OSError, ValueError, TypeError, KeyError):
            return None
        return None

    def _save(self, entry: Entry, key: str, result: ModuleResult) -> None:
        data = {"student": entry.student, "key": key, **result.to_dict()}
        text = json.dumps(data, allow_nan=False, separators=(",", ":"))  # C encoder: no indent
        write_atomically(self.result_path(entry), text)

    def run(
        self,
        folder: ClassFolder,
        progress: Callable[[Entry, str], None],
        engine: Engine | None = None,
    ) -> BatchResult:
        """Grade what is not graded yet with ``engine`` (by default, threads of this
        process served by a fork server of their own), saving each result as it comes."""
        started = time.monotonic()
        for stale in (self.out / "results").rglob(".*.tmp"):  # left by a killed run
            stale.unlink(missing_ok=True)
        outcome = BatchResult(rows=[], problems=list(folder.problems))
        results: dict[tuple[str, str], ModuleResult] = {}
        todo: dict[Entry, str] = {}
        for entry in folder.entries:
            try:
                if entry.refused:
                    raise SubmissionError(entry.refused)
                key = self.key(entry)
            except SubmissionError as error:
                why = entry.refused or str(error).removeprefix(f"{entry.path}: ")
                outcome.refused.append((entry, why))
                progress(entry, "not graded")
                continue
            previous = self._previous(entry, key)
            if previous is None:
                todo[entry] = key
            else:
                results[(entry.student, entry.module)] = previous
                outcome.reused += 1
                progress(entry, "reused")

        def done(entry: Entry, graded: ModuleResult | str) -> None:
            if isinstance(graded, str):
                outcome.ungraded.append((entry, graded))
                progress(entry, "ungraded")
                return
            if entry.module in self.released:
                graded = as_released(graded, self.released[entry.module])
            self._save(entry, todo[entry], graded)
            results[(entry.student, entry.module)] = graded
            outcome.graded.append((entry, graded))
            progress(entry, "graded")

        if todo:
            own = engine is None
            if engine is None:
                server = ForkServer(self.options.isolation, preload_plotting=True).launched()
                engine = ThreadEngine(server, os.cpu_count() or 1)
            try:
                engine.grade(self.course, self.modules, self.options, list(todo), done)
            finally:
                if own:
                    engine.close()
        outcome.rows = self._rows(folder, results, outcome)
        outcome.seconds = time.monotonic() - started
        self._write_outputs(outcome)
        return outcome

    def _rows(
        self,
        folder: ClassFolder,
        results: dict[tuple[str, str], ModuleResult],
        outcome: BatchResult,
    ) -> list[Row]:
        students = sorted({entry.student for entry in folder.entries})
        failed = {
            (entry.student, entry.module): f"ungraded ({why})" for entry, why in outcome.ungraded
        }
        failed.update(
            ((entry.student, entry.module), f"not graded: {why}") for entry, why in outcome.refused
        )
        rows = []
        for student in students:
            got = {m: results[(student, m)] for m in self.modules if (student, m) in results}
            problems = {}
            for module in self.modules:
                if (student, module) in failed:
                    problems[module] = failed[(student, module)]
                elif module not in got:
                    problems[module] = "missing"
            rows.append(Row(student, got, problems))
        return rows

    def _write_outputs(self, outcome: BatchResult) -> None:
        """gradebook.csv; per student feedback/<name>.md and .html (the student's copy)
        and instructor/<name>.html (with hidden details); class_report.html."""
        exercises = {
            m: list(self.released.get(m, self.course.module(m).exercises)) for m in self.modules
        }
        write_atomically(self.out / "gradebook.csv", gradebook_csv(outcome.rows, exercises))
        for row in outcome.rows:
            path = self.out / "feedback" / f"{student_file_name(row.student)}.md"
            write_atomically(path, feedback_markdown(row))
        if not self.html:
            return
        self._write_pages(outcome.rows)
        links = {
            row.student: {
                "feedback": f"feedback/{student_file_name(row.student)}.html",
                "instructor copy": f"instructor/{student_file_name(row.student)}.html",
            }
            for row in outcome.rows
        }
        summary = (
            f"This run: graded {len(outcome.graded)}, reused {outcome.reused}, "
            f"ungraded {len(outcome.ungraded)}, in {outcome.seconds:.1f} s "
            f"(isolation: {self.options.isolation})."
        )
        page = class_page(
            outcome.rows,
            [*outcome.problems, *outcome.refused_lines()],
            exercises=exercises,
            links=links,
            summary=summary,
        )
        write_atomically(self.out / "class_report.html", page)

    def _write_pages(self, rows: list[Row]) -> None:
        """Each student's HTML pages, unless a previous run wrote them for the same row
        (drawing a figure takes about 0.3 s of matplotlib: a resumed batch redraws
        only the pages of the students whose results changed)."""
        for row in rows:
            name = student_file_name(row.student)
            stamp = fingerprint(row)
            pages: list[tuple[Audience, Path]] = [
                ("student", self.out / "feedback" / f"{name}.html"),
                ("instructor", self.out / "instructor" / f"{name}.html"),
            ]
            if all(written_fingerprint(path) == stamp for _, path in pages):
                continue
            drawings: SvgCache = {}  # the two pages share the figures they both show
            for audience, path in pages:
                write_atomically(path, row_page(row, audience, drawings, stamp))
