"""Module 5's view: SGD, Momentum, RMSProp and Adam racing down the Rosenbrock valley.

A step slider (precomputed frames, so it works in a notebook exported to HTML) shows
the four paths up to step k over the landscape's level curves, beside each one's loss
per step and its distance to the minimum.
In a live kernel with ipywidgets, sliders for each optimizer's hyperparameters sit
under the figure: moving one races again with the student's classes and redraws the
figure in place.
"""

from __future__ import annotations

import html
import importlib
from collections.abc import Callable
from typing import Any

import numpy as np

from . import FAST, INSTALL, built, show, slider

START = np.array([-1.5, 1.5])
MINIMUM = np.array([1.0, 1.0])
STEPS = 1000
EVERY = 20  # a slider position every EVERY steps
STRIDE = 20  # a path drawn through every STRIDE-th point (and the current one)
NAMES = ("SGD", "Momentum", "RMSProp", "Adam")
COLORS = {"SGD": "dimgray", "Momentum": "#1f77b4", "RMSProp": "#2ca02c", "Adam": "crimson"}
# The notebook's head-to-head settings: a learning rate that suits each optimizer.
SETTINGS: dict[str, dict[str, float]] = {
    "SGD": {"lr": 1e-3},
    "Momentum": {"lr": 2e-4, "beta": 0.9},
    "RMSProp": {"lr": 5e-3, "beta": 0.9},
    "Adam": {"lr": 0.05, "beta1": 0.9, "beta2": 0.999},
}
# Each slider of the tuning panel: (low, high, step) for betas; lr on a log scale 10**low..10**high.
RANGES: dict[str, dict[str, tuple[float, float, float]]] = {
    "SGD": {"lr": (-5, -2, 0.1)},
    "Momentum": {"lr": (-5, -2, 0.1), "beta": (0.0, 0.99, 0.01)},
    "RMSProp": {"lr": (-4, -1, 0.1), "beta": (0.5, 0.999, 0.001)},
    "Adam": {"lr": (-3, 0, 0.1), "beta1": (0.0, 0.99, 0.01), "beta2": (0.9, 0.9999, 0.0001)},
}
LEVELS = (1.0, 4.0, 16.0, 64.0, 256.0, 1024.0)  # the landscape's drawn level curves
MAP = 1e3  # a walk beyond |x| or |y| = MAP has diverged: it is drawn up to there
Optimizer = Callable[..., Any]
STEP = {**FAST, "frame": {"duration": 0, "redraw": False}}  # a slider move: move traces only


def rosenbrock(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def rosenbrock_gradient(p: np.ndarray) -> np.ndarray:
    x, y = p
    return np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])


def level_curves(levels: tuple[float, ...] = LEVELS) -> tuple[np.ndarray, np.ndarray]:
    """The Rosenbrock function's level curves f = c, exactly, as one line with gaps (NaN):
    x = 1 + sqrt(c) cos(t), y = x**2 + sqrt(c) sin(t) / 10, kept to the map's |x| <= 4.5."""
    gap = np.array([np.nan])
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    for c in levels:
        r = np.sqrt(c)
        low, high = np.arccos(np.clip([3.5 / r, -5.5 / r], -1, 1))  # 1 + r cos t in [-4.5, 4.5]
        for sign in (1, -1):  # the upper and the lower branch
            t = np.linspace(low, high, 100)
            x = 1 + r * np.cos(t)
            xs += [x, gap]
            ys += [x**2 + sign * r * np.sin(t) / 10, gap]
    return np.concatenate(xs), np.concatenate(ys)


