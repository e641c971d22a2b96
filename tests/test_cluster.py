"""Grading on Dask: a LocalCluster and a separately started scheduler give the
one-machine gradebook; a worker killed mid-batch loses nothing; a course the
worker cannot hold is refused, a task that kills its worker is ungraded."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from calcgrade.config import load_course
from calcgrade.forkserver import strict_problem
from calcgrade.runner import Options

from .conftest import ROOT

pytestmark = pytest.mark.slow
distributed = pytest.importorskip("distributed")

from calcgrade.cluster import CoursePlugin, DaskEngine, RefusedCourse, _outcome, grade_task  # noqa: E402

TINY = ROOT / "tests" / "fixtures" / "tiny_course"
BIN = Path(sys.executable).parent
ISOLATION = "basic" if strict_problem() else "strict"
GOOD = "def square(x):\n    return x ** 2\n\ndef add_one(x):\n    return x + 1.0\n"
ADD_ONE = "\ndef add_one(x):\n    return x + 1.0\n"
MIXED = {  # right, wrong, broken and hostile submissions of the tiny course
    "ann": GOOD,
    "ben": "def square(x):\n    return x ** 3\n" + ADD_ONE,
    "cy": "def oops(:\n",
    "di": "def square(x):\n    while True:\n        pass\n" + ADD_ONE,
    "ed": "import os\ndef square(x):\n    os._exit(0)\n" + ADD_ONE,
    "flo": "import os\ndef square(x):\n    os.kill(os.getpid(), 9)\n" + ADD_ONE,
    "gus": (
        "import os, time\ndef square(x):\n    while True:\n        try:\n"
        "            if os.fork() == 0:\n                time.sleep(1000)\n"
        "        except OSError:\n            return x ** 2\n" + ADD_ONE
    ),
    "hal": "def square(x):\n    hog = []\n    while True:\n"
    "        hog.append(bytearray(50_000_000))\n" + ADD_ONE,
    "ivy": (
        'import sys\nprint(\'{"module": "t1_squares", "score": 5, "max_score": 5}\')\n'
        "for _ in range(50):\n    sys.stdout.write('x' * 1_000_000)\n"
        "def square(x):\n    return x\n" + ADD_ONE
    ),
    "jo": (
        "import numpy as np\nnp.allclose = lambda *a, **k: True\n"
        "np.testing.assert_allclose = lambda *a, **k: None\n"
        "def square(x):\n    return x ** 3\n" + ADD_ONE
    ),
    "kim": "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "def square(x):\n    return open('/proc/1/environ').read()\n" + ADD_ONE,
    "lea": "raise SystemExit(3)\n",
}
SLEEPY = "import time\ndef square(x):\n    time.sleep(0.4)\n    return x ** 2\n" + ADD_ONE


def make_class(root: Path, students: dict[str, str]) -> Path:
    for student, source in students.items():
        (root / student).mkdir(parents=True)
        (root / student / "t1_squares.py").write_text(source)
    return root


def grade(folder: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [str(BIN / "calcgrade"), "grade", str(folder), "--course", str(TINY)]
    command += ["--out", str(out), "--isolation", ISOLATION, "--no-html", *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


def results(out: Path) -> dict[str, object]:
    """Each result without its timings; a memory bomb's outcome (a MemoryError, a failed
    check, or the deadline first, a timeout) depends on timing on one machine too, so
    only its scores count."""

    def scrub(data: object) -> object:
        if isinstance(data, dict):
            return {k: scrub(v) for k, v in data.items() if k != "seconds"}
        if isinstance(data, list):
            return [scrub(v) for v in data]
        return data

    found = {p.name: scrub(json.loads(p.read_text())) for p in (out / "results").glob("*.json")}
    bomb = found["hal.json"]
    assert isinstance(bomb, dict)
    bomb["checks"] = [(check["id"], check["score"]) for check in bomb["checks"]]
    return found


@pytest.fixture(scope="module")
def one_machine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The mixed class graded by threads of one process: the answers to match."""
    root = tmp_path_factory.mktemp("mixed")
    folder = make_class(root / "class", MIXED)
    done = grade(folder, root / "threads", "-j", "2")
    assert done.returncode == 0, done.stderr
    return folder, root / "threads"


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A `dask scheduler` on the loopback with one `dask worker` (a nanny, two
    processes), started by Dask's own commands as on a real cluster."""
    root = tmp_path_factory.mktemp("dask")
    file = root / "scheduler.json"
    common = ["--host", "127.0.0.1", "--no-dashboard"]
    processes = [
        subprocess.Popen(
            [str(BIN / "dask"), "scheduler", "--port", "0", "--scheduler-file", str(file), *common],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    ]
    deadline = time.monotonic() + 60
    while not file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    workers = ["--nworkers", "2", "--nthreads", "1"]
    processes.append(
        subprocess.Popen(
            [str(BIN / "dask"), "worker", "--scheduler-file", str(file), *common, *workers],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    )
    address = json.loads(file.read_text())["address"]
    with distributed.Client(address, timeout=30) as client:
        client.wait_for_workers(2, timeout=60)
    yield address, file
    for process in reversed(processes):
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_a_local_cluster_gives_the_one_machine_gradebook(
    one_machine: tuple[Path, Path], tmp_path: Path
) -> None:
    folder, threads = one_machine
    done = grade(folder, tmp_path / "out", "--cluster", "local", "--workers", "2")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "gradebook.csv").read_bytes() == (
        threads / "gradebook.csv"
    ).read_bytes()
    assert results(tmp_path / "out") == results(threads)
    assert f"graded {len(MIXED)}, reused 0, ungraded 0" in done.stdout


def test_a_separate_scheduler_gives_the_one_machine_gradebook(
    one_machine: tuple[Path, Path], scheduler: tuple[str, Path], tmp_path: Path
) -> None:
    folder, threads = one_machine
    address, _ = scheduler
    done = grade(folder, tmp_path / "out", "--scheduler", address)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "gradebook.csv").read_bytes() == (
        threads / "gradebook.csv"
    ).read_bytes()
    assert results(tmp_path / "out") == results(threads)
    rerun = grade(folder, tmp_path / "out", "--scheduler", address)
    assert f"graded 0, reused {len(MIXED)}" in rerun.stdout  # resumes from the results on disk


