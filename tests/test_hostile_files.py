"""Hostile files and names in a class folder: links, FIFOs, sockets, huge files, colliding ids.

Fast tests of how submissions are found and read (no worker starts); the
batch tests at the end grade such folders for real.
"""

from __future__ import annotations

import csv
import json
import os
import socket
import stat
import tempfile
import threading
import unicodedata
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from calcgrade.batch import student_file_name
from calcgrade.classdir import find_submissions
from calcgrade.cli import cli
from calcgrade.errors import SubmissionError
from calcgrade.safe_read import NotRegularFile, TooLarge, read_regular
from calcgrade.submission import MAX_BYTES, read_submission

from .conftest import ROOT

TINY = ROOT / "tests" / "fixtures" / "tiny_course"
MODULES = ["t1_squares"]
GOOD = "def square(x):\n    return x ** 2\n\ndef add_one(x):\n    return x + 1.0\n"
SECRET_LINE = "root:$6$calcgrade-secret-hash:19000:0:99999:7:::"


def student(root: Path, name: str, file: str = "t1_squares.py", text: str = GOOD) -> Path:
    (root / name).mkdir(parents=True, exist_ok=True)
    path = root / name / file
    path.write_text(text)
    return path


# reading one file


def test_a_link_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "shadow"
    secret.write_text(SECRET_LINE)
    link = tmp_path / "m1_derivatives.py"
    link.symlink_to(secret)
    with pytest.raises(NotRegularFile, match="a symbolic link; only regular files are graded"):
        read_submission(link)


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "m1_derivatives.ipynb"
    os.mkfifo(fifo)
    with pytest.raises(NotRegularFile, match=r"a named pipe \(FIFO\)"):
        read_submission(fifo)  # would block forever if it were opened for reading


def test_a_linked_folder_on_the_way_is_refused(tmp_path: Path) -> None:
    student(tmp_path / "real", "ann")
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "eve").symlink_to(tmp_path / "real" / "ann")
    with pytest.raises(NotRegularFile, match="eve: a symbolic link"):
        read_regular(tmp_path / "class" / "eve" / "t1_squares.py", 100, tmp_path / "class")


def test_the_size_is_checked_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "t1_squares.py"
    with big.open("wb") as stream:
        stream.truncate(MAX_BYTES + 1)  # sparse: no disk, but a size over the limit
    with pytest.raises(TooLarge, match=f"over the {MAX_BYTES:,}-byte limit"):
        read_submission(big)


# finding a class's submissions


def test_links_fifos_and_sockets_are_listed_with_their_reason(tmp_path: Path) -> None:
    root = tmp_path / "class"
    student(root, "ann")
    shadow = tmp_path / "shadow"
    shadow.write_text(SECRET_LINE)
    (root / "eve").mkdir()
    (root / "eve" / "t1_squares.py").symlink_to(shadow)
    (root / "sol").mkdir()
    (root / "sol" / "t1_squares.py").symlink_to(
        ROOT / "tests" / "fixtures" / "tiny_course" / "reference" / "t1_squares.py"
    )
    (root / "copycat").symlink_to(root / "ann")  # a student folder that is a link
    (root / "pipe").mkdir()
    os.mkfifo(root / "pipe" / "t1_squares.ipynb")
    (root / "sock").mkdir()
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(root / "sock" / "t1_squares.py"))
        folder = find_submissions(root, MODULES, MODULES)
    placed = {entry.student: entry.refused for entry in folder.entries}
    assert placed == {
        "ann": None,
        "eve": "a symbolic link; only regular files are graded, never through a link",
        "sol": "a symbolic link; only regular files are graded, never through a link",
        "pipe": "a named pipe (FIFO); only regular files are graded, never through a link",
        "sock": "a socket; only regular files are graded, never through a link",
    }
    assert folder.problems == [
        "copycat: a symbolic link at the top level; links are not followed (skipped)"
    ]


def test_a_fifo_in_the_nbgrader_layout_does_not_hang(tmp_path: Path) -> None:
    assignment = tmp_path / "submitted" / "eve" / "t1_squares"
    assignment.mkdir(parents=True)
    os.mkfifo(assignment / "t1_squares.ipynb")
    found: list[object] = []
    finder = threading.Thread(
        target=lambda: found.append(find_submissions(tmp_path, MODULES, MODULES)), daemon=True
    )
    finder.start()
    finder.join(10)
    assert found, "reading a FIFO blocked"
    (entry,) = found[0].entries  # type: ignore[attr-defined]
    assert entry.refused.startswith("a named pipe (FIFO)")


