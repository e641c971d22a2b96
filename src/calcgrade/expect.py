"""Validating what student code returned: exact type, numeric dtype, shape, finiteness.

Each function returns the value as float64 (or raises ``CheckFailure`` with a
message that names the value and what was expected). Style is not policed:
NumPy scalars pass where floats are expected, lists of numbers where arrays are.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .checks import CheckFailure, in_hidden_check
from .handle import RemoteObject


def describe(value: Any) -> str:
    """A short, safe description of a value's type, for messages."""
    if value is None:
        return "None"
    if type(value) is RemoteObject:
        if in_hidden_check():  # the class name is the student's: withheld
            return "an object made by your code"
        return f"{_article(value.type_name)} {value.type_name} object"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, np.generic):
        return f"a NumPy {value.dtype} scalar"
    name = type(value).__name__
    return f"{_article(name)} {name}"


def _article(word: str) -> str:
    return "an" if word[:1].lower() in ("a", "e", "i", "o", "u") else "a"


def _numeric(array: np.ndarray, what: str, expected: str) -> np.ndarray:
    if array.dtype.kind == "b":
        raise CheckFailure(f"{what}: got booleans, expected {expected}")
    if array.dtype.kind == "c":
        raise CheckFailure(f"{what}: got complex numbers, expected {expected}")
    if array.dtype.kind not in "iuf":
        raise CheckFailure(f"{what}: got values of dtype {array.dtype}, expected {expected}")
    return array.astype(np.float64)


def _finite(array: np.ndarray, what: str) -> np.ndarray:
    finite = np.isfinite(array)
    if not finite.all():
        bad = ~finite
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f" at index {list(index)}" if array.ndim else ""
        count = int(bad.sum())
        entries = f"{count} non-finite entr{'y' if count == 1 else 'ies'}: " if array.ndim else ""
        raise CheckFailure(f"{what}: {entries}got {array[index]}{where}, expected finite numbers")
    return array


def as_float(value: Any, what: str) -> float:
    """A real number: int, float, NumPy scalar or 0-d array (not bool)."""
    if (type(value) is float or type(value) is np.float64) and math.isfinite(value):
        return float(value)  # the common case, without NumPy, for speed
    if type(value) is bool or isinstance(value, np.bool_):
        raise CheckFailure(f"{what}: got a bool ({value}), expected a number")
    if type(value) in (int, float) or isinstance(value, np.generic):
        array = np.asarray(value)
    elif isinstance(value, np.ndarray) and value.ndim == 0:
        array = value
    elif isinstance(value, np.ndarray):
        raise CheckFailure(
            f"{what}: got {describe(value)}, expected a single number "
            "(use float(...) or .item() to turn a one-element array into a number)"
        )
    else:
        raise CheckFailure(f"{what}: got {describe(value)}, expected a number")
    return float(_finite(_numeric(array, what, "a real number"), what))


def as_int(value: Any, what: str) -> int:
    """A whole number: a Python or NumPy integer (or an integral float)."""
    number = as_float(value, what)
    if number != int(number):
        raise CheckFailure(f"{what}: got {number}, expected a whole number")
    return int(number)


def as_array(value: Any, what: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """A finite float64 array of the given shape (lists of numbers are accepted)."""
    if isinstance(value, np.ndarray):
        array = value
    elif (
        type(value) in (list, tuple)
        or isinstance(value, np.generic)
        or type(value)
        in (
            int,
            float,
        )
    ):
        try:
            array = np.asarray(value)
        except (ValueError, TypeError):
            raise CheckFailure(
                f"{what}: got {describe(value)} that is not a numeric array"
            ) from None
        if array.dtype == object:
            raise CheckFailure(f"{what}: got {describe(value)} that is not a numeric array")
    else:
        raise CheckFailure(f"{what}: got {describe(value)}, expected a NumPy array")
    array = _numeric(array, what, "real numbers")
    if shape is not None and array.shape != tuple(shape):
        raise CheckFailure(f"{what}: got shape {array.shape}, expected shape {tuple(shape)}")
    return _finite(array, what)


def as_tuple(value: Any, what: str, length: int) -> tuple[Any, ...]:
    """A tuple (or list) of exactly ``length`` items."""
    if type(value) not in (tuple, list):
        raise CheckFailure(f"{what}: got {describe(value)}, expected a tuple of {length} values")
    if len(value) != length:
        raise CheckFailure(f"{what}: got {len(value)} values, expected {length}")
    return tuple(value)


def as_dict(value: Any, what: str, keys: list[str]) -> dict[str, Any]:
    """A dict with exactly ``keys``."""
    if type(value) is not dict:
        raise CheckFailure(f"{what}: got {describe(value)}, expected a dict")
    missing = [key for key in keys if key not in value]
    extra = [key for key in value if key not in keys]
    if missing or extra:
        parts = []
        if missing:
            parts.append("missing " + ", ".join(repr(key) for key in missing))
        if extra and in_hidden_check():  # the keys are the student's: withheld
            parts.append(f"{len(extra)} unexpected")
        elif extra:
            parts.append("unexpected " + ", ".join(repr(key) for key in extra))
        raise CheckFailure(f"{what}: keys {'; '.join(parts)} (expected {keys})")
    return value
