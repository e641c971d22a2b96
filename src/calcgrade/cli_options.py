"""What the commands share: how they find the course."""

from __future__ import annotations

import os
from pathlib import Path

import click

from .config import Course, find_course, load_course

course_option = click.option(
    "--course",
    type=click.Path(path_type=Path),
    default=None,
    help="course_config.yml or its folder [default: nearest one above the current folder, "
    "or $CALCGRADE_COURSE]",
)


def selected_course(path: Path | None) -> Course:
    """The course given by --course, else $CALCGRADE_COURSE, else the nearest one."""
    location = path or (
        Path(os.environ["CALCGRADE_COURSE"]) if "CALCGRADE_COURSE" in os.environ else None
    )
    return load_course(location or find_course())
