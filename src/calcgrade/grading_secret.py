"""The seed of the hidden checks: an instructor's secret, not a course file.

The course's own ``seed`` (course_config.yml) is public: anyone with the
repository could print the inputs it draws. So the hidden checks of a class
are drawn from a secret instead, found in this order:

1. ``--seed N`` on the command line;
2. the environment variable ``CALCGRADE_SECRET`` (any text);
3. the file ``.grading-secret`` beside course_config.yml, which ``calcgrade
   grade`` and ``calcgrade gradescope build`` create on first use (random, mode
   0600, ignored by git: keep it with the course, never publish it);
4. otherwise (``calcgrade check`` for a learner, who has no secret) the
   course's public seed.

Public checks always use the public seed: they are the checks a student runs
at home, with the same inputs. Every result records the ``seed_fingerprint``
(a short hash of the seed, which does not reveal it), so that a regrade with
the same secret can be told from one with another.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass

from .config import Course
from .errors import ConfigError

SECRET_FILE = ".grading-secret"
SECRET_VARIABLE = "CALCGRADE_SECRET"


@dataclass(frozen=True)
class HiddenSeed:
    """The seed of the hidden checks, and where it came from (for messages)."""

    value: int
    source: str
    created: bool = False

    @property
    def fingerprint(self) -> str:
        return seed_fingerprint(self.value)

    @property
    def public(self) -> bool:
        return self.source == PUBLIC


PUBLIC = "the course's public seed"


def seed_fingerprint(seed: int) -> str:
    """A short hash of a seed: tells seeds apart without revealing them."""
    return hashlib.sha256(f"calcgrade seed {seed}".encode()).hexdigest()[:12]


def _from_text(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.strip().encode()).digest()[:16], "big")


def hidden_seed(course: Course, explicit: int | None = None, *, create: bool = False) -> HiddenSeed:
    """The seed of the hidden checks (see the module's docstring); ``create`` makes
    the course's secret file when there is no secret yet."""
    if explicit is not None:
        return HiddenSeed(explicit, "--seed")
    if os.environ.get(SECRET_VARIABLE, "").strip():
        return HiddenSeed(_from_text(os.environ[SECRET_VARIABLE]), f"${SECRET_VARIABLE}")
    path = course.root / SECRET_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if not create:
            return HiddenSeed(course.spec.seed, PUBLIC)
        return _create(path)
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the grading secret ({error})") from None
    if not text.strip():
        raise ConfigError(f"{path}: the grading secret is empty; delete the file to make a new one")
    return HiddenSeed(_from_text(text), str(path))


def secret_text(course: Course) -> str:
    """The text that gives the hidden checks' seed as ``hidden_seed`` finds it without
    --seed (made on first use), for an autograder zip that must draw the same inputs."""
    if os.environ.get(SECRET_VARIABLE, "").strip():
        return os.environ[SECRET_VARIABLE].strip()
    path = course.root / SECRET_FILE
    hidden_seed(course, create=True)
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the grading secret ({error})") from None


def _create(path: os.PathLike[str]) -> HiddenSeed:
    token = secrets.token_hex(16)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:  # made by another run meanwhile: use that one
        with open(path, encoding="utf-8") as stream:
            return HiddenSeed(_from_text(stream.read()), str(path))
    except OSError as error:
        raise ConfigError(
            f"{path}: cannot create the grading secret ({error.strerror}); set "
            f"{SECRET_VARIABLE} or pass --seed"
        ) from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        stream.write(token + "\n")
    return HiddenSeed(_from_text(token), str(path), created=True)
