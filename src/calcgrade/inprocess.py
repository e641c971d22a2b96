"""The in-process transport, for ``calcgrade.check`` inside a learner's notebook.

There is nothing to protect on a learner's own machine, so the student's code
runs in the same process; values still cross through the wire format, so a
grader sees exactly what it would see from a sandboxed worker. Deadlines use a
timer signal when called from the main thread.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import Any

from calcgrade_worker.session import Session

from .handle import Message, StudentTimeout


class _Deadline(BaseException):
    """Raised inside student code when its time is up."""


class InProcessTransport:
    generation = 0
    isolation = "in-process"

    def __init__(self, namespace: dict[str, Any], call_timeout_s: float) -> None:
        self.session = Session(namespace)
        self.call_timeout_s = call_timeout_s

    def request(self, message: Message, on_callback: Callable[[Message], Message]) -> Message:
        self.session.callback = self.session.call_back(on_callback)
        if threading.current_thread() is not threading.main_thread():
            return self.session.handle(message)
        fired = False

        def alarm(signum: int, frame: object) -> None:
            nonlocal fired
            fired = True
            raise _Deadline

        previous = signal.signal(signal.SIGALRM, alarm)
        signal.setitimer(signal.ITIMER_REAL, self.call_timeout_s)
        try:
            reply = self.session.handle(message)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        if fired:
            raise StudentTimeout(self.call_timeout_s)
        return reply
