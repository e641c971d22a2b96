"""The notebooks stay in sync with their .py twins, and stubs with solutions."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT


def test_notebooks_and_stubs_are_in_sync_with_the_solutions() -> None:
    completed = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "sync_notebooks.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
