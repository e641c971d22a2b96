"""The graders' figure data (docs/figures.md), graded through real worker processes.

The modules of docs/figures.md's table draw pictures: their solution shows one in a
public check, and a wrong corpus file shows one in a failed check; the other modules
draw none. Which check draws which kind is the graders' choice, not listed here. Every
figure has the documented form of its kind, a hidden check's figures are for the
instructor unless revealed, and the whole result still serialises to JSON and back.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import pytest
import yaml

from calcgrade.config import Course, CourseSpec, load_course
from calcgrade.results import Figure, ModuleResult
from calcgrade.runner import Options, grade_file

from .conftest import CORPUS, ROOT, corpus_submission, failures

pytestmark = pytest.mark.slow

PATH_POINTS = 210  # paths and curves are thinned to about 200 points
GRID_SIDE = 50  # contour and probability grids are about 40 x 40 and 30 x 30

# The modules whose checks draw pictures (docs/figures.md, "Which checks record figures"),
# and for each one wrong corpus file whose failed public checks must show one. Which
# checks draw which kinds is not listed here: adding a picture to a check breaks no test.
PICTURED = {
    "m2_gradients": "ascent_wrong_sign",
    "m3_chain_rule": "missing_tanh_chain",
    "m4_gradient_descent": "stop_test_after_step",
    "m5_optimization": "trajectory_without_x0",
    "m6_xor_network": "does_not_learn",
}

# Figures revealed in a hidden check: they show only the student's own network on the
# public XOR data.
REVEALED = {("m6_xor_network", "train-learns-xor")}

CASES = [(module, "solution") for module in PICTURED] + list(PICTURED.items())


@functools.cache
def course() -> Course:
    return load_course(ROOT / "course_config.yml")


@functools.cache
def graded(module: str, name: str) -> ModuleResult:
    path = (
        ROOT / "solutions" / f"{module}.py"
        if name == "solution"
        else corpus_submission(CORPUS / module / f"{name}.py")
    )
    return grade_file(course(), module, path, Options())


# -- the documented form of each kind ---------------------------------------------------


def is_number(value: Any) -> bool:
    """A JSON number, or null (NaN and infinities are stored as null)."""
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def require_numbers(values: Any, what: str, longest: int | None = None) -> None:
    assert isinstance(values, list), f"{what}: {type(values).__name__}, expected a list"
    assert all(is_number(v) for v in values), f"{what}: not all numbers"
    if longest is not None:
        assert len(values) <= longest, f"{what}: {len(values)} values, expected <= {longest}"


def require_rows(rows: Any, width: int | None, height: int | None, what: str) -> None:
    """A 2-D list: ``height`` rows (any number if None) of ``width`` numbers (the same)."""
    assert isinstance(rows, list) and rows, f"{what}: expected a non-empty list of rows"
    if height is not None:
        assert len(rows) == height, f"{what}: {len(rows)} rows, expected {height}"
    widths = {len(row) if isinstance(row, list) else -1 for row in rows}
    assert len(widths) == 1 and min(widths) > 0, f"{what}: rows of lengths {widths}"
    if width is not None:
        assert widths == {width}, f"{what}: rows of length {widths}, expected {width}"
    for number, row in enumerate(rows):
        require_numbers(row, f"{what}[{number}]")


def require_labels(data: dict[str, Any], what: str) -> None:
    for key in ("xlabel", "ylabel", "label"):
        if key in data:
            assert isinstance(data[key], str), f"{what}: {key} is not a string"


def check_path(data: dict[str, Any], what: str) -> None:
    assert set(data) <= {"paths", "contours", "xlabel", "ylabel"}, f"{what}: keys {set(data)}"
    paths = data["paths"]
    assert isinstance(paths, dict) and paths, f"{what}: paths must map names to paths"
    for name, points in paths.items():
        assert isinstance(points, list) and points, f"{what}: paths[{name!r}] is empty"
        assert len(points) <= PATH_POINTS, f"{what}: paths[{name!r}] has {len(points)} points"
        for point in points:
            assert isinstance(point, list) and len(point) == 2, f"{what}: {point!r} is not [x, y]"
            require_numbers(point, f"{what}: paths[{name!r}]")
    if "contours" in data:
        grid = data["contours"]
        assert set(grid) == {"x", "y", "z"}, f"{what}: contours keys {set(grid)}"
        require_numbers(grid["x"], f"{what}: contours.x", GRID_SIDE)
        require_numbers(grid["y"], f"{what}: contours.y", GRID_SIDE)
        require_rows(grid["z"], len(grid["x"]), len(grid["y"]), f"{what}: contours.z")
    require_labels(data, what)


def check_curves(data: dict[str, Any], what: str) -> None:
    assert set(data) <= {"series", "xlabel", "ylabel", "log"}, f"{what}: keys {set(data)}"
    series = data["series"]
    assert isinstance(series, dict) and series, f"{what}: series must map names to lists"
    for name, values in series.items():
        require_numbers(values, f"{what}: series[{name!r}]", PATH_POINTS)
        assert values, f"{what}: series[{name!r}] is empty"
    if "log" in data:
        assert isinstance(data["log"], bool), f"{what}: log is not a bool"
    require_labels(data, what)


def check_heatmap(data: dict[str, Any], what: str) -> None:
    assert set(data) <= {"blocks", "label"}, f"{what}: keys {set(data)}"
    blocks = data["blocks"]
    assert isinstance(blocks, dict) and blocks, f"{what}: blocks must map names to 2-D lists"
    for name, rows in blocks.items():
        require_rows(rows, None, None, f"{what}: blocks[{name!r}]")
    require_labels(data, what)


def check_boundary(data: dict[str, Any], what: str) -> None:
    assert set(data) == {"grid", "points"}, f"{what}: keys {set(data)}"
    grid = data["grid"]
    assert set(grid) == {"x", "y", "p"}, f"{what}: grid keys {set(grid)}"
    require_numbers(grid["x"], f"{what}: grid.x", GRID_SIDE)
    require_numbers(grid["y"], f"{what}: grid.y", GRID_SIDE)
    require_rows(grid["p"], len(grid["x"]), len(grid["y"]), f"{what}: grid.p")
    for point in data["points"]:
        assert isinstance(point, list) and len(point) == 3, f"{what}: {point!r} is not [x, y, l]"
        require_numbers(point, f"{what}: points")


CHECKERS = {
    "path": check_path,
    "curves": check_curves,
    "heatmap": check_heatmap,
    "boundary": check_boundary,
}


def check_figure(figure: Figure, what: str) -> None:
    assert figure.kind in CHECKERS, f"{what}: unknown kind {figure.kind!r}"
    assert isinstance(figure.title, str) and figure.title, f"{what}: no title"
    CHECKERS[figure.kind](figure.data, f"{what} ({figure.kind}: {figure.title})")


# -- the tests ----------------------------------------------------------------------------


def documented_modules() -> set[str]:
    """The modules named in docs/figures.md's table of the checks that record figures."""
    text = (ROOT / "docs" / "figures.md").read_text()
    table = text.split("Which checks record figures", 1)[1]
    return set(re.findall(r"^\| (m\d_\w+) \|", table, flags=re.MULTILINE))


