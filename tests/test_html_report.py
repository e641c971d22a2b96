"""HTML feedback and class report: escaping, the two audiences, every figure kind, bad data."""

from __future__ import annotations

import math
import re
from typing import Any, Literal

import numpy as np
import pytest

from calcgrade import figures
from calcgrade.gradebook import Row
from calcgrade.html_report import class_page, row_page, student_page
from calcgrade.results import CheckResult, Figure, ModuleResult, summarise

HOSTILE = '<script>alert("pwned")</script><img src=x onerror=alert(1)>'
SECRET = "square(x) at hidden x = [0.1234, -5.678]: got 0.00188, expected 0.01523"
HINT = "You cubed x; square it instead: x ** 2."

GRID = np.linspace(-1.0, 1.0, 12)
EXAMPLES = {
    "path": {
        "paths": {"yours": [[0.0, 0.0], [0.5, 0.2], [0.9, None]], "reference": [[0, 0], [1, 1]]},
        "contours": {
            "x": GRID.tolist(),
            "y": GRID[:10].tolist(),
            "z": (GRID[None, :] ** 2 + GRID[:10, None] ** 2).tolist(),
        },
        "xlabel": "price",
        "ylabel": "ad spend",
    },
    "curves": {"series": {"yours": [4.0, 2.0, None, 0.5], "reference": [4, 1, 0.25]}, "log": True},
    "heatmap": {
        "blocks": {"W1": [[1e-10, 0.3], [0.0, None], [2e-9, 1e-3]], "b1": [1e-12, 4e-11]},
        "label": "relative error",
    },
    "boundary": {
        "grid": {
            "x": [0.0, 0.5, 1.0],
            "y": [0.0, 1.0],
            "p": [[0.1, 0.6, 0.9], [0.8, None, 0.2]],
        },
        "points": [[0, 0, 0], [0, 1, 1], [1, 0, 1], [1, 1, 0]],
    },
}
MINIMAL = {
    "path": {"paths": {"yours": [[0, 0], [1, 1]]}},
    "curves": {"series": {"loss": [3, 2, 1]}},
    "heatmap": {"blocks": {"W": [[1, 2], [3, 4]]}},
    "boundary": {"points": [[0, 0, 0], [1, 1, 1]]},
}


def check(
    check_id: str,
    status: Literal["passed", "failed", "error", "timeout"] = "failed",
    visibility: Literal["public", "hidden"] = "public",
    **fields: Any,
) -> CheckResult:
    values: dict[str, Any] = {"exercise": "square", "message": f"{check_id} failed", **fields}
    return CheckResult(
        id=check_id,
        score=1.0 if status == "passed" else 0.0,
        max_score=1.0,
        status=status,
        visibility=visibility,
        **values,
    )


def result(*checks: CheckResult, module: str = "t1_squares", **fields: Any) -> ModuleResult:
    return ModuleResult(
        module=module,
        score=sum(c.score for c in checks),
        max_score=sum(c.max_score for c in checks),
        isolation="basic",
        checks=checks,
        submission="/home/someone/t1_squares.py",
        seed_fingerprint="abcdef012345",
        course_version="7+abc",
        exercises=summarise(checks),
        **fields,
    )


def svg_count(page: str) -> int:
    return len(re.findall(r"<svg\b", page))


# ---- figures ------------------------------------------------------------------------


def assert_self_contained_svg(svg: str) -> None:
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "<?xml" not in svg and "<!DOCTYPE" not in svg
    without_namespaces = re.sub(r'xmlns(:\w+)?="[^"]*"', "", svg)
    without_namespaces = re.sub(r'rdf:resource="[^"]*"', "", without_namespaces)  # metadata
    assert "http" not in without_namespaces, "an SVG must not point anywhere"
    assert "@font-face" not in svg and "<script" not in svg


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_every_kind_renders_to_a_self_contained_svg(kind: str) -> None:
    svg = figures.render_svg(Figure(kind, f"a {kind}", EXAMPLES[kind]))
    assert_self_contained_svg(svg)
    assert "figure-note" not in svg, svg[:400]
    assert svg.count("<g id=") > 5  # drawn by matplotlib, not a note


