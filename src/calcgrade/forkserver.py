"""Fork servers: warm interpreters that fork one fresh worker per submission.

- basic isolation: the fork server is a plain subprocess with a clean
  environment; each worker gets a fresh temporary directory and rlimits.
- strict isolation: the fork server runs under bubblewrap with no network, a
  private bounded /tmp, new PID, IPC and UTS namespaces, and a read-only view of
  only the interpreter, its packages and the worker code; each worker also runs
  under its own unprivileged uid, with no capabilities and no-new-privs.

Launching a server imports nothing heavy (no NumPy), so that the command line
can launch it first and let it warm up while the rest is imported.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import calcgrade_worker

from .errors import GradingError
from .font_cache import SANDBOX_PLACE as FONTS_IN_SANDBOX
from .font_cache import font_cache

WORKER_DIR = Path(calcgrade_worker.__file__).resolve().parent.parent
BOOT = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from calcgrade_worker.zygote import main; main(sys.argv[2:])"
)
START_TIMEOUT_S = 30.0
PASSED_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


class ForkServer:
    """A running fork server (basic or strict) and the workers it spawns.

    One server serves any number of grading threads: spawning and killing go
    through its control socket one at a time. ``generation`` counts the times
    it was closed: a grader that sees it change while grading knows that the
    server, and maybe its worker with it, went away under it.
    """

    def __init__(
        self, isolation: str = "basic", tmp_mb: int = 256, preload_plotting: bool = False
    ) -> None:
        if isolation not in ("basic", "strict"):
            raise GradingError(f"unknown isolation level {isolation!r}")
        self.isolation = isolation
        self.tmp_mb = tmp_mb
        self.uids: UidBlock | None = None
        self.next_uid = 0
        self.preload_plotting = preload_plotting
        self.process: subprocess.Popen[bytes] | None = None
        self.control: socket.socket | None = None
        self.host_dir: str | None = None
        self.generation = 0
        self.worker_cpu_s = 0.0  # CPU seconds of the workers killed so far (for benchmarks)
        self._ready = False
        self._lock = threading.RLock()

    def launch(self) -> None:
        """Start the server process without waiting for it (see ``start``).

        bubblewrap dies with the thread that started it: launch from a thread
        that outlives the grading.
        """
        with self._lock:
            if self.control is not None:
                return
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            if self.isolation == "strict":
                fonts = font_cache() if self.preload_plotting else None
                argv = strict_command(theirs.fileno(), self.tmp_mb, fonts)
                self.uids = self.uids or UidBlock.claim()
                self.next_uid = self.uids.first
                workroot = "/tmp/calcgrade"
            else:
                self.host_dir = tempfile.mkdtemp(prefix="calcgrade-")
                workroot = self.host_dir
                argv = [sys.executable, "-I", "-c", BOOT, str(WORKER_DIR)]
            argv += [str(theirs.fileno()), workroot]
            argv += ["plotting"] if self.preload_plotting else []
            try:
                self.process = subprocess.Popen(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    pass_fds=(theirs.fileno(),),
                    env=worker_env(),
                    cwd=self.host_dir or "/",
                    start_new_session=True,
                )
            except OSError as error:
                raise GradingError(f"could not start the worker server: {error}") from None
            finally:
                theirs.close()
            self.control = ours
            self._ready = False

    def launched(self) -> ForkServer:
        """This server, launched now if it can be; if it cannot, its first spawn
        reports why (and that submission is reported ungraded, never zero)."""
        with contextlib.suppress(GradingError):
            self.launch()
        return self

    def start(self) -> None:
        """Start the server (if not launched yet) and wait until it is ready."""
        with self._lock:
            self.launch()
            if self._ready:
                return
            assert self.control is not None and self.process is not None
            self.control.settimeout(START_TIMEOUT_S)
            try:
                ready = self._reply()
            except GradingError:
                stderr = self.process.stderr
                err = stderr.read().decode(errors="replace") if stderr else ""
                self.close()
                raise GradingError(
                    f"the worker server did not start: {err.strip()[-500:]}"
                ) from None
            if not ready.get("ready"):
                self.close()
                raise GradingError("the worker server did not start")
            self.control.settimeout(10.0)
            self._ready = True

    def restart(self, generation: int) -> None:
        """Close the server unless it was closed since ``generation``; the next
        spawn starts it again."""
        with self._lock:
            if self.generation == generation:
                self.close()

    def _reply(self) -> dict[str, Any]:
        assert self.control is not None
        try:
            data = self.control.recv(65536)
        except (OSError, TimeoutError):
            data = b""
        if not data:
            raise GradingError("the worker server stopped answering")
        try:
            reply = json.loads(data)
        except ValueError:
            reply = None
        if type(reply) is not dict:
            raise GradingError("the worker server sent a malformed reply")
        return reply

    def spawn(self, limits: dict[str, int]) -> tuple[int, int | None, int, int, int]:
        """Fork a worker; return (pid, uid, request fd, reply fd, output fd)."""
        with self._lock:
            self.start()
            assert self.control is not None
            uid = None
            if self.uids is not None:
                uid = self.next_uid
                self.next_uid = self.uids.first + (uid - self.uids.first + 1) % UidBlock.SIZE
                limits = {**limits, "processes": 64}
            to_r, to_w = os.pipe()
            from_r, from_w = os.pipe()
            out_r, out_w = os.pipe()
            request = {
                "op": "spawn",
                "uid": uid,
                "limits": limits,
                "env": worker_env(),
                "private_tmp_bytes": self.tmp_mb * 1024 * 1024 if uid is not None else 0,
            }
            try:
                socket.send_fds(self.control, [json.dumps(request).encode()], [to_r, from_w, out_w])
                reply = self._reply()
            except OSError as error:
                for fd in (to_w, from_r, out_r):
                    os.close(fd)
                raise GradingError(f"the worker server failed: {error}") from None
            finally:
                for fd in (to_r, from_w, out_w):
                    os.close(fd)
        if not reply.get("ok"):
            raise GradingError(f"the worker server refused: {reply.get('error')}")
        return int(reply["pid"]), uid, to_w, from_r, out_r

    def kill(self, pid: int, uid: int | None) -> int | None:
        """Kill a worker (and, strict, every process of its uid); its wait status."""
        with self._lock:
            if self.control is None or not self._ready:
                return None
            try:
                self.control.send(json.dumps({"op": "kill", "pid": pid, "uid": uid}).encode())
                reply = self._reply()
                self.worker_cpu_s += float(reply.get("cpu_s", 0.0))
                return int(reply.get("status", 0))
            except (OSError, GradingError):
                self.close()  # an unresponsive server is killed whole, from outside
                return None

    def close(self) -> None:
        with self._lock:
            self._ready = False
            if self.process is not None:
                self.generation += 1
            if self.control is not None:
                self.control.close()
                self.control = None
            if self.process is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
                if self.process.stderr:
                    self.process.stderr.close()
                self.process = None
            if self.host_dir:
                shutil.rmtree(self.host_dir, ignore_errors=True)
                self.host_dir = None
            if self.uids is not None:
                self.uids.release()
                self.uids = None


class UidBlock:
    """A block of uids claimed for one fork server's workers, so that no two
    servers (in this process or another) ever give two workers the same uid.

    Claims are folders made atomically under ``CLAIMS``, holding the claimant's
    pid; a claim whose process is gone is taken over.
    """

    SIZE = 1000
    FIRST = 200_000
    BLOCKS = 50_000
    CLAIMS = Path("/run/calcgrade-uids") if os.geteuid() == 0 else Path(tempfile.gettempdir())

    def __init__(self, block: int, folder: Path) -> None:
        self.first = self.FIRST + block * self.SIZE
        self.folder = folder

    @classmethod
    def claim(cls) -> UidBlock:
        cls.CLAIMS.mkdir(mode=0o700, parents=True, exist_ok=True)
        for block in random.sample(range(cls.BLOCKS), 200):
            folder = cls.CLAIMS / f"block-{block}"
            try:
                folder.mkdir()
            except FileExistsError:
                if _claim_alive(folder):
                    continue
                shutil.rmtree(folder, ignore_errors=True)
                continue
            (folder / "pid").write_text(str(os.getpid()))
            return cls(block, folder)
        raise GradingError("could not claim a block of worker uids")

    def release(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _claim_alive(folder: Path) -> bool:
    try:
        pid = int((folder / "pid").read_text())
    except (OSError, ValueError):
        return True  # being written right now
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def worker_env() -> dict[str, str]:
    """The fork server's environment: nothing of the grader's but a few settings."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
    }
    env.update({key: os.environ[key] for key in PASSED_ENV if key in os.environ})
    return env


