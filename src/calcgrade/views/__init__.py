"""The course's interactive views: plotly figures driven by the student's own functions.

Notebooks call them from demo cells (grading never runs them, and nothing of
calcgrade's grading imports this package). Each view calls the functions the
student has written, computes what it shows, and displays one figure:

- views whose data can be computed ahead for a grid of slider values carry it as
  plotly animation frames behind a built-in slider, so that a notebook exported to
  HTML (``jupyter nbconvert --to html``) stays interactive without a kernel;
- views that must recompute for any slider value call the student's code again
  through ipywidgets (those need a live kernel).

Before the student's functions are written (they still raise
``NotImplementedError``), a view prints which ones it needs instead of failing; without
plotly it prints how to install it. Each module's views live in the module named
after it (``calcgrade.views.m4_gradient_descent``); each ``*_figure`` function returns
the figure without displaying it (for tests and for reuse).
"""

from __future__ import annotations

import functools
import importlib
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

INSTALL = "pip install 'calcgrade[notebook]'  (or: pip install plotly ipywidgets)"
FAST = {
    "frame": {"duration": 0, "redraw": True},
    "mode": "immediate",
    "transition": {"duration": 0},
}

_plotly_sent = False  # plotly.js goes into an output before the first view's only


def view(build: Callable[..., Any], *needs: str) -> Callable[..., None]:
    """A notebook entry point for the figure ``build`` makes: displays it, or says why
    there is none (``built``)."""

    @functools.wraps(build)
    def shown(*args: Any, **kwargs: Any) -> None:
        figure = built(build, needs, *args, **kwargs)
        if figure is not None:
            show(figure)

    return shown


def built(build: Callable[..., Any], needs: Sequence[str], *args: Any, **kwargs: Any) -> Any:
    """The figure ``build`` makes with the student's functions, or None after saying why
    there is none: plotly is missing, a function of ``needs`` is not written yet (it
    raises NotImplementedError), or one raised an error."""
    try:
        import plotly  # noqa: F401
    except ImportError:
        print(f"This interactive view needs plotly: {INSTALL}")
        return None
    quoted = [f"`{name}`" for name in needs]
    names = " and ".join([", ".join(quoted[:-1]), quoted[-1]] if len(quoted) > 1 else quoted)
    try:
        return build(*args, **kwargs)
    except NotImplementedError:
        print(f"Implement {names} above, then run this cell again to see the view.")
    except Exception as error:  # the student's code: a word, not a traceback from here
        said = str(error)
        said = f": {said[:300]}{'…' if len(said) > 300 else ''}" if said else ""
        print(
            f"The view could not be drawn: your {names.replace(' and ', ' or ')} raised "
            f"{type(error).__name__}{said}{_where(error)}. Run the check cells above to see "
            "what to fix, then run this cell again."
        )
    return None


def _where(error: BaseException) -> str:
    """`` at `<line>` ``: the last line of the student's code the error went through, or
    nothing when it came from elsewhere (NumPy, Python)."""
    ours = Path(__file__).resolve().parent
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        path = Path(frame.filename)
        library = "site-packages" in path.parts or path.is_relative_to(sys.base_prefix)
        if frame.line and not library and not path.resolve().is_relative_to(ours):
            return f" at `{frame.line.strip()}`"
    return ""


def show(figure: Any) -> Callable[[Any], None]:
    """Display a plotly figure as HTML that needs no kernel and no network, and return the
    function that redraws it in place with another figure (ipywidgets views call it).

    The first view of a session puts plotly.js in an output of its own, before the
    figure: a redraw then neither sends it again nor loses it from the saved notebook."""
    from IPython.display import HTML, display

    global _plotly_sent
    if not _plotly_sent:
        plotly_js = importlib.import_module("plotly.offline").get_plotlyjs()
        config = "<script type='text/javascript'>window.PlotlyConfig = {MathJaxConfig: 'local'};"
        display(HTML(f"{config}</script><script type='text/javascript'>{plotly_js}</script>"))
        _plotly_sent = True

    def output(shown: Any) -> Any:
        return HTML(shown.to_html(full_html=False, include_plotlyjs=False, auto_play=False,
                                  config={"displaylogo": False, "responsive": True}))  # fmt: skip

    handle = display(output(figure), display_id=True)
    return lambda new: handle.update(output(new))


def slider(
    values: Sequence[float | str],
    names: list[str],
    prefix: str,
    active: int = 0,
    animation: dict[str, Any] = FAST,
) -> dict[str, Any]:
    """A plotly slider whose steps, labelled by ``values`` (numbers as ``:g``), show the
    frames ``names`` with ``animation`` (by default at once, redrawn)."""
    return {
        "active": active,
        "currentvalue": {"prefix": prefix},
        "pad": {"t": 40},
        "steps": [
            {
                "label": value if isinstance(value, str) else f"{value:g}",
                "method": "animate",
                "args": [[name], animation],
            }
            for value, name in zip(values, names, strict=True)
        ],
    }
