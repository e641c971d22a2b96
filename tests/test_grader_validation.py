"""A grader that does not fit the course is refused when it loads, naming the place;
a hint id that escapes that check never leaves a student ungraded."""

from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path

import pytest

from calcgrade.config import Course, load_course
from calcgrade.errors import ConfigError
from calcgrade.grader_validation import GraderWarning, validate_grader
from calcgrade.hint_flow import hint_uses
from calcgrade.runner import check_namespace, load_grader

from .conftest import ROOT

TINY = ROOT / "tests" / "fixtures" / "tiny_course"

HEAD = '''
import numpy as np

from calcgrade import CheckFailure, Context, Grader, Submission, as_array, mismatch, require

grader = Grader("t1_squares", {"cubed": "Square x: x ** 2.", "doubled": "Not 2 * x."})


def square_of(sub, ctx):
    x = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]])
    return x, as_array(sub.call("square", x.copy()), "square(x)", x.shape)


@grader.check("square-hidden", exercise="square")
def square_hidden(sub: Submission, ctx: Context) -> None:
    """square squares"""
    x, got = square_of(sub, ctx)
    mistakes = {"cubed": x**3, "doubled": 2 * x}
    require(mismatch(got, x**2, "square(x)", ctx.analytic, mistakes=mistakes))


@grader.check("square-leaves-input", exercise="square")
def square_leaves_input(sub: Submission, ctx: Context) -> None:
    """square leaves its input"""


@grader.check("add-one-value", exercise="add_one")
def add_one_value(sub: Submission, ctx: Context) -> None:
    """add_one adds one"""
'''

VALUES = '''

@grader.check("square-values", exercise="square")
def square_values(sub: Submission, ctx: Context) -> None:
    """square squares every entry"""
    x, got = square_of(sub, ctx)
{body}
'''


def course_with(tmp_path: Path, body: str, head: str = HEAD) -> Course:
    """The tiny course in ``tmp_path``, its grader's check square-values made of ``body``."""
    for folder in ("graders", "reference"):
        (tmp_path / folder).mkdir()
        for file in (TINY / folder).glob("*.py"):
            (tmp_path / folder / file.name).write_text(file.read_text())
    (tmp_path / "course_config.yml").write_text((TINY / "course_config.yml").read_text())
    grader = head + VALUES.format(body="\n".join("    " + line for line in body.splitlines()))
    (tmp_path / "graders" / "t1_squares.py").write_text(grader)
    return load_course(tmp_path)


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_every_grader_of_the_course_loads_and_gives_only_its_own_hints() -> None:
    course = load_course(ROOT / "course_config.yml")
    with warnings.catch_warnings():
        warnings.simplefilter("error", GraderWarning)
        for module in course.spec.modules:
            grader = load_grader(course, module)
            path = course.grader_path(module)
            names = vars(sys.modules[f"calcgrade_graders.{module}"])
            uses = validate_grader(course, module, grader, path, names)
            assert uses is not None
            assert {use.hint for use in uses} == set(grader.hints), module


@pytest.mark.parametrize(
    ("body", "mark"),
    [
        ('raise CheckFailure("wrong", hint="squared_twice")', "squared_twice"),
        ('raise CheckFailure("wrong", hint="cubed" if got.sum() else "nope")', "nope"),
        (
            'require(mismatch(got, x**2, "square(x)", ctx.analytic, mistakes={"halved": x / 2}))',
            "halved",
        ),
        (
            "table = [('cubed', x**3)]\n"
            "table += [('cubd', x**3)]\n"
            "require(mismatch(got, x**2, 'square(x)', ctx.analytic, mistakes=dict(table)))",
            "cubd",
        ),
        (
            "failure = CheckFailure('wrong')\n"
            "failure.hint = next((h for h, p in [('negated', -x)] if p.sum()), None)\n"
            "raise failure",
            "negated",
        ),
    ],
)
def test_an_unknown_hint_id_is_refused_naming_its_file_and_line(
    tmp_path: Path, body: str, mark: str
) -> None:
    course = course_with(tmp_path, body)
    path = tmp_path / "graders" / "t1_squares.py"
    with pytest.raises(ConfigError) as raised:
        load_grader(course, "t1_squares")
    assert str(raised.value).startswith(f"{path}:{line_of(path, repr(mark)[1:-1])}: ")
    assert f"unknown hint id {mark!r}" in str(raised.value)


def test_a_hint_id_returned_by_a_helper_is_followed(tmp_path: Path) -> None:
    head = (
        HEAD
        + """

def which(got, x):
    for name, predicted in mistakes_of(x):
        if np.allclose(got, predicted):
            return name
    return None


def mistakes_of(x):
    table = [("cubed", x**3)]
    table.append(("tripled", 3 * x))
    return table
"""
    )
    course = course_with(tmp_path, 'raise CheckFailure("wrong", hint=which(got, x))', head)
    path = tmp_path / "graders" / "t1_squares.py"
    with pytest.raises(ConfigError, match=re.escape(f"{path}:{line_of(path, 'tripled')}: ")):
        load_grader(course, "t1_squares")


