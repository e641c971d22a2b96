"""How fast the course's interactive views redraw in a browser, side by side with
drawing the same figure from scratch.

Each module's solution notebook is executed and exported to HTML (as
tests/test_views_browser.py does), opened in headless Chromium, and every view's slider
is clicked at ``--moves`` places. For each view it reports:

- slider: the median milliseconds from the slider's change to the figure redrawn
  (plotly's ``plotly_animated``), what a reader of the exported page waits for, and
  the 90th percentile (the machine's other work shows there);
- full: the median milliseconds of ``Plotly.newPlot`` drawing the same figure anew,
  the least a view redrawn from scratch on every move would cost, before any kernel;
- the ratio full / slider.

Exit status 1 if a view's slider median reaches ``--budget`` ms (default 100).

    .venv/bin/python benchmarks/views_redraw.py
    .venv/bin/python benchmarks/views_redraw.py --modules m6_xor_network --moves 20 --json out.json
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.test_views_browser import MODULES, move_slider, opened  # noqa: E402

FULL_REDRAW = """async gd => {
    const figure = {data: gd.data, layout: gd.layout, frames: gd._transitionData._frames};
    const t0 = performance.now();
    await Plotly.newPlot(gd, figure);
    return performance.now() - t0;
}"""


def measure(page: Any, div: Any, moves: int) -> tuple[list[float], float]:
    """(every slider time, the median full redraw) in ms for one view. The slider is
    clicked on its steps in a shuffled order, never on the step it is at (a click there
    changes nothing)."""
    steps, active = div.evaluate(
        "gd => [gd.layout.sliders[0].steps.length, gd.layout.sliders[0].active || 0]"
    )
    order = list(range(steps))
    random.Random(0).shuffle(order)
    targets: list[int] = []
    while len(targets) < moves:
        for step in order:
            if step != (targets[-1] if targets else active) and len(targets) < moves:
                targets.append(step)
    fractions = [min(max(step / max(steps - 1, 1), 0.001), 0.999) for step in targets]
    slider = [move_slider(page, div, fraction) for fraction in fractions]
    full = statistics.median(float(div.evaluate(FULL_REDRAW)) for _ in range(moves))
    return slider, full


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", nargs="+", default=MODULES, choices=MODULES)
    parser.add_argument("--moves", type=int, default=20, help="slider clicks per view")
    parser.add_argument("--budget", type=float, default=100.0, help="ms a slider may take")
    parser.add_argument("--json", type=Path, help="write every view's timings here")
    args = parser.parse_args()

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("chromium is not installed (Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for module in args.modules:
            page, _ = opened(browser, module, Path(tmp), None)
            for index, div in enumerate(page.query_selector_all(".plotly-graph-div")):
                div.scroll_into_view_if_needed()
                times, full = measure(page, div, args.moves)
                row: dict[str, Any] = {"view": f"{module}-{index + 1}"}
                row["slider_ms"] = statistics.median(times)
                row["slider_p90_ms"] = statistics.quantiles(times, n=10)[-1]
                rows.append({**row, "full_ms": full, "slider_times_ms": times})
            page.close()
        browser.close()

    print(f"{'view':<22} {'slider ms':>10} {'(p90)':>7} {'full ms':>10} {'full/slider':>12}")
    for row in rows:
        view, slider, full = row["view"], row["slider_ms"], row["full_ms"]
        p90 = row["slider_p90_ms"]
        print(f"{view:<22} {slider:>10.1f} {p90:>7.1f} {full:>10.1f} {full / slider:>11.1f}x")
    worst = max(rows, key=lambda row: row["slider_ms"])
    print(f"slowest slider: {worst['view']}, {worst['slider_ms']:.1f} ms", end=" ")
    print(f"(budget {args.budget:g} ms)")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 1 if worst["slider_ms"] >= args.budget else 0


if __name__ == "__main__":
    sys.exit(main())
