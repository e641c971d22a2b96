"""A ready matplotlib font list for the strict sandbox's fork server.

matplotlib lists the machine's fonts on its first import and keeps the list in
its cache folder. The strict sandbox has no folder that lasts, so each fork
server would list the fonts again (a few tenths of a second, running
``fc-list``). Instead the list is made once per interpreter on the host, by a
plain ``import matplotlib.font_manager`` (no student code involved), and bound
read-only into the sandbox, where the fork server copies it into a cache
folder of its own before importing matplotlib. The list names matplotlib's own
fonts relative to its data folder and the system's under /usr, which the
sandbox shows at the same paths.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

SANDBOX_PLACE = "/opt/calcgrade/fonts"  # where the folder appears in the sandbox
BUILD_TIMEOUT_S = 120.0
_lock = threading.Lock()


def font_cache() -> Path | None:
    """The folder holding this interpreter's matplotlib font list, or None.

    Made on first use (about a second, once per interpreter). None when
    matplotlib is not installed or the list cannot be made: the fork server
    then lists the fonts itself, as it would without this.
    """
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    key = hashlib.sha256(f"{sys.executable}\n{sys.prefix}".encode()).hexdigest()[:16]
    folder = Path(base) / "calcgrade" / "fonts" / key
    with _lock:
        if not _has_list(folder):
            # it fails when another process made it meanwhile, or when it cannot be made
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                _build(folder)
    return folder if _has_list(folder) else None


def _has_list(folder: Path) -> bool:
    return any(folder.glob("fontlist-*.json"))


def _build(folder: Path) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent) as scratch:
        made = Path(scratch) / "made"
        made.mkdir(mode=0o755)
        subprocess.run(
            [sys.executable, "-I", "-c", "import matplotlib.font_manager"],
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "MPLCONFIGDIR": str(made)},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=BUILD_TIMEOUT_S,
            check=True,
        )
        if _has_list(made):
            made.rename(folder)  # complete or absent, whoever looks