def test_the_documented_modules_are_the_pictured_ones() -> None:
    assert documented_modules() == set(PICTURED)


@pytest.mark.parametrize("module", sorted(set(course().spec.modules) - set(PICTURED)))
def test_modules_without_pictures_record_none(module: str) -> None:
    result = graded(module, "solution")
    assert result.score == result.max_score, failures(result)
    assert not [check.id for check in result.checks if check.figures]


@pytest.mark.parametrize(("module", "name"), CASES, ids=[f"{m}/{n}" for m, n in CASES])
def test_figures_are_recorded_as_documented(module: str, name: str) -> None:
    result = graded(module, name)
    if name == "solution":
        assert result.score == result.max_score, failures(result)
        public = [c for c in result.checks if c.visibility == "public" and c.figures]
        assert public, f"{module}: no public check of the solution records a figure"
    else:
        failed = [c for c in result.checks if c.status == "failed"]
        assert failed, failures(result)
        shown = [c for c in failed if any(f.audience == "everyone" for f in c.figures)]
        assert shown, f"{module}/{name}: no failed check shows the student a figure"
    for check in result.checks:
        for figure in check.figures:
            check_figure(figure, f"{module}/{check.id}")
            if check.visibility == "public" or (module, check.id) in REVEALED:
                assert figure.audience == "everyone", (check.id, figure.title)
            else:
                assert figure.audience == "instructor", (check.id, figure.title)


