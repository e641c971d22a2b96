"""``calcgrade gradescope``: build a Gradescope autograder, and grade inside one.

run_autograder calls ``python3 -m calcgrade.gradescope_cli run ...``, which
needs nothing but the installed package.
"""

from __future__ import annotations

from pathlib import Path

import click

from . import gradescope as library
from .cli_options import course_option, selected_course
from .errors import CalcgradeError
from .report import points, print_report
from .text_safety import printable

module_option = click.option(
    "--module", "-m", required=True, help="the module to grade, e.g. m1_derivatives"
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def gradescope() -> None:
    """Gradescope: build an autograder zip for a module, and grade inside it.

    Example:

        calcgrade gradescope build --module m1_derivatives
    """


@gradescope.command()
@module_option
@click.option(
    "--out",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="where to write the zip [default: autograder-MODULE.zip in the current folder]",
)
@course_option
def build(module: str, out: Path | None, course: Path | None) -> None:
    """Write the autograder zip of one module, to upload to a Gradescope programming assignment.

    The zip holds setup.sh, run_autograder, calcgrade itself and the course's
    config, graders and reference (never the solutions).

    Example:

        calcgrade gradescope build --module m1_derivatives --out m1-autograder.zip
    """
    try:
        path = library.build_autograder(
            selected_course(course), module, out or Path(f"autograder-{module}.zip")
        )
    except CalcgradeError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"wrote {path} ({path.stat().st_size // 1024} KiB): upload it as the autograder")


@gradescope.command()
@module_option
@click.option(
    "--submission-dir",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="the folder holding the student's files (on Gradescope: /autograder/submission)",
)
@click.option(
    "--results",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="the results.json to write (on Gradescope: /autograder/results/results.json)",
)
@click.option(
    "--isolation",
    type=click.Choice(["auto", "basic", "strict"]),
    default="auto",
    show_default=True,
    help="how the student's code is isolated; auto: strict if it can start here, else basic",
)
@course_option
def run(
    module: str, submission_dir: Path, results: Path, isolation: str, course: Path | None
) -> None:
    """Grade a submission folder and write Gradescope's results.json (run_autograder calls this).

    A missing or unreadable submission gets score 0 and an explanation. A
    failure to grade writes no results.json (so Gradescope shows the submission
    as not graded, never as a zero) and exits 1. The instructor's report, hidden
    details included, goes to stdout, which Gradescope shows only to instructors.

    Example:

    \b
        calcgrade gradescope run --module m1_derivatives \\
            --submission-dir submission --results results/results.json
    """
    try:
        loaded = selected_course(course)
    except CalcgradeError as error:
        outcome = library.run_without_course(str(error), results)
    else:
        outcome = library.run(loaded, module, submission_dir, results, isolation)
    for note in outcome.notes:
        click.echo(f"note: {printable(note)}")
    if outcome.result is not None:
        print_report(outcome.result, verbose=True)
    if outcome.results is None:
        raise click.ClickException(
            "grading failed; no results.json was written, so Gradescope shows this "
            f"submission as not graded (not as a zero):\n{printable(outcome.problem or '')}"
        )
    score = outcome.results["score"]
    most = outcome.result.max_score if outcome.result else None
    shown = points(score) + (f" / {points(most)}" if most is not None else "")
    click.echo(f"wrote {results}: score {shown}")


if __name__ == "__main__":
    gradescope(prog_name="calcgrade gradescope")
