"""Every course notebook runs top to bottom in a real Jupyter kernel (nbclient).

Against the solutions, every check cell reports full points; against the stubs,
the check cells report what is not implemented yet, and nothing crashes.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from .conftest import ROOT
from .test_graders import MODULES

pytestmark = pytest.mark.slow


def execute(path: Path, monkeypatch: pytest.MonkeyPatch | None) -> nbformat.NotebookNode:
    """The notebook at ``path``, run in a fresh kernel. The kernel's environment is set
    through ``monkeypatch`` (undone after the test, so later tests in this process do not
    find this course instead of the one they work in); a script passes None."""
    notebook = nbformat.read(path, as_version=4)
    setenv = monkeypatch.setenv if monkeypatch else os.environ.__setitem__
    setenv("CALCGRADE_COURSE", str(ROOT / "course_config.yml"))
    setenv("MPLBACKEND", "Agg")
    client = NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()  # raises CellExecutionError on the first cell that fails
    return notebook


def check_cells(notebook: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """(source, text output) of every cell that calls check(...)."""
    found = []
    for cell in notebook.cells:
        if cell.cell_type == "code" and cell.source.startswith("check("):
            text = "".join(
                o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in cell.outputs
            )
            found.append((cell.source, text))
    return found


@pytest.mark.parametrize("module", MODULES)
def test_solution_notebook_runs_and_every_check_passes(
    module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cells = check_cells(execute(ROOT / "solutions" / f"{module}.ipynb", monkeypatch))
    assert cells, "the notebook has check cells"
    for source, text in cells:
        assert "points" in text, source
        assert "✗" not in text and "⏱" not in text, (source, text)


@pytest.mark.parametrize("module", MODULES)
def test_stub_notebook_runs_and_checks_explain_what_is_missing(
    module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cells = check_cells(execute(ROOT / "exercises" / f"{module}.ipynb", monkeypatch))
    assert cells
    for source, text in cells:
        assert "is not implemented yet" in text, (source, text)