@pytest.mark.parametrize(("module", "name"), CASES, ids=[f"{m}/{n}" for m, n in CASES])
def test_result_with_figures_round_trips_through_json(module: str, name: str) -> None:
    result = graded(module, name)
    text = result.to_json()
    data = json.loads(text)
    assert any(check["figures"] for check in data["checks"])
    assert ModuleResult.from_dict(data) == result


def test_paths_show_the_student_and_the_reference() -> None:
    result = graded("m2_gradients", "ascent_wrong_sign")
    check = next(c for c in result.checks if c.id == "gradient-ascent-course-example")
    (figure,) = check.figures
    paths = figure.data["paths"]
    assert set(paths) == {"yours", "reference"}
    assert paths["yours"][0] == paths["reference"][0] == [0.0, 0.0]  # both start at x0
    assert paths["reference"][-1] == pytest.approx([3.0, -1.0], abs=1e-6)  # the maximum
    assert paths["yours"][1][0] < 0  # the wrong sign climbs downhill
    contours = figure.data["contours"]
    xs, ys = contours["x"], contours["y"]
    assert min(xs) <= 0.0 <= 3.0 <= max(xs) and min(ys) <= -1.0 <= 0.0 <= max(ys)


def test_xor_boundary_is_the_students_network_on_a_grid() -> None:
    result = graded("m6_xor_network", "solution")
    check = next(c for c in result.checks if c.id == "train-learns-xor")
    boundary = next(f for f in check.figures if f.kind == "boundary")
    grid = boundary.data["grid"]
    assert len(grid["x"]) == len(grid["y"]) == 30
    assert grid["x"][0] == grid["y"][0] == -0.5 and grid["x"][-1] == grid["y"][-1] == 1.5
    p = grid["p"]
    assert all(0.0 <= v <= 1.0 for row in p for v in row)

    def nearest(x: float, y: float) -> float:
        i = min(range(30), key=lambda k: abs(grid["y"][k] - y))
        j = min(range(30), key=lambda k: abs(grid["x"][k] - x))
        return float(p[i][j])

    # a network that learned XOR: the corners of label 1 lie above 0.5, the others below
    for x, y, label in boundary.data["points"]:
        assert (nearest(x, y) > 0.5) == (label == 1), (x, y, label)


def test_made_hidden_a_check_s_figures_go_to_the_instructor() -> None:
    """train-learns-xor made hidden: its figures show what the student's code returned,
    which could carry what it saw in earlier hidden checks, so they become the
    instructor's only, like every hidden check's figures."""
    data = yaml.safe_load((ROOT / "course_config.yml").read_text())
    train = data["modules"]["m6_xor_network"]["exercises"]["train"]["checks"]
    train["train-learns-xor"]["visibility"] = "hidden"
    hidden = Course(CourseSpec.model_validate(data), ROOT, "figures-test")
    result = grade_file(
        hidden,
        "m6_xor_network",
        ROOT / "solutions" / "m6_xor_network.py",
        Options(exercise="train"),
    )
    learns = next(c for c in result.checks if c.id == "train-learns-xor")
    assert learns.visibility == "hidden" and learns.status == "passed"
    assert {f.kind for f in learns.figures} == {"curves", "boundary"}
    assert all(f.audience == "instructor" for f in learns.figures)


def test_a_hidden_checks_figures_are_for_the_instructor() -> None:
    result = graded("m5_optimization", "solution")
    hidden = [c for c in result.checks if c.visibility == "hidden" and c.figures]
    assert hidden
    assert all(f.audience == "instructor" for c in hidden for f in c.figures)
    public = [c for c in result.checks if c.visibility == "public" and c.figures]
    assert public
    assert all(f.audience == "everyone" for c in public for f in c.figures)