def race_paths(
    classes: dict[str, Optimizer],
    run_optimizer: Callable[..., Any],
    settings: dict[str, dict[str, float]] = SETTINGS,
    steps: int = STEPS,
) -> dict[str, np.ndarray]:
    """Each optimizer's trajectory from START, as the student's run_optimizer returns it
    (``steps + 1`` rows); an optimizer whose code still raises NotImplementedError is left
    out, and if all are, NotImplementedError is raised."""
    paths = {}
    for name, make in classes.items():
        try:
            with np.errstate(all="ignore"):  # a diverging walk overflows: that is shown, not warned
                trajectory = run_optimizer(
                    make(**settings[name]), rosenbrock_gradient, START.copy(), steps
                )
        except NotImplementedError:
            continue
        paths[name] = np.asarray(trajectory, dtype=float).reshape(steps + 1, 2)
    if not paths:
        raise NotImplementedError("no optimizer runs yet")
    return paths


def diverged_at(path: np.ndarray) -> int | None:
    """The first step at which a walk leaves the map (or overflows), if it does."""
    off = ~np.all(np.isfinite(path) & (np.abs(path) <= MAP), axis=1)
    return int(np.argmax(off)) if off.any() else None


def label(name: str, settings: dict[str, float]) -> str:
    return f"{name} ({', '.join(f'{key} {value:.3g}' for key, value in settings.items())})"


