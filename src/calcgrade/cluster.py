"""Grading a batch on Dask distributed: worker processes on this machine
(``--cluster local``) or the workers of a running scheduler (``--scheduler``).

- The course travels by content. The client packs the course's files (the
  config, graders, reference and exercise notebooks) into a worker plugin named
  after the course version. Each worker writes them to a private folder, loads
  them, and grades with them only if they make that same course version under
  the same calcgrade code; otherwise every task sent to it is refused with the
  reason. The plugin also starts the worker's own warm fork server, with strict
  isolation where that node has bubblewrap and root (unless one level is asked
  for), and each result records the level it got.
- One task per submission: its bytes and its name go in, the result comes back
  as the JSON text ``calcgrade check --json`` prints, and the client writes it to
  disk as it arrives (``batch.Batch``), so a client killed mid-batch resumes
  from the results on disk. The grading itself is ``runner.grade_batch_item``,
  the function threads on one machine call.
- Faults. A worker process that dies mid-task has its tasks retried by the
  scheduler on other workers; a submission whose task was on ``allowed-failures``
  workers that died (one on a local cluster) is reported ungraded with the
  reason, never as zero. When no worker is left for ``NO_WORKER_WAIT_S``, what is
  still pending is reported ungraded instead of stalling the batch.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
import time
from collections import deque
from dataclasses import replace
from functools import cache
from pathlib import Path, PurePath
from typing import Any

from distributed import WorkerPlugin

from .classdir import Entry
from .config import CONFIG_NAME, Course, load_course, source_files
from .errors import CalcgradeError, GradingError, SubmissionError
from .forkserver import ForkServer, strict_problem
from .results import ModuleResult
from .runner import Options, grade_batch_item, load_grader, load_reference
from .safe_read import read_regular
from .submission import MAX_BYTES, parse_submission

NO_WORKER_WAIT_S = 60.0
IN_FLIGHT_PER_THREAD = 4  # tasks sent ahead per worker thread: bounded client memory
CONNECT_TIMEOUT_S = 10.0


class RefusedCourse(CalcgradeError):
    """A worker does not hold the course version a task asks for."""


@cache
def engine_fingerprint() -> str:
    """A hash of calcgrade's own code (and its worker's): two machines grade alike only
    if this matches, as well as the course version."""
    import calcgrade_worker

    digest = hashlib.sha256()
    for package in (Path(__file__).parent, Path(calcgrade_worker.__file__).parent):
        for file in sorted(package.glob("*.py")):
            digest.update(f"{package.name}/{file.name}\0".encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def course_files(course: Course) -> dict[str, bytes]:
    """The files that make the course version, by path relative to its root."""
    paths = course.spec.paths
    files = {CONFIG_NAME: (course.root / CONFIG_NAME).read_bytes()}
    for folder in (paths.graders, paths.reference):  # a grader may be a package
        for name, file in source_files(course.root / folder).items():
            files[f"{folder}/{name}"] = file.read_bytes()
    for module in course.spec.modules:
        notebook = course.notebook_path(module)
        if notebook.is_file():
            files[notebook.relative_to(course.root).as_posix()] = notebook.read_bytes()
    return files


def plugin_name(version: str) -> str:
    return f"calcgrade-course-{version}"


class CoursePlugin(WorkerPlugin):
    """A Dask worker plugin: one course version, and the fork server that grades with it."""

    def __init__(self, course: Course, isolation: str | None) -> None:
        self.version = course.version
        self.engine = engine_fingerprint()
        self.files = course_files(course)
        self.origin = str(course.root)  # the folder results name: the client's
        self.isolation = isolation  # None: strict where this node can, else basic
        self.name = plugin_name(self.version)
        self.course: Course | None = None
        self.server: ForkServer | None = None
        self.problem: str | None = None
        self.folder: str | None = None

    def __getstate__(self) -> dict[str, Any]:
        keep = ("version", "engine", "files", "isolation", "name", "origin")
        return {key: value for key, value in self.__dict__.items() if key in keep}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, course=None, server=None, problem=None, folder=None)

    def setup(self, worker: Any = None) -> None:
        self.problem = self._load()
        if self.problem is not None:
            return
        assert self.course is not None
        for module in self.course.spec.modules:  # imported once, before tasks run in threads
            load_grader(self.course, module)
            load_reference(self.course, module)
        isolation = self.isolation or ("basic" if strict_problem() else "strict")
        self.server = ForkServer(isolation, preload_plotting=True).launched()

    def _load(self) -> str | None:
        """Why this worker cannot grade with the course it was sent, or None."""
        if self.engine != engine_fingerprint():
            return "this worker runs other calcgrade code than the client (install the same)"
        if self.isolation == "strict" and (problem := strict_problem()):
            return f"strict isolation is not available on this worker: {problem}"
        self.folder = tempfile.mkdtemp(prefix="calcgrade-course-")
        for name, data in self.files.items():
            path = Path(self.folder, *PurePath(name).parts)
            if ".." in PurePath(name).parts or PurePath(name).is_absolute():
                return f"the course sent holds a file outside its folder: {name!r}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        try:
            self.course = load_course(Path(self.folder))
        except CalcgradeError as error:
            return f"the course sent does not load here: {error}"
        if self.course.version != self.version:
            loaded = self.course.version
            return f"the course sent loads here as version {loaded}, not {self.version}"
        return None

    def teardown(self, worker: Any = None) -> None:
        if self.server is not None:
            self.server.close()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def grade_task(version: str, module: str, name: str, raw: bytes, options: Options) -> str:
    """Grade one submission on a Dask worker; the result as JSON text."""
    from distributed import get_worker

    plugin = get_worker().plugins.get(plugin_name(version))
    if not isinstance(plugin, CoursePlugin):
        raise RefusedCourse(f"this worker holds no course of version {version}")
    if plugin.problem is not None or plugin.course is None or plugin.server is None:
        raise RefusedCourse(plugin.problem or "this worker's course is not set up")
    source = parse_submission(Path(name), raw)
    result = grade_batch_item(plugin.course, module, source, options, plugin.server)
    return replace(result, course_path=plugin.origin).to_json(indent=None)


class DaskEngine:
    """Grades a batch with a Dask client: ``batch.Engine``."""

    def __init__(self, client: Any, isolation: str | None, cluster: Any = None) -> None:
        self.client = client
        self.isolation = isolation
        self.cluster = cluster  # closed with the engine when it is the engine's own

    @classmethod
    def local(cls, workers: int, isolation: str | None) -> DaskEngine:
        """A LocalCluster of ``workers`` single-threaded worker processes; a submission
        whose worker dies twice is reported ungraded."""
        import dask
        from distributed import Client, LocalCluster

        with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
        return cls(Client(cluster), isolation, cluster)

    @classmethod
    def connect(cls, address: str, isolation: str | None) -> DaskEngine:
        from distributed import Client

        try:
            client = Client(address, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as error:
            raise CalcgradeError(f"cannot reach the Dask scheduler at {address}: {error}") from None
        return cls(client, isolation)

    def grade(
        self,
        course: Course,
        modules: list[str],
        options: Options,
        entries: list[Entry],
        done: Any,
    ) -> None:
        from distributed import wait

        self.client.register_plugin(CoursePlugin(course, self.isolation))
        queue = deque(entries)
        pending: dict[Any, Entry] = {}
        window = IN_FLIGHT_PER_THREAD * max(1, self._threads())
        alone_since: float | None = None
        while queue or pending:
            while queue and len(pending) < window:
                entry = queue.popleft()
                try:
                    raw = read_regular(entry.path, MAX_BYTES, entry.root)
                except SubmissionError as error:
                    done(entry, str(error).removeprefix(f"{entry.path}: "))
                    continue
                future = self.client.submit(
                    grade_task,
                    course.version,
                    entry.module,
                    str(entry.path),
                    raw,
                    options,
                    pure=False,
                )
                pending[future] = entry
            if not pending:
                continue
            try:
                finished = wait(list(pending), timeout=2.0, return_when="FIRST_COMPLETED").done
            except TimeoutError:
                finished = set()
            for future in finished:
                done(pending.pop(future), _outcome(future))
            if self._threads():
                alone_since = None
            elif alone_since is None:
                alone_since = time.monotonic()
            elif time.monotonic() - alone_since > NO_WORKER_WAIT_S:
                why = f"no Dask worker was left for {NO_WORKER_WAIT_S:.0f} s"
                for future, entry in [*pending.items(), *((None, e) for e in queue)]:
                    if future is not None:
                        future.cancel()
                    done(entry, why)
                pending.clear()
                queue.clear()

    def _threads(self) -> int:
        workers = self.client.scheduler_info().get("workers", {})
        return sum(int(info.get("nthreads", 1)) for info in workers.values())

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _outcome(future: Any) -> ModuleResult | str:
    """A finished task's result, or why there is none."""
    from distributed import KilledWorker

    try:
        return ModuleResult.from_dict(json.loads(future.result()))
    except KilledWorker:
        return "its grading worker process died while grading it, every time it was tried"
    except (GradingError, SubmissionError, RefusedCourse) as error:
        return str(error)
    except Exception as error:  # the cluster lost it: never a zero, never a crash of the batch
        return f"the cluster did not grade it ({type(error).__name__}: {error})"