def test_an_oversized_file_gets_a_row_with_the_real_reason(tmp_path: Path) -> None:
    root = tmp_path / "class"
    for name, file in (("big", "t1_squares.py"), ("huge", "homework.ipynb")):
        (root / name).mkdir(parents=True)
        with (root / name / file).open("wb") as stream:
            stream.truncate(50 * 1024 * 1024)
    folder = find_submissions(root, MODULES, MODULES)
    reasons = {entry.student: entry.refused for entry in folder.entries}
    expected = f"52,428,800 bytes, over the {MAX_BYTES:,}-byte limit for one submission"
    assert reasons == {"big": expected, "huge": expected}
    assert folder.problems == []


def test_undecodable_folder_names_become_escaped_ids(tmp_path: Path) -> None:
    root = tmp_path / "class"
    root.mkdir()
    raw = os.path.join(os.fsencode(root), b"caf\xe9")
    os.mkdir(raw)
    Path(os.fsdecode(os.path.join(raw, b"t1_squares.py"))).write_text(GOOD)
    (entry,) = find_submissions(root, MODULES, MODULES).entries
    assert entry.student == "caf\\xe9"


# one file name per student


COLLIDING = [
    "a b",
    "a_b",
    "A_b",
    unicodedata.normalize("NFC", "José"),
    unicodedata.normalize("NFD", "José"),
    "Josë",
    ".._1",
    "._1",
    "1",
    "con",
    "x" * 300,
    "x" * 301,
]


def test_colliding_ids_get_different_file_names() -> None:
    names = [student_file_name(s) for s in COLLIDING]
    assert len({name.lower() for name in names}) == len(COLLIDING)  # also case-insensitively
    assert student_file_name("a_b") == "a_b" and student_file_name("ann-2") == "ann-2"
    assert student_file_name("a b").startswith("a_b~")
    assert student_file_name(unicodedata.normalize("NFD", "José")).startswith("Jose~")
    assert all(len(name.encode()) <= 100 for name in names)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=40), min_size=2, max_size=6, unique=True))
def test_file_names_are_injective_safe_and_stable(ids: list[str]) -> None:
    names = [student_file_name(s) for s in ids]
    assert len({name.lower() for name in names}) == len(ids)
    for name in names:
        assert "/" not in name and "\\" not in name and not name.startswith(".")
        assert name == name.encode("ascii").decode() and 0 < len(name) <= 100
    assert names == [student_file_name(s) for s in ids]


# graded for real


def grade(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, ["grade", *args, "--course", str(TINY), "--isolation", "basic"], catch_exceptions=False
    )
    return result.exit_code, result.output


def read_gradebook(out: Path) -> dict[str, dict[str, str]]:
    with (out / "gradebook.csv").open(newline="", encoding="utf-8") as stream:
        return {row["student"]: row for row in csv.DictReader(stream)}


@pytest.mark.slow
def test_links_never_leak_a_file_or_a_score(tmp_path: Path) -> None:
    root = tmp_path / "class"
    student(root, "ann")
    shadow = tmp_path / "shadow"
    shadow.write_text(SECRET_LINE + "\n")
    (root / "eve").mkdir()
    (root / "eve" / "t1_squares.py").symlink_to(shadow)
    (root / "sol").mkdir()
    (root / "sol" / "t1_squares.py").symlink_to(root / "ann" / "t1_squares.py")
    (root / "copycat").symlink_to(root / "ann")
    os.mkfifo(root / "ann" / "notes.ipynb")  # a second "submission" that is a FIFO
    out = tmp_path / "out"
    code, output = grade(str(root), "--out", str(out))
    assert code == 0, output
    rows = read_gradebook(out)
    assert set(rows) == {"ann", "eve", "sol"}
    assert rows["ann"]["total"] == "5"
    for who in ("eve", "sol"):
        assert rows[who]["total"] == "0" and rows[who]["square"] == ""
        assert rows[who]["status"] == (
            "t1_squares: not graded: a symbolic link; only regular files are graded, "
            "never through a link"
        )
    assert "copycat: a symbolic link at the top level; links are not followed" in output
    assert "ann/notes.ipynb: a named pipe (FIFO)" in output
    everything = "".join(p.read_text() for p in out.rglob("*") if p.is_file()) + output
    assert "calcgrade-secret-hash" not in everything