@pytest.mark.parametrize("kind", sorted(MINIMAL))
def test_only_the_required_fields_are_enough(kind: str) -> None:
    svg = figures.render_svg(Figure(kind, kind, MINIMAL[kind]))
    assert_self_contained_svg(svg)
    assert "figure-note" not in svg


def test_text_in_figures_stays_text_and_is_escaped() -> None:
    data = {"series": {"<b>yours</b> & $x_0$": [1, 2]}, "xlabel": "step <i>"}
    svg = figures.render_svg(Figure("curves", "t", data))
    assert "&lt;b&gt;yours&lt;/b&gt; &amp; $x_0$" in svg  # svg.fonttype none, no mathtext
    assert "<b>" not in svg and "<i>" not in svg


BAD = [
    Figure("pie", "unknown kind", {"slices": [1, 2]}),
    Figure("path", "data not a mapping", "oops"),  # type: ignore[arg-type]
    Figure("path", "no paths", {}),
    Figure("path", "paths not a mapping", {"paths": [[0, 0], [1, 1]]}),
    Figure("path", "text for numbers", {"paths": {"a": "xyz"}}),
    Figure("path", "not pairs", {"paths": {"a": [1, 2, 3]}}),
    Figure("path", "ragged", {"paths": {"a": [[0, 0], [1]]}}),
    Figure("path", "contours the wrong shape", {**MINIMAL["path"], "contours": {"x": [0, 1]}}),
    Figure(
        "path",
        "z not len(y) x len(x)",
        {**MINIMAL["path"], "contours": {"x": [0, 1], "y": [0, 1], "z": [[1, 2, 3]]}},
    ),
    Figure("curves", "all null", {"series": {"a": [None, None]}, "log": True}),
    Figure("curves", "nothing positive on a log scale", {"series": {"a": [0, -1]}, "log": True}),
    Figure("curves", "empty series", {"series": {"a": []}}),
    Figure("curves", "nested dicts", {"series": {"a": {"b": 1}}}),
    Figure("heatmap", "no blocks", {"blocks": {}}),
    Figure("heatmap", "all null", {"blocks": {"W": [[None, None]]}}),
    Figure("heatmap", "empty block", {"blocks": {"W": []}}),
    Figure("heatmap", "scalar and 3-D", {"blocks": {"a": 3.0, "b": [[[1, 2], [3, 4]]]}}),
    Figure("heatmap", "signed", {"blocks": {"a": [[-1, 2], [0, 5e-9]]}}),
    Figure("boundary", "nothing", {}),
    Figure("boundary", "grid the wrong shape", {"grid": {"x": [1, 2], "y": [1], "p": [[1]]}}),
    Figure("boundary", "points not triples", {"points": [[0, 0]]}),
    Figure("boundary", "grid all null", {"grid": {"x": [0, 1], "y": [0], "p": [[None, None]]}}),
    Figure("path", "huge values", {"paths": {"a": [[0, 0], [1e300, -1e308], [math.inf, 0]]}}),
]


@pytest.mark.parametrize("figure", BAD, ids=[f.title for f in BAD])
def test_bad_figure_data_gives_an_svg_never_an_exception(figure: Figure) -> None:
    assert_self_contained_svg(figures.render_svg(figure))


def test_an_unknown_kind_says_so() -> None:
    svg = figures.render_svg(Figure("pie<script>", "t", {}))
    assert 'class="figure-note"' in svg
    assert "cannot draw this figure: unknown kind &#x27;pie&lt;script&gt;&#x27;" in svg


def test_bad_data_names_the_field() -> None:
    svg = figures.render_svg(Figure("path", "t", {"paths": {"yours": "xyz"}}))
    assert "cannot draw this figure: paths[&#x27;yours&#x27;] is not a list of numbers" in svg


def test_histogram() -> None:
    svg = figures.histogram_svg([0, 2.5, 5, 5, 5], 5)
    assert_self_contained_svg(svg)
    assert "figure-note" not in svg


# ---- a student's page -----------------------------------------------------------------


