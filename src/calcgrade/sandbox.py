"""Student workers: separate processes with limits, deadlines and output caps.

Each submission runs in a process forked from a warm fork server
(``forkserver``, running ``calcgrade_worker.zygote``) that never runs student
code itself. Deadlines are enforced from the grader's side; stdout and stderr
are drained into a capped buffer that is never parsed.
"""

from __future__ import annotations

import os
import select
import signal
import struct
import threading
import time
from collections.abc import Callable

from calcgrade_worker import wire

from .errors import GradingError
from .forkserver import START_TIMEOUT_S, ForkServer
from .handle import Message, StudentTimeout, WorkerDied

READ_CHUNK = 65536  # a pipe's capacity; a larger buffer costs an mmap per read
HEADER = struct.Struct(">I")  # a message's length, before its body


class CappedOutput:
    """Drains a pipe in a thread, keeping at most ``cap`` bytes."""

    def __init__(self, fd: int, cap: int) -> None:
        self.cap = cap
        self.data = bytearray()
        self.dropped = 0
        self._thread = threading.Thread(target=self._drain, args=(fd,), daemon=True)
        self._thread.start()

    def _drain(self, fd: int) -> None:
        with os.fdopen(fd, "rb", buffering=0) as stream:
            while chunk := stream.read(65536):
                room = self.cap - len(self.data)
                self.data += chunk[:room]
                self.dropped += max(0, len(chunk) - room)

    def text(self) -> str:
        self._thread.join(timeout=1.0)
        text = self.data.decode("utf-8", errors="replace")
        if self.dropped:
            text += f"\n[... {self.dropped} more bytes of output not kept]"
        return text


class Worker:
    """One student process, forked by a fork server."""

    def __init__(
        self, server: ForkServer, memory_mb: int, cpu_seconds: int, output_kb: int
    ) -> None:
        self.server = server
        self.isolation = server.isolation
        self.limits = {
            "memory_bytes": memory_mb * 1024 * 1024,
            "cpu_seconds": cpu_seconds,
            "file_bytes": 16 * 1024 * 1024,
            "open_files": 256,
            "core_bytes": 0,
        }
        self.output_cap = output_kb * 1024
        self.pid: int | None = None
        self.uid: int | None = None
        self.status: int | None = None
        self.outputs: list[CappedOutput] = []
        self._buffer = bytearray()

    @property
    def running(self) -> bool:
        return self.pid is not None

    def start(self) -> None:
        self.pid, self.uid, to_worker, self._replies_fd, out_r = self.server.spawn(self.limits)
        self._requests = os.fdopen(to_worker, "wb", buffering=0)
        self._buffer = bytearray()
        self.outputs.append(CappedOutput(out_r, self.output_cap))

    def send(self, message: Message) -> None:
        try:
            wire.send(self._requests, message)
        except OSError:
            raise WorkerDied(self._death()) from None

    def receive(self, deadline: float) -> Message:
        """The next message from the worker, or StudentTimeout at ``deadline``."""
        header = HEADER.size
        while True:
            if len(self._buffer) >= header:
                (size,) = HEADER.unpack_from(self._buffer)
                if size > wire.MAX_MESSAGE_BYTES:
                    self.kill()
                    raise WorkerDied(f"sent a message of {size} bytes, over the limit")
                if len(self._buffer) >= header + size:
                    body = self._buffer[header : header + size]
                    del self._buffer[: header + size]
                    return wire.parse(body)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                raise StudentTimeout(0)
            ready, _, _ = select.select([self._replies_fd], [], [], remaining)
            if ready:
                chunk = os.read(self._replies_fd, READ_CHUNK)
                if not chunk:
                    raise WorkerDied(self._death())
                self._buffer += chunk

    def _death(self) -> str:
        self.kill()
        status = self.status
        if status is None:
            return "the process stopped answering"
        if os.WIFSIGNALED(status):
            name = signal.Signals(os.WTERMSIG(status)).name
            extra = " (CPU time limit)" if name == "SIGXCPU" else ""
            return f"the process was killed by {name}{extra}"
        return f"the process exited with status {os.WEXITSTATUS(status)}"

    def kill(self) -> None:
        if self.pid is not None:
            self.status = self.server.kill(self.pid, self.uid)
            self.pid = None

    def stop(self) -> None:
        self.kill()
        if hasattr(self, "_requests") and not self._requests.closed:
            self._requests.close()
            os.close(self._replies_fd)

    def output(self) -> str:
        return "\n".join(part.text() for part in self.outputs if part.data or part.dropped)


class WorkerTransport:
    """Requests to a worker, restarting it (and reloading the submission) after a kill."""

    def __init__(
        self,
        make_worker: Callable[[], Worker],
        load: Message,
        call_timeout_s: float,
        load_timeout_s: float,
    ) -> None:
        self.make_worker = make_worker
        self.load_message = load
        self.call_timeout_s = call_timeout_s
        self.load_timeout_s = load_timeout_s
        self.generation = 0
        self.worker: Worker | None = None
        self.budget_deadline = float("inf")
        self.finished_output: list[str] = []
        self.isolation = "basic"

    def load(self) -> Message:
        """Start a worker and load the submission; return the load report."""
        worker = self._start()
        worker.send(self.load_message)
        deadline = min(time.monotonic() + self.load_timeout_s, self.budget_deadline)
        try:
            reply = worker.receive(deadline)
        except StudentTimeout:
            self.close()
            raise StudentTimeout(self.load_timeout_s) from None
        if reply.get("kind") != "loaded":
            raise wire.WireError("the worker did not report its load")
        return reply

    def _start(self, attempts: int = 2) -> Worker:
        """A fresh worker that said it is ready; GradingError if none would start."""
        self.close()
        problem = ""
        for _ in range(attempts):
            worker = self.make_worker()
            self.isolation = worker.isolation
            worker.start()
            self.worker = worker
            self.generation += 1
            try:
                if worker.receive(time.monotonic() + START_TIMEOUT_S).get("kind") == "ready":
                    return worker
                problem = "it sent an unexpected first message"
            except (StudentTimeout, WorkerDied, wire.WireError) as error:
                problem = str(error) or "it did not answer in time"
            self.close()
        raise GradingError(f"the worker process would not start: {problem}")

    def request(self, message: Message, on_callback: Callable[[Message], Message]) -> Message:
        if self.worker is None or not self.worker.running:
            self.load()
        worker = self.worker
        assert worker is not None
        seconds = self.call_timeout_s
        deadline = min(time.monotonic() + seconds, self.budget_deadline)
        try:
            worker.send(message)
            while True:
                reply = worker.receive(deadline)
                if reply.get("kind") != "callback":
                    return reply
                worker.send(on_callback(reply))
        except StudentTimeout:
            self.close()
            raise StudentTimeout(seconds) from None
        except (WorkerDied, wire.WireError):
            self.close()
            raise

    def close(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.finished_output.append(self.worker.output())
            self.worker = None

    def output(self) -> str:
        return "\n".join(text for text in self.finished_output if text)
