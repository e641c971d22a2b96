"""docs/contract.md, the course contract, is generated and up to date.

tools/contract.py writes it from the reference's signatures and docstrings,
course_config.yml (checks, points, common mistakes, tolerances) and the graders'
hints; these tests keep the three and the generated file in agreement.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from calcgrade.config import load_course
from calcgrade.errors import ConfigError

from .conftest import ROOT

TOOL = ROOT / "tools" / "contract.py"
TINY = ROOT / "tests" / "fixtures" / "tiny_course"


def run_tool(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(TOOL), *arguments],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_contract_in_docs_is_up_to_date() -> None:
    completed = run_tool("--check")
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_every_exercise_has_a_documented_reference_name() -> None:
    course = load_course(ROOT / "course_config.yml")
    for module, spec in course.spec.modules.items():
        tree = ast.parse(course.reference_path(module).read_text())
        documented = {
            node.name: ast.get_docstring(node)
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.ClassDef)
        }
        assert ast.get_docstring(tree), f"reference/{module}.py has no module docstring"
        for exercise in spec.exercises:
            assert documented.get(exercise), f"reference/{module}.py: {exercise} has no docstring"


def copy_course(target: Path) -> Path:
    """The parts of the repository the contract is generated from, in ``target``."""
    shutil.copy(ROOT / "course_config.yml", target / "course_config.yml")
    for folder in ("reference", "graders", "exercises"):
        shutil.copytree(
            ROOT / folder, target / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    (target / "docs").mkdir()
    return target


def test_check_fails_on_a_stale_contract_and_writing_fixes_it(tmp_path: Path) -> None:
    root = copy_course(tmp_path)
    shutil.copy(ROOT / "docs" / "contract.md", root / "docs" / "contract.md")
    config = root / "course_config.yml"
    config.write_text(config.read_text().replace("{points: 2}", "{points: 3}", 1))

    stale = run_tool("--check", "--root", str(root))
    assert stale.returncode == 1, stale.stdout + stale.stderr
    assert "docs/contract.md is stale" in stale.stdout

    written = run_tool("--root", str(root))
    assert written.returncode == 0, written.stdout + written.stderr
    assert "| 3 | hidden |" in (root / "docs" / "contract.md").read_text()


def test_a_mistake_without_a_hint_is_an_error(tmp_path: Path) -> None:
    root = copy_course(tmp_path)
    config = root / "course_config.yml"
    text = config.read_text()
    assert "mistakes: [forward_difference," in text
    config.write_text(text.replace("mistakes: [forward_difference,", "mistakes: [no_such_hint,"))
    completed = run_tool("--root", str(root))
    assert completed.returncode == 2
    assert "no_such_hint" in completed.stderr
    assert not (root / "docs" / "contract.md").exists()


def test_a_contract_name_without_a_docstring_is_an_error(tmp_path: Path) -> None:
    shutil.copytree(
        TINY, tmp_path, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
    )
    (tmp_path / "docs").mkdir()
    completed = run_tool("--root", str(tmp_path))
    assert completed.returncode == 2
    assert "has no docstring" in completed.stderr


@pytest.mark.parametrize(
    ("mistakes", "message"),
    [
        ("[off_by_one, off_by_one]", "listed more than once: off_by_one"),
        ("[not-an-id]", "should match pattern"),
    ],
)
def test_the_config_validates_the_mistakes(tmp_path: Path, mistakes: str, message: str) -> None:
    text = (TINY / "course_config.yml").read_text()
    text = text.replace("      square:\n", f"      square:\n        mistakes: {mistakes}\n", 1)
    path = tmp_path / "course_config.yml"
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_course(path)
    assert "modules.t1_squares.exercises.square.mistakes" in str(raised.value)
    assert message in str(raised.value)
