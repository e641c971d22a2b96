"""`calcgrade new-exercise`: the files of a new exercise, written so that it grades at once.

A new exercise NAME of MODULE is five pieces, each in the file that holds its kind
(docs/writing-graders.md walks through them):

- the trusted reference `reference/MODULE.py`: a function NAME, with its contract
  as the docstring;
- the student's part in `solutions/MODULE.py` (the single source of the
  notebooks): a markdown cell, the solution between nbgrader's markers with the
  stub line, and the exercise's check cell;
- `course_config.yml`: the exercise, one public check and one hidden check;
- the grader `graders/MODULE.py` (or `graders/MODULE/__init__.py`): the two
  checks, comparing the student's NAME with the reference's;
- after these, the generated files are regenerated (`tools/sync_notebooks.py`,
  `tools/contract.py`).

The placeholder computation (the input as floats) is the same in the reference
and the solution, so the solution has full marks and the stub "not implemented
yet" from the first `calcgrade check`. Nothing is written unless every file can
be: the new texts are built and validated first.
"""

from __future__ import annotations

import ast
import keyword
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import click
import yaml

from .cli_options import course_option, selected_course
from .config import Course, CourseSpec
from .errors import ConfigError

NAME = re.compile(r"[a-z_][a-z0-9_]*\Z")
GRADER_IMPORTS = ("Context", "Submission", "as_array", "mismatch", "require")


@dataclass(frozen=True)
class Change:
    path: Path
    text: str


def new_exercise(course: Course, module: str, name: str) -> list[Change]:
    """The new texts of the files that gain the exercise (nothing is written)."""
    spec = course.module(module)
    if not NAME.match(name) or keyword.iskeyword(name):
        raise ConfigError(
            f"{name!r} is not a usable exercise name: use lower-case letters, digits and "
            "underscores, starting with a letter (it is a Python function name)"
        )
    if name in spec.exercises:
        raise ConfigError(f"{module} already has an exercise {name!r} (course_config.yml)")
    reference = course.reference_path(module)
    solution = course.root / "solutions" / f"{module}.py"
    grader = course.grader_path(module)
    if grader.is_dir():
        grader = grader / "__init__.py"
    config = course.root / "course_config.yml"
    texts = {path: _read(path) for path in (reference, solution, grader, config)}
    for path in (reference, solution, grader):
        if name in _top_level_names(texts[path], path):
            raise ConfigError(f"{path.relative_to(course.root)} already defines {name!r}")
    changes = [
        Change(reference, _with_reference(texts[reference], name, reference)),
        Change(solution, _with_solution(texts[solution], module, name, solution)),
        Change(config, _with_config(texts[config], module, name, config)),
        Change(grader, _with_grader(texts[grader], name, grader)),
    ]
    for change in changes:
        if change.path.suffix == ".py":
            _top_level_names(change.text, change.path)  # still valid Python
    return changes


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read ({error.strerror})") from None


def _top_level_names(text: str, path: Path) -> set[str]:
    try:
        tree = ast.parse(text, str(path))
    except SyntaxError as error:
        raise ConfigError(f"{path}:{error.lineno}: not valid Python ({error.msg})") from None
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }


def _require_numpy(text: str, path: Path, why: str) -> None:
    if not re.search(r"^import numpy as np$", text, flags=re.MULTILINE):
        raise ConfigError(f"{path}: expected `import numpy as np` ({why})")


def _with_reference(text: str, name: str, path: Path) -> str:
    _require_numpy(text, path, "the new function uses it")
    return (
        text.rstrip("\n")
        + f'''


def {name}(x: np.ndarray) -> np.ndarray:
    """What {name} computes, the shapes of its arguments and of its result.

    Placeholder: replace the signature and the body with the exercise's (the solution's
    and the grader's calls follow the signature).
    """
    return np.asarray(x, dtype=np.float64)
'''
    )


def _with_solution(text: str, module: str, name: str, path: Path) -> str:
    _require_numpy(text, path, "the new cell uses it")
    return (
        text.rstrip("\n")
        + f'''

# %% [markdown]
# ## {name}
#
# What the learner builds, and why. Implement `{name}(x)`: ...


# %%
def {name}(x):
    ### BEGIN SOLUTION
    # stub: raise NotImplementedError("a short pointer to what to implement")
    return np.asarray(x, dtype=float)
    ### END SOLUTION


# %%
check("{module}", globals(), exercise="{name}")
'''
    )


