"""The command line: a thin layer over the library.

Exit status: 0 whenever grading completed (whatever the score); 1 when it could
not (bad config, unreadable submission, worker failure); 2 for usage errors.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .cli_options import course_option, run_demo_cells_option, selected_course
from .errors import CalcgradeError
from .forkserver import ForkServer, strict_problem

if TYPE_CHECKING:
    from .batch import Batch, BatchResult, Engine
    from .classdir import ClassFolder, Entry
    from .config import Course
    from .grading_secret import HiddenSeed
    from .runner import Options

# Each command imports what it needs when it runs: the grading ones first launch
# their fork server, which warms up (NumPy, matplotlib) while the rest loads.


class LazyGroup(click.Group):
    """A group whose subgroups are imported only when used (click's documented pattern)."""

    def __init__(self, *args: Any, lazy: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            module, name = self.lazy[cmd_name].split(":")
            command = getattr(importlib.import_module(module), name)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=LazyGroup,
    lazy={
        "gradescope": "calcgrade.gradescope_cli:gradescope",
        "nbgrader": "calcgrade.nbgrader_course:nbgrader_group",
        "new-exercise": "calcgrade.scaffold:new_exercise_command",
    },
    context_settings={"help_option_names": ["-h", "--help"]},
)
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
@click.option(
    "--html",
    "html_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="also write the feedback as one self-contained HTML page with plots "
    "(with --verbose: the instructor's copy)",
)
@click.option(
    "--isolation",
    type=click.Choice(["basic", "strict"]),
    default="basic",
    show_default=True,
    help="how the submission's code is isolated (strict: bubblewrap, needs root)",
)
@run_demo_cells_option
@course_option
def check(
    path: Path,
    module: str | None,
    as_json: bool,
    public_only: bool,
    exercise: str | None,
    seed: int | None,
    verbose: bool,
    html_path: Path | None,
    isolation: str,
    run_demo_cells: bool,
    course: Path | None,
) -> None:
    """Grade one submission (.py or .ipynb) and report points per exercise.

    Example:

        calcgrade check solutions/m2_gradients.py --json

        calcgrade check m5_optimization.ipynb --html feedback.html
    """
    server = ForkServer(isolation).launched()
    try:
        from .report import print_report
        from .runner import Options, grade_file
        from .submission import infer_module, module_from_name, read_submission

        loaded = selected_course(course)
        if module is None:
            known = list(loaded.spec.modules)
            # else the folder's name, as in tests/submissions/m1_derivatives/mine.py
            folder = path.resolve().parent.name
            module = infer_module(read_submission(path), known) or module_from_name(folder, known)
            if module is None:
                raise click.UsageError(
                    f"cannot tell which module {path.name} is for; pass --module "
                    f"(one of: {', '.join(loaded.spec.modules)})"
                )
        from .grading_secret import hidden_seed

        secret = hidden_seed(loaded, seed)
        if secret.public and not public_only and not as_json:
            click.echo(
                "note: the hidden checks use the course's public seed here; a class is graded "
                "with the instructor's secret seed, so its hidden inputs differ",
                err=True,
            )
        options = Options(
            seed=secret.value,
            public_only=public_only,
            exercise=exercise,
            isolation=isolation,
            run_demo_cells=run_demo_cells,
        )
        result = grade_file(loaded, module, path, options, server)
    finally:
        server.close()
    if as_json:
        click.echo(result.to_json())
    else:
        print_report(result, verbose=verbose)
    if html_path is not None:
        from .gradebook import write_atomically
        from .html_report import student_page

        page = student_page([result], None, "instructor" if verbose else "student")
        try:
            write_atomically(html_path, page)
        except OSError as error:
            raise CalcgradeError(f"cannot write {html_path}: {error.strerror or error}") from error
        from .text_safety import printable

        click.echo(f"feedback page: {printable(str(html_path), newlines=False)}", err=True)


@cli.command()
@click.argument("class_dir", type=click.Path(path_type=Path, exists=True))
@click.option("--module", "-m", help="grade this module [default: the only module found]")
@click.option("--all", "all_modules", is_flag=True, help="grade every module found")
@click.option(
    "--out",
    "-o",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="folder for gradebook.csv, results/, feedback/, instructor/ and class_report.html",
)
@click.option(
    "--workers",
    "-j",
    type=click.IntRange(min=1),
    default=os.cpu_count() or 1,
    show_default=True,
    help="submissions graded at once (with --cluster local: worker processes; "
    "with --scheduler: unused, the cluster's workers decide)",
)
@click.option(
    "--isolation",
    type=click.Choice(["strict", "basic"]),
    default=None,
    help="strict (bubblewrap, own uid per worker) or basic "
    "[default: strict where available, else basic with a warning; "
    "with --scheduler, chosen on each worker]",
)
@click.option(
    "--cluster",
    type=click.Choice(["local"]),
    default=None,
    help="grade on a Dask LocalCluster of --workers processes on this machine "
    "(needs calcgrade[cluster]) [default: threads of this process]",
)
@click.option(
    "--scheduler",
    envvar="CALCGRADE_SCHEDULER",
    metavar="ADDRESS",
    help="grade on the workers of this running Dask scheduler, e.g. tcp://host:8786 "
    "[env: CALCGRADE_SCHEDULER] (see docs/scale-out.md)",
)
@click.option(
    "--seed", type=int, help="seed for the hidden inputs [default: from course_config.yml]"
)
@click.option(
    "--html/--no-html",
    default=True,
    show_default=True,
    help="also write the HTML pages with plots (drawing them takes time)",
)
@run_demo_cells_option
@course_option
def grade(
    class_dir: Path,
    module: str | None,
    all_modules: bool,
    out: Path,
    workers: int,
    isolation: str | None,
    cluster: str | None,
    scheduler: str | None,
    seed: int | None,
    html: bool,
    run_demo_cells: bool,
    course: Path | None,
) -> None:
    """Grade a class: CLASS_DIR/<student>/<module>.py|.ipynb, nbgrader's submitted/, or an LMS zip.

    Writes OUT/gradebook.csv, OUT/results/<student>.json (with --all,
    OUT/results/<student>/<module>.json), OUT/feedback/<student>.md and .html,
    OUT/instructor/<student>.html (with hidden details) and
    OUT/class_report.html, then prints a summary. Rerunning with the same OUT
    resumes: results whose submission and course are unchanged are reused, not
    regraded. For an nbgrader course folder, the scores also go into its
    gradebook.

    Example:

        calcgrade grade examples/class --module m1_derivatives --out graded/
    """
    if module and all_modules:
        raise click.UsageError("give --module or --all, not both")
    if cluster and scheduler:
        raise click.UsageError("give --cluster local or --scheduler, not both")
    requested = isolation
    if not scheduler:  # the workers run on this machine: choose here, as they would
        problem = strict_problem()
        if isolation is None:
            isolation = "basic" if problem else "strict"
            if problem:
                click.echo(f"warning: grading with basic isolation: {problem}", err=True)
        elif isolation == "strict" and problem:
            raise CalcgradeError(f"strict isolation is not available: {problem}")
    engine = _engine(cluster, scheduler, workers, isolation, requested)
    try:
        from .runner import Options

        loaded = selected_course(course)
        secret = _grading_secret(loaded, seed)
        options = Options(
            seed=secret.value, isolation=isolation or "auto", run_demo_cells=run_demo_cells
        )
        result, layout, modules = _grade_class(
            class_dir, module, all_modules, out, options, html, loaded, engine
        )
    finally:
        engine.close()
    from .report import print_summary

    course_line = (
        f"course: {loaded.root} (version {loaded.version}); hidden inputs from "
        f"{secret.source} (fingerprint {secret.fingerprint})"
    )
    print_summary(result, out, layout, isolation, course_line)
    if layout == "nbgrader":
        _write_nbgrader_gradebook(class_dir, modules, result)


def _engine(
    cluster: str | None,
    scheduler: str | None,
    workers: int,
    isolation: str | None,
    requested: str | None,
) -> Engine:
    """What grades the batch: threads of this process served by a fork server
    (launched now, to warm up while the rest is imported), or Dask workers."""
    from .batch import ThreadEngine

    if not (cluster or scheduler):
        assert isolation is not None
        return ThreadEngine(ForkServer(isolation, preload_plotting=True).launched(), workers)
    try:
        from .cluster import DaskEngine
    except ImportError as error:
        raise CalcgradeError(
            f"grading on Dask needs calcgrade[cluster] (pip install 'calcgrade[cluster]'): {error}"
        ) from None
    if scheduler:
        return DaskEngine.connect(scheduler, requested)
    return DaskEngine.local(workers, isolation)


def _grading_secret(loaded: Course, seed: int | None) -> HiddenSeed:
    """The hidden checks' seed of a batch: the course's grading secret (made on first
    use, with a word to the instructor) unless --seed or $CALCGRADE_SECRET gives one."""
    from .grading_secret import hidden_seed

    secret = hidden_seed(loaded, seed, create=True)
    if secret.created:
        click.echo(
            f"created the grading secret {secret.source}: it draws the hidden checks' inputs. "
            "Keep it private and with your course (git ignores it): with another secret, "
            "a regrade draws other hidden inputs.",
            err=True,
        )
    return secret


def _grade_class(
    class_dir: Path,
    module: str | None,
    all_modules: bool,
    out: Path,
    options: Options,
    html: bool,
    loaded: Course,
    engine: Engine,
) -> tuple[BatchResult, str, list[str]]:
    from .batch import Batch
    from .classdir import find_submissions

    known = list(loaded.spec.modules)
    if module is not None:
        loaded.module(module)
    folder = find_submissions(class_dir, known, [module] if module else known)
    try:
        found = sorted({entry.module for entry in folder.entries}, key=known.index)
        if module is None and not all_modules and len(found) > 1:
            raise click.UsageError(
                f"{class_dir} holds submissions for {', '.join(found)}: pass --module or --all"
            )
        modules = [module] if module else found
        folder.entries = [entry for entry in folder.entries if entry.module in modules]
        released = _released(class_dir, modules, loaded) if folder.layout == "nbgrader" else {}
        batch = Batch(loaded, modules, out, options, all_modules, html=html, released=released)
        return _run_with_progress(batch, folder, engine), folder.layout, modules
    finally:
        folder.close()


def _released(class_dir: Path, modules: list[str], loaded: Course) -> dict[str, list[str]]:
    """Per module, the exercises of its released notebook (in the release folder that
    the course's nbgrader_config.py sets, release/ by default) that the course still
    grades: what the students saw. When course and release differ, the instructor is
    warned (on stderr)."""
    from .nbgrader_course import course_directory, released_notebook
    from .nbgrader_release import compare_release
    from .text_safety import printable

    directory = course_directory(class_dir)
    found = {}
    for module in modules:
        notebook = released_notebook(directory, module)
        release = compare_release(notebook, module, loaded.module(module).exercises)
        if release is None or (warning := release.warning()) is None:
            continue
        click.echo(f"warning: {printable(warning)}", err=True)
        found[module] = [e for e in release.released if e not in release.dropped]
    return found


def _write_nbgrader_gradebook(class_dir: Path, modules: list[str], result: BatchResult) -> None:
    """Record the batch's scores in the gradebook of an nbgrader course folder."""
    from .nbgrader_course import describe_update, is_nbgrader_course, write_to_gradebook
    from .text_safety import printable

    if not is_nbgrader_course(class_dir):
        click.echo(f"{class_dir}: no nbgrader_config.py, so no nbgrader gradebook was written")
        return
    for module in modules:
        graded = {row.student: row.results[module] for row in result.rows if module in row.results}
        if graded:
            for line in describe_update(write_to_gradebook(class_dir, module, graded)):
                click.echo(printable(line))


def _run_with_progress(batch: Batch, folder: ClassFolder, engine: Engine) -> BatchResult:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    columns = (
        TextColumn("grading"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
    )
    with Progress(*columns, console=console, disable=not console.is_terminal) as progress:
        task = progress.add_task("", total=len(folder.entries))

        def advance(entry: Entry, what: str) -> None:
            from rich.markup import escape

            from .text_safety import printable

            student = escape(printable(entry.student, newlines=False))
            progress.update(task, advance=1, description=f"{student} ({what})")

        return batch.run(folder, advance, engine)


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
        from .text_safety import printable

        click.echo(f"calcgrade: error: {printable(str(error))}", err=True)
        sys.exit(1)