def strict_problem() -> str | None:
    """Why strict isolation cannot be had here, or None when it can."""
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed; on Debian: apt-get install -y bubblewrap"
    if os.geteuid() != 0:
        return "strict isolation runs each submission under its own uid, which needs root"
    return None


def _python_paths() -> list[str]:
    """Folders the interpreter and its packages need, outside /usr."""
    candidates = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        sys.base_exec_prefix,
        os.path.dirname(os.path.realpath(sys.executable)),
    }
    numpy = importlib.util.find_spec("numpy")  # where it is, without importing it
    if numpy is not None and numpy.origin:
        candidates.add(os.path.dirname(os.path.dirname(os.path.realpath(numpy.origin))))
    paths = sorted(p for p in candidates if not p.startswith("/usr/") and p not in ("/", "/usr"))
    return [p for p in paths if not any(p.startswith(q + "/") for q in paths if q != p)]


def sandbox_places(paths: list[str]) -> dict[str, str]:
    """Where each host folder appears in the sandbox: the same path, except under
    /tmp, which each worker replaces with a tmpfs of its own (a venv made there
    moves to /opt/calcgrade/envN; Python finds its packages from where it runs)."""
    return {
        path: f"/opt/calcgrade/env{index}" if Path(path).is_relative_to("/tmp") else path
        for index, path in enumerate(paths)
    }


