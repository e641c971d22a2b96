"""The readable report of a result: a table of exercises and points, then each failure."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .results import CheckResult, ModuleResult
from .text_safety import printable

if TYPE_CHECKING:
    from .batch import BatchResult

MARKS = {
    "passed": "[green]✓[/]",
    "failed": "[red]✗[/]",
    "error": "[magenta]![/]",
    "timeout": "[yellow]⏱[/]",
}
MAX_MESSAGE_LINES = 12


def points(value: float) -> str:
    return f"{value:g}"


def shown(text: str) -> str:
    """One line of text from a result or a class folder, as safe rich markup: control
    characters and newlines shown as escapes (``\\x1b``), markup escaped."""
    return escape(printable(text, newlines=False))


def render(result: ModuleResult, console: Console, verbose: bool = False) -> None:
    """Print ``result`` to ``console`` (colour only where the console supports it)."""
    console.print(
        f"[bold]{shown(result.module)}[/]: [bold]{points(result.score)} / "
        f"{points(result.max_score)}[/] points  [dim](isolation: {shown(result.isolation)})[/]",
        emoji=False,
    )
    if result.course_path:
        console.print(
            f"[dim]course: {shown(result.course_path)} (version {shown(result.course_version)})[/]",
            emoji=False,
            soft_wrap=True,
        )
    table = Table(show_edge=False, header_style="bold")
    table.add_column("exercise")
    table.add_column("points", justify="right")
    table.add_column("checks")
    for exercise, row in result.exercises.items():
        checks = [c for c in result.checks if c.exercise == exercise]
        passed = sum(c.status == "passed" for c in checks)
        style = "green" if passed == len(checks) else ("red" if passed == 0 else "yellow")
        table.add_row(
            shown(exercise),
            f"[{style}]{points(row['score'])} / {points(row['max_score'])}[/]",
            " ".join(MARKS[c.status] for c in checks) + f"  {passed} of {len(checks)} passed",
        )
    console.print(table)
    for note in result.load_notes:
        console.print(f"[dim]note: {shown(note)}[/]", emoji=False)
    lost = [c for c in result.checks if c.status != "passed"]
    if lost:
        console.print()
    for check in lost:
        _failure(check, console, verbose)


def _failure(check: CheckResult, console: Console, verbose: bool) -> None:
    console.print(
        f"{MARKS[check.status]} [bold]{shown(check.exercise)}[/] › {shown(check.id)} "
        f"[dim]({points(check.score)} / {points(check.max_score)}, {check.status}"
        f"{', hidden' if check.visibility == 'hidden' else ''})[/]",
        emoji=False,
    )
    text = check.detail if verbose and check.detail else check.message
    lines = text.splitlines()  # each line shown, so a message keeps its lines
    for line in lines[:MAX_MESSAGE_LINES] if not verbose else lines:
        console.print(f"    {shown(line)}", highlight=False, soft_wrap=True, emoji=False)
    if len(lines) > MAX_MESSAGE_LINES and not verbose:
        console.print(
            f"    [dim]... {len(lines) - MAX_MESSAGE_LINES} more lines; use -v to show[/]"
        )
    if check.hint:
        console.print(
            f"    [cyan]hint:[/] {escape(printable(check.hint))}",
            highlight=False,
            soft_wrap=True,
            emoji=False,
        )


def print_report(result: ModuleResult, verbose: bool = False) -> None:
    render(result, Console(), verbose)


def print_summary(
    batch: BatchResult, out: Path, layout: str, isolation: str | None, course: str = ""
) -> None:
    """The end-of-batch summary: graded, ungraded, mean per module, slowest, problems;
    ``course`` says which course graded (its path, version and hidden seed);
    ``isolation`` None: each worker chose, and the levels the results record are shown."""
    console = Console()
    if isolation is None:
        levels = Counter(result.isolation for _, result in batch.graded)
        isolation = "per worker: " + (
            ", ".join(f"{level} {count}" for level, count in sorted(levels.items())) or "none"
        )
    console.print(
        f"[bold]graded {len(batch.graded)}[/], reused {batch.reused}, "
        f"[{'red' if batch.ungraded else 'green'}]ungraded {len(batch.ungraded)}[/] "
        f"in {batch.seconds:.1f} s  [dim]({layout} layout, isolation: {isolation})[/]"
    )
    if course:
        console.print(f"  [dim]{shown(course)}[/]", emoji=False, soft_wrap=True)
    by_module: dict[str, list[ModuleResult]] = {}
    for row in batch.rows:
        for module, result in row.results.items():
            by_module.setdefault(module, []).append(result)
    for module, results in by_module.items():
        mean = sum(r.score for r in results) / len(results)
        full = sum(r.score == r.max_score for r in results)
        console.print(
            f"  {shown(module)}: mean {mean:.2f} / {points(results[0].max_score)} over "
            f"{len(results)} submissions, {full} with full marks",
            emoji=False,
        )
    slowest = sorted(batch.graded, key=lambda pair: pair[1].seconds, reverse=True)[:3]
    if slowest:
        times = ", ".join(
            f"{shown(e.student)}/{shown(e.module)} {r.seconds:.1f} s" for e, r in slowest
        )
        console.print(f"  slowest: {times}", emoji=False)
    for entry, why in batch.ungraded:
        console.print(
            f"  [red]ungraded[/] {shown(entry.student)}/{shown(entry.module)}: {shown(why)}",
            emoji=False,
        )
    for problem in batch.problems:
        console.print(f"  [yellow]not graded[/] {shown(problem)}", emoji=False)
    for line in batch.refused_lines():
        console.print(f"  [yellow]not read[/] {shown(line)}", emoji=False)
    console.print(
        f"  gradebook: {out / 'gradebook.csv'}; feedback: {out / 'feedback'}/ (.md, .html); "
        f"instructor copies: {out / 'instructor'}/; class report: {out / 'class_report.html'}",
        soft_wrap=True,
    )
