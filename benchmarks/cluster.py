"""A simulated MOOC graded on one machine and on Dask LocalClusters, side by side.

Builds a class of ``--students`` learners, each with one submission drawn in
turn from the test corpus (every module's correct and wrong files, the
solutions) with a few hostile ones mixed in (one in ``--hostile-every``: an exit
at import, a flood of output, a worker killing itself, a fork bomb). Then grades
it, each time into a fresh folder with no result reused:

- ``threads``: the one-machine path (threads of this process and one fork server);
- ``dask N``: a LocalCluster of N single-threaded worker processes, for each N
  of ``--dask``.

For each run it prints the submissions per second and per core, the CPU seconds
per submission split into the grader side (the processes that run the graders:
this one, or the Dask workers) and the student side (the forked workers that run
submissions, and the fork servers), the peak memory per grading process, the
time to the first result, and whether the gradebook is byte-identical to the
one-machine one. Then it measures the cost of one correct m3 submission
without demo cells (``--m3``, graded one at a time on the one-machine path).

    .venv/bin/python benchmarks/cluster.py --students 400 --dask 1,2
    .venv/bin/python benchmarks/cluster.py --students 10000 --dask 2 --json mooc.json

Needs calcgrade[cluster]. Strict isolation when root and bubblewrap are there
(as `calcgrade grade` chooses), else basic; ``--isolation`` forces one.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from calcgrade.batch import Batch, Engine, ThreadEngine
from calcgrade.classdir import Entry, find_submissions
from calcgrade.cluster import DaskEngine
from calcgrade.config import Course, load_course
from calcgrade.forkserver import ForkServer, strict_problem
from calcgrade.runner import Options, grade_batch_item, load_grader, load_reference
from calcgrade.submission import read_submission

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.conftest import merged_source  # noqa: E402  (a corpus file, made whole)

HOSTILE = {
    "exits_at_import": "import os\nos._exit(0)\n",
    "floods_output": "import sys\nfor _ in range(100):\n    sys.stdout.write('x' * 1_000_000)\n",
    "kills_itself": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n",
    "fork_bomb": (
        "import os, time\nwhile True:\n    try:\n        if os.fork() == 0:\n"
        "            time.sleep(1000)\n    except OSError:\n        break\n"
    ),
}


@dataclass
class Run:
    name: str
    submissions: int
    cores: int
    wall_s: float
    first_result_s: float
    grader_cpu_s: float
    student_cpu_s: float
    peak_rss_mb: list[float]
    ungraded: int
    same_gradebook: bool | None = None

    @property
    def per_second(self) -> float:
        return self.submissions / self.wall_s

    def line(self) -> str:
        n = self.submissions
        same = {None: "-", True: "yes", False: "NO"}[self.same_gradebook]
        memory = "/".join(f"{mb:.0f}" for mb in self.peak_rss_mb)
        return (
            f"{self.name:<9} {self.wall_s:8.1f} {self.per_second:8.2f} "
            f"{self.per_second / self.cores:9.2f} {self.grader_cpu_s / n:9.3f} "
            f"{self.student_cpu_s / n:9.3f} {self.first_result_s:7.2f} "
            f"{memory:>14} {self.ungraded:5d} {same:>5}"
        )


HEADER = (
    f"{'run':<9} {'wall s':>8} {'subm/s':>8} {'/s/core':>9} {'grader':>9} "
    f"{'student':>9} {'first':>7} {'peak RSS MB':>14} {'ungr':>5} {'same':>5}\n"
    f"{'':<9} {'':>8} {'':>8} {'':>9} {'CPU-s/sub':>9} {'CPU-s/sub':>9} "
    f"{'result s':>7}"
)


def corpus(course: Course) -> list[tuple[str, str, bytes]]:
    """(module, name, bytes) of every corpus file (made whole from the solution) and
    solution, in a fixed order."""
    files = []
    for module in course.spec.modules:
        paths = sorted((ROOT / "tests" / "submissions" / module).glob("*.py"))
        files += [(module, p.stem, merged_source(module, p.read_text()).encode()) for p in paths]
        files.append((module, module, (ROOT / "solutions" / f"{module}.py").read_bytes()))
    return files


def build_class(folder: Path, course: Course, students: int, hostile_every: int) -> None:
    sources = corpus(course)
    modules = list(course.spec.modules)
    bad = list(HOSTILE.items())
    for index in range(students):
        if hostile_every and index % hostile_every == hostile_every - 1:
            name, text = bad[(index // hostile_every) % len(bad)]
            module, data = modules[index % len(modules)], text.encode()
        else:
            module, name, data = sources[index % len(sources)]
        target = folder / f"s{index:05d}-{name}"[:80]
        target.mkdir(parents=True)
        (target / f"{module}.py").write_bytes(data)


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def usage_of_dask_worker(dask_worker: Any) -> tuple[float, float, float]:
    """On a Dask worker: its CPU seconds, its peak RSS (MB) and the CPU seconds of
    the submissions its fork server ran."""
    servers = [getattr(plugin, "server", None) for plugin in dask_worker.plugins.values()]
    student = sum(server.worker_cpu_s for server in servers if isinstance(server, ForkServer))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return cpu(), peak, student


def run_batch(
    name: str,
    course: Course,
    folder: Path,
    out: Path,
    options: Options,
    make_engine: Any,
    cores: int,
) -> Run:
    classdir = find_submissions(folder, list(course.spec.modules), list(course.spec.modules))
    modules = sorted({entry.module for entry in classdir.entries})
    batch = Batch(course, modules, out, options, all_modules=True, html=False)
    first: list[float] = []

    def progress(entry: Entry, what: str) -> None:
        if not first and what in ("graded", "ungraded"):
            first.append(time.monotonic())

    before = cpu()
    started = time.monotonic()
    engine: Engine = make_engine()
    try:
        result = batch.run(classdir, progress, engine)
        if isinstance(engine, DaskEngine):  # the workers grade; this process only waits
            usages = list(engine.client.run(usage_of_dask_worker).values())
            grader_cpu = cpu() - before + sum(u[0] for u in usages)
            rss, student_cpu = [u[1] for u in usages], sum(u[2] for u in usages)
        else:
            assert isinstance(engine, ThreadEngine)
            grader_cpu = cpu() - before
            rss = [resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024]
            student_cpu = engine.server.worker_cpu_s
    finally:
        engine.close()
        classdir.close()
    return Run(
        name,
        len(classdir.entries),
        cores,
        time.monotonic() - started,
        (first[0] - started) if first else float("nan"),
        grader_cpu,
        student_cpu,
        rss,
        len(result.ungraded),
    )


def m3_cost(course: Course, options: Options, count: int) -> tuple[float, float, float]:
    """CPU seconds per correct m3 submission without demo cells, graded one after
    another on a warm fork server: (grader side, student side, wall)."""
    source = read_submission(ROOT / "solutions" / "m3_chain_rule.py")
    load_grader(course, "m3_chain_rule")
    load_reference(course, "m3_chain_rule")
    server = ForkServer(options.isolation, preload_plotting=True).launched()
    try:
        grade_batch_item(course, "m3_chain_rule", source, options, server)  # warm up
        before, student_before = cpu(), server.worker_cpu_s
        started = time.monotonic()
        for _ in range(count):
            result = grade_batch_item(course, "m3_chain_rule", source, options, server)
            assert result.score == result.max_score, "the solution must get full marks"
        wall = time.monotonic() - started
        grader, student = cpu() - before, server.worker_cpu_s - student_before
    finally:
        server.close()
    return grader / count, student / count, wall / count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=400)
    parser.add_argument(
        "--dask", default="1,2", help="LocalCluster sizes to run, comma-separated (or none)"
    )
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--hostile-every", type=int, default=200)
    parser.add_argument("--isolation", choices=["strict", "basic"])
    parser.add_argument("--m3", type=int, default=20, help="correct m3 submissions to time")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args()
    isolation = args.isolation or ("basic" if strict_problem() else "strict")
    sizes = [int(n) for n in args.dask.split(",") if n.strip() and n != "none"]
    course = load_course(ROOT)
    options = Options(seed=20261205, isolation=isolation)
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="calcgrade-mooc-") as temporary:
        base = Path(temporary)
        build_class(base / "class", course, args.students, args.hostile_every)
        print(f"{args.students} students, isolation {isolation}, {os.cpu_count()} cores")
        print(HEADER, flush=True)

        def threads() -> Engine:
            server = ForkServer(isolation, preload_plotting=True).launched()
            return ThreadEngine(server, args.threads)

        plans: list[tuple[str, Any, int]] = [("threads", threads, args.threads)]
        for size in sizes:
            plans.append(
                (f"dask {size}", lambda size=size: DaskEngine.local(size, isolation), size)
            )
        for name, make_engine, cores in plans if args.students else []:
            out = base / name.replace(" ", "-")
            run = run_batch(name, course, base / "class", out, options, make_engine, cores)
            if runs:
                run.same_gradebook = (out / "gradebook.csv").read_bytes() == (
                    base / "threads" / "gradebook.csv"
                ).read_bytes()
            runs.append(run)
            print(run.line(), flush=True)
            if name != "threads":
                shutil.rmtree(out / "results", ignore_errors=True)
    grader, student, wall = m3_cost(course, options, args.m3) if args.m3 else (0.0, 0.0, 0.0)
    if args.m3:
        print(
            f"\none correct m3 submission, no demo cells ({args.m3} in a row): "
            f"{grader + student:.3f} CPU-s ({grader:.3f} grader side, {student:.3f} student "
            f"side), {wall:.3f} s wall"
        )
    if args.json:
        payload = {
            "students": args.students,
            "isolation": isolation,
            "runs": [{**asdict(run), "per_second": run.per_second} for run in runs],
            "m3": {"grader_cpu_s": grader, "student_cpu_s": student, "wall_s": wall},
        }
        args.json.write_text(json.dumps(payload, indent=1))
    return 0 if all(run.same_gradebook is not False for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
