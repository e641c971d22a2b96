"""The data format between the grader and a student's worker.

Only plain data crosses: None, bool, int, float, str, lists, tuples, dicts with
str keys, NumPy arrays and scalars of numeric dtype, plus references to objects
that stay on the worker's side and to callables that stay on the grader's side.
Everything is JSON: nothing on the way in or out can execute code, and
``decode`` validates every node (tags, dtypes, shapes, sizes, depth).

Encoded form, one tag per JSON object:
    {"f": "nan"}                         non-finite float
    {"t": [...]}                         tuple
    {"d": {key: value}}                  dict with str keys
    {"a": [dtype, shape, base64]}        ndarray
    {"s": [dtype, base64]}               NumPy scalar
    {"r": id, "type": name}              object kept by the worker
    {"c": id}                            callable kept by the grader
    {"c": id, "known": [[args, value]]}  ... with some of its answers, for scalar
                                         positional arguments (no round trip there)
    {"k": i}                             a fresh copy of the message's i-th shared
                                         value (an array sent once, used many times)
    {"o": i}                             the result of step i of the same plan
"""

from __future__ import annotations

import base64
import json
import math
import struct
from collections.abc import Callable
from typing import Any, BinaryIO

import numpy as np

NUMERIC_DTYPES = frozenset(
    [
        "bool",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "float16",
        "float32",
        "float64",
        "complex64",
        "complex128",
    ]
)
_DTYPE_NAMES = {np.dtype(name): name for name in NUMERIC_DTYPES}
MAX_DEPTH = 64
MAX_NDIM = 32
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
_HEADER = struct.Struct(">I")


class WireError(ValueError):
    """A message that does not follow the wire format."""


def _float(x: float) -> Any:
    if math.isfinite(x):
        return x
    return {"f": "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")}


def encode(
    value: Any,
    fallback: Callable[[Any], Any],
    depth: int = 0,
    shared: dict[int, Any] | None = None,
) -> Any:
    """Turn ``value`` into JSON-able data; ``fallback`` handles anything else.

    ``shared`` maps ``id(array)`` to the node sent in that array's place.
    """
    if depth > MAX_DEPTH:
        return fallback(value)
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return value
    if kind is float:
        return _float(value)
    if kind is list:
        return [encode(v, fallback, depth + 1, shared) for v in value]
    if kind is tuple:
        return {"t": [encode(v, fallback, depth + 1, shared) for v in value]}
    if kind is dict and all(type(k) is str for k in value):
        return {"d": {k: encode(v, fallback, depth + 1, shared) for k, v in value.items()}}
    if kind is np.ndarray:
        if shared and id(value) in shared:
            return shared[id(value)]
        name = _DTYPE_NAMES.get(value.dtype)
        if name is not None:
            data = np.ascontiguousarray(value)
            return {"a": [name, list(value.shape), _b64(data.tobytes())]}
    elif isinstance(value, np.generic) and kind.__module__ == "numpy":
        name = _DTYPE_NAMES.get(value.dtype)
        if name is not None:
            return {"s": [name, _b64(value.tobytes())]}
    return fallback(value)


def encode_sharing(value: Any, fallback: Callable[[Any], Any]) -> tuple[Any, list[Any]]:
    """``encode``, sending each array that occurs more than once in ``value`` only once.

    Returns the encoded value and the list of shared values it refers to with
    ``{"k": i}``; each use decodes to its own copy, as if sent every time.
    """
    counts: dict[int, int] = {}
    arrays: dict[int, np.ndarray] = {}
    _count_arrays(value, counts, arrays, 0)
    repeated = [arrays[key] for key, count in counts.items() if count > 1]
    nodes = {id(array): {"k": i} for i, array in enumerate(repeated)}
    return encode(value, fallback, shared=nodes), [encode(a, fallback) for a in repeated]


def _count_arrays(
    value: Any, counts: dict[int, int], arrays: dict[int, np.ndarray], depth: int
) -> None:
    kind = type(value)
    if kind is np.ndarray:
        counts[id(value)] = counts.get(id(value), 0) + 1
        arrays[id(value)] = value
    elif depth < MAX_DEPTH and (kind is list or kind is tuple):
        for item in value:
            _count_arrays(item, counts, arrays, depth + 1)
    elif depth < MAX_DEPTH and kind is dict:
        for item in value.values():
            _count_arrays(item, counts, arrays, depth + 1)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: Any) -> bytes:
    if type(text) is not str:
        raise WireError("binary data must be a base64 string")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as error:
        raise WireError(f"bad base64 data: {error}") from None


def _dtype(name: Any) -> np.dtype[Any]:
    if type(name) is not str or name not in NUMERIC_DTYPES:
        raise WireError(f"dtype {name!r} is not a numeric dtype")
    return np.dtype(name)


