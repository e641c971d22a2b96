"""A class of 100+ mixed submissions under strict isolation, interrupted and resumed.

Builds a class from the example class (correct, wrong, broken, hanging,
hostile) and the m1 corpus, grades it once uninterrupted, then grades it again
into a fresh folder, kills that batch with SIGKILL part-way, reruns it, and
checks that both gradebooks are identical and that nothing of a submission
outlived it. Prints the timings.

    .venv/bin/python benchmarks/big_class.py [--students 120] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from calcgrade.forkserver import UidBlock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.conftest import corpus_submission  # noqa: E402  (a corpus file, made whole)

CALCGRADE = str(Path(sys.executable).parent / "calcgrade")


def build_class(folder: Path, students: int) -> None:
    sources = sorted((ROOT / "examples" / "class").glob("*/m1_derivatives.*"))
    corpus = sorted((ROOT / "tests" / "submissions" / "m1_derivatives").glob("*.py"))
    sources += [corpus_submission(path, folder.parent / "corpus") for path in corpus]
    for index in range(students):
        source = sources[index % len(sources)]
        target = folder / f"s{index:03d}-{source.parent.name}-{source.stem}"
        target.mkdir(parents=True)
        shutil.copy(source, target / f"m1_derivatives{source.suffix}")


def grade(folder: Path, out: Path, workers: int) -> list[str]:
    return [
        CALCGRADE,
        "grade",
        str(folder),
        "--module",
        "m1_derivatives",
        "--out",
        str(out),
        "--isolation",
        "strict",
        "--workers",
        str(workers),
    ]


def leftovers() -> list[str]:
    listing = subprocess.run(["ps", "-eo", "uid=,args="], capture_output=True, text=True).stdout
    first, last = UidBlock.FIRST, UidBlock.FIRST + UidBlock.BLOCKS * UidBlock.SIZE
    return [line for line in listing.splitlines() if first <= int(line.split()[0]) < last]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=120)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="calcgrade-big-") as temporary:
        base = Path(temporary)
        build_class(base / "class", args.students)

        started = time.monotonic()
        subprocess.run(grade(base / "class", base / "whole", args.workers), check=True)
        whole_s = time.monotonic() - started

        out = base / "interrupted"
        process = subprocess.Popen(
            grade(base / "class", out, args.workers),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        while len(list((out / "results").glob("*.json"))) < args.students * 2 // 5:
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        done = len(list((out / "results").glob("*.json")))
        started = time.monotonic()
        subprocess.run(grade(base / "class", out, args.workers), check=True)
        resumed_s = time.monotonic() - started

        whole = (base / "whole" / "gradebook.csv").read_text().splitlines()
        resumed = (out / "gradebook.csv").read_text().splitlines()
        same = whole == resumed
        for before, after in zip(whole, resumed, strict=True):
            if before != after:
                print(f"differs: {before}\n     vs: {after}")
        rows = len(whole) - 1
        print(f"\n{args.students} submissions, {args.workers} workers, strict isolation")
        print(f"uninterrupted: {whole_s:.1f} s ({args.students / whole_s:.1f} submissions/s)")
        print(f"killed with SIGKILL after {done} results; the rerun took {resumed_s:.1f} s")
        print(f"gradebook rows: {rows}; identical after the resume: {same}")
        print(f"processes left under worker uids: {len(leftovers())}")
        return 0 if same and rows == args.students and not leftovers() else 1


if __name__ == "__main__":
    sys.exit(main())