def race_figure(
    SGD: Optimizer,
    Momentum: Optimizer,
    Adam: Optimizer,
    RMSProp: Optimizer,
    run_optimizer: Callable[..., Any],
    settings: dict[str, dict[str, float]] = SETTINGS,
    steps: int = STEPS,
    every: int = EVERY,
) -> Any:
    """The four optimizers' paths on the Rosenbrock valley up to step k (on a slider, every
    ``every`` steps), beside their loss per step on a log scale and their distance to the
    minimum at step k.

    Built as plain dicts and validated once (graph objects take three times longer, too
    slow for the tuning panel's redraws). Its frames move scatter traces only, without a
    full redraw (``STEP``): that is what keeps a slider move fast, and why the landscape is
    drawn as scatter lines (a contour trace vanishes from a frame that does not redraw)
    and the distances as text on the loss plot, not in the title (which such frames do
    not update)."""
    import plotly.graph_objects as go

    classes = {"SGD": SGD, "Momentum": Momentum, "RMSProp": RMSProp, "Adam": Adam}
    paths = race_paths(classes, run_optimizer, settings, steps)
    ends = {name: diverged_at(path) for name, path in paths.items()}
    x_levels, y_levels = level_curves()
    landscape = [
        {"type": "scatter", "x": x_levels, "y": y_levels, "mode": "lines", "name": "landscape",
         "line": {"color": "#b0b0b0", "width": 1}, "hoverinfo": "skip", "showlegend": False},
        {"type": "scatter", "x": [MINIMUM[0]], "y": [MINIMUM[1]], "mode": "markers+text",
         "text": ["minimum"], "textposition": "top center", "name": "minimum",
         "showlegend": False, "marker": {"symbol": "star", "size": 16, "color": "black"}},
        {"type": "scatter", "x": [START[0]], "y": [START[1]], "mode": "markers+text",
         "text": ["start"], "textposition": "top center", "name": "start", "showlegend": False,
         "marker": {"symbol": "circle-open", "size": 12, "color": "black"}},
    ]  # fmt: skip

    def upto(name: str, k: int) -> np.ndarray:
        """The steps drawn at slider position k: every STRIDE-th up to k, and k itself
        (or, for a walk that diverged before k, its last step on the map)."""
        end = ends[name]
        last = k if end is None else min(k, end - 1)
        return np.unique(np.r_[np.arange(0, last + 1, STRIDE), last])

    def traces(k: int) -> list[dict[str, Any]]:
        """Where each optimizer is at step k (one trace for all), then each one's path
        and loss curve up to there (fewer traces make a faster slider)."""
        heads = np.array([path[upto(name, k)[-1]] for name, path in paths.items()])
        shown: list[dict[str, Any]] = [
            {"type": "scatter", "x": heads[:, 0], "y": heads[:, 1], "mode": "markers",
             "name": "step k", "showlegend": False, "text": list(paths),
             "marker": {"color": list(map(COLORS.get, paths)), "size": 10}},
        ]  # fmt: skip
        for name, path in paths.items():
            at = upto(name, k)
            points = path[at]
            style = {"color": COLORS[name]}
            shown += [
                {"type": "scatter", "x": points[:, 0], "y": points[:, 1], "mode": "lines",
                 "name": label(name, settings[name]), "legendgroup": name, "line": style},
                {"type": "scatter", "x": at, "y": rosenbrock(points[:, 0], points[:, 1]),
                 "mode": "lines", "name": name, "legendgroup": name, "showlegend": False,
                 "line": style, "xaxis": "x2", "yaxis": "y2"},
            ]  # fmt: skip
        return shown

    def scoreboard(k: int) -> dict[str, Any]:
        """Each optimizer's distance to the minimum at step k, top right of the loss plot."""
        lines = [f"distance to (1, 1) at step {k}:"]
        for name, path in paths.items():
            end = ends[name]
            if end is not None and end <= k:
                lines.append(f"{name}: diverged at step {end}")
            else:
                lines.append(f"{name}: {np.linalg.norm(path[k] - MINIMUM):.2f}")
        return {"type": "scatter", "x": [steps] * len(lines),
                "y": 10 ** (3.3 - 0.4 * np.arange(len(lines))), "mode": "text", "text": lines,
                "textposition": "middle left", "name": "scoreboard", "showlegend": False,
                "hoverinfo": "skip", "xaxis": "x2", "yaxis": "y2",
                "textfont": {"size": 13, "color": ["black", *map(COLORS.get, paths)]}}  # fmt: skip

    marks = list(range(0, steps + 1, every))
    names = [f"step={k}" for k in marks]
    moving = list(range(len(landscape), len(landscape) + 2 + 2 * len(paths)))
    frames = [
        {"name": name, "data": [scoreboard(k), *traces(k)], "traces": moving}
        for name, k in zip(names, marks, strict=True)
    ]
    play = {**STEP, "frame": {"duration": 80, "redraw": False}, "fromcurrent": True}
    missing = [name for name in NAMES if name not in paths]
    note = (
        [{"text": f"not racing yet: {', '.join(missing)} "
                  f"(implement {'it' if len(missing) == 1 else 'them'} above)",
          "xref": "paper", "yref": "paper", "x": 0, "y": -0.3, "showarrow": False,
          "xanchor": "left", "font": {"color": "gray"}}]
        if missing else []
    )  # fmt: skip
    steps_slider = slider([float(k) for k in marks], names, "step: ", 0, animation=STEP)
    heading = {"xref": "paper", "yref": "paper", "y": 1.0, "yanchor": "bottom",
               "showarrow": False, "font": {"size": 14}}  # fmt: skip
    layout = {
        "title": {"text": "The race down the Rosenbrock valley, from (−1.5, 1.5) to the "
                          "minimum (1, 1)"},
        "xaxis": {"domain": [0, 0.5], "range": [-2, 2], "title": {"text": "x"}},
        "yaxis": {"range": [-1, 3], "title": {"text": "y"}, "scaleanchor": "x"},
        "xaxis2": {"domain": [0.6, 1], "range": [-steps / 50, steps * 1.02],
                   "title": {"text": "step"}, "anchor": "y2"},
        "yaxis2": {"type": "log", "range": [-4, 3.5], "exponentformat": "power",
                   "anchor": "x2", "title": {"text": "loss f(x, y)"}},
        "annotations": [
            {**heading, "text": "paths on f(x, y) = (1 − x)² + 100 (y − x²)²", "x": 0.25},
            {**heading, "text": "loss per step", "x": 0.8},
            *note,
        ],
        "sliders": [{**steps_slider, "x": 0.1, "len": 0.9}],
        "updatemenus": [
            {"type": "buttons", "direction": "left", "x": 0.0, "y": 0, "xanchor": "left",
             "yanchor": "top", "pad": {"t": 48, "r": 10}, "showactive": False,
             "buttons": [{"label": "▶", "method": "animate", "args": [None, play]},
                         {"label": "❚❚", "method": "animate", "args": [[None], STEP]}]},
        ],
        "legend": {"orientation": "h", "x": 0, "y": 1.08, "yanchor": "bottom", "xanchor": "left"},
        "height": 560,
        "margin": {"t": 130, "b": 40},
    }  # fmt: skip
    data = [*landscape, scoreboard(0), *traces(0)]
    return go.Figure({"data": data, "layout": layout, "frames": frames})


