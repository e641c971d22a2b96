"""A fork server: a warm interpreter that forks one fresh process per submission.

The server imports NumPy (and matplotlib, when present) once and never runs
student code itself. For each submission the grader sends, over a control
socket, the three pipe ends of a new worker and its limits; the server forks a
child that starts a new session, takes a fresh private directory, sets its
rlimits, drops to the given unprivileged uid (strict isolation) and then serves
requests (``serve``). A child is a copy of the clean server, so nothing of one
submission reaches another.

Control messages are JSON over a SOCK_SEQPACKET socket:
    {"op": "spawn", "uid": int | null, "limits": {...}, "env": {...}}  + 3 fds
        -> {"ok": true, "pid": int}
    {"op": "kill", "pid": int, "uid": int | null}
        -> {"ok": true, "status": int}       (waits status, as os.waitpid)
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import io
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from typing import Any

from .serve import apply_limits, serve

MAX_CONTROL = 65536
PRIVATE_WORKDIR = "/tmp/work"
FONT_LIST = "/opt/calcgrade/fonts"  # calcgrade.font_cache.SANDBOX_PLACE
CLONE_NEWNS = 0x00020000
MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 2, 4, 16384, 1 << 18


def preload(plotting: bool) -> None:
    """Import what most submissions import, so that each child starts warm.

    With ``plotting``, also make (and close, never draw) one figure of the
    kinds the course notebooks make: matplotlib's first figure builds caches
    and imports modules that every child would otherwise pay for again. No
    file stays open, so children share no file offsets.
    """
    import numpy
    import numpy.random

    numpy.random.default_rng(0).normal(size=2)
    if plotting:
        with contextlib.suppress(Exception):
            use_font_list()
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt

            figure, (left, right) = plt.subplots(1, 2)
            left.semilogy([1.0, 2.0], "o-", label="a")
            left.set_xlabel("x")
            left.legend()
            right.contour(numpy.eye(3))
            right.set_title("t")
            plt.close(figure)


def use_font_list() -> None:
    """Give matplotlib a cache folder with the font list made outside (strict
    isolation binds it read-only at FONT_LIST), so that it need not list the fonts."""
    if not os.path.isdir(FONT_LIST):
        return
    folder = tempfile.mkdtemp(prefix="matplotlib-")
    for name in os.listdir(FONT_LIST):
        if name.startswith("fontlist-") and name.endswith(".json"):
            shutil.copyfile(os.path.join(FONT_LIST, name), os.path.join(folder, name))
    os.environ["MPLCONFIGDIR"] = folder


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    control = socket.socket(fileno=int(args[0]))
    workroot = args[1]
    os.makedirs(workroot, exist_ok=True)
    preload(plotting=len(args) > 2 and args[2] == "plotting")
    gc.freeze()  # children then neither scan nor copy the preloaded objects
    control.send(json.dumps({"ok": True, "ready": True}).encode())
    children: dict[int, str] = {}
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(control, MAX_CONTROL, 4)
        except OSError:
            break
        if not data:
            break
        request = json.loads(data)
        if request.get("op") == "spawn" and len(fds) == 3:
            pid, folder = spawn(control, fds, request, workroot)
            children[pid] = folder
            reply: dict[str, Any] = {"ok": True, "pid": pid}
        elif request.get("op") == "kill":
            pid = int(request["pid"])
            status, cpu_s = kill(pid, request.get("uid"))
            shutil.rmtree(children.pop(pid, ""), ignore_errors=True)
            reply = {"ok": True, "status": status, "cpu_s": cpu_s}
        else:
            for fd in fds:
                os.close(fd)
            reply = {"ok": False, "error": "bad control request"}
        control.send(json.dumps(reply).encode())
    for pid in list(children):
        kill(pid, None)


def spawn(
    control: socket.socket, fds: list[int], request: dict[str, Any], workroot: str
) -> tuple[int, str]:
    private = bool(request.get("private_tmp_bytes"))
    folder = PRIVATE_WORKDIR if private else tempfile.mkdtemp(prefix="w-", dir=workroot)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        for fd in fds:
            os.close(fd)
        return pid, "" if private else folder
    try:
        child(control, fds, request, folder)
    finally:
        os._exit(70)


def child(control: socket.socket, fds: list[int], request: dict[str, Any], folder: str) -> None:
    """In the forked child: isolate, drop privileges, then serve the submission."""
    request_fd, reply_fd, output_fd = fds
    control.close()
    os.setsid()
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    os.close(output_fd)
    # unbuffered, so that nothing printed is lost when the worker is killed
    for fd, name in ((1, "stdout"), (2, "stderr")):
        stream = io.TextIOWrapper(
            io.FileIO(fd, "w", closefd=False),
            encoding="utf-8",
            errors="backslashreplace",
            write_through=True,
        )
        setattr(sys, name, stream)
    _close_all_but(request_fd, reply_fd)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    uid = request.get("uid")
    if request.get("private_tmp_bytes"):
        private_tmp(int(request["private_tmp_bytes"]))
        os.mkdir(folder, 0o700)
    if uid is not None:
        os.chown(folder, uid, uid)
    os.chdir(folder)
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in request.get("env", {}).items()})
    os.environ.update({"HOME": folder, "TMPDIR": folder, "MPLCONFIGDIR": folder})
    tempfile.tempdir = folder
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    apply_limits(request.get("limits", {}))
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    requests = os.fdopen(request_fd, "rb", buffering=0)
    replies = os.fdopen(reply_fd, "wb", buffering=0)
    serve(requests, replies)
    os._exit(0)


def private_tmp(size: int) -> None:
    """Give this process a /tmp of its own: a new mount namespace with a fresh tmpfs.

    Nothing a submission leaves in /tmp reaches the next one, and none can
    fill the /tmp of another.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    checks = [
        libc.unshare(CLONE_NEWNS),
        libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None),
        libc.mount(
            b"tmpfs", b"/tmp", b"tmpfs", MS_NOSUID | MS_NODEV, f"size={size},mode=1777".encode()
        ),
    ]
    if any(result != 0 for result in checks):
        error = ctypes.get_errno()
        raise OSError(error, f"cannot make a private /tmp: {os.strerror(error)}")


