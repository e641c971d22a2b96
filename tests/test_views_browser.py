"""The interactive views in a real browser: each module's solution notebook is
executed (nbclient), exported to HTML (nbconvert), and opened in headless Chromium
(Playwright driving Debian's chromium). Every view is found, its slider moved by
the mouse, and the figure seen to change and to show what the module's own test says
it must; a screenshot of each view is kept in ``tests/artifacts/browser/views/``.
How fast a view redraws is measured by ``benchmarks/views_redraw.py``, not here: a
timing taken while the other tests load the CPU says little and fails at random.

Without chromium or Playwright these tests skip, except in CI, where they fail.
"""

from __future__ import annotations

import importlib
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT
from .test_notebook_execution import execute

pytestmark = pytest.mark.slow

ARTIFACTS = ROOT / "tests" / "artifacts" / "browser" / "views"
SLIDER_STOPS = (0.5, 0.25, 0.75, 0.4, 0.999)  # the last at the far right
MODULES = sorted(
    path.stem
    for path in (ROOT / "solutions").glob("m*.py")
    if "from calcgrade.views import" in path.read_text()
)


def browser_check(module: str) -> Callable[[Any, int, Any], None]:
    """What each view of ``module`` must show once its slider is at the far right: the
    ``browser_check(page, index, div)`` of tests/test_views_<module>.py."""
    tests = importlib.import_module(f"tests.test_views_{module.split('_')[0]}")
    check: Callable[[Any, int, Any], None] = tests.browser_check
    return check


def fail_or_skip(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser tests")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        fail_or_skip("chromium is not installed (Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        fail_or_skip("Playwright is not installed (the dev extras have it)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield launched
        launched.close()


def exported(module: str, folder: Path, monkeypatch: pytest.MonkeyPatch | None) -> Path:
    """The solution notebook, executed and exported to one HTML file."""
    from nbconvert import HTMLExporter

    notebook = execute(ROOT / "solutions" / f"{module}.ipynb", monkeypatch)
    body, _ = HTMLExporter().from_notebook_node(notebook)
    page = folder / f"{module}.html"
    page.write_text(body)
    return page


def views_called(module: str) -> int:
    """How many views the solution notebook of ``module`` shows."""
    return (ROOT / "solutions" / f"{module}.py").read_text().count("views.")


def opened(
    browser: Any, module: str, folder: Path, monkeypatch: pytest.MonkeyPatch | None
) -> tuple[Any, list[str]]:
    """A new page showing the solution notebook of ``module`` exported to HTML, once all
    its views are drawn, and the list that collects the page's script errors."""
    page_file = exported(module, folder, monkeypatch)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(page_file.as_uri())
    page.wait_for_function(
        "n => document.querySelectorAll('.plotly-graph-div .main-svg').length >= n",
        arg=views_called(module),
        timeout=30_000,
    )
    return page, errors


def move_slider(page: Any, div: Any, fraction: float) -> float:
    """Click the view's slider rail at ``fraction`` of its length, as a person would;
    the milliseconds from the slider's change to the figure redrawn."""
    div.evaluate(
        "gd => { window.__redrawn = null; gd.once('plotly_sliderchange', () => {"
        " const t0 = performance.now();"
        " gd.once('plotly_animated', () => { window.__redrawn = performance.now() - t0; }); }); }"
    )
    rail = div.query_selector(".slider-rail-rect").bounding_box()
    page.mouse.click(rail["x"] + rail["width"] * fraction, rail["y"] + rail["height"] / 2)
    page.wait_for_function("() => window.__redrawn !== null", timeout=10_000)
    return float(page.evaluate("() => window.__redrawn"))


def picture(div: Any) -> tuple[str, list[Any]]:
    """What a view shows: its title and every trace's data."""
    return div.evaluate(
        "gd => [gd._fullLayout.title.text || '', gd.data.map(t => [t.x, t.y, t.z])]"
    )


@pytest.mark.parametrize("module", MODULES)
def test_every_view_moves_with_its_slider(
    browser: Any, module: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page, errors = opened(browser, module, tmp_path, monkeypatch)
    expected = views_called(module)
    divs = page.query_selector_all(".plotly-graph-div")
    assert len(divs) == expected, f"{module}: {len(divs)} views shown, {expected} called"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for index, div in enumerate(divs):
        div.scroll_into_view_if_needed()
        before = picture(div)
        for fraction in SLIDER_STOPS:
            move_slider(page, div, fraction)
        assert picture(div) != before, f"{module} view {index}: the slider changed nothing"
        browser_check(module)(page, index, div)
        div.screenshot(path=str(ARTIFACTS / f"{module}-{index + 1}.png"))
    assert errors == [], errors
    page.close()
