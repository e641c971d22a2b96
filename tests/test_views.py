"""The interactive views (``calcgrade.views``): a friendly word before the student's
functions exist or without plotly, and never a part of grading. Each module's views
have a test file of their own, ``test_views_<module>.py``, which checks their data
and gives the browser test (``test_views_browser.py``) what each view must show."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from types import ModuleType
from typing import Any

import pytest

from .conftest import ROOT

pytest.importorskip("plotly")

from calcgrade.views import m4_gradient_descent as m4_views


def solution(module: str) -> ModuleType:
    """The instructor solution's functions (loading it also runs its check cells)."""
    spec = importlib.util.spec_from_file_location(
        f"solution_{module}", ROOT / "solutions" / f"{module}.py"
    )
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


def frame_traces(figure: Any, name: str) -> list[Any]:
    """The traces of the frame ``name`` (a slider position) of a view's figure."""
    return next(frame for frame in figure.frames if frame.name == name).data


def stub(*args: Any, **kwargs: Any) -> Any:
    raise NotImplementedError("loop: ...")


def test_before_the_functions_exist_a_view_says_which_to_write(
    capsys: pytest.CaptureFixture[str],
) -> None:
    m4_views.learning_rates(stub, stub)
    assert capsys.readouterr().out == (
        "Implement `gradient_descent` and `max_stable_learning_rate` above, "
        "then run this cell again to see the view.\n"
    )


def test_without_plotly_a_view_says_how_to_get_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "plotly", None)  # import plotly now raises ImportError
    m4_views.double_well(stub)
    assert "pip install 'calcgrade[notebook]'" in capsys.readouterr().out


def test_grading_never_imports_the_views_or_plotly() -> None:
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from calcgrade.config import load_course\n"
        "from calcgrade.runner import Options, grade_file\n"
        "import calcgrade.batch, calcgrade.cli, calcgrade.html_report\n"
        f"course = load_course(Path({str(ROOT)!r}))\n"
        f"path = Path({str(ROOT / 'solutions' / 'm4_gradient_descent.py')!r})\n"
        "result = grade_file(course, 'm4_gradient_descent', path, Options(run_demo_cells=True))\n"
        "assert result.score == result.max_score, result.to_json()\n"
        "views = ('plotly', 'ipywidgets', 'calcgrade.views')\n"
        "print(sorted(m for m in sys.modules if m.startswith(views)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]"


def test_every_view_is_listed_in_the_docs() -> None:
    """docs/views.md has a row for every view a notebook calls."""
    table = (ROOT / "docs" / "views.md").read_text()
    calls = set()
    for path in (ROOT / "solutions").glob("m*.py"):
        calls |= set(re.findall(r"^views\.(\w+)\(", path.read_text(), flags=re.MULTILINE))
    assert len(calls) >= 11
    assert sorted(name for name in calls if f"`views.{name}(" not in table) == []
