"""The red team: hostile submissions under strict isolation.

Each attack is graded by the same warm fork server, as in a batch; each test
asserts the grade, that nothing leaked or persisted, and that the next
submission graded by that server still gets full marks. These tests need
bubblewrap and root; in CI they must run, never skip.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from calcgrade import gradescope
from calcgrade.config import Course, load_course
from calcgrade.forkserver import ForkServer, strict_problem
from calcgrade.gradebook import Row, feedback_markdown
from calcgrade.html_report import row_page
from calcgrade.results import ModuleResult
from calcgrade.runner import Options, check_rng, grade_file

from .conftest import ROOT

pytestmark = pytest.mark.slow

TINY = ROOT / "tests" / "fixtures" / "tiny_course"
GOOD = "def square(x):\n    return x ** 2\n\ndef add_one(x):\n    return x + 1.0\n"
SECRET = f"calcgrade-secret-{uuid.uuid4().hex}"

if strict_problem() and os.environ.get("CI"):
    raise RuntimeError(f"strict isolation must be tested in CI: {strict_problem()}")


@pytest.fixture(scope="module")
def tiny() -> Course:
    return load_course(TINY)


@pytest.fixture(scope="module")
def server() -> Iterator[ForkServer]:
    problem = strict_problem()
    if problem:
        pytest.skip(f"strict isolation is not available here: {problem}")
    os.environ["CALCGRADE_TEST_SECRET"] = SECRET  # in the grader's environment only
    forks = ForkServer("strict")
    yield forks
    forks.close()
    del os.environ["CALCGRADE_TEST_SECRET"]


def grade(tiny: Course, server: ForkServer, tmp_path: Path, source: str) -> ModuleResult:
    path = tmp_path / f"t1_squares_{uuid.uuid4().hex[:8]}.py"
    path.write_text(source)
    return grade_file(tiny, "t1_squares", path, Options(isolation="strict"), server)


def sandbox_processes(server: ForkServer) -> list[str]:
    """Processes on the host that run under one of this server's worker uids."""
    assert server.uids is not None
    first = server.uids.first
    listing = subprocess.run(
        ["ps", "-eo", "uid=,pid=,args="], capture_output=True, text=True, check=True
    ).stdout
    return [
        line
        for line in listing.splitlines()
        if first <= int(line.split()[0]) < first + server.uids.SIZE
    ]


@pytest.fixture(autouse=True)
def next_submission_still_grades(
    request: pytest.FixtureRequest, tiny: Course, server: ForkServer, tmp_path: Path
) -> Iterator[None]:
    yield
    result = grade(tiny, server, tmp_path, GOOD)
    assert result.score == result.max_score, "the next submission must grade correctly"
    assert result.isolation == "strict"
    assert sandbox_processes(server) == [], "nothing of a submission may outlive it"


def lost(result: ModuleResult) -> set[str]:
    return {check.exercise for check in result.checks if check.status != "passed"}


def test_patched_numpy_comparisons(tiny: Course, server: ForkServer, tmp_path: Path) -> None:
    source = (
        "import numpy as np\n"
        "np.allclose = lambda *a, **k: True\n"
        "np.array_equal = lambda *a, **k: True\n"
        "np.testing.assert_allclose = lambda *a, **k: None\n"
        "def square(x):\n    return x ** 3\n\ndef add_one(x):\n    return x\n"
    )
    result = grade(tiny, server, tmp_path, source)
    messages = [(c.id, c.status, c.message) for c in result.checks]
    assert result.score == 1, messages  # only the input-unchanged check, which is true
    assert lost(result) == {"square", "add_one"}


