"""The wire format: plain data round-trips; anything else is refused or kept by reference."""

from __future__ import annotations

import io
import json
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calcgrade_worker import wire


def refuse(value: object) -> object:
    raise TypeError(f"not plain data: {type(value).__name__}")


def no_refs(ref: int, type_name: str) -> object:
    raise AssertionError("unexpected reference")


def roundtrip(value: object) -> object:
    text = json.dumps(wire.encode(value, refuse), allow_nan=False)
    return wire.decode(json.loads(text), no_refs, no_refs)


plain = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3)
        | st.tuples(children, children)
        | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=10,
)


@settings(derandomize=True, max_examples=200)
@given(plain)
def test_plain_data_round_trips(value: object) -> None:
    assert repr(roundtrip(value)) == repr(value)


@pytest.mark.parametrize(
    "array",
    [
        np.arange(6.0).reshape(2, 3),
        np.array([1, 2], dtype=np.int32),
        np.zeros((0, 3)),
        np.array(True),
        np.array([np.nan, np.inf]),
        np.asfortranarray(np.ones((3, 2))),
    ],
)
def test_arrays_round_trip_exactly(array: np.ndarray) -> None:
    back = roundtrip(array)
    assert type(back) is np.ndarray and back.dtype == array.dtype and back.shape == array.shape
    np.testing.assert_array_equal(back, array)
    assert back.flags.writeable


def test_numpy_scalars_keep_their_type() -> None:
    back = roundtrip([np.float64(1.5), np.int8(-3), np.bool_(True)])
    assert [type(v) for v in back] == [np.float64, np.int8, np.bool_]  # type: ignore[attr-defined]


def test_objects_are_not_plain_data() -> None:
    class Lying(np.ndarray):
        def __eq__(self, other: object) -> bool:  # type: ignore[override]
            return True

    kept: list[object] = []

    def keep(value: object) -> dict[str, object]:
        kept.append(value)
        return {"r": len(kept), "type": type(value).__name__}

    for value in [
        np.ones(2).view(Lying),
        np.array(["a"]),
        {1: 2},
        object(),
        b"bytes",
        np.array([object()]),
    ]:
        assert "r" in wire.encode(value, keep)
    assert len(kept) == 6


@pytest.mark.parametrize(
    "data",
    [
        {"a": ["object", [1], "AA=="]},
        {"a": ["float64", [2], "AAAAAAAAAAA="]},
        {"a": ["float64", [-1], ""]},
        {"s": ["<U1", "AA=="]},
        {"x": 1},
        {"t": 3},
        {"f": "1e999"},
        {"r": "1"},
        {"a": ["float64", [1], "not base64!"]},
    ],
)
def test_malformed_nodes_are_refused(data: object) -> None:
    with pytest.raises(wire.WireError):
        wire.decode(data, no_refs, no_refs)


def test_deep_nesting_is_refused() -> None:
    data: object = 1
    for _ in range(wire.MAX_DEPTH + 5):
        data = [data]
    with pytest.raises(wire.WireError, match="nested too deeply"):
        wire.decode(data, no_refs, no_refs)


def test_messages_are_json_never_pickle() -> None:
    payload = pickle.dumps(object())
    stream = io.BytesIO(len(payload).to_bytes(4, "big") + payload)
    with pytest.raises(wire.WireError, match="not JSON"):
        wire.receive(stream)
    stream = io.BytesIO()
    wire.send(stream, {"kind": "result", "value": [1, {"f": "nan"}]})
    stream.seek(0)
    assert wire.receive(stream) == {"kind": "result", "value": [1, {"f": "nan"}]}


def test_bare_nan_is_refused() -> None:
    with pytest.raises(wire.WireError):
        wire.parse(b'{"value": NaN}')