def decode(
    data: Any,
    on_ref: Callable[[int, str], Any],
    on_callable: Callable[[int, dict[tuple[Any, ...], Any] | None], Any],
    depth: int = 0,
    *,
    shared: list[Any] | None = None,
    steps: list[Any] | None = None,
) -> Any:
    """Rebuild a value from its encoded form, validating every node.

    ``shared`` holds the decoded shared values of the message (``{"k": i}``),
    ``steps`` the results of a plan's earlier steps (``{"o": i}``); where they
    are not given, those tags are refused.
    """
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    kind = type(data)
    if data is None or kind in (bool, int, float, str):
        return data

    def inner(value: Any) -> Any:
        return decode(value, on_ref, on_callable, depth + 1, shared=shared, steps=steps)

    if kind is list:
        return [inner(v) for v in data]
    if kind is not dict or len(data) not in (1, 2):
        raise WireError(f"unexpected node of type {kind.__name__}")
    if len(data) == 2 and set(data) not in ({"r", "type"}, {"c", "known"}):
        raise WireError(f"unexpected tags {sorted(data)}")
    if "f" in data:
        text = data["f"]
        if text not in ("nan", "inf", "-inf"):
            raise WireError(f"bad float {text!r}")
        return float(text)
    if "t" in data:
        items = data["t"]
        if type(items) is not list:
            raise WireError("tuple must hold a list")
        return tuple(inner(v) for v in items)
    if "d" in data:
        items = data["d"]
        if type(items) is not dict:
            raise WireError("dict must hold an object")
        return {k: inner(v) for k, v in items.items()}
    if "a" in data:
        return _decode_array(data["a"])
    if "s" in data:
        spec = data["s"]
        if type(spec) is not list or len(spec) != 2:
            raise WireError("scalar must be [dtype, data]")
        dtype = _dtype(spec[0])
        raw = _unb64(spec[1])
        if len(raw) != dtype.itemsize:
            raise WireError("scalar data has the wrong size")
        return np.frombuffer(raw, dtype=dtype)[0]
    if "r" in data:
        ref_id, type_name = data["r"], data.get("type", "object")
        if type(ref_id) is not int or type(type_name) is not str:
            raise WireError("bad object reference")
        return on_ref(ref_id, type_name[:200])
    if "c" in data:
        if type(data["c"]) is not int:
            raise WireError("bad callable reference")
        known = _answers(inner(data["known"])) if "known" in data else None
        return on_callable(data["c"], known)
    if "k" in data:
        return _fresh(_pick(shared, data["k"], "shared value")).copy()
    if "o" in data:
        return _pick(steps, data["o"], "plan step")
    raise WireError(f"unknown tag {sorted(data)}")


def _pick(items: list[Any] | None, index: Any, what: str) -> Any:
    if items is None or type(index) is not int or not 0 <= index < len(items):
        raise WireError(f"bad reference to a {what}: {index!r}")
    return items[index]


def _fresh(value: Any) -> np.ndarray:
    if type(value) is not np.ndarray:
        raise WireError("a shared value must be an array")
    return value


def answer_key(args: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """The lookup key of positional arguments in a table of known answers.

    Only Python ints and floats (NumPy float64 included) have one; floats are
    keyed by their exact bits, so 0.0 and -0.0 are different points.
    """
    key: list[Any] = []
    for arg in args:
        kind = type(arg)
        if kind is float or kind is np.float64:
            key.append(float(arg).hex())
        elif kind is int:
            key.append(arg)
        else:
            return None
    return tuple(key)


def _answers(items: Any) -> dict[tuple[Any, ...], Any]:
    if type(items) is not list:
        raise WireError("known answers must be a list")
    table: dict[tuple[Any, ...], Any] = {}
    for item in items:
        if type(item) is not list or len(item) != 2 or type(item[0]) is not tuple:
            raise WireError("a known answer must be [args, value]")
        key = answer_key(item[0])
        if key is None or type(item[1]) not in (int, float):
            raise WireError("known answers take and give plain numbers only")
        table[key] = item[1]
    return table


def _decode_array(spec: Any) -> np.ndarray:
    if type(spec) is not list or len(spec) != 3:
        raise WireError("array must be [dtype, shape, data]")
    dtype = _dtype(spec[0])
    shape = spec[1]
    if (
        type(shape) is not list
        or len(shape) > MAX_NDIM
        or not all(type(n) is int and n >= 0 for n in shape)
    ):
        raise WireError(f"bad array shape {shape!r}")
    raw = _unb64(spec[2])
    if len(raw) != math.prod(shape) * dtype.itemsize:
        raise WireError("array data does not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def send(stream: BinaryIO, message: dict[str, Any]) -> None:
    """Write one length-prefixed JSON message."""
    body = json.dumps(message, allow_nan=False, separators=(",", ":")).encode("utf-8")
    stream.write(_HEADER.pack(len(body)) + body)
    stream.flush()


def parse(body: bytes) -> dict[str, Any]:
    """Parse one message body; it must be a JSON object."""
    try:
        message = json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError) as error:
        raise WireError(f"message is not JSON: {error}") from None
    if type(message) is not dict:
        raise WireError("message is not a JSON object")
    return message


def _no_constant(name: str) -> Any:
    raise WireError(f"bare {name} is not allowed")


def read_exact(stream: BinaryIO, size: int) -> bytes:
    chunks = []
    while size:
        chunk = stream.read(size)
        if not chunk:
            raise EOFError("channel closed")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def receive(stream: BinaryIO) -> dict[str, Any]:
    """Read one length-prefixed JSON message (blocking)."""
    (size,) = _HEADER.unpack(read_exact(stream, _HEADER.size))
    if size > MAX_MESSAGE_BYTES:
        raise WireError(f"message of {size} bytes is too large")
    return parse(read_exact(stream, size))