def hostile_result() -> ModuleResult:
    return result(
        check(
            "square-values",
            message=f"got {HOSTILE}",
            hint=f"hint {HOSTILE}",
            hint_id="cubed",
            exercise=f"square{HOSTILE}",
            figures=(Figure("curves", f"title {HOSTILE}", MINIMAL["curves"]),),
        ),
        output=f"printed {HOSTILE}",
        load_notes=(f"note {HOSTILE}",),
    )


@pytest.mark.parametrize("audience", ["student", "instructor"])
def test_everything_from_a_result_is_escaped(audience: Literal["student", "instructor"]) -> None:
    page = student_page([hostile_result()], f"eve{HOSTILE}", audience)
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in page
    assert page.count("&lt;script&gt;") >= (6 if audience == "instructor" else 5)


def test_the_page_is_self_contained_and_forbids_the_network() -> None:
    page = student_page([audience_result()], "eve", "instructor")
    assert page.startswith("<!DOCTYPE html>")
    assert (
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">" in page
    )
    assert "<link" not in page and "<script" not in page and "src=" not in page
    assert not re.search(r'href="(?!#|data:)', page)


def test_control_characters_and_lone_surrogates_do_not_break_the_page() -> None:
    page = student_page([result(check("c", message="a\x00b\x1bc \udc80 d"))], "x", "student")
    page.encode("utf-8")  # writable as UTF-8
    assert "a\N{REPLACEMENT CHARACTER}b\N{REPLACEMENT CHARACTER}c ? d" in page


def audience_result() -> ModuleResult:
    return result(
        check(
            "square-values",
            hint=HINT,
            hint_id="cubed",
            figures=(Figure("curves", "everyone sees this", MINIMAL["curves"]),),
        ),
        check(
            "square-hidden",
            visibility="hidden",
            message="square(x) is wrong on hidden inputs: relative error 0.88 (wrong)",
            detail=SECRET,
            hint=HINT,
            figures=(
                Figure("path", "hidden inputs drawn", MINIMAL["path"], "instructor"),
                Figure("heatmap", "revealed error pattern", MINIMAL["heatmap"], "everyone"),
            ),
        ),
        check(
            "add-one",
            status="passed",
            exercise="add_one",
            message="add_one works",
            figures=(Figure("curves", "a passed check's picture", MINIMAL["curves"]),),
        ),
        output="hidden x = [0.1234, -5.678]\n",  # what a student's code may print
    )


def test_the_student_sees_messages_and_everyone_figures_only() -> None:
    page = student_page([audience_result()], "ann", "student")
    assert "square(x) is wrong on hidden inputs: relative error 0.88 (wrong)" in page
    assert "0.1234" not in page and "expected 0.01523" not in page
    assert "hidden inputs drawn" not in page
    assert "everyone sees this" in page and "revealed error pattern" in page
    assert "a passed check's picture" not in page  # pictures explain lost points
    assert "abcdef012345" not in page and "Instructor copy" not in page
    assert svg_count(page) == 2
    assert f"<strong>Hint:</strong> {HINT}" in page
    assert "t1_squares.py" in page and "/home/someone" not in page


def test_the_instructor_sees_details_every_figure_and_the_output() -> None:
    page = student_page([audience_result()], "ann", "instructor")
    assert "square(x) at hidden x = [0.1234, -5.678]: got 0.00188, expected 0.01523" in page
    assert "<summary>What the student sees</summary>" in page
    assert 'hidden inputs drawn <span class="badge instructor">instructor only</span>' in page
    assert "hidden x = [0.1234, -5.678]" in page  # the output
    assert "hidden seed fingerprint abcdef012345" in page and "Instructor copy." in page
    assert svg_count(page) == 3