def test_lying_objects_and_ndarray_subclasses(
    tiny: Course, server: ForkServer, tmp_path: Path
) -> None:
    source = (
        "import numpy as np\n"
        "class Liar(np.ndarray):\n"
        "    def __eq__(self, other):\n        return True\n"
        "    def __array_finalize__(self, obj):\n        pass\n"
        "class Yes(float):\n    def __eq__(self, other):\n        return True\n"
        "def square(x):\n    return np.zeros_like(x).view(Liar)\n"
        "def add_one(x):\n    return Yes(0.0)\n"
    )
    result = grade(tiny, server, tmp_path, source)
    assert result.score == 1
    messages = " ".join(check.message for check in result.checks)
    assert "got a Liar object, expected a NumPy array" in messages
    assert "got a Yes object, expected a number" in messages


def test_nan_everywhere(tiny: Course, server: ForkServer, tmp_path: Path) -> None:
    source = (
        "def square(x):\n    return x * float('nan')\n\ndef add_one(x):\n    return float('nan')\n"
    )
    result = grade(tiny, server, tmp_path, source)
    assert result.score == 1
    assert all("nan" in c.message for c in result.checks if c.status == "failed")


@pytest.mark.parametrize("how", ["sys.exit(0)", "os._exit(0)", "os.kill(os.getpid(), 9)"])
def test_exiting(tiny: Course, server: ForkServer, tmp_path: Path, how: str) -> None:
    source = f"import os, sys\ndef square(x):\n    {how}\n\n" + GOOD.split("\n\n")[1]
    result = grade(tiny, server, tmp_path, source)
    assert lost(result) == {"square"}


def test_signal_ignoring_endless_loop(tiny: Course, server: ForkServer, tmp_path: Path) -> None:
    source = (
        "import signal\n"
        "for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM):\n"
        "    signal.signal(sig, signal.SIG_IGN)\n"
        "def square(x):\n    while True:\n        pass\n\n" + GOOD.split("\n\n")[1]
    )
    result = grade(tiny, server, tmp_path, source)
    assert {c.status for c in result.checks if c.exercise == "square"} == {"timeout"}
    assert lost(result) == {"square"}


def test_fork_bomb(tiny: Course, server: ForkServer, tmp_path: Path) -> None:
    source = (
        "import os, time\n"
        "def square(x):\n"
        "    while True:\n"
        "        try:\n"
        "            if os.fork() == 0:\n"
        "                time.sleep(1000)\n"
        "        except OSError:\n"
        "            return x ** 2\n\n" + GOOD.split("\n\n")[1]
    )
    result = grade(tiny, server, tmp_path, source)
    assert result.checks[-1].status == "passed"  # add_one still graded


def test_memory_bomb(tiny: Course, server: ForkServer, tmp_path: Path) -> None:
    source = (
        "def square(x):\n    hog = []\n"
        "    while True:\n        hog.append(bytearray(50_000_000))\n\n" + GOOD.split("\n\n")[1]
    )
    result = grade(tiny, server, tmp_path, source)
    assert lost(result) == {"square"}
    assert all(
        "MemoryError" in c.message or "did not finish" in c.message
        for c in result.checks
        if c.exercise == "square" and c.id != "square-leaves-input"
    )


def test_flood_of_output_and_forged_results(
    tiny: Course, server: ForkServer, tmp_path: Path
) -> None:
    source = (
        "import sys\n"
        'print(\'{"module": "t1_squares", "score": 5, "max_score": 5}\')\n'
        "chunk = 'x' * 1_000_000\n"
        "for _ in range(200):\n    sys.stdout.write(chunk)\n"
        "def square(x):\n    return x\n\n" + GOOD.split("\n\n")[1]
    )
    result = grade(tiny, server, tmp_path, source)
    assert lost(result) == {"square"}
    assert len(result.output) < 10_000
    assert "more bytes of output not kept" in result.output


