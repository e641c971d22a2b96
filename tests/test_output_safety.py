"""Student-controlled text never injects into an output: terminal, Markdown, CSV, HTML, JSON.

Student ids are folder names (anything but ``/`` and NUL), and messages quote
the student's errors and output: none of it may clear the instructor's screen,
forge a terminal hyperlink, add rich markup, flip text with a bidi override,
become raw HTML in the feedback or a formula in the gradebook.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import unicodedata
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from calcgrade import gradescope as gs
from calcgrade import report
from calcgrade.batch import BatchResult
from calcgrade.classdir import Entry
from calcgrade.gradebook import Row, feedback_markdown, gradebook_csv
from calcgrade.html_report import class_page, row_page
from calcgrade.results import CheckResult, ModuleResult
from calcgrade.text_safety import csv_cell, markdown_text, printable

from .test_html_report import check, result

# clears the screen, an OSC 8 hyperlink, then rich markup
EVIL = "\x1b[2J\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\[bold]x"
MESSAGE = (
    "got \x1b[31mred\x1b[0m\rOVERWRITTEN and \u202egnp.exe\n"
    "<script>alert(1)</script>\n"
    "\n"
    "# not a heading\n"
    "\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\"
)
NOTE = "graded <b>\x1b[2Jevil\u202e.py</b>; also found *x*"
FORBIDDEN = ("\x1b", "\r", "\u202e")
SGR = re.compile(r"\x1b\[[0-9;]*m")  # rich's own colours, on a terminal
MODULE = "t1_squares"
EXERCISES = {MODULE: ["square"]}


def assert_clean(output: str) -> None:
    for character in FORBIDDEN:
        assert character not in output, (character, output)


def hostile_result() -> ModuleResult:
    return result(
        check("square-values", message=MESSAGE, hint="square it: `x ** 2`"),
        check("square-hidden", visibility="hidden", message=EVIL, detail=MESSAGE),
        check("square-ok", status="passed"),
        load_notes=(NOTE, EVIL),
        output=MESSAGE,
    )


def hostile_row(student: str = EVIL) -> Row:
    return Row(student, {MODULE: hostile_result()}, {"t2_more": f"ungraded ({MESSAGE})"})


def terminal(width: int = 200) -> tuple[Console, io.StringIO]:
    stream = io.StringIO()
    return Console(file=stream, force_terminal=True, width=width), stream


# ---- the exact escapes ----------------------------------------------------------------


def test_printable_pins() -> None:
    assert printable("a\x1bb") == "a\\x1bb"
    assert printable("x\u202ey\r") == "x\\u202ey\\x0d"
    assert printable("a\n\tb") == "a\n\tb"
    assert printable("a\n\tb", newlines=False) == "a\\x0a\\x09b"
    assert printable("\x85\x9b") == "\\x85\\x9b"  # C1 controls: NEL and the one-byte CSI


def test_markdown_text_pins() -> None:
    assert markdown_text("<b>*x*</b>") == "\\<b\\>\\*x\\*\\</b\\>"
    assert markdown_text("[a](b) | `c` _d_") == "\\[a\\](b) \\| \\`c\\` \\_d\\_"
    assert markdown_text("# h\n- i") == "\\# h\\\\x0a- i"
    assert markdown_text("not graded: a link; see a.py") == "not graded: a link; see a.py"
    assert markdown_text("ann") == "ann"


def test_csv_cell_pins() -> None:
    assert csv_cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    for start in ("=", "+", "-", "@"):
        assert csv_cell(f"{start}cmd|' /C calc'!A0") == f"'{start}cmd|' /C calc'!A0"
    assert csv_cell("\tx") == "'\\x09x"
    assert csv_cell("\rx") == "'\\x0dx"
    assert csv_cell("ann, jr.") == "ann, jr."
    assert csv_cell("a\nb") == "a\\x0ab"


# ---- properties -----------------------------------------------------------------------

ANY_TEXT = st.text(
    st.one_of(
        st.characters(),
        st.sampled_from(list("\x1b\r\n\t\x00\x7f\x85\x9b\u202e\u2028\\<>[]`*_|#&!")),
    ),
    max_size=40,
)


def unescaped(text: str, index: int) -> bool:
    backslashes = len(text[:index]) - len(text[:index].rstrip("\\"))
    return backslashes % 2 == 0


@settings(derandomize=True, max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_printable_leaves_no_control_character(text: str) -> None:
    shown = printable(text)
    assert all(unicodedata.category(c) != "Cc" or c in "\n\t" for c in shown)
    assert all(unicodedata.category(c) != "Cc" for c in printable(text, newlines=False))
    assert not set(shown) & {"\u202e", "\u2028", "\u2029", "\u2066"}


@settings(derandomize=True, max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_markdown_text_leaves_nothing_unescaped(text: str) -> None:
    shown = markdown_text(text)
    assert "\n" not in shown
    for index, character in enumerate(shown):
        if character in "<[`*_|":
            assert not unescaped(shown, index), (text, shown)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(ANY_TEXT.filter(lambda s: s.strip() == s))
def test_markdown_text_renders_as_exactly_the_printable_text(text: str) -> None:
    markdown_it = pytest.importorskip("markdown_it")
    rendered = markdown_it.MarkdownIt("commonmark").renderInline(markdown_text(text))
    assert "<" not in rendered  # no tag at all: no link, emphasis, code or HTML
    assert html.unescape(rendered) == printable(text, newlines=False)


# ---- the terminal -----------------------------------------------------------------------


def test_the_check_report_shows_student_text_as_escapes() -> None:
    for verbose in (False, True):
        console, stream = terminal()
        report.render(hostile_result(), console, verbose)
        output = SGR.sub("", stream.getvalue())
        assert_clean(output)  # only rich's own colours were escapes
        assert "\\x1b[2J" in output and "\\u202egnp.exe" in output
        assert "[bold]x" in output  # shown, not applied as markup
        assert "    OVERWRITTEN and \\u202egnp.exe" in output.splitlines()  # CR splits lines
    plain = io.StringIO()
    report.render(hostile_result(), Console(file=plain, width=200))
    lines = plain.getvalue().splitlines()
    assert "    <script>alert(1)</script>" in lines  # a message keeps its lines
    assert "    # not a heading" in lines
    assert f"note: {printable(NOTE, newlines=False)}" in lines


def test_the_grade_summary_shows_student_text_as_escapes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    console, stream = terminal()
    monkeypatch.setattr(report, "Console", lambda: console)
    evil_entry = Entry(EVIL, MODULE, tmp_path / "x.py")
    batch = BatchResult(
        rows=[hostile_row()],
        graded=[(evil_entry, hostile_result())],
        ungraded=[(Entry(f"{EVIL}\nfake line", MODULE, tmp_path / "y.py"), MESSAGE)],
        problems=[f"{EVIL}: a file at the top level", "=cmd|' /C calc'!A0\r\x1b[1A"],
    )
    report.print_summary(batch, tmp_path, "plain", "basic")
    output = SGR.sub("", stream.getvalue())
    assert_clean(output)  # only rich's own colours were escapes
    assert "\\x1b[2J" in output and "[bold]x" in output
    assert "\\x0afake line" in output  # an id stays on its line


def test_the_progress_bar_escapes_the_student(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import rich.console

    from calcgrade import cli

    console, stream = terminal()
    monkeypatch.setattr(rich.console, "Console", lambda **_: console)

    done = BatchResult(rows=[])

    class Batch:
        def run(self, folder: Any, advance: Any, server: Any) -> BatchResult:
            advance(folder.entries[0], "graded")
            return done

    folder: Any = SimpleNamespace(entries=[Entry(EVIL, MODULE, tmp_path / "x.py")])
    assert cli._run_with_progress(Batch(), folder, None) is done  # type: ignore[arg-type]
    output = stream.getvalue()
    assert "\\x1b[2J" in output and "[bold]x (graded)" in output
    assert "\x1b[2J" not in output and "\x1b]8;;http://evil" not in output


# ---- files ------------------------------------------------------------------------------


def test_feedback_markdown_holds_no_raw_control_or_html() -> None:
    text = feedback_markdown(hostile_row(f"<script>alert(1)</script>{EVIL}"))
    assert_clean(text)
    assert text.startswith("# Feedback for \\<script\\>alert(1)\\</script\\>\\\\x1b\\[2J")
    assert "*Hint:* square it: `x ** 2`" in text  # the course's hint is left as written
    assert "      \\x1b[31mred\\x1b[0m" not in text  # a message line is never cut
    markdown_it = pytest.importorskip("markdown_it")
    page = markdown_it.MarkdownIt("commonmark").enable("table").render(text)
    assert "<script" not in page and "<b>" not in page
    assert "href" not in page  # no link from a name, a note or a message
    assert "<h1>" in page and page.count("<h1>") == 1  # "# not a heading" stayed in its block
    code = "".join(re.findall(r"<pre><code>(.*?)</code></pre>", page, re.S))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in code
    assert "\n\n# not a heading\n" in html.unescape(code)  # the blank line did not end it


def test_feedback_markdown_keeps_every_message_line_in_its_code_block() -> None:
    message = "a\n\nb\n  \nc\x0bd\x1ce\u2028f"
    row = Row("ann", {MODULE: result(check("c", message=message))}, {})
    lines = feedback_markdown(row).splitlines()
    start = lines.index("      a")
    assert lines[start : start + 8] == [
        "      a",
        "      ",
        "      b",
        "        ",
        "      c",
        "      d",
        "      e",
        "      f",
    ]


def test_the_gradebook_writes_no_formula_and_no_control_character() -> None:
    formula = '=HYPERLINK("http://x")'
    rows = [hostile_row(), Row(formula, {MODULE: hostile_result()}, {}), hostile_row("-2+3")]
    text = gradebook_csv(rows, EXERCISES)
    assert_clean(text)
    read = list(csv.reader(io.StringIO(text)))
    assert read[0] == ["student", "square", "total", "max", "status"]
    students = {line[0]: line for line in read[1:]}
    assert set(students) == {"'" + formula, "'-2+3", printable(EVIL, newlines=False)}
    assert students["'" + formula][1:] == ["1", "1", "3", "graded"]  # numbers untouched
    assert students["'-2+3"][-1].startswith("t2_more: ungraded (got \\x1b[31mred")
    assert all(len(line) == 5 for line in read)


def test_html_pages_hold_no_raw_control_character() -> None:
    row = hostile_row(f"<script>{EVIL}\u202e\r")
    for audience in ("student", "instructor"):
        page = row_page(row, audience)
        assert_clean(page)
        assert "<script>" not in page.split("</head>")[1]
    page = class_page([row], [f"{EVIL}: a file at the top level\r"], exercises=EXERCISES)
    assert_clean(page)
    assert "<script>" not in page


def test_results_json_holds_no_raw_control_character() -> None:
    document = gs.results_json(hostile_result(), [NOTE])
    failure = gs.failure_results(f"There is no submission to grade: {NOTE}", "no-submission")
    for data in (document, failure):
        assert gs.validate_results(data) == []
        outputs = [data["output"], *(test["output"] for test in data["tests"])]
        for output in outputs:
            assert_clean(output)
        assert_clean(json.dumps(data, ensure_ascii=False))
    assert "\\x1b[2J" in document["output"]
    assert document["tests"][0]["output"].endswith("\nHint: square it: `x ** 2`")


def test_check_results_keep_the_raw_text() -> None:
    """Only what is shown is escaped: the JSON result keeps the student's exact text."""
    data = json.loads(hostile_result().to_json())
    assert data["checks"][0]["message"] == MESSAGE
    assert CheckResult(**data["checks"][0]).message == MESSAGE
