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
    {"o": i}                             the result of step i of the same plan
"""

from __future__ import annotations

import binascii
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
_DTYPES = {name: np.dtype(name) for name in NUMERIC_DTYPES}
_DTYPE_NAMES = {dtype: name for name, dtype in _DTYPES.items()}
MAX_DEPTH = 64
MAX_NDIM = 32
MAX_MESSAGE_BYTES = 256 * 1024 * 1024
_HEADER = struct.Struct(">I")


class WireError(ValueError):
    """A message that does not follow the wire format."""


# Types whose values are their own encoding (floats too, when finite), and the
# types a decoded leaf may have.
_ATOMS = frozenset([type(None), bool, int, str])
_LEAVES = _ATOMS | {float}


def _nonfinite(x: float) -> Any:
    return {"f": "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")}


def encode(value: Any, fallback: Callable[[Any], Any], depth: int = 0) -> Any:
    """Turn ``value`` into JSON-able data; ``fallback`` handles anything else."""
    if depth > MAX_DEPTH:
        return fallback(value)
    kind = type(value)
    # the kinds in the order of how often they cross, for speed
    if kind is float:
        return value if math.isfinite(value) else _nonfinite(value)
    if kind in _ATOMS:
        return value
    if kind is np.ndarray:
        name = _DTYPE_NAMES.get(value.dtype)
        if name is not None:  # tobytes() gives C order, whatever the array's layout
            return {"a": [name, list(value.shape), _b64(value.tobytes())]}
        return fallback(value)
    if kind is tuple:
        return {"t": [encode(v, fallback, depth + 1) for v in value]}
    if kind is list:
        return [encode(v, fallback, depth + 1) for v in value]
    if kind is dict and all(type(k) is str for k in value):
        return {"d": {k: encode(v, fallback, depth + 1) for k, v in value.items()}}
    if isinstance(value, np.generic) and kind.__module__ == "numpy":
        name = _DTYPE_NAMES.get(value.dtype)
        if name is not None:
            return {"s": [name, _b64(value.tobytes())]}
    return fallback(value)


def _b64(raw: bytes) -> str:
    return binascii.b2a_base64(raw, newline=False).decode("ascii")


def _unb64(text: Any) -> bytes:
    if type(text) is not str:
        raise WireError("binary data must be a base64 string")
    try:
        return binascii.a2b_base64(text, strict_mode=True)
    except (ValueError, binascii.Error) as error:
        raise WireError(f"bad base64 data: {error}") from None


def _dtype(name: Any) -> np.dtype[Any]:
    dtype = _DTYPES.get(name) if type(name) is str else None
    if dtype is None:
        raise WireError(f"dtype {name!r} is not a numeric dtype")
    return dtype


def decode(
    data: Any,
    on_ref: Callable[[int, str], Any],
    on_callable: Callable[[int, dict[tuple[Any, ...], Any] | None], Any],
    *,
    steps: list[Any] | None = None,
) -> Any:
    """Rebuild a value from its encoded form, validating every node.

    ``steps`` holds the results of a plan's earlier steps (``{"o": i}``); where
    it is not given, that tag is refused.
    """
    if type(data) in _LEAVES:  # a leaf (a number, a string...) needs no decoder, for speed
        return data
    return _Decoder(on_ref, on_callable, steps).node(data, 0)


class _Decoder:
    def __init__(
        self,
        on_ref: Callable[[int, str], Any],
        on_callable: Callable[[int, dict[tuple[Any, ...], Any] | None], Any],
        steps: list[Any] | None,
    ) -> None:
        self.on_ref = on_ref
        self.on_callable = on_callable
        self.steps = steps

    def node(self, data: Any, depth: int) -> Any:
        kind = type(data)
        if kind in _LEAVES:
            return data
        if depth > MAX_DEPTH:
            raise WireError("value nested too deeply")
        if kind is list:
            return self.items(data, depth)
        if kind is not dict or len(data) not in (1, 2):
            raise WireError(f"unexpected node of type {kind.__name__}")
        if len(data) == 2:
            return self.pair(data, depth)
        ((tag, value),) = data.items()
        if tag == "a":
            return _decode_array(value)
        if tag == "t":
            if type(value) is not list:
                raise WireError("tuple must hold a list")
            return tuple(self.items(value, depth))
        if tag == "d":
            if type(value) is not dict:
                raise WireError("dict must hold an object")
            return {
                k: v if type(v) in _LEAVES else self.node(v, depth + 1) for k, v in value.items()
            }
        if tag == "f":
            if value not in ("nan", "inf", "-inf"):
                raise WireError(f"bad float {value!r}")
            return float(value)
        if tag == "s":
            if type(value) is not list or len(value) != 2:
                raise WireError("scalar must be [dtype, data]")
            dtype = _dtype(value[0])
            raw = _unb64(value[1])
            if len(raw) != dtype.itemsize:
                raise WireError("scalar data has the wrong size")
            return np.frombuffer(raw, dtype=dtype)[0]
        if tag == "r":
            return self.pair({"r": value, "type": "object"}, depth)
        if tag == "c":
            return self.pair({"c": value, "known": None}, depth)
        if tag == "o":
            return plan_step(self.steps, value)
        raise WireError(f"unknown tag {sorted(data)}")

    def items(self, data: list[Any], depth: int) -> list[Any]:
        # leaves (most items: numbers) are kept without a call, for speed
        return [v if type(v) in _LEAVES else self.node(v, depth + 1) for v in data]

    def pair(self, data: dict[str, Any], depth: int) -> Any:
        """An object reference, or a callable reference with its known answers."""
        if "r" in data and "type" in data:
            ref_id, type_name = data["r"], data["type"]
            if type(ref_id) is not int or type(type_name) is not str:
                raise WireError("bad object reference")
            return self.on_ref(ref_id, type_name[:200])
        if "c" in data and "known" in data:
            if type(data["c"]) is not int:
                raise WireError("bad callable reference")
            known = data["known"]
            answers = None if known is None else _answers(self.node(known, depth + 1))
            return self.on_callable(data["c"], answers)
        raise WireError(f"unexpected tags {sorted(data)}")


def copy_plain(value: Any) -> Any:
    """A copy of decoded plain data (lists, tuples, dicts, arrays); references are shared."""
    kind = type(value)
    if kind is np.ndarray:
        return value.copy()
    if kind is list:
        return [copy_plain(v) for v in value]
    if kind is tuple:
        return tuple([copy_plain(v) for v in value])
    if kind is dict:
        return {k: copy_plain(v) for k, v in value.items()}
    return value


def plan_step(steps: list[Any] | None, index: Any) -> Any:
    """The result of step ``index`` of a plan, among the ``steps`` run so far."""
    if steps is None or type(index) is not int or not 0 <= index < len(steps):
        raise WireError(f"bad reference to a plan step: {index!r}")
    return steps[index]


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
    if type(shape) is not list or len(shape) > MAX_NDIM:
        raise WireError(f"bad array shape {shape!r}")
    size = dtype.itemsize
    for n in shape:
        if type(n) is not int or n < 0:
            raise WireError(f"bad array shape {shape!r}")
        size *= n
    raw = _unb64(spec[2])
    if len(raw) != size:
        raise WireError("array data does not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def _no_constant(name: str) -> Any:
    raise WireError(f"bare {name} is not allowed")


# made once: json.dumps and json.loads with options make a new one per call
_JSON_ENCODER = json.JSONEncoder(allow_nan=False, separators=(",", ":"))
_JSON_DECODER = json.JSONDecoder(parse_constant=_no_constant)


def send(stream: BinaryIO, message: dict[str, Any]) -> None:
    """Write one length-prefixed JSON message."""
    body = _JSON_ENCODER.encode(message).encode("utf-8")
    stream.write(_HEADER.pack(len(body)) + body)
    stream.flush()


def parse(body: bytes | bytearray) -> dict[str, Any]:
    """Parse one message body; it must be a JSON object."""
    try:
        message = _JSON_DECODER.decode(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise WireError(f"message is not JSON: {error}") from None
    if type(message) is not dict:
        raise WireError("message is not a JSON object")
    return message


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