def kill(pid: int, uid: int | None) -> tuple[int, float]:
    """Kill a child, its process group and (strict) every process of its uid; its
    wait status and the CPU seconds it (and the children it waited for) used."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    try:
        _, status, usage = os.wait4(pid, 0)
        cpu_s = usage.ru_utime + usage.ru_stime
    except ChildProcessError:
        status, cpu_s = 0, 0.0
    if uid is not None:
        kill_uid(uid)
    return status, cpu_s


def kill_uid(uid: int, patience_s: float = 5.0) -> None:
    """SIGKILL every process of ``uid`` (forks included) until none is left."""
    deadline = time.monotonic() + patience_s
    while _processes_of(uid) and time.monotonic() < deadline:
        killer = os.fork()
        if killer == 0:
            try:
                os.setresgid(uid, uid, uid)
                os.setresuid(uid, uid, uid)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(-1, signal.SIGKILL)
            finally:
                os._exit(0)
        os.waitpid(killer, 0)
        time.sleep(0.01)


def _processes_of(uid: int) -> list[int]:
    """Live (not yet reaped) processes of ``uid`` in this PID namespace."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
        except OSError:
            continue
        if int(fields.get("Uid", "-1").split()[0]) == uid and "Z" not in fields.get("State", ""):
            found.append(int(entry))
    return found


def _close_all_but(*keep: int) -> None:
    """Close every descriptor above stderr except ``keep``."""
    start = 3
    for fd in sorted(keep):
        os.closerange(start, fd)
        start = fd + 1
    os.closerange(start, 1 << 16)


if __name__ == "__main__":
    main()