def test_reading_graders_reference_solutions_and_the_environment(
    tiny: Course, server: ForkServer, tmp_path: Path
) -> None:
    targets = [
        ROOT / "graders" / "m1_derivatives.py",
        ROOT / "reference" / "m1_derivatives.py",
        ROOT / "solutions" / "m1_derivatives.py",
        TINY / "graders" / "t1_squares.py",
        TINY / "reference" / "t1_squares.py",
        ROOT / "course_config.yml",
        tmp_path,
    ]
    source = (
        "import glob, os\n"
        f"TARGETS = {[str(t) for t in targets]!r}\n"
        "def square(x):\n"
        "    seen = [repr(dict(os.environ))]\n"
        "    for target in TARGETS:\n"
        "        try:\n"
        "            seen.append(open(target).read())\n"
        "            print('LEAKED', target)\n"
        "        except OSError as error:\n"
        "            print('DENIED', target, type(error).__name__)\n"
        "    for path in glob.glob('/proc/*/environ') + glob.glob('/proc/*/cmdline'):\n"
        "        try:\n"
        "            seen.append(open(path, 'rb').read().decode(errors='replace'))\n"
        "        except OSError:\n"
        "            pass\n"
        "    if any('calcgrade-secret-' in t or 'Grader of the tiny' in t for t in seen):\n"
        "        print('SECRET-FOUND')\n"
        "    return x ** 2\n\n" + GOOD.split("\n\n")[1]
    )
    result = grade(tiny, server, tmp_path, source)
    assert result.score == result.max_score, [c.message for c in result.checks]
    assert "LEAKED" not in result.output
    assert "SECRET-FOUND" not in result.output
    assert result.output.count("DENIED") >= len(targets)


def test_walking_the_stack_and_the_garbage_collector(
    tiny: Course, server: ForkServer, tmp_path: Path
) -> None:
    source = (
        "import gc, sys\nimport numpy as np\n"
        "def square(x):\n"
        "    frame, seen = sys._getframe(), []\n"
        "    while frame is not None:\n"
        "        seen += [v for v in frame.f_locals.values() if isinstance(v, np.ndarray)]\n"
        "        frame = frame.f_back\n"
        "    seen += [o for o in gc.get_objects() if isinstance(o, np.ndarray)]\n"
        "    for candidate in seen:\n"
        "        if candidate is not x and candidate.shape == x.shape:\n"
        "            return candidate  # an 'expected' array, if one were here\n"
        "    return x ** 3\n\n" + GOOD.split("\n\n")[1]
    )
    result = grade(tiny, server, tmp_path, source)
    assert lost(result) == {"square"}
    assert result.checks[0].hint_id == "cubed"  # it found nothing but its own input


