"""Trim corpus files (tests/submissions/<module>/*.py) to their mistaken code.

A corpus file holds only the code that differs from the solution: when it is graded,
the solution supplies every contract name the file does not define (see
``merged_source`` in tests/conftest.py). This rewrites each file given whose header is
``# expect: exercise=X hint=Y`` to its two header lines and:

- the definition of X (for a method of m6, the class that holds it);
- with ``--keep-users``, also the file's own definitions of the contract names whose
  solution code uses X, directly or not (m1's ``optimal_price`` calls ``derivative``,
  m3's ``mlp_loss_and_grads`` its layers, m5's ``compare_optimizers``
  ``run_optimizer``): where, with the solution's, the mistake shows in those
  exercises too;
- the private helpers and constants those use, the imports they need and any other
  top-level code (``try: import torch ...``);

then sorts its imports and formats it with ruff. A full-marks file is left alone
unless ``--keep NAME,...`` names its unusual definitions (``--keep`` also overrides X).
Check every trimmed file with its corpus test; where the outcome changed, trim again
with ``--keep-users`` or ``--keep``, or restore the file (``git show HEAD:PATH``):

    .venv/bin/python tools/trim_corpus.py tests/submissions/m1_derivatives/forward_difference.py
    .venv/bin/pytest tests/test_graders.py -p no:cacheprovider \\
        -k "corpus_submission and m1_derivatives and forward_difference"

``--dry-run`` prints the trimmed files instead of writing them.
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import (  # noqa: E402
    bound_names,
    contract,
    expectation,
    loaded_names,
    solution,
    statement_lines,
)


def roots(module: str, exercise: str, tree: ast.Module, users: bool) -> set[str]:
    """The top-level names of the file that hold the mistake of ``exercise`` and, with
    ``users``, of the contract names whose solution code uses it."""
    own = bound_names(tree.body)
    held = {exercise} & own
    if not held:  # a method (m6): the classes that define it
        held = {
            node.name
            for node in tree.body
            if isinstance(node, ast.ClassDef)
            and any(
                isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name == exercise
                for item in node.body
            )
        }
    if users:
        sol = solution(module)
        held |= {name for name in contract(module) if held & sol.needs([name])} & own
    return held


def trimmed(path: Path, users: bool = False, keep: set[str] | None = None) -> str | None:
    """The trimmed text of corpus file ``path``, keeping the definitions of ``keep`` when
    given; None for a full-marks file without ``keep``."""
    expect = expectation(path)
    if expect.full_marks and not keep:
        return None
    module = path.parent.name
    text = path.read_text()
    lines = text.splitlines()
    tree = ast.parse(text)
    sol_names = bound_names(solution(module).bindings) | set(contract(module))
    definitions = [
        s for s in tree.body if isinstance(s, ast.FunctionDef | ast.ClassDef | ast.Assign)
    ]
    kept_names = set(keep) if keep else roots(module, str(expect.exercise), tree, users)
    kept: set[int] = set()
    changed = True
    while changed:  # the definitions of kept names, and the helpers they use
        changed = False
        for statement in definitions:
            names = bound_names([statement])
            if id(statement) not in kept and names & kept_names:
                kept.add(id(statement))
                kept_names |= loaded_names(statement) - sol_names
                changed = True
    body = []
    for statement in tree.body:
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue  # the module docstring
        if isinstance(statement, ast.FunctionDef | ast.ClassDef | ast.Assign):
            if id(statement) in kept:
                body.append(statement)
        else:
            body.append(statement)  # imports (filtered below) and other top-level code
    used = set().union(*(loaded_names(s) for s in body if not isinstance(s, ast.Import)))
    parts = []
    for statement in body:
        if (
            isinstance(statement, ast.Import | ast.ImportFrom)
            and not bound_names([statement]) & used
        ):
            continue  # an import the kept code does not use
        first, last = statement_lines(statement)
        while first > 3 and lines[first - 2].lstrip().startswith("#"):
            first -= 1  # the comment right above it
        parts.append("\n".join(lines[first - 1 : last]))
    return "\n".join(lines[:2]) + "\n\n" + "\n\n\n".join(parts) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--dry-run", action="store_true", help="print, do not write")
    parser.add_argument(
        "--keep-users",
        action="store_true",
        help="also keep the file's own definitions of the contract names whose solution "
        "code uses the exercise",
    )
    parser.add_argument(
        "--keep",
        metavar="NAME,...",
        help="keep these definitions (and what they use) instead: for a full-marks file, "
        "its unusual ones",
    )
    args = parser.parse_args()
    for path in args.files:
        keep = set(args.keep.split(",")) if args.keep else None
        text = trimmed(path, args.keep_users, keep)
        if text is None:
            print(f"{path}: full marks, left as it is", file=sys.stderr)
            continue
        if args.dry_run:
            print(f"==> {path}\n{text}")
            continue
        path.write_text(text)
        ruff = Path(sys.executable).parent / "ruff"
        subprocess.run([ruff, "check", "--quiet", "--fix", "--select", "I", path], check=True)
        subprocess.run([ruff, "format", "--quiet", path], check=True)
        print(f"{path}: {len(path.read_text().splitlines())} lines", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
