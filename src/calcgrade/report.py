"""The readable report of a result: a table of exercises and points, then each failure."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .results import CheckResult, ModuleResult

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
