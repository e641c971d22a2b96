"""`make demo`: grade the bundled solutions and stub exercises of every module.

Prints each solution's report and a summary of solution and stub scores.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from calcgrade.config import load_course
from calcgrade.report import render
from calcgrade.runner import grade_file

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    course = load_course(ROOT / "course_config.yml")
    console = Console()
    summary = Table(title="calcgrade demo: solutions and stubs", header_style="bold")
    for column in ("module", "solution (.py)", "solution (.ipynb)", "stub (.ipynb)", "seconds"):
        summary.add_column(column)
    ok = True
    for module in course.spec.modules:
        solution = grade_file(course, module, ROOT / "solutions" / f"{module}.py")
        notebook = grade_file(course, module, ROOT / "solutions" / f"{module}.ipynb")
        stub = grade_file(course, module, ROOT / "exercises" / f"{module}.ipynb")
        render(solution, console)
        console.print()
        ok &= solution.score == solution.max_score and stub.score == 0
        summary.add_row(
            module,
            f"{solution.score:g} / {solution.max_score:g}",
            f"{notebook.score:g} / {notebook.max_score:g}",
            f"{stub.score:g} / {stub.max_score:g}",
            f"{solution.seconds:.2f}",
        )
    console.print(summary)
    wrong = "examples/class/carol/m1_derivatives.py"  # a forward difference
    console.print(f"Try a wrong submission: .venv/bin/calcgrade check {wrong}", soft_wrap=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
