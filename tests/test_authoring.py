"""docs/writing-graders.md's worked example, followed step by step in a copy of the course.

The guide's steps are marked in its source with an HTML comment before a code block:

- ``<!-- step: run -->``: a console block; each ``$ `` line runs in the course folder
  (``calcgrade`` and ``python`` are this environment's);
- ``<!-- step: replace FILE NAME -->``: the block takes the place of the top-level
  definition NAME of FILE (with its decorators);
- ``<!-- step: replace-markdown FILE HEADING -->``: the block takes the place of the
  markdown cell of FILE whose first line is HEADING;
- ``<!-- step: add-entry FILE DICT -->``: the block's lines are added at the end of the
  top-level dict literal DICT of FILE;
- ``<!-- step: create FILE -->``: the block is a new file.

After the steps: the new exercise grades as the guide says (solution full marks, stub
"not implemented yet", the new corpus case its hint), the generated files are up to
date, the linters pass, and at most six files were written by hand, none of them an
existing corpus file.
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from calcgrade.config import load_course
from calcgrade.runner import Options, grade_file

from .conftest import ROOT, corpus_submission, expectation, failures

pytestmark = pytest.mark.slow

GUIDE = ROOT / "docs" / "writing-graders.md"
STEP = re.compile(
    r"<!-- step: (?P<kind>[\w-]+)(?P<args>[^>]*?) -->\n+```\w*\n(?P<body>.*?)```", re.S
)
GENERATED = re.compile(r"(exercises/.*|solutions/.*\.ipynb|docs/contract\.md)\Z")
COPIED = (
    "course_config.yml",
    "pyproject.toml",  # the linters' configuration
    "graders",
    "reference",
    "solutions",
    "exercises",
    "tools",
    "docs",
)


@dataclass(frozen=True)
class Step:
    kind: str
    args: list[str]
    body: str


def guide_steps() -> list[Step]:
    text = GUIDE.read_text()
    return [Step(m["kind"], shlex.split(m["args"]), m["body"]) for m in STEP.finditer(text)]


def definition_lines(text: str, name: str) -> tuple[int, int]:
    """The 0-based line range of top-level definition ``name``: its decorators, and the
    indented comments that end its body (such as ``### END SOLUTION``)."""
    lines = text.splitlines()
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name == name:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            end = node.end_lineno
            assert end is not None
            while end < len(lines) and re.match(r"\s+#", lines[end]):
                end += 1
            return first - 1, end
    raise AssertionError(f"no top-level definition {name!r}")


def apply(step: Step, course: Path) -> None:
    if step.kind == "run":
        for line in step.body.splitlines():
            if line.startswith("$ "):
                run(line[2:], course)
        return
    path = course / step.args[0]
    if step.kind == "create":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(step.body)
        return
    lines = path.read_text().splitlines(keepends=True)
    new = step.body.splitlines(keepends=True)
    if step.kind == "replace":
        start, end = definition_lines("".join(lines), step.args[1])
    elif step.kind == "replace-markdown":
        heading = lines.index(step.args[1] + "\n")
        start = max(i for i in range(heading) if lines[i].startswith("# %% [markdown]"))
        end = next(i for i in range(heading, len(lines)) if lines[i].startswith("# %%"))
        while not lines[end - 1].strip():  # the blank lines before the next cell stay
            end -= 1
        new = ["# %% [markdown]\n", *new]
    elif step.kind == "add-entry":
        node = next(
            n
            for n in ast.parse("".join(lines)).body
            if isinstance(n, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == step.args[1] for t in n.targets)
        )
        assert node.end_lineno is not None
        start = end = node.end_lineno - 1  # before the closing brace's line
    else:
        raise AssertionError(f"unknown step kind {step.kind!r}")
    path.write_text("".join([*lines[:start], *new, *lines[end:]]))


def run(command: str, course: Path) -> str:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("CALCGRADE_COURSE", None)  # the commands find the course they run in, not this one
    done = subprocess.run(
        command, shell=True, cwd=course, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"$ {command}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in folder.rglob("*")
        if path.is_file() and not {"__pycache__", "src"} & set(path.relative_to(folder).parts)
    }


def repository_course() -> dict[str, bytes]:
    """The files of this repository's course that the guide's steps edit in the copy."""
    files = {name: snapshot(ROOT / name) for name in ("graders", "reference", "solutions")}
    config = {"course_config.yml": (ROOT / "course_config.yml").read_bytes()}
    return {
        f"{folder}/{path}": data for folder, found in files.items() for path, data in found.items()
    } | config


def test_the_guides_worked_example_adds_an_exercise(tmp_path: Path) -> None:
    course = tmp_path / "course"
    course.mkdir()
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, course / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, course / name)
    (course / "tests" / "submissions").mkdir(parents=True)
    (course / "src").symlink_to(ROOT / "src")  # calcgrade is first-party for the linters
    before = snapshot(course)

    ours = repository_course()
    steps = guide_steps()
    assert steps, "docs/writing-graders.md has no marked steps"
    for step in steps:
        apply(step, course)
    assert repository_course() == ours, "a step changed this repository's course, not the copy"

    after = snapshot(course)
    changed = sorted(path for path in after if before.get(path) != after[path])
    by_hand = [path for path in changed if not GENERATED.match(path)]
    assert len(by_hand) <= 6, by_hand
    assert not [
        path for path in by_hand if path.startswith("tests/submissions/") and path in before
    ]

    new_case = next(
        Path(course / path) for path in by_hand if path.startswith("tests/submissions/")
    )
    module = new_case.parent.name
    expect = expectation(new_case)
    loaded = load_course(course / "course_config.yml")
    exercise = expect.exercise
    assert exercise in loaded.module(module).exercises

    solution = grade_file(loaded, module, course / "solutions" / f"{module}.py", Options())
    assert solution.score == solution.max_score, failures(solution)
    stub = grade_file(
        loaded, module, course / "exercises" / f"{module}.py", Options(exercise=exercise)
    )
    assert stub.score == 0 and all("not implemented yet" in c.message for c in stub.checks)
    wrong = grade_file(loaded, module, corpus_submission(new_case, tmp_path / "merged", course))
    assert {c.exercise for c in wrong.checks if c.status != "passed"} == {exercise}
    hinted = [c for c in wrong.checks if c.hint_id == expect.hint]
    assert hinted and hinted[0].hint and len(hinted[0].hint) > 20, failures(wrong)

    for tool in ("tools/sync_notebooks.py", "tools/contract.py"):
        run(f"python {tool} --check", course)
    run("ruff check --no-cache graders reference && ruff format --check graders reference", course)
