"""The mutation benchmark runs and reports (it is not a gate: its rates are not asserted).

`benchmarks/mutation.py` is run by hand (see benchmarks/README.md); this checks
that its mutants are valid code that keeps the solution's lines, that its
record of equivalent mutants is well formed, and that a small run grades real
mutants and prints a complete report.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from .conftest import ROOT

BENCHMARK = ROOT / "benchmarks" / "mutation.py"
STATUSES = {"killed", "survived", "equivalent", "ungraded"}


def load_benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutation_benchmark", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_mutants_are_valid_code_on_the_solutions_own_lines() -> None:
    bench = load_benchmark()
    text = (ROOT / "solutions" / "m1_derivatives.py").read_text()
    mutants = bench.make_mutants("m1_derivatives", text, ["derivative", "profit", "optimal_price"])
    assert len({m.id for m in mutants}) == len(mutants) > 20
    assert {m.exercise for m in mutants} == {"derivative", "profit", "optimal_price"}
    demo = bench.demo_lines(text)
    for mutant in mutants:
        assert mutant.kind in set(bench.KINDS.values())
        assert mutant.line not in demo
        assert len(mutant.source.splitlines()) == len(text.splitlines()), mutant.id
        assert mutant.source.splitlines()[mutant.line - 1] != text.splitlines()[mutant.line - 1]
        assert "# %%" in mutant.source  # cells survive, so the demo cells are still left out
    by_id = {m.id: m for m in mutants}
    lines = text.splitlines()

    def line_of(code: str) -> int:
        return next(n for n, line in enumerate(lines, 1) if line.strip() == code)

    difference = line_of("return float((f(x + h) - f(x - h)) / (2 * h))")
    assert by_id[f"derivative:{difference}:const_to_0:1"].mutated.endswith("/ ((0) * h))")
    signature = line_of("def derivative(f, x, h=1e-5):")
    assert by_id[f"derivative:{signature}:default_half:1"].mutated == (
        "def derivative(f, x, h=(5e-06)):"
    )
    assert f"optimal_price:{line_of('return float((low + high) / 2)')}:div_to_mul:1" in by_id


def test_the_record_of_equivalent_mutants_is_well_formed() -> None:
    bench = load_benchmark()
    entries = bench.load_equivalents(bench.EQUIVALENT_FILE)
    assert entries, "benchmarks/mutation_equivalent.yml records no mutant"
    for (module, mutant_id), entry in entries.items():
        _, line, operator, number = mutant_id.split(":")
        assert (ROOT / "solutions" / f"{module}.py").is_file(), module
        assert operator in bench.KINDS, mutant_id
        assert int(line) > 0 and int(number) > 0, mutant_id
        assert entry["original"].strip() and entry["mutated"].strip(), mutant_id


@pytest.mark.slow
def test_a_small_run_grades_mutants_and_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bench = load_benchmark()
    out = tmp_path / "mutants.json"
    status = bench.main(["--module", "m0_readiness", "--limit", "5", "--json", str(out), "-q"])

    assert status == 0
    report = capsys.readouterr().out
    assert "m0_readiness" in report and "\ntotal " in report
    assert "killed on the right exercise:" in report and "(target 0)" in report
    assert "NOT MEASURED" not in report
    data = json.loads(out.read_text())
    assert data["errors"] == {}
    records = data["mutants"]
    assert len(records) == 5 == data["totals"]["mutants"]
    for record in records:
        assert record["module"] == "m0_readiness"
        assert record["status"] in STATUSES, record
        assert record["exercise"] in ("slope", "dot")
        assert record["max_score"] > 0
        if record["status"] == "killed":
            assert record["score"] < record["max_score"] and record["lost"]
    assert any(record["status"] == "killed" for record in records)