def test_a_check_of_an_exercise_the_module_lacks_is_refused(tmp_path: Path) -> None:
    course_with(tmp_path, "pass")
    path = tmp_path / "graders" / "t1_squares.py"
    path.write_text(path.read_text().replace('exercise="add_one"', 'exercise="add_two"'))
    with pytest.raises(ConfigError) as raised:
        load_grader(load_course(tmp_path), "t1_squares")
    line = line_of(path, '"add-one-value"')
    assert str(raised.value) == (
        f"{path}:{line}: check 'add-one-value' grades exercise 'add_two', which module "
        "t1_squares does not have in course_config.yml (its exercises: square, add_one)"
    )


def test_a_check_renamed_in_the_grader_names_the_config_key(tmp_path: Path) -> None:
    course_with(tmp_path, "pass")
    path = tmp_path / "graders" / "t1_squares.py"
    path.write_text(path.read_text().replace('"square-leaves-input"', '"square-leaves-x"'))
    with pytest.raises(ConfigError) as raised:
        load_grader(load_course(tmp_path), "t1_squares")
    assert str(raised.value) == (
        "course_config.yml: modules.t1_squares.exercises.square.checks.square-leaves-input: "
        "no such check in t1_squares.py"
    )


def test_a_check_missing_from_the_config_names_its_line(tmp_path: Path) -> None:
    course_with(tmp_path, "pass")
    path = tmp_path / "graders" / "t1_squares.py"
    text = path.read_text() + (
        '\n\n@grader.check("square-extra", exercise="square")\n'
        "def square_extra(sub, ctx):\n"
        '    """more"""\n'
    )
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_grader(load_course(tmp_path), "t1_squares")
    assert str(raised.value) == (
        f"{path}:{line_of(path, 'square-extra')}: check 'square-extra' of exercise 'square' "
        "is not in course_config.yml (add it under modules.t1_squares.exercises.square.checks)"
    )


def test_a_hint_nothing_gives_is_a_warning_only(tmp_path: Path) -> None:
    course_with(tmp_path, 'raise CheckFailure("wrong", hint="cubed")')
    path = tmp_path / "graders" / "t1_squares.py"
    path.write_text(path.read_text().replace(', "doubled": 2 * x}', "}"))
    with pytest.warns(GraderWarning, match="doubled"):
        assert load_grader(load_course(tmp_path), "t1_squares").module == "t1_squares"


def test_a_hint_id_made_at_run_time_fails_the_check_without_a_hint(tmp_path: Path) -> None:
    body = 'raise CheckFailure("square(x) is wrong", hint="cu" + "bd", detail="got 1")'
    course = course_with(tmp_path, body)
    assert "cubd" not in {use.hint for use in hint_uses({"g": HEAD + body})}
    load_grader(course, "t1_squares")  # the static check cannot see it

    def square(x: object) -> object:
        return x

    def add_one(x: float) -> float:
        return x + 1

    result = check_namespace(course, "t1_squares", {"square": square, "add_one": add_one})
    check = next(c for c in result.checks if c.id == "square-values")
    assert (check.status, check.score, check.hint, check.hint_id) == ("failed", 0, None, None)
    assert check.message == "got 1"  # a public check: what the student sees has no note
    assert check.detail == (
        "got 1\n[grader fault: check square-values of t1_squares failed with hint id 'cubd', "
        "which is not a key of the grader's hints; the check failed without a hint]"
    )
    assert result.max_score == 5 and result.score == 2  # every other check graded


def test_a_package_grader_is_followed_into_its_other_files(tmp_path: Path) -> None:
    course_with(tmp_path, "raise CheckFailure('wrong', hint=which(got, x))")
    single = tmp_path / "graders" / "t1_squares.py"
    package = tmp_path / "graders" / "t1_squares"
    package.mkdir()
    text = single.read_text().replace(
        "import numpy as np\n", "import numpy as np\n\nfrom .diagnosis import which\n", 1
    )
    (package / "__init__.py").write_text(text)
    single.unlink()
    (package / "diagnosis.py").write_text(
        "import numpy as np\n\n\n"
        "def which(got, x):\n"
        "    for name, predicted in MISTAKES(x):\n"
        "        if np.allclose(got, predicted):\n"
        "            return name\n"
        "    return None\n\n\n"
        "def MISTAKES(x):\n"
        "    return [('cubed', x**3), ('doubld', 2 * x)]\n"
    )
    with pytest.raises(ConfigError) as raised:
        load_grader(load_course(tmp_path), "t1_squares")
    where = package / "diagnosis.py"
    assert str(raised.value).startswith(f"{where}:{line_of(where, 'doubld')}: unknown hint id")