@pytest.mark.slow
def test_colliding_names_keep_their_own_results_and_pages(tmp_path: Path) -> None:
    """In nbgrader's layout, where folders starting with a dot are students too."""
    submitted = tmp_path / "course" / "submitted"
    ids = COLLIDING[:8]
    for number, name in enumerate(ids):
        source = GOOD if number % 2 else GOOD.replace("x ** 2", "x ** 3")
        student(submitted / name, "t1_squares", "t1_squares.ipynb", notebook(source))
    out = tmp_path / "out"
    code, output = grade(str(tmp_path / "course"), "--out", str(out), "-j", "2")
    assert code == 0, output
    listed = {p.name for p in submitted.iterdir()}  # what this file system kept apart
    assert len(listed) >= 7  # NFC and NFD José are one folder on some file systems
    rows = read_gradebook(out)
    assert set(rows) == listed
    results = {json.loads(p.read_text())["student"] for p in (out / "results").glob("*.json")}
    assert results == listed
    assert len(list((out / "feedback").glob("*.md"))) == len(listed)
    for name in listed:
        page = (out / "feedback" / f"{student_file_name(name)}.md").read_text()
        assert f"{'5' if ids.index(name) % 2 else '2'} / 5 points" in page
    report = (out / "class_report.html").read_text()
    assert report.count('">feedback</a>') == len(listed)
    _, again = grade(str(tmp_path / "course"), "--out", str(out), "-j", "2")
    assert f"graded 0, reused {len(listed)}" in again


def notebook(source: str) -> str:
    cell = {"cell_type": "code", "source": source, "metadata": {}, "outputs": []}
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]})


@pytest.mark.slow
def test_an_oversized_submission_is_reported_not_lost(tmp_path: Path) -> None:
    root = tmp_path / "class"
    student(root, "ann")
    (root / "big").mkdir()
    with (root / "big" / "t1_squares.py").open("wb") as stream:
        stream.truncate(200 * 1024 * 1024)
    code, output = grade(str(root), "--out", str(tmp_path / "out"), "--module", "t1_squares")
    assert code == 0, output
    rows = read_gradebook(tmp_path / "out")
    assert rows["big"]["status"] == (
        f"t1_squares: not graded: 209,715,200 bytes, over the {MAX_BYTES:,}-byte limit for "
        "one submission"
    )
    assert "big/t1_squares: not graded: 209,715,200 bytes" in output


def test_check_refuses_a_link(tmp_path: Path) -> None:
    link = tmp_path / "t1_squares.py"
    link.symlink_to(TINY / "reference" / "t1_squares.py")
    result = CliRunner().invoke(cli, ["check", str(link), "--course", str(TINY)])
    assert result.exit_code == 1
    assert "a symbolic link; only regular files are graded, never through a link" in str(
        result.output
    ) + str(result.exception)


def test_read_regular_refuses_a_file_that_grew_past_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "t1_squares.py"
    path.write_text("x = 1\n" * 10)
    with pytest.raises(TooLarge):
        read_regular(path, 10)
    with pytest.raises(SubmissionError, match="cannot read it"):
        read_regular(tmp_path / "missing.py", 10)


# class zips