def in_sandbox(path: str, places: dict[str, str]) -> str:
    """A host path as the sandbox sees it."""
    for host, place in places.items():
        if Path(path).is_relative_to(host):
            return str(Path(place) / Path(path).relative_to(host))
    return path


def strict_command(control_fd: int, tmp_mb: int, fonts: Path | None = None) -> list[str]:
    """The bubblewrap command line that starts the fork server under strict isolation.

    ``fonts``, a folder with matplotlib's font list, is shown read-only (see
    ``font_cache``).
    """
    problem = strict_problem()
    if problem:
        raise GradingError(f"strict isolation is not available: {problem}")
    argv = [
        "bwrap",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--new-session",
        "--ro-bind",
        "/usr",
        "/usr",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--perms",
        "1777",
        "--size",
        str(tmp_mb * 1024 * 1024),
        "--tmpfs",
        "/tmp",
    ]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            argv += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            argv += ["--ro-bind", top, top]
    made: set[str] = set()
    places = sandbox_places(_python_paths())
    for path, place in places.items():
        parts = Path(place).parts
        for depth in range(2, len(parts)):
            parent = str(Path(*parts[:depth]))
            if parent not in made:
                made.add(parent)
                argv += ["--perms", "0755", "--dir", parent]
        argv += ["--ro-bind", path, place]
    if fonts is not None:
        argv += ["--ro-bind", str(fonts), FONTS_IN_SANDBOX]
    argv += [
        "--ro-bind",
        str(WORKER_DIR / "calcgrade_worker"),
        "/opt/calcgrade/calcgrade_worker",
        "--chdir",
        "/tmp",
        "--",
        in_sandbox(sys.executable, places),
        "-I",
        "-c",
        BOOT,
        "/opt/calcgrade",
    ]
    return argv
