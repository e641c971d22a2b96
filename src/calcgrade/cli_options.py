"""What the commands share: how they find the course, and whether demo cells run."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from .config import Course

course_option = click.option(
    "--course",
    type=click.Path(path_type=Path),
    default=None,
    help="course_config.yml or its folder [default: nearest one above the current folder, "
    "or $CALCGRADE_COURSE]",
)

run_demo_cells_option = click.option(
    "--run-demo-cells",
    is_flag=True,
    help="also run the course's demo cells (plots, demo training runs) [default: an unchanged "
    "demo cell that nothing else reads is left out: grading calls the functions directly]",
)


def selected_course(path: Path | None) -> Course:
    """The course given by --course, else $CALCGRADE_COURSE, else the nearest one."""
    from .config import find_course, load_course

    location = path or (
        Path(os.environ["CALCGRADE_COURSE"]) if "CALCGRADE_COURSE" in os.environ else None
    )
    return load_course(location or find_course())