def make_zip(path: Path, entries: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, data in entries.items():
            zipped.writestr(name, data)
    return path


def test_os_litter_and_a_readme_do_not_make_a_plain_zip_look_like_canvas(tmp_path: Path) -> None:
    archive = make_zip(
        tmp_path / "class.zip",
        {
            ".DS_Store": b"\0\0\0\1Bud1",
            "README.txt": "grade these",
            "__MACOSX/ann/._t1_squares.py": b"\0",
            "ann/t1_squares.py": GOOD,
            "ben/t1_squares.py": GOOD,
        },
    )
    folder = find_submissions(archive, MODULES, MODULES)
    try:
        assert [e.student for e in folder.entries] == ["ann", "ben"]
        assert folder.layout == "zip (plain)"
        assert folder.problems == [
            "README.txt: a file at the top level, expected <student>/<module>.py (skipped)",
            "class.zip: 2 entries of operating-system litter ignored (__MACOSX/, .DS_Store, "
            "._* files)",
        ]
    finally:
        folder.close()


def link_entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


@pytest.mark.parametrize(
    ("entry", "who"),
    [
        ("x\x1b[31mred/t1_squares.py", "x\x1b[31mred"),  # escaped to show, not to place
        ("submitted/ann/t1_squares/t1_squares.ipynb", "ann"),  # the only entry of its layout
        ("ann/t1_squares.py", "ann"),
    ],
)
def test_a_refused_entry_keeps_its_student_s_row(tmp_path: Path, entry: str, who: str) -> None:
    """Its row says why; its folder, made to keep its place, is not also reported as
    having nothing inside."""
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(link_entry(entry), "/etc/shadow")
    folder = find_submissions(archive, MODULES, MODULES)
    folder.close()
    assert [(e.student, e.refused) for e in folder.entries] == [
        (who, "a symbolic link (only regular files are read)")
    ]
    assert folder.problems == []


def test_a_refused_notebook_still_shows_the_nbgrader_layout(tmp_path: Path) -> None:
    """The only notebook of an nbgrader zip is a link and a folder lies beside
    submitted/: the refused entry's place still makes the layout nbgrader's."""
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("submitted/ann/t1_squares/notes.txt", "notes")
        zipped.writestr(link_entry("submitted/ann/t1_squares/t1_squares.ipynb"), "/etc/shadow")
        zipped.writestr("ann/", "")
    folder = find_submissions(archive, MODULES, MODULES)
    folder.close()
    assert folder.layout == "zip (nbgrader)"
    assert [(e.student, e.refused) for e in folder.entries] == [
        ("ann", "a symbolic link (only regular files are read)")
    ]


def test_a_zip_of_the_class_folder_is_unwrapped(tmp_path: Path) -> None:
    archive = make_zip(
        tmp_path / "class.zip", {"class/ann/t1_squares.py": GOOD, "class/ben/t1_squares.py": GOOD}
    )
    folder = find_submissions(archive, MODULES, MODULES)
    folder.close()
    assert [e.student for e in folder.entries] == ["ann", "ben"]


def test_every_zip_entry_is_graded_or_listed_and_one_bad_entry_rejects_nothing_else(
    tmp_path: Path,
) -> None:
    archive = make_zip(
        tmp_path / "class.zip",
        {
            "ann/t1_squares.py": GOOD,
            "ann/t1_squares.py ": GOOD,  # harmless: another name
            "../escape.py": GOOD,
            "/etc/cron.d/evil.py": GOOD,
            "ben/t1_squares.py": GOOD,
            "ben/" + "x" * 300 + ".py": GOOD,
            "cy/t1_squares.py": b"x" * (MAX_BYTES + 1),
        },
    )
    with zipfile.ZipFile(archive, "a") as zipped, pytest.warns(UserWarning, match="Duplicate"):
        zipped.writestr("ben/t1_squares.py", "def square(x):\n    return 0\n")
    temporary = {p.name for p in Path(tempfile.gettempdir()).glob("calcgrade-zip-*")}
    folder = find_submissions(archive, MODULES, MODULES)
    try:
        assert {e.student: e.refused for e in folder.entries} == {
            "ann": None,
            "ben": None,
            "cy": f"over the {MAX_BYTES:,}-byte limit for one file",
        }
        problems = "\n".join(folder.problems)
        assert "class.zip: ../escape.py: its path leaves the zip's folder (..)" in problems
        assert "class.zip: /etc/cron.d/evil.py: an absolute path" in problems
        assert "ben/t1_squares.py: a second entry with the same name (the first was kept)" in (
            problems
        )
        assert "its name is too long for the file system" in problems
        assert "ann/t1_squares.py : cannot tell which module" not in problems
    finally:
        folder.close()
    assert {p.name for p in Path(tempfile.gettempdir()).glob("calcgrade-zip-*")} == temporary


def test_a_refused_zip_leaves_no_temporary_folder(tmp_path: Path) -> None:
    archive = tmp_path / "class.zip"
    archive.write_bytes(b"PK\x03\x04 not really a zip")
    temporary = {p.name for p in Path(tempfile.gettempdir()).glob("calcgrade-zip-*")}
    with pytest.raises(SubmissionError, match="not a readable zip file"):
        find_submissions(archive, MODULES, MODULES)
    assert {p.name for p in Path(tempfile.gettempdir()).glob("calcgrade-zip-*")} == temporary
