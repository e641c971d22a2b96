"""The readable report of a result: a table of exercises and points, then each failure."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .results import CheckResult, ModuleResult

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


def render(result: ModuleResult, console: Console, verbose: bool = False) -> None:
    """Print ``result`` to ``console`` (colour only where the console supports it)."""
    console.print(
        f"[bold]{escape(result.module)}[/]: [bold]{points(result.score)} / "
        f"{points(result.max_score)}[/] points  [dim](isolation: {escape(result.isolation)})[/]"
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
            escape(exercise),
            f"[{style}]{points(row['score'])} / {points(row['max_score'])}[/]",
            " ".join(MARKS[c.status] for c in checks) + f"  {passed} of {len(checks)} passed",
        )
    console.print(table)
    for note in result.load_notes:
        console.print(f"[dim]note: {escape(note)}[/]")
    lost = [c for c in result.checks if c.status != "passed"]
    if lost:
        console.print()
    for check in lost:
        _failure(check, console, verbose)


def _failure(check: CheckResult, console: Console, verbose: bool) -> None:
    console.print(
        f"{MARKS[check.status]} [bold]{escape(check.exercise)}[/] › {escape(check.id)} "
        f"[dim]({points(check.score)} / {points(check.max_score)}, {check.status}"
        f"{', hidden' if check.visibility == 'hidden' else ''})[/]"
    )
    text = check.detail if verbose and check.detail else check.message
    lines = text.splitlines()
    for line in lines[:MAX_MESSAGE_LINES] if not verbose else lines:
        console.print(f"    {escape(line)}", highlight=False, soft_wrap=True)
    if len(lines) > MAX_MESSAGE_LINES and not verbose:
        console.print(
            f"    [dim]... {len(lines) - MAX_MESSAGE_LINES} more lines; use -v to show[/]"
        )
    if check.hint:
        console.print(f"    [cyan]hint:[/] {escape(check.hint)}", highlight=False, soft_wrap=True)


def print_report(result: ModuleResult, verbose: bool = False) -> None:
    render(result, Console(), verbose)


def print_summary(batch: BatchResult, out: Path, layout: str, isolation: str) -> None:
    """The end-of-batch summary: graded, ungraded, mean per module, slowest, problems."""
    console = Console()
    console.print(
        f"[bold]graded {len(batch.graded)}[/], reused {batch.reused}, "
        f"[{'red' if batch.ungraded else 'green'}]ungraded {len(batch.ungraded)}[/] "
        f"in {batch.seconds:.1f} s  [dim]({layout} layout, isolation: {isolation})[/]"
    )
    by_module: dict[str, list[ModuleResult]] = {}
    for row in batch.rows:
        for module, result in row.results.items():
            by_module.setdefault(module, []).append(result)
    for module, results in by_module.items():
        mean = sum(r.score for r in results) / len(results)
        full = sum(r.score == r.max_score for r in results)
        console.print(
            f"  {escape(module)}: mean {mean:.2f} / {points(results[0].max_score)} over "
            f"{len(results)} submissions, {full} with full marks"
        )
    slowest = sorted(batch.graded, key=lambda pair: pair[1].seconds, reverse=True)[:3]
    if slowest:
        shown = ", ".join(f"{e.student}/{e.module} {r.seconds:.1f} s" for e, r in slowest)
        console.print(f"  slowest: {escape(shown)}")
    for entry, why in batch.ungraded:
        console.print(f"  [red]ungraded[/] {escape(entry.student)}/{entry.module}: {escape(why)}")
    for problem in batch.problems:
        console.print(f"  [yellow]not graded[/] {escape(problem)}")
    console.print(
        f"  gradebook: {out / 'gradebook.csv'}; feedback: {out / 'feedback'}/ (.md, .html); "
        f"instructor copies: {out / 'instructor'}/; class report: {out / 'class_report.html'}",
        soft_wrap=True,
    )
