"""What makes an in-notebook check readable by nbgrader's autograder.

nbgrader scores an autograded test cell from its outputs, in order
(``nbgrader.utils.determine_grade``, nbgrader 0.9):

- an ``error`` output, or any ``stderr`` stream output, gives 0 points;
- the first ``execute_result`` whose ``text/plain`` is a single number gives
  that many points (partial credit; a number above the cell's points is an
  error, a non-number counts as full marks);
- no such output gives full marks.

So a test cell ``check("m1_derivatives", globals(), exercise="derivative")``
must end in the exercise's score as its value, and must write nothing to
stderr (a NumPy ``RuntimeWarning`` raised inside the student's code would
otherwise zero the cell). ``Points`` is that value: a float (what nbgrader
reads, ``Out[...]: 3.0`` for the learner, under the printed report) that
still answers ``.score``, ``.checks``, ``.exercises`` and every other
attribute of the ``ModuleResult`` it came from. ``stderr_to_stdout`` keeps
warnings visible to the learner without writing them to stderr.

Nothing here imports nbgrader: this module runs in the learner's kernel.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any

from .results import ModuleResult


class Points(float):
    """The score of a check run, as a float, carrying the full ``ModuleResult``.

    Its ``repr`` is the plain number (``3.0``), which is what nbgrader reads as
    the partial credit of an autograded test cell. Attributes that a float does
    not have are looked up on the result, so ``check(...).checks`` still works.
    """

    result: ModuleResult

    def __new__(cls, result: ModuleResult) -> Points:
        points = super().__new__(cls, max(0.0, min(result.score, result.max_score)))
        points.result = result
        return points

    def __getattr__(self, name: str) -> Any:
        # only called for names a float does not have; `result` itself is set in __new__
        if name == "result":
            raise AttributeError(name)
        return getattr(self.result, name)

    def __repr__(self) -> str:
        return float.__repr__(self)


@contextlib.contextmanager
def stderr_to_stdout() -> Iterator[None]:
    """Send what would go to stderr (warnings from student code) to stdout instead.

    nbgrader gives 0 points to a test cell with any stderr output; the learner
    still sees the warning, in the cell's ordinary output.
    """
    with contextlib.redirect_stderr(sys.stdout):
        yield