def test_a_worker_killed_mid_batch_loses_nothing(
    scheduler: tuple[str, Path], tmp_path: Path
) -> None:
    address, _ = scheduler
    folder = make_class(tmp_path / "class", {f"s{i:02d}": SLEEPY for i in range(10)})
    out = tmp_path / "out"
    command = [str(BIN / "calcgrade"), "grade", str(folder), "--course", str(TINY)]
    command += ["--out", str(out), "--isolation", ISOLATION, "--no-html", "--scheduler", address]
    batch = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list((out / "results").glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    with distributed.Client(address, timeout=30) as client:
        pids = client.run(os.getpid)
    os.kill(next(iter(pids.values())), signal.SIGKILL)  # a worker process, mid-batch
    stdout, stderr = batch.communicate(timeout=240)
    assert batch.returncode == 0, stderr
    assert "graded 10, reused 0, ungraded 0" in stdout
    gradebook = (out / "gradebook.csv").read_text().splitlines()
    assert len(gradebook) == 11 and all(",5,5,graded" in row for row in gradebook[1:])


@pytest.fixture(scope="module")
def local() -> Iterator[DaskEngine]:
    engine = DaskEngine.local(1, ISOLATION)
    yield engine
    engine.close()


def test_a_task_that_kills_its_worker_twice_is_reported_not_retried_forever(
    local: DaskEngine,
) -> None:
    future = local.client.submit(os._exit, 1, pure=False)
    distributed.wait(future, timeout=120)
    why = _outcome(future)
    assert why == "its grading worker process died while grading it, every time it was tried"


def test_a_worker_refuses_a_course_version_it_does_not_hold(local: DaskEngine) -> None:
    course = load_course(TINY)
    local.client.register_plugin(CoursePlugin(course, None))
    good = local.client.submit(
        grade_task, course.version, "t1_squares", "ann/t1_squares.py", GOOD.encode(), Options()
    )
    assert json.loads(good.result(timeout=120))["score"] == 5
    other = local.client.submit(
        grade_task, "1+000000000000", "t1_squares", "t1_squares.py", GOOD.encode(), Options()
    )
    with pytest.raises(RefusedCourse, match="holds no course of version 1\\+000000000000"):
        other.result(timeout=120)


def test_a_worker_refuses_a_course_that_does_not_load_as_the_version_sent(
    local: DaskEngine,
) -> None:
    course = load_course(TINY)
    plugin = CoursePlugin(course, None)
    plugin.files["course_config.yml"] += b"# changed on the way\n"
    local.client.register_plugin(plugin)
    task = local.client.submit(
        grade_task, course.version, "t1_squares", "t1_squares.py", GOOD.encode(), Options()
    )
    with pytest.raises(RefusedCourse, match="loads here as version 1\\+"):
        task.result(timeout=120)


def test_a_cluster_left_without_workers_does_not_stall_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from calcgrade import cluster
    from calcgrade.batch import Batch
    from calcgrade.classdir import find_submissions

    monkeypatch.setattr(cluster, "NO_WORKER_WAIT_S", 1.0)
    empty = distributed.LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address=None)
    engine = DaskEngine(distributed.Client(empty), None, empty)
    course = load_course(TINY)
    modules = ["t1_squares"]
    folder = find_submissions(make_class(tmp_path / "class", {"ann": GOOD}), modules, modules)
    batch = Batch(course, modules, tmp_path / "out", Options(), all_modules=False)
    try:
        result = batch.run(folder, lambda entry, what: None, engine)
    finally:
        engine.close()
    assert [why for _, why in result.ungraded] == ["no Dask worker was left for 1 s"]
    assert (
        "ungraded (no Dask worker was left for 1 s)"
        in (tmp_path / "out" / "gradebook.csv").read_text()
    )
