"""The worker's main loop: limits first, then requests over two pipes.

Started by the grader as
``python -I -c BOOT <worker dir> <request fd> <reply fd> <limits json>``.
The student's stdout and stderr are pipes that the grader drains with a cap;
nothing the student prints is ever read as a result.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from typing import Any, BinaryIO

from . import wire
from .session import Session

LIMITS = {
    "memory_bytes": resource.RLIMIT_AS,
    "cpu_seconds": resource.RLIMIT_CPU,
    "file_bytes": resource.RLIMIT_FSIZE,
    "open_files": resource.RLIMIT_NOFILE,
    "core_bytes": resource.RLIMIT_CORE,
    "processes": resource.RLIMIT_NPROC,
}


def apply_limits(limits: dict[str, int]) -> None:
    """Set soft and hard rlimits before any student code runs."""
    for name, value in limits.items():
        resource.setrlimit(LIMITS[name], (value, value))


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    request_fd, reply_fd, limits = int(args[0]), int(args[1]), json.loads(args[2])
    apply_limits(limits)
    requests: BinaryIO = os.fdopen(request_fd, "rb", buffering=0)
    replies: BinaryIO = os.fdopen(reply_fd, "wb", buffering=0)
    sys.stdin.close()
    serve(requests, replies)


def serve(requests: BinaryIO, replies: BinaryIO) -> None:
    session = Session()

    def send_and_wait(message: dict[str, Any]) -> dict[str, Any]:
        wire.send(replies, message)
        return wire.receive(requests)

    session.callback = session.call_back(send_and_wait)
    wire.send(replies, {"kind": "ready"})
    while True:
        try:
            request = wire.receive(requests)
        except EOFError:
            return
        if request.get("op") == "load":
            reply = session.load(list(request["cells"]), bool(request.get("stop_on_error")))
        else:
            reply = session.handle(request)
        wire.send(replies, reply)


if __name__ == "__main__":
    main()