def test_a_figure_drawn_for_both_pages_is_drawn_once(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[str] = []
    real = figures.render_svg

    def counting(figure: Figure) -> str:
        drawn.append(figure.title)
        return real(figure)

    monkeypatch.setattr(figures, "render_svg", counting)
    row = Row("ann", {"t1_squares": audience_result()}, {})
    cache: dict[int, tuple[Figure, str]] = {}
    row_page(row, "student", cache)
    row_page(row, "instructor", cache)
    assert sorted(drawn) == ["everyone sees this", "hidden inputs drawn", "revealed error pattern"]


def test_modules_not_graded_are_listed() -> None:
    row = Row("ann", {"t1_squares": audience_result()}, {"t2_more": "ungraded (worker died)"})
    page = row_page(row)
    assert "<h1>Feedback for ann</h1>" in page
    assert '<p class="notgraded">Not graded: ungraded (worker died).</p>' in page
    assert '<a href="#t2_more">t2_more</a> (not graded)' in page


def test_points_per_exercise() -> None:
    page = student_page([audience_result()], None, "student")
    assert "<h1>Feedback on t1_squares.py</h1>" in page
    assert '<td class="num none">0 / 2</td><td>' in page
    assert "0 of 2 passed" in page and "1 of 1 passed" in page
    assert "1 / 3 points</span>" in page


# ---- the class report -----------------------------------------------------------------


def class_rows() -> list[Row]:
    def graded(score_square: float, hint_id: str | None, seconds: float) -> ModuleResult:
        lost = score_square == 0
        return result(
            check(
                "square-values",
                status="failed" if lost else "passed",
                hint=HINT if hint_id else None,
                hint_id=hint_id,
            ),
            check("add-one", status="passed", exercise="add_one"),
            seconds=seconds,
        )

    return [
        Row("ann", {"t1_squares": graded(1, None, 0.2)}, {}),
        Row("ben", {"t1_squares": graded(0, "cubed", 3.5)}, {}),
        Row("cy<b>", {"t1_squares": graded(0, "cubed", 0.4)}, {}),
        Row("dee", {"t1_squares": graded(0, None, 0.1)}, {}),
        Row("eve", {}, {"t1_squares": "ungraded (the worker would not start)"}),
    ]


def test_the_class_report() -> None:
    page = class_page(
        class_rows(),
        ["stray.txt: a file at the top level", "<b>.zip"],
        exercises={"t1_squares": ["square", "add_one"]},
        links={"ann": {"feedback": "feedback/ann.html"}},
        summary="This run: graded 4",
    )
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    assert "5 students · 4 submissions graded · 1 ungraded · 2 not placed" in page
    assert svg_count(page) == 1  # the score histogram
    # pass rate per exercise, in course order
    assert page.index("<td>square</td>") < page.index("<td>add_one</td>")
    assert '<td>square</td><td class="num">1 / 4 (25%)</td>' in page
    assert '<td>add_one</td><td class="num">4 / 4 (100%)</td>' in page
    # the most frequent mistakes, with the hint students got, then the undiagnosed ones
    assert (
        '<tr><td class="num">2</td><td>t1_squares › square</td><td><code>cubed</code>'
        f'<br><span class="meta">{HINT}</span></td><td class="num">2</td></tr>'
    ) in page
    assert (
        "<h3>Points lost without a recognised mistake</h3>" in page
        and '<tr><td class="num">1</td><td>t1_squares › square</td><td class="num">1</td></tr>'
        in page
    )
    # slowest first; ungraded with the reason; what was not placed
    assert page.index("<tr><td>ben</td>") < page.index("<tr><td>cy&lt;b&gt;</td>")
    assert "<td>eve</td><td>t1_squares</td><td>ungraded (the worker would not start)</td>" in page
    assert "<li>stray.txt: a file at the top level</li>" in page and "&lt;b&gt;.zip" in page
    assert '<a href="feedback/ann.html">feedback</a>' in page
    assert "<b>" not in page


def test_an_empty_class_report() -> None:
    page = class_page([], [])
    assert "0 students · 0 submissions graded · 0 ungraded · 0 not placed" in page
    assert "<p>No points lost.</p>" in page and "<p>None graded.</p>" in page


def test_a_hints_code_spans_are_set_in_code_after_escaping() -> None:
    from calcgrade.html_report import hint_html

    assert hint_html("use `x + h`, not `x - h`") == (
        "use <code>x + h</code>, not <code>x - h</code>"
    )
    assert hint_html("`a < b` and <script>") == ("<code>a &lt; b</code> and &lt;script&gt;")
