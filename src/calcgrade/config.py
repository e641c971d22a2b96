"""course_config.yml: the course's modules, exercises, points, tolerances and limits.

The file is validated on load; an error names the file, the key and what was
expected.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .demo_cells import CourseCells
from .errors import ConfigError

CONFIG_NAME = "course_config.yml"

Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tolerance(_Strict):
    """Elementwise test ``|got - expected| <= atol + rtol * |expected|``."""

    rtol: NonNegative
    atol: NonNegative


class Tolerances(_Strict):
    analytic: Tolerance = Tolerance(rtol=1e-7, atol=1e-12)
    finite_difference: Tolerance = Tolerance(rtol=1e-5, atol=1e-8)
    arithmetic: Tolerance = Tolerance(rtol=1e-9, atol=1e-12)


class Limits(_Strict):
    call_timeout_s: Positive = 5.0
    load_timeout_s: Positive = 30.0
    submission_timeout_s: Positive = 120.0
    memory_mb: Annotated[int, Field(ge=256)] = 2048
    output_kb: Annotated[int, Field(ge=1)] = 64


class CheckSpec(_Strict):
    points: NonNegative
    visibility: Literal["public", "hidden"] = "hidden"


HintId = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class ExerciseSpec(_Strict):
    going_deeper: bool = False
    # the common mistakes the grader must recognise here: ids of its hints (docs/contract.md)
    mistakes: tuple[HintId, ...] = ()
    checks: dict[str, CheckSpec] = Field(min_length=1)

    @field_validator("mistakes")
    @classmethod
    def _distinct(cls, mistakes: tuple[str, ...]) -> tuple[str, ...]:
        repeated = sorted({hint for hint in mistakes if mistakes.count(hint) > 1})
        if repeated:
            raise ValueError(f"listed more than once: {', '.join(repeated)}")
        return mistakes

    @property
    def points(self) -> float:
        return sum(check.points for check in self.checks.values())


class ModuleSpec(_Strict):
    title: str
    limits: Limits | None = None
    tolerances: Tolerances | None = None
    exercises: dict[str, ExerciseSpec] = Field(min_length=1)


class Paths(_Strict):
    graders: str = "graders"
    reference: str = "reference"
    exercises: str = "exercises"  # the students' notebooks: which cells are demos


class CourseSpec(_Strict):
    course: str
    version: str
    seed: int
    paths: Paths = Paths()
    tolerances: Tolerances = Tolerances()
    limits: Limits = Limits()
    modules: dict[str, ModuleSpec] = Field(min_length=1)


class Course:
    """A loaded course: the validated spec plus where its files live."""

    def __init__(
        self,
        spec: CourseSpec,
        root: Path,
        fingerprint: str,
        cells: dict[str, CourseCells] | None = None,
    ) -> None:
        self.spec = spec
        self.root = root
        self.fingerprint = fingerprint
        self._cells = cells or {}  # per module; load_course reads them

    @property
    def version(self) -> str:
        return f"{self.spec.version}+{self.fingerprint[:12]}"

    def module(self, name: str) -> ModuleSpec:
        try:
            return self.spec.modules[name]
        except KeyError:
            known = ", ".join(self.spec.modules)
            raise ConfigError(f"unknown module {name!r}; the course has: {known}") from None

    def limits(self, module: str) -> Limits:
        return self.module(module).limits or self.spec.limits

    def tolerances(self, module: str) -> Tolerances:
        return self.module(module).tolerances or self.spec.tolerances

    def grader_path(self, module: str) -> Path:
        """``graders/<module>.py``, or the folder of ``graders/<module>/__init__.py`` (a
        grader split into modules that import each other relatively)."""
        package = self.root / self.spec.paths.graders / module
        single = package.with_name(f"{module}.py")
        if (package / "__init__.py").is_file():
            if single.is_file():
                raise ConfigError(f"{single} and {package}/: two graders for {module}; keep one")
            return package
        return single

    def reference_path(self, module: str) -> Path:
        return self.root / self.spec.paths.reference / f"{module}.py"

    def notebook_path(self, module: str) -> Path:
        return self.root / self.spec.paths.exercises / f"{module}.ipynb"

    def course_cells(self, module: str) -> CourseCells:
        """The code cells of the module's exercise notebook (none if it has none)."""
        self.module(module)
        return self._cells.get(module, CourseCells())


def load_course(path: Path) -> Course:
    """Load and validate a course_config.yml (or the folder holding one)."""
    if path.is_dir():
        path = path / CONFIG_NAME
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the course config ({error.strerror})") from None
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    try:
        spec = CourseSpec.model_validate(data)
    except ValidationError as error:
        raise ConfigError(_explain(path, error)) from None
    root = path.parent.resolve()
    cells = {
        module: CourseCells.read(root / spec.paths.exercises / f"{module}.ipynb")
        for module in spec.modules
    }
    return Course(spec, root, _fingerprint(root, spec, raw, cells), cells)


def _explain(path: Path, error: ValidationError) -> str:
    lines = [f"{path}: {error.error_count()} problem(s) in the course config"]
    for problem in error.errors():
        key = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        got = problem.get("input")
        shown = "" if isinstance(got, dict | list) else f" (got {got!r})"
        lines.append(f"  {key}: {problem['msg']}{shown}")
    return "\n".join(lines)


def source_files(folder: Path) -> dict[str, Path]:
    """The Python files of a graders or reference folder, by path relative to it: its
    modules and those of its packages (``graders/<module>/``), sorted."""
    files = {file.relative_to(folder).as_posix(): file for file in folder.glob("*.py")}
    for package in folder.glob("*/__init__.py"):
        for file in package.parent.rglob("*.py"):
            files[file.relative_to(folder).as_posix()] = file
    return dict(sorted(files.items()))


def _fingerprint(root: Path, spec: CourseSpec, raw: bytes, cells: dict[str, CourseCells]) -> str:
    """A hash of the config, the graders, the reference and the exercise notebooks'
    demo cells (which decide what grading runs): the course version."""
    digest = hashlib.sha256(raw)
    for folder in (spec.paths.graders, spec.paths.reference):
        for name, file in source_files(root / folder).items():
            digest.update(name.encode())
            digest.update(file.read_bytes())
    for module, course in cells.items():
        digest.update(module.encode())
        for demo in sorted(course.demos):
            digest.update(demo.encode() + b"\0")
    return digest.hexdigest()


def find_course(start: Path | None = None) -> Path:
    """The nearest course_config.yml at or above ``start`` (default: the cwd),
    else the one of the source checkout calcgrade was installed from."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder / CONFIG_NAME
    checkout = Path(__file__).resolve().parents[2] / CONFIG_NAME
    if checkout.is_file():
        return checkout
    raise ConfigError(
        f"no {CONFIG_NAME} found in {here} or its parents; pass --course PATH "
        "or set CALCGRADE_COURSE"
    )