def tuning_panel(
    SGD: Optimizer,
    Momentum: Optimizer,
    Adam: Optimizer,
    RMSProp: Optimizer,
    run_optimizer: Callable[..., Any],
    redraw: Callable[[Any], None],
    steps: int = STEPS,
) -> tuple[Any, dict[str, dict[str, Any]]]:
    """Sliders for every optimizer's hyperparameters (ipywidgets): releasing one races
    again with the student's classes and passes the new figure to ``redraw``. Returns
    the panel and its sliders, ``sliders[name][hyperparameter]``."""
    widgets = importlib.import_module("ipywidgets")  # untyped: only this function uses it
    sliders: dict[str, dict[str, Any]] = {}
    columns = []
    for name in NAMES:
        sliders[name] = {}
        for key, value in SETTINGS[name].items():
            low, high, step = RANGES[name][key]
            common = {"value": value, "step": step, "description": key,
                      "continuous_update": False, "layout": {"width": "250px"},
                      "style": {"description_width": "45px"}}  # fmt: skip
            if key == "lr":
                sliders[name][key] = widgets.FloatLogSlider(
                    base=10, min=low, max=high, readout_format=".1e", **common
                )
            else:
                sliders[name][key] = widgets.FloatSlider(
                    min=low, max=high, readout_format=f".{len(str(step)) - 2}f", **common
                )
        heading = widgets.HTML(f"<b style='color:{COLORS[name]}'>{name}</b>")
        columns.append(widgets.VBox([heading, *sliders[name].values()]))
    status = widgets.HTML("")

    def race_again(_: Any = None) -> None:
        settings = {
            name: {key: float(box.value) for key, box in boxes.items()}
            for name, boxes in sliders.items()
        }
        status.value = "<i>racing…</i>"
        try:
            figure = race_figure(SGD, Momentum, Adam, RMSProp, run_optimizer, settings, steps)
        except Exception as error:  # a widget callback's traceback would go unseen: say it here
            status.value = (
                f"<span style='color:crimson'>Your code raised {type(error).__name__}: "
                f"{html.escape(str(error))}</span>"
            )
            return
        redraw(figure)
        status.value = ""

    for boxes in sliders.values():
        for box in boxes.values():
            box.observe(race_again, names="value")
    intro = widgets.HTML(
        "<b>Tune each optimizer</b> (release a slider to race again with your classes):"
    )
    return widgets.VBox([intro, widgets.HBox(columns), status]), sliders


def live_kernel() -> bool:
    """Whether this runs in a Jupyter kernel, where widgets can call back into Python."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return getattr(get_ipython(), "kernel", None) is not None


def race(
    SGD: Optimizer,
    Momentum: Optimizer,
    Adam: Optimizer,
    RMSProp: Optimizer,
    run_optimizer: Callable[..., Any],
) -> None:
    """The race on the Rosenbrock valley, with the tuning panel in a live kernel."""
    needs = ("SGD", "Momentum", "Adam", "run_optimizer")
    figure = built(race_figure, needs, SGD, Momentum, Adam, RMSProp, run_optimizer)
    if figure is None:
        return
    if not live_kernel():
        show(figure)
        return
    try:
        importlib.import_module("ipywidgets")
    except ImportError:
        show(figure)
        print(f"To tune each optimizer on sliders, install ipywidgets: {INSTALL}")
        return
    redraw = show(figure)
    from IPython.display import display

    panel, _ = tuning_panel(SGD, Momentum, Adam, RMSProp, run_optimizer, redraw)
    display(panel)