def test_network_connections(tiny: Course, server: ForkServer, tmp_path: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    source = (
        "import socket\n"
        "def square(x):\n"
        "    for host in ('127.0.0.1', '::1'):\n"
        "        try:\n"
        f"            socket.create_connection((host, {port}), timeout=0.2)\n"
        "            print('CONNECTED', host)\n"
        "        except OSError as error:\n"
        "            print('BLOCKED', host, error)\n"
        "    return x ** 2\n\n" + GOOD.split("\n\n")[1]
    )
    result = grade(tiny, server, tmp_path, source)
    with pytest.raises(TimeoutError):
        listener.accept()
    listener.close()
    assert "CONNECTED" not in result.output
    assert result.output.count("BLOCKED") >= 2


def test_writing_outside_the_sandbox(tiny: Course, server: ForkServer, tmp_path: Path) -> None:
    marker = f"calcgrade-escape-{uuid.uuid4().hex}"
    targets = [
        f"/tmp/{marker}",
        str(tmp_path / marker),
        str(ROOT / marker),
        f"/root/{marker}",
        f"/usr/{marker}",
    ]
    source = (
        f"TARGETS = {targets!r}\n"
        "def square(x):\n"
        "    for target in TARGETS:\n"
        "        try:\n"
        "            open(target, 'w').write('escaped')\n"
        "        except OSError:\n"
        "            pass\n"
        "    return x ** 2\n\n" + GOOD.split("\n\n")[1]
    )
    result = grade(tiny, server, tmp_path, source)
    assert result.score == result.max_score
    for target in targets:
        assert not Path(target).exists(), target


def test_detached_grandchild(tiny: Course, server: ForkServer, tmp_path: Path) -> None:
    source = (
        "import os, time\n"
        "def square(x):\n"
        "    if os.fork() == 0:\n"
        "        os.setsid()\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(600)\n"
        "        os._exit(0)\n"
        "    return x ** 2\n\n" + GOOD.split("\n\n")[1]
    )
    result = grade(tiny, server, tmp_path, source)
    assert result.score == result.max_score
    # the autouse fixture checks that no process of a worker uid is left


def test_pickle_payload_on_the_channel(tiny: Course, server: ForkServer, tmp_path: Path) -> None:
    marker = Path(f"/tmp/calcgrade-pickled-{uuid.uuid4().hex}")
    source = (
        "import os, pickle\n"
        "class Boom:\n"
        f"    def __reduce__(self):\n        return (os.system, ('touch {marker}',))\n"
        "def square(x):\n"
        "    payload = pickle.dumps(Boom())\n"
        "    for fd in range(3, 20):\n"
        "        try:\n"
        "            os.write(fd, len(payload).to_bytes(4, 'big') + payload)\n"
        "        except OSError:\n"
        "            pass\n"
        "    return x ** 2\n\n" + GOOD.split("\n\n")[1]
    )
    result = grade(tiny, server, tmp_path, source)
    assert not marker.exists()
    assert lost(result) == {"square"}
    assert any("cannot accept" in c.message for c in result.checks)


def test_importing_the_reference_or_the_grader(
    tiny: Course, server: ForkServer, tmp_path: Path
) -> None:
    source = (
        "import importlib, importlib.util\n"
        "def square(x):\n"
        "    for name in ('calcgrade.runner', 'reference', 't1_squares', 'graders.t1_squares'):\n"
        "        try:\n"
        "            importlib.import_module(name)\n"
        "            print('IMPORTED', name)\n"
        "        except ImportError as error:\n"
        "            print('NO', name)\n"
        f"    where = {str(TINY / 'reference' / 't1_squares.py')!r}\n"
        "    spec = importlib.util.spec_from_file_location('r', where)\n"
        "    try:\n"
        "        module = importlib.util.module_from_spec(spec)\n"
        "        spec.loader.exec_module(module)\n"
        "        print('IMPORTED reference by path')\n"
        "    except (ImportError, OSError):\n"
        "        print('NO reference by path')\n"
        "    return x ** 3\n\n" + GOOD.split("\n\n")[1]
    )
    result = grade(tiny, server, tmp_path, source)
    assert "IMPORTED" not in result.output
    assert lost(result) == {"square"}


ENV_SPY = (
    "import glob\n"
    "def square(x):\n"
    "    for path in glob.glob('/proc/*/environ'):\n"
    "        try:\n"
    "            if b'calcgrade-secret-' in open(path, 'rb').read():\n"
    "                print('SECRET-FOUND', path)\n"
    "        except OSError:\n"
    "            pass\n"
    "    return x ** 2\n\n" + GOOD.split("\n\n")[1]
)


@pytest.mark.parametrize("isolation", ["strict", "basic"])
def test_the_grader_s_environment_is_out_of_reach_only_under_strict(
    tmp_path: Path, isolation: str, server: ForkServer
) -> None:
    """The grader is started with a secret in its environment, as an instructor's token would be.

    Under strict isolation the worker cannot see it. Under basic isolation, run
    as the same user, /proc shows it: the reason batches default to strict.
    """
    path = tmp_path / "t1_squares.py"
    path.write_text(ENV_SPY)
    env = {**os.environ, "INSTRUCTOR_TOKEN": SECRET}
    completed = subprocess.run(
        [
            str(Path(sys.executable).parent / "calcgrade"),
            "check",
            str(path),
            "--json",
            "--isolation",
            isolation,
            "--course",
            str(TINY),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    result = json.loads(completed.stdout)
    assert result["isolation"] == isolation and result["score"] == 5.0
    assert ("SECRET-FOUND" in result["output"]) == (isolation == "basic")


def test_tmp_is_private_to_each_submission(
    tiny: Course, server: ForkServer, tmp_path: Path
) -> None:
    filler = (
        "import os\n"
        "def square(x):\n"
        "    open('/tmp/note-for-the-next-one', 'w').write('answers')\n"
        "    try:\n"
        "        with open('/tmp/filler', 'wb') as out:\n"
        "            while True:\n"
        "                out.write(b'0' * 1_000_000)\n"
        "    except OSError:\n"
        "        pass\n"
        "    return x ** 2\n\n" + GOOD.split("\n\n")[1]
    )
    grade(tiny, server, tmp_path, filler)
    reader = (
        "import os\n"
        "def square(x):\n"
        "    print('TMP', sorted(os.listdir('/tmp')))\n"
        "    open('/tmp/work/scratch', 'wb').write(b'0' * 1_000_000)\n"
        "    return x ** 2\n\n" + GOOD.split("\n\n")[1]
    )
    result = grade(tiny, server, tmp_path, reader)
    assert result.score == result.max_score
    assert "TMP ['work']" in result.output


def test_a_python_under_tmp_moves_out_of_the_worker_s_private_tmp() -> None:
    from calcgrade.forkserver import in_sandbox, sandbox_places

    places = sandbox_places(["/root/.pyenv/versions/3.11.7", "/tmp/ci/.venv"])
    assert places == {
        "/root/.pyenv/versions/3.11.7": "/root/.pyenv/versions/3.11.7",
        "/tmp/ci/.venv": "/opt/calcgrade/env1",
    }
    assert in_sandbox("/tmp/ci/.venv/bin/python", places) == "/opt/calcgrade/env1/bin/python"
    assert in_sandbox("/usr/bin/python3", places) == "/usr/bin/python3"


def test_matplotlib_s_font_list_comes_read_only_from_outside(tiny: Course, tmp_path: Path) -> None:
    """A plotting fork server does not list the fonts itself (no fc-list, no temporary
    cache): it copies the list made outside, which the sandbox shows read-only."""
    forks = ForkServer("strict", preload_plotting=True)
    forks.start()
    try:
        source = (
            "import os, matplotlib.pyplot as plt\n"
            "def square(x):\n"
            "    try:\n"
            "        open('/opt/calcgrade/fonts/planted.json', 'w')\n"
            "        print('WROTE')\n"
            "    except OSError:\n"
            "        print('READ-ONLY')\n"
            "    plt.plot([1, 2])\n"
            "    plt.gcf().canvas.draw()\n"
            "    return x ** 2\n\n" + GOOD.split("\n\n")[1]
        )
        result = grade(tiny, forks, tmp_path, source)
        assert result.score == result.max_score, result.output
        assert "READ-ONLY" in result.output and "WROTE" not in result.output
    finally:
        assert forks.process is not None and forks.process.stderr is not None
        os.killpg(forks.process.pid, signal.SIGKILL)
        forks.process.wait()
        errors = forks.process.stderr.read().decode(errors="replace")
        forks.close()
    assert "temporary cache directory" not in errors and "Fontconfig" not in errors, errors


# Exfiltration of hidden inputs through the student's own text and state

HIDDEN_SEED = 424242  # stands for an instructor's grading secret
HIDDEN_X = check_rng(HIDDEN_SEED, "t1_squares", "square-hidden").normal(size=(4, 3))


def student_facing(result: ModuleResult) -> str:
    """Everything of a result that a student may see, in every format calcgrade writes."""
    row = Row("eve", {"t1_squares": result}, {})
    return "\n".join(
        [
            *(f"{c.message}\n{c.hint or ''}" for c in result.checks),
            *result.load_notes,
            feedback_markdown(row),
            row_page(row, "student", {}, "stamp"),
            json.dumps(gradescope.results_json(result)),
        ]
    )


def assert_hidden_x_withheld(result: ModuleResult) -> None:
    shown = student_facing(result)
    assert "LEAK" not in shown
    for value in HIDDEN_X.ravel():
        assert f"{value:.6f}"[:-1] not in shown, value


def grade_hidden(tiny: Course, server: ForkServer, tmp_path: Path, source: str) -> ModuleResult:
    path = tmp_path / f"t1_squares_{uuid.uuid4().hex[:8]}.py"
    path.write_text(source)
    options = Options(isolation="strict", seed=HIDDEN_SEED)
    return grade_file(tiny, "t1_squares", path, options, server)


def test_an_exception_message_carrying_hidden_inputs_is_withheld(
    tiny: Course, server: ForkServer, tmp_path: Path
) -> None:
    source = (
        "def square(x):\n"
        "    if x.shape == (4, 3):\n"
        "        raise ValueError('LE' + 'AK ' + repr(x.tolist()))\n"
        "    return x ** 2\n\n"
        "def add_one(x):\n    return x + 1.0\n"
    )
    result = grade_hidden(tiny, server, tmp_path, source)
    hidden = next(c for c in result.checks if c.id == "square-hidden")
    assert hidden.status == "failed"
    assert hidden.message == (
        f"`square` raised ValueError at {Path(result.submission).name}, line 3: "
        "`raise ValueError('LE' + 'AK ' + repr(x.tolist()))`; its message is withheld "
        "because this check is hidden"
    )
    assert "LEAK [[" in (hidden.detail or "")  # the instructor's copy has it all
    assert_hidden_x_withheld(result)


def test_a_class_name_or_an_exit_status_carrying_hidden_inputs_is_withheld(
    tiny: Course, server: ForkServer, tmp_path: Path
) -> None:
    source = (
        "import os\n"
        "def square(x):\n"
        "    if x.shape == (4, 3):\n"
        "        name = 'LE' + 'AK' + '_'.join(str(abs(v)).replace('.', 'd') for v in x.ravel())\n"
        "        raise type(name, (Exception,), {})()\n"
        "    return x ** 2\n\n"
        "def add_one(x):\n    return x + 1.0\n"
    )
    result = grade_hidden(tiny, server, tmp_path, source)
    hidden = next(c for c in result.checks if c.id == "square-hidden")
    assert hidden.message.startswith("`square` raised an exception at ")
    assert_hidden_x_withheld(result)
    exits = source.replace(
        "raise type(name, (Exception,), {})()", "os._exit(int(abs(x[0, 0]) * 100) % 256)"
    )
    result = grade_hidden(tiny, server, tmp_path, exits)
    hidden = next(c for c in result.checks if c.id == "square-hidden")
    assert hidden.message == (
        "your code ended its own process (the details are withheld because this check is hidden)"
    )
    assert_hidden_x_withheld(result)


def test_state_kept_from_a_hidden_check_never_reaches_a_public_check(
    tiny: Course, server: ForkServer, tmp_path: Path
) -> None:
    """The public checks run first: add_one (public) is checked before square (hidden)
    is ever called with hidden inputs, although the grader lists it last."""
    source = (
        "seen = []\n"
        "def square(x):\n"
        "    seen.append(x.tolist())\n"
        "    return x ** 2\n\n"
        "def add_one(x):\n"
        "    if len(seen) > 1:\n"
        "        raise ValueError('LE' + 'AK ' + repr(seen))\n"
        "    return x + 1.0\n"
    )
    result = grade_hidden(tiny, server, tmp_path, source)
    assert [c.id for c in result.checks] == [
        "square-values",
        "square-hidden",
        "square-leaves-input",
        "add-one-value",
    ]
    assert result.score == result.max_score, [(c.id, c.message) for c in result.checks]
    assert_hidden_x_withheld(result)