def _with_config(text: str, module: str, name: str, path: Path) -> str:
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == f"  {module}:"), None)
    if start is None:
        raise ConfigError(f"{path}: no line `  {module}:` under modules")
    end = next(
        (
            i
            for i in range(start + 1, len(lines))
            if lines[i].strip() and not lines[i].startswith("   ")
        ),
        len(lines),
    )
    while end > start and not lines[end - 1].strip():
        end -= 1
    block = "".join(lines[start:end])
    if "\n    exercises:\n" not in block or "\n    limits:" in block.split("exercises:")[1]:
        raise ConfigError(
            f"{path}: the exercises of {module} must end its block for new-exercise to "
            "add one; add it by hand"
        )
    entry = (
        f"      {name}:\n"
        f"        checks:\n"
        f"          {name}-course-example: {{points: 1, visibility: public}}\n"
        f"          {name}-hidden: {{points: 1}}\n"
    )
    if not lines[end - 1].endswith("\n"):
        lines[end - 1] += "\n"
    new = "".join([*lines[:end], entry, *lines[end:]])
    data = yaml.safe_load(new)
    CourseSpec.model_validate(data)
    if name not in data["modules"][module]["exercises"]:
        raise ConfigError(f"{path}: could not place the new exercise; add it by hand")
    return new


def _with_grader(text: str, name: str, path: Path) -> str:
    text = _with_imports(text, path)
    return (
        text.rstrip("\n")
        + f'''


# -- {name} {"-" * max(3, 84 - len(name))}


@grader.check("{name}-course-example", exercise="{name}")
def {name}_course_example(sub: Submission, ctx: Context) -> None:
    """{name} matches the course example"""
    x = np.array([1.0, -2.0, 0.5])
    expected = ctx.reference.{name}(x.copy())
    got = as_array(sub.call("{name}", x.copy()), "{name}(x)", x.shape)
    require(mismatch(got, expected, "{name}(x)", ctx.analytic))


@grader.check("{name}-hidden", exercise="{name}")
def {name}_hidden(sub: Submission, ctx: Context) -> None:
    """{name} matches the reference on hidden inputs"""
    for _ in range(3):
        x = ctx.rng.normal(size=5)
        expected = ctx.reference.{name}(x.copy())
        got = as_array(sub.call("{name}", x.copy()), "{name}(x)", x.shape)
        require(mismatch(got, expected, "{name}(x)", ctx.analytic))
'''
    )


def _with_imports(text: str, path: Path) -> str:
    """The grader with the names the new checks use imported from calcgrade."""
    tree = ast.parse(text, str(path))
    found = [
        node
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module == "calcgrade" and node.level == 0
    ]
    _require_numpy(text, path, "the new checks use it")
    if not found:
        raise ConfigError(f"{path}: expected `from calcgrade import ...` at the top level")
    node = found[0]
    names = sorted(  # isort's order by type: CONSTANTS, Classes, functions
        {alias.name for alias in node.names} | set(GRADER_IMPORTS),
        key=lambda n: (0 if n.isupper() else 1 if n[0].isupper() else 2, n),
    )
    single = f"from calcgrade import {', '.join(names)}\n"
    statement = (
        single
        if len(single) <= 101
        else "from calcgrade import (\n" + "".join(f"    {n},\n" for n in names) + ")\n"
    )
    lines = text.splitlines(keepends=True)
    assert node.end_lineno is not None
    return "".join([*lines[: node.lineno - 1], statement, *lines[node.end_lineno :]])


def write(changes: list[Change]) -> None:
    """Write every change, each file replaced whole (a reader never sees half a file)."""
    for change in changes:
        temporary = change.path.with_name(f".{change.path.name}.new")
        temporary.write_text(change.text, encoding="utf-8")
        temporary.replace(change.path)


@click.command("new-exercise")
@click.argument("module")
@click.argument("name")
@course_option
@click.option(
    "--no-sync",
    is_flag=True,
    help="do not regenerate the generated files (tools/sync_notebooks.py, tools/contract.py)",
)
def new_exercise_command(module: str, name: str, course: Path | None, no_sync: bool) -> None:
    """Add exercise NAME to MODULE: reference, solution cells, config and two checks.

    The new exercise grades at once (the placeholder computation returns its input as
    floats); then write its reference, solution, checks and mistakes as
    docs/writing-graders.md shows.

    Example:

        calcgrade new-exercise m1_derivatives second_derivative
    """
    loaded = selected_course(course)
    changes = new_exercise(loaded, module, name)
    write(changes)
    for change in changes:
        click.echo(f"updated {change.path.relative_to(loaded.root)}")
    if not no_sync:
        for tool, what in (
            ("sync_notebooks.py", "exercises/ and the notebooks"),
            ("contract.py", "docs/contract.md"),
        ):
            script = loaded.root / "tools" / tool
            if not script.is_file():
                continue
            done = subprocess.run([sys.executable, str(script)], cwd=loaded.root, check=False)
            if done.returncode != 0:
                raise click.ClickException(f"tools/{tool} failed: see its message above")
            click.echo(f"regenerated {what}")
    click.echo(
        f"\nnext: calcgrade check solutions/{module}.py -e {name}   (full marks)\n"
        f"      calcgrade check exercises/{module}.py -e {name}   (not implemented yet)"
    )
