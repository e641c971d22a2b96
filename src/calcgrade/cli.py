"""The command line: a thin layer over the library.

Exit status: 0 whenever grading completed (whatever the score); 1 when it could
not (bad config, unreadable submission, worker failure); 2 for usage errors.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from .config import Course, find_course, load_course
from .errors import CalcgradeError
from .report import print_report
from .runner import Options, grade_file
from .submission import infer_module, read_submission


def _course(path: Path | None) -> Course:
    location = path or (
        Path(os.environ["CALCGRADE_COURSE"]) if "CALCGRADE_COURSE" in os.environ else None
    )
    return load_course(location or find_course())


course_option = click.option(
    "--course",
    type=click.Path(path_type=Path),
    default=None,
    help="course_config.yml or its folder [default: nearest one above the current folder, "
    "or $CALCGRADE_COURSE]",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="calcgrade")
def cli() -> None:
    """Grade "Calculus for Machine Learning" exercises; feedback explains every lost point.

    Example:

        calcgrade check m1_derivatives.ipynb
    """


@cli.command()
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--module",
    "-m",
    help="module to grade against [default: from the file name or notebook metadata]",
)
@click.option("--json", "as_json", is_flag=True, help="print one JSON object instead of the report")
@click.option("--public-only", is_flag=True, help="run only the public checks (what students see)")
@click.option("--exercise", "-e", help="run only the checks of this exercise (a contract name)")
@click.option(
    "--seed", type=int, help="seed for the hidden inputs [default: from course_config.yml]"
)
@click.option("--verbose", "-v", is_flag=True, help="show the full detail of hidden checks too")
@course_option
def check(
    path: Path,
    module: str | None,
    as_json: bool,
    public_only: bool,
    exercise: str | None,
    seed: int | None,
    verbose: bool,
    course: Path | None,
) -> None:
    """Grade one submission (.py or .ipynb) and report points per exercise.

    Example:

        calcgrade check solutions/m2_gradients.py --json
    """
    loaded = _course(course)
    if module is None:
        module = infer_module(read_submission(path), list(loaded.spec.modules))
        if module is None:
            raise click.UsageError(
                f"cannot tell which module {path.name} is for; pass --module "
                f"(one of: {', '.join(loaded.spec.modules)})"
            )
    result = grade_file(
        loaded, module, path, Options(seed=seed, public_only=public_only, exercise=exercise)
    )
    if as_json:
        click.echo(result.to_json())
    else:
        print_report(result, verbose=verbose)


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("calcgrade: aborted", err=True)
        sys.exit(1)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except CalcgradeError as error:
        click.echo(f"calcgrade: error: {error}", err=True)
        sys.exit(1)
