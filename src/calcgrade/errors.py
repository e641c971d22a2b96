"""The library's named errors; only the CLI turns them into messages and exit codes."""


class CalcgradeError(Exception):
    """Base of every error calcgrade reports to its user."""


class ConfigError(CalcgradeError):
    """course_config.yml is missing, malformed or inconsistent with the graders."""


class SubmissionError(CalcgradeError):
    """A submission file cannot be read at all (missing, unreadable, wrong kind)."""


class GradingError(CalcgradeError):
    """Grading could not run: the worker would not start, or a grader is broken."""
