"""Feedback and class reports as self-contained HTML pages.

One file per page: inline CSS, plots as inline SVG (``calcgrade.figures``), no
JavaScript, nothing fetched from the network (a Content-Security-Policy says
so, and makes the browser refuse anything else). Everything that comes from a
result is escaped: messages quote student values and the output is the
student's own text.

Two audiences, as everywhere in calcgrade:

- ``student``: each lost check's ``message``, and only the figures meant for
  everyone; never a hidden check's ``detail``, the submission's output (the
  student's code could print the hidden inputs it was called with) or the seed.
- ``instructor``: ``detail`` where there is one, every figure (marked when the
  student does not see it), the output, the seed and the course version.

Figures are drawn for the checks that lost points: they explain what went
wrong; a passed check needs no picture (and drawing one costs about 0.3 s).
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Literal
from urllib.parse import quote

from . import figures
from .gradebook import Row
from .results import SLIP, CheckResult, Figure, ModuleResult
from .text_safety import printable

Audience = Literal["student", "instructor"]
SvgCache = dict[int, tuple[Figure, str]]  # id(figure) -> (figure, svg): pages share renders

MARKS = {"passed": "✓", "failed": "✗", "error": "!", "timeout": "⏱"}
MAX_TEXT = 20_000  # characters of one message or output shown; the JSON result has all
SLOWEST = 10
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
FINGERPRINT = "calcgrade-fingerprint"
STAMP = re.compile(rf'<meta name="{FINGERPRINT}" content="([0-9a-f]+)">')
PAGE_FORMAT = 1  # bump when the pages change, so that reruns draw them again

CSS = """
:root { --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --err: #8250df; --line: #d0d7de;
        --soft: #f6f8fa; --ink: #1f2328; --dim: #59636e; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: var(--ink); margin: 0 auto; max-width: 1000px; padding: 1.5rem 1.25rem 3rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.3rem; margin: 2rem 0 .5rem; padding-bottom: .25rem;
     border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
h4 { font-size: 1rem; margin: 0 0 .5rem; }
code, pre { font: 13px/1.45 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px;
      padding: .6rem .8rem; white-space: pre-wrap; overflow-wrap: anywhere; margin: .5rem 0; }
table { border-collapse: collapse; margin: .5rem 0 1rem; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .6rem; text-align: left;
         vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.meta { color: var(--dim); font-size: .9rem; margin: 0 0 .75rem; }
.points { font-weight: 600; white-space: nowrap; }
.full { color: var(--ok); } .partial { color: var(--warn); } .none { color: var(--bad); }
.mark { font-weight: 700; } .mark.passed { color: var(--ok); } .mark.failed { color: var(--bad); }
.mark.error { color: var(--err); } .mark.timeout { color: var(--warn); }
.check { border: 1px solid var(--line); border-left: 4px solid var(--bad); border-radius: 6px;
         padding: .75rem 1rem; margin: .75rem 0; }
.check.error { border-left-color: var(--err); } .check.timeout { border-left-color: var(--warn); }
.hint { background: #ddf4ff; border-radius: 6px; padding: .4rem .7rem; margin: .5rem 0; }
.badge { display: inline-block; font-size: .75rem; font-weight: 600; border-radius: 1em;
         padding: 0 .55em; background: var(--soft); border: 1px solid var(--line);
         color: var(--dim); vertical-align: middle; }
.badge.instructor { background: #fff8c5; border-color: #d4a72c; color: #7d4e00; }
.banner { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px;
          padding: .5rem .8rem; margin: .75rem 0; }
.notgraded { background: #ffebe9; border: 1px solid #ff8182; border-radius: 6px;
             padding: .5rem .8rem; }
figure.plot { margin: .75rem 0; }
figure.plot svg { max-width: 100%; height: auto; display: block; }
figcaption { color: var(--dim); font-size: .9rem; }
.bar { background: var(--soft); border: 1px solid var(--line); border-radius: 3px;
       height: .8rem; width: 8rem; display: inline-block; vertical-align: middle; }
.bar > span { display: block; height: 100%; background: var(--ok); border-radius: 2px; }
nav ul { padding-left: 1.2rem; margin: .25rem 0; }
details { margin: .5rem 0; } summary { cursor: pointer; color: var(--dim); }
footer { color: var(--dim); font-size: .85rem; margin-top: 2.5rem;
         border-top: 1px solid var(--line); padding-top: .5rem; }
@media print { .check { break-inside: avoid; } }
"""


CODE_SPAN = re.compile(r"`([^`\n]+)`")


def hint_html(hint: str) -> str:
    """A hint as HTML: ``text``, with its `code` spans (grader text: hints quote formulas
    and the reference's code) set in <code>."""
    return CODE_SPAN.sub(r"<code>\1</code>", text(hint))


def text(value: object) -> str:
    """Any value from a result as HTML text: escaped, C0 control characters and lone
    surrogates replaced (they would break the page or the file's encoding), and the
    other controls (carriage returns, C1 controls, bidirectional overrides) shown
    as escapes by ``printable``, so that none reaches the page."""
    string = str(value).encode("utf-8", "replace").decode("utf-8")
    return html.escape(printable(CONTROL.sub("\N{REPLACEMENT CHARACTER}", string)), quote=True)


def points(value: float) -> str:
    return f"{value:g}"


def _pre(value: str, css_class: str = "message") -> str:
    shown = value[:MAX_TEXT]
    more = len(value) - len(shown)
    cut = f"\n… {more} more characters (in the JSON result)" if more > 0 else ""
    return f'<pre class="{css_class}">{text(shown + cut)}</pre>'


def _page(title: str, body: Iterable[str], footer: str, fingerprint: str | None = None) -> str:
    from . import __version__

    stamp = [f'<meta name="{FINGERPRINT}" content="{text(fingerprint)}">'] if fingerprint else []
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
            f'<meta name="generator" content="calcgrade {text(__version__)}">',
            *stamp,
            f"<title>{text(title)}</title>",
            f"<style>{CSS}</style>",
            "</head>",
            "<body>",
            *body,
            f"<footer>{footer} · calcgrade {text(__version__)}</footer>",
            "</body>",
            "</html>",
            "",
        ]
    )


def _share(score: float, maximum: float) -> str:
    if maximum <= 0 or score >= maximum:
        return "full"
    return "none" if score <= 0 else "partial"


def _anchor(*parts: str) -> str:
    return "-".join(re.sub(r"[^A-Za-z0-9_-]+", "_", part) for part in parts)


# ---- a student's page -----------------------------------------------------------


def student_page(
    results: Sequence[ModuleResult],
    student: str | None,
    audience: Audience = "student",
    *,
    problems: Mapping[str, str] | None = None,
    svg_cache: SvgCache | None = None,
    fingerprint: str | None = None,
) -> str:
    """One student's feedback on the modules in ``results``, as a whole HTML page.

    ``problems`` names the modules that could not be graded (module -> why);
    ``svg_cache`` lets the student's and the instructor's page share drawings;
    ``fingerprint`` (see ``fingerprint``) is stamped into the page's head.
    """
    cache: SvgCache = {} if svg_cache is None else svg_cache
    problems = problems or {}
    if student:
        title = f"Feedback for {student}"
    elif len(results) == 1 and results[0].submission:
        title = f"Feedback on {PurePath(results[0].submission).name}"
    else:
        title = "Feedback"
    total = sum(r.score for r in results)
    maximum = sum(r.max_score for r in results)
    body = [f"<header><h1>{text(title)}</h1>"]
    if results:
        body.append(
            f'<p class="meta"><span class="points">{points(total)} / {points(maximum)} points'
            f"</span> in {len(results)} module{'s' if len(results) != 1 else ''}</p>"
        )
    if audience == "instructor":
        body.append(
            '<p class="banner"><strong>Instructor copy.</strong> It shows what hidden checks '
            "hide from students: their inputs, the expected values, the submission's output. "
            "Do not share it with students.</p>"
        )
    body.append("</header>")
    if len(results) + len(problems) > 1:
        body.append("<nav><ul>")
        for module in sorted(problems):
            body.append(f'<li><a href="#{_anchor(module)}">{text(module)}</a> (not graded)</li>')
        for result in results:
            body.append(
                f'<li><a href="#{_anchor(result.module)}">{text(result.module)}</a>: '
                f"{points(result.score)} / {points(result.max_score)}</li>"
            )
        body.append("</ul></nav>")
    for module, why in sorted(problems.items()):
        body.append(f'<section class="module" id="{_anchor(module)}"><h2>{text(module)}</h2>')
        body.append(f'<p class="notgraded">Not graded: {text(why)}.</p></section>')
    for result in results:
        body += _module_section(result, audience, cache)
    footer = "Points come from the checks; every lost point is explained above"
    return _page(f"{title} · calcgrade", body, footer, fingerprint)


def row_page(
    row: Row,
    audience: Audience = "student",
    svg_cache: SvgCache | None = None,
    fingerprint: str | None = None,
) -> str:
    """A student's page from a batch's gradebook row."""
    return student_page(
        list(row.results.values()),
        row.student,
        audience,
        problems=row.problems,
        svg_cache=svg_cache,
        fingerprint=fingerprint,
    )


def fingerprint(row: Row) -> str:
    """A hash of everything a row's pages show (and of the page format), so that a
    rerun that changed nothing for a student need not draw their pages again."""
    from . import __version__

    content = {
        "format": [PAGE_FORMAT, __version__],
        "student": row.student,
        "problems": row.problems,
        "results": {module: result.to_dict() for module, result in row.results.items()},
    }
    encoded = json.dumps(content, sort_keys=True, allow_nan=True).encode("utf-8", "replace")
    return hashlib.sha256(encoded).hexdigest()


def written_fingerprint(path: Path) -> str | None:
    """The fingerprint stamped in the page at ``path`` (None: no page, or none stamped)."""
    try:
        with path.open("rb") as stream:
            head = stream.read(4096).decode("utf-8", "replace")
    except OSError:
        return None
    found = STAMP.search(head)
    return found.group(1) if found else None


def _module_section(result: ModuleResult, audience: Audience, cache: SvgCache) -> list[str]:
    share = _share(result.score, result.max_score)
    out = [
        f'<section class="module" id="{_anchor(result.module)}">',
        f'<h2>{text(result.module)} <span class="points {share}">{points(result.score)} / '
        f"{points(result.max_score)} points</span></h2>",
    ]
    meta = [f"isolation {text(result.isolation)}", f"graded in {result.seconds:.1f} s"]
    if result.submission:
        meta.insert(0, f"submission <code>{text(PurePath(result.submission).name)}</code>")
    if result.course_path:
        meta.append(f"course <code>{text(result.course_path)}</code>")
    meta.append(f"course version {text(result.course_version)}")
    if audience == "instructor":
        meta.append(f"hidden seed fingerprint {text(result.seed_fingerprint)}")
    out.append(f'<p class="meta">{" · ".join(meta)}</p>')
    out += _exercise_table(result)
    if result.load_notes:
        out.append('<ul class="notes">')
        out += [f"<li>note: {text(note)}</li>" for note in result.load_notes]
        out.append("</ul>")
    lost = [c for c in result.checks if c.status != "passed"]
    if lost:
        out.append("<h3>What lost points</h3>")
    elif result.checks:
        out.append('<p class="full">Every check passed.</p>')
    for check in lost:
        out += _check_article(result.module, check, audience, cache)
    if audience == "instructor" and result.output:
        out.append("<details><summary>Output of the submission (stdout and stderr)</summary>")
        out.append(_pre(result.output, "output"))
        out.append("</details>")
    out.append("</section>")
    return out


def _exercise_table(result: ModuleResult) -> list[str]:
    out = [
        '<table class="exercises"><thead><tr><th>exercise</th><th class="num">points</th>'
        "<th>checks</th></tr></thead><tbody>"
    ]
    for exercise, row in result.exercises.items():
        checks = [c for c in result.checks if c.exercise == exercise]
        passed = sum(c.status == "passed" for c in checks)
        marks = "".join(
            f'<span class="mark {c.status}" title="{text(c.id)}: {c.status}">{MARKS[c.status]}'
            "</span> "
            for c in checks
        )
        share = _share(row["score"], row["max_score"])
        out.append(
            f"<tr><td>{text(exercise)}</td>"
            f'<td class="num {share}">{points(row["score"])} / {points(row["max_score"])}</td>'
            f"<td>{marks}{passed} of {len(checks)} passed</td></tr>"
        )
    out.append("</tbody></table>")
    return out


def _check_article(
    module: str, check: CheckResult, audience: Audience, cache: SvgCache
) -> list[str]:
    hidden = check.visibility == "hidden"
    out = [
        f'<article class="check {check.status}" id="{_anchor(module, check.id)}">',
        f'<h4><span class="mark {check.status}">{MARKS[check.status]}</span> '
        f"{text(check.exercise)} › <code>{text(check.id)}</code> "
        f'<span class="meta">{points(check.score)} / {points(check.max_score)} · '
        f"{check.status}{' · hidden check' if hidden else ''}</span></h4>",
    ]
    if audience == "instructor" and check.detail:
        out.append(_pre(check.detail, "detail"))
        if check.detail != check.message:
            out.append("<details><summary>What the student sees</summary>")
            out.append(_pre(check.message))
            out.append("</details>")
    else:
        out.append(_pre(check.message))
    if check.hint:
        out.append(f'<p class="hint"><strong>Hint:</strong> {hint_html(check.hint)}</p>')
    for figure in check.figures:
        if audience == "instructor" or figure.audience == "everyone":
            out.append(_figure(figure, audience, cache))
    out.append("</article>")
    return out


def _figure(figure: Figure, audience: Audience, cache: SvgCache) -> str:
    stored = cache.get(id(figure))
    if stored is not None and stored[0] is figure:
        svg = stored[1]
    else:
        svg = figures.render_svg(figure)
        cache[id(figure)] = (figure, svg)
    badge = (
        ' <span class="badge instructor">instructor only</span>'
        if audience == "instructor" and figure.audience != "everyone"
        else ""
    )
    return (
        f'<figure class="plot {text(figure.kind)}">{svg}'
        f"<figcaption>{text(figure.title)}{badge}</figcaption></figure>"
    )


# ---- the class report -----------------------------------------------------------


@dataclass
class _Mistake:
    students: set[str] = field(default_factory=set)
    checks: int = 0
    hints: Counter[str] = field(default_factory=Counter)


def class_page(
    rows: Sequence[Row],
    problems: Sequence[str],
    *,
    exercises: Mapping[str, Sequence[str]] | None = None,
    links: Mapping[str, Mapping[str, str]] | None = None,
    summary: str | None = None,
) -> str:
    """The class report: scores per module, pass rate per exercise, frequent mistakes,
    slowest and ungraded submissions, entries that could not be placed.

    ``exercises`` (module -> exercise names) fixes the order of modules and
    exercises (default: as they come in the results); ``links`` maps a student to
    their pages ({"feedback": href, ...}, relative hrefs); ``summary`` is a line
    about the run.
    """
    by_module = _results_by_module(rows, exercises)
    body = ["<header><h1>Class report</h1>"]
    graded = sum(len(results) for results in by_module.values())
    ungraded = [(r.student, m, why) for r in rows for m, why in sorted(r.problems.items())]
    facts = [
        f"{len(rows)} student{'s' if len(rows) != 1 else ''}",
        f"{graded} submission{'s' if graded != 1 else ''} graded",
        f"{sum(why.startswith('ungraded') for *_, why in ungraded)} ungraded",
        f"{len(problems)} not placed",
    ]
    body.append(f'<p class="meta">{" · ".join(facts)}</p>')
    if summary:
        body.append(f'<p class="meta">{text(summary)}</p>')
    body.append(
        '<nav><ul><li><a href="#scores">Scores per module</a></li>'
        '<li><a href="#exercises">Pass rate per exercise</a></li>'
        '<li><a href="#mistakes">Most frequent mistakes</a></li>'
        '<li><a href="#slowest">Slowest submissions</a></li>'
        '<li><a href="#ungraded">Not graded</a></li>'
        '<li><a href="#students">Students</a></li></ul></nav></header>'
    )
    body += _scores_section(by_module)
    body += _exercises_section(by_module, exercises)
    body += _mistakes_section(rows, by_module)
    body += _slowest_section(rows)
    body += _not_graded_section(rows, problems, by_module)
    body += _students_section(rows, list(by_module), links or {})
    return _page("Class report · calcgrade", body, "Class report")


def _results_by_module(
    rows: Sequence[Row], exercises: Mapping[str, Sequence[str]] | None
) -> dict[str, list[tuple[str, ModuleResult]]]:
    by_module: dict[str, list[tuple[str, ModuleResult]]] = {m: [] for m in exercises or {}}
    for row in rows:
        for module, result in row.results.items():
            by_module.setdefault(module, []).append((row.student, result))
    return by_module


def _scores_section(by_module: Mapping[str, list[tuple[str, ModuleResult]]]) -> list[str]:
    out = [
        '<section id="scores"><h2>Scores per module</h2>',
        '<table><thead><tr><th>module</th><th class="num">submissions</th>'
        '<th class="num">mean</th><th class="num">median</th><th class="num">min</th>'
        '<th class="num">max</th><th class="num">full marks</th><th class="num">zero</th>'
        "</tr></thead><tbody>",
    ]
    pictures = []
    for module, pairs in by_module.items():
        if not pairs:
            out.append(f'<tr><td>{text(module)}</td><td class="num">0</td>{"<td></td>" * 6}</tr>')
            continue
        scores = [result.score for _, result in pairs]
        top = max(result.max_score for _, result in pairs)
        full = sum(result.score >= result.max_score for _, result in pairs)
        out.append(
            f'<tr><td>{text(module)}</td><td class="num">{len(pairs)}</td>'
            f'<td class="num">{statistics.fmean(scores):.2f} / {points(top)}</td>'
            f'<td class="num">{points(statistics.median(scores))}</td>'
            f'<td class="num">{points(min(scores))}</td><td class="num">{points(max(scores))}</td>'
            f'<td class="num">{full}</td><td class="num">{sum(s <= 0 for s in scores)}</td></tr>'
        )
        svg = figures.histogram_svg(scores, top, xlabel=f"points (of {points(top)})")
        pictures.append(
            f'<figure class="plot histogram">{svg}<figcaption>{text(module)}: how many '
            "submissions got each score</figcaption></figure>"
        )
    out.append("</tbody></table>")
    return [*out, *pictures, "</section>"]


def _exercises_section(
    by_module: Mapping[str, list[tuple[str, ModuleResult]]],
    exercises: Mapping[str, Sequence[str]] | None,
) -> list[str]:
    out = [
        '<section id="exercises"><h2>Pass rate per exercise</h2>',
        '<p class="meta">Passed: full points on the exercise. Lost to a timeout or a grader '
        "error counts the submissions where a check of the exercise ran out of time or the "
        "grader itself failed (tell whoever maintains the graders).</p>",
        '<table><thead><tr><th>module</th><th>exercise</th><th class="num">passed</th>'
        '<th></th><th class="num">mean points</th><th class="num">timeout / error</th>'
        "</tr></thead><tbody>",
    ]
    for module, pairs in by_module.items():
        names: list[str] = list((exercises or {}).get(module, ()))
        for _, result in pairs:
            names += [name for name in result.exercises if name not in names]
        for name in names:
            rows = [r.exercises[name] for _, r in pairs if name in r.exercises]
            if not rows:
                continue
            passed = sum(row["score"] >= row["max_score"] for row in rows)
            rate = passed / len(rows)
            trouble = sum(
                any(c.exercise == name and c.status in ("timeout", "error") for c in r.checks)
                for _, r in pairs
            )
            mean = statistics.fmean(row["score"] for row in rows)
            out.append(
                f"<tr><td>{text(module)}</td><td>{text(name)}</td>"
                f'<td class="num">{passed} / {len(rows)} ({rate:.0%})</td>'
                f'<td><span class="bar" title="{rate:.0%}"><span style="width: {rate:.0%}">'
                "</span></span></td>"
                f'<td class="num">{mean:.2f} / {points(max(row["max_score"] for row in rows))}</td>'
                f'<td class="num">{trouble or ""}</td></tr>'
            )
    out.append("</tbody></table></section>")
    return out


def _mistakes_section(
    rows: Sequence[Row], by_module: Mapping[str, list[tuple[str, ModuleResult]]]
) -> list[str]:
    mistakes: dict[tuple[str, str, str, str], _Mistake] = {}
    undiagnosed: dict[tuple[str, str], _Mistake] = {}
    related: dict[tuple[str, str, str | None], _Mistake] = {}
    for row in rows:
        for module, result in row.results.items():
            lost = [c for c in result.checks if c.status != "passed"]
            for check in lost:
                if check.hint_id:
                    # each diagnosed slip is a mistake of its own; a listed one, its hint id
                    slip = (check.hint or "") if check.hint_id == SLIP else ""
                    key = (module, check.exercise, check.hint_id, slip)
                    found = mistakes.setdefault(key, _Mistake())
                    found.students.add(row.student)
                    found.checks += 1
                    found.hints[check.hint or ""] += 1
                elif check.status == "failed":
                    found = related.setdefault((module, check.id, check.relation), _Mistake())
                    found.students.add(row.student)
                    found.checks += 1
            for exercise in {c.exercise for c in lost}:
                mine = [c for c in lost if c.exercise == exercise]
                if not any(c.hint_id for c in mine):
                    found = undiagnosed.setdefault((module, exercise), _Mistake())
                    found.students.add(row.student)
                    found.checks += len(mine)
    order = {module: index for index, module in enumerate(by_module)}
    out = [
        '<section id="mistakes"><h2>Most frequent mistakes</h2>',
        '<p class="meta">What to re-teach: the mistakes the graders recognised, by the number '
        "of students who made them.</p>",
    ]
    if not mistakes and not undiagnosed:
        return [*out, "<p>No points lost.</p></section>"]
    if mistakes:
        out.append(
            '<table><thead><tr><th class="num">students</th><th>exercise</th>'
            '<th>mistake, and the hint students got</th><th class="num">checks lost</th></tr>'
            "</thead><tbody>"
        )
        ranked = sorted(
            mistakes.items(),
            key=lambda item: (-len(item[1].students), order.get(item[0][0], 0), item[0][1:]),
        )
        for (module, exercise, hint_id, _), mistake in ranked:
            hint = mistake.hints.most_common(1)[0][0]
            shown = f'<br><span class="meta">{text(hint)}</span>' if hint else ""
            out.append(
                f'<tr><td class="num">{len(mistake.students)}</td>'
                f"<td>{text(module)} › {text(exercise)}</td>"
                f"<td><code>{text(hint_id)}</code>{shown}</td>"
                f'<td class="num">{mistake.checks}</td></tr>'
            )
        out.append("</tbody></table>")
    else:
        out.append("<p>No recognised mistake.</p>")
    if undiagnosed or related:
        out.append("<h3>Points lost without a recognised mistake</h3>")
    if undiagnosed:
        out.append(
            '<p class="meta">Students who lost points on the exercise where no check named '
            "the mistake (unfinished code, an error, a mistake no hint knows yet): their "
            "feedback shows what failed.</p>"
            '<table><thead><tr><th class="num">students</th><th>exercise</th>'
            '<th class="num">checks lost</th></tr></thead><tbody>'
        )
        ranked_undiagnosed = sorted(
            undiagnosed.items(),
            key=lambda item: (-len(item[1].students), order.get(item[0][0], 0), item[0][1]),
        )
        for (module, exercise), mistake in ranked_undiagnosed:
            out.append(
                f'<tr><td class="num">{len(mistake.students)}</td>'
                f"<td>{text(module)} › {text(exercise)}</td>"
                f'<td class="num">{mistake.checks}</td></tr>'
            )
        out.append("</tbody></table>")
    if related:
        out += _relations_table(related, order)
    out.append("</section>")
    return out


def _relations_table(
    related: Mapping[tuple[str, str, str | None], _Mistake], order: Mapping[str, int]
) -> list[str]:
    """Failed checks that named no mistake, grouped by the relation their values showed."""
    out = [
        '<h4 id="relations">By relation, checked on the numbers</h4>'
        '<p class="meta">Each failed check that named no mistake, grouped by how the wrong '
        "value relates to the expected one (transposed, off by a constant factor, components "
        "swapped, one step behind...): a relation many students share is a mistake worth a "
        "hint.</p>"
        '<table><thead><tr><th class="num">students</th><th>check</th><th>relation</th>'
        "</tr></thead><tbody>"
    ]
    ranked = sorted(
        related.items(),
        key=lambda item: (
            -len(item[1].students),
            order.get(item[0][0], 0),
            item[0][1],
            item[0][2] is None,
            item[0][2] or "",
        ),
    )
    for (module, check_id, relation), mistake in ranked:
        shown = text(relation) if relation else '<span class="meta">no relation found</span>'
        out.append(
            f'<tr><td class="num">{len(mistake.students)}</td>'
            f"<td>{text(module)} › {text(check_id)}</td><td>{shown}</td></tr>"
        )
    out.append("</tbody></table>")
    return out


def _slowest_section(rows: Sequence[Row]) -> list[str]:
    timed = sorted(
        (
            (result.seconds, row.student, module, result)
            for row in rows
            for module, result in row.results.items()
        ),
        key=lambda item: item[0],
        reverse=True,
    )[:SLOWEST]
    out = ['<section id="slowest"><h2>Slowest submissions</h2>']
    if not timed:
        return [*out, "<p>None graded.</p></section>"]
    out.append(
        '<table><thead><tr><th>student</th><th>module</th><th class="num">seconds</th>'
        '<th class="num">points</th><th class="num">timeouts</th></tr></thead><tbody>'
    )
    for seconds, student, module, result in timed:
        timeouts = sum(c.status == "timeout" for c in result.checks)
        out.append(
            f"<tr><td>{text(student)}</td><td>{text(module)}</td>"
            f'<td class="num">{seconds:.2f}</td>'
            f'<td class="num">{points(result.score)} / {points(result.max_score)}</td>'
            f'<td class="num">{timeouts or ""}</td></tr>'
        )
    out.append("</tbody></table></section>")
    return out


def _not_graded_section(
    rows: Sequence[Row],
    problems: Sequence[str],
    by_module: Mapping[str, list[tuple[str, ModuleResult]]],
) -> list[str]:
    out = ['<section id="ungraded"><h2>Not graded</h2>']
    ungraded = [(r.student, m, why) for r in rows for m, why in sorted(r.problems.items())]
    failing = [(s, m, why) for s, m, why in ungraded if why != "missing"]
    missing = [(s, m) for s, m, why in ungraded if why == "missing"]
    out.append("<h3>Ungraded submissions</h3>")
    if failing:
        out.append(
            '<p class="meta">Grading could not run (retried once): these are not zeros. '
            "Fix the cause and rerun the batch; it regrades only these.</p>"
        )
        out.append("<table><thead><tr><th>student</th><th>module</th><th>why</th></tr></thead>")
        out += [
            f"<tr><td>{text(s)}</td><td>{text(m)}</td><td>{text(why)}</td></tr>"
            for s, m, why in failing
        ]
        out.append("</table>")
    else:
        out.append("<p>None.</p>")
    if missing:
        out.append("<h3>No submission</h3><ul>")
        out += [f"<li>{text(s)}: {text(m)}</li>" for s, m in missing]
        out.append("</ul>")
    out.append("<h3>Entries not placed</h3>")
    if problems:
        out.append(
            '<p class="meta">Files and folders in the class folder that were not graded.</p><ul>'
        )
        out += [f"<li>{text(problem)}</li>" for problem in problems]
        out.append("</ul>")
    else:
        out.append("<p>None.</p>")
    errors = Counter(
        (module, check.id)
        for module, pairs in by_module.items()
        for _, result in pairs
        for check in result.checks
        if check.status == "error"
    )
    if errors:
        out.append("<h3>Grader errors</h3>")
        out.append(
            '<p class="meta">The grader itself failed on these checks; students lost their '
            "points through no fault of theirs. Tell whoever maintains the graders.</p><ul>"
        )
        out += [
            f"<li>{text(module)} › <code>{text(check)}</code>: {count} submission"
            f"{'s' if count != 1 else ''}</li>"
            for (module, check), count in errors.most_common()
        ]
        out.append("</ul>")
    out.append("</section>")
    return out


def _students_section(
    rows: Sequence[Row], modules: list[str], links: Mapping[str, Mapping[str, str]]
) -> list[str]:
    out = [
        '<section id="students"><h2>Students</h2>',
        "<table><thead><tr><th>student</th>",
        *(f'<th class="num">{text(m)}</th>' for m in modules),
        '<th class="num">total</th><th>pages</th></tr></thead><tbody>',
    ]
    for row in sorted(rows, key=lambda r: r.student):
        cells = []
        for module in modules:
            result = row.results.get(module)
            if result is None:
                why = row.problems.get(module, "missing")
                label = "missing" if why == "missing" else "ungraded"
                cells.append(f'<td class="num none" title="{text(why)}">{label}</td>')
            else:
                share = _share(result.score, result.max_score)
                cells.append(
                    f'<td class="num {share}">{points(result.score)} / '
                    f"{points(result.max_score)}</td>"
                )
        total = sum(result.score for result in row.results.values())
        pages = " · ".join(
            f'<a href="{text(quote(href))}">{text(label)}</a>'
            for label, href in links.get(row.student, {}).items()
        )
        out.append(
            f"<tr><td>{text(row.student)}</td>{''.join(cells)}"
            f'<td class="num">{points(total)}</td><td>{pages}</td></tr>'
        )
    out.append("</tbody></table></section>")
    return out
