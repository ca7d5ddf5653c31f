"""Checks for grading cells, with Spanish messages that show input, expected and returned value.

The checks never trust the student's objects: a value is turned into a plain
Python number or a plain NumPy array *before* it is compared, so an object
whose ``__eq__``, ``__bool__`` or ``__array__`` lies cannot pass a test.
"""

from __future__ import annotations

import contextlib
import itertools
import reprlib

import numpy as np

_NUMBER_TYPES = (bool, int, float, np.bool_, np.integer, np.floating)
_short = reprlib.Repr()
_short.maxstring = _short.maxother = 80


def describe(value) -> str:
    """A short, safe description of a value returned by student code."""
    if issubclass(type(value), np.ndarray) and value.dtype != object:
        return np.array2string(np.asarray(value), threshold=20, precision=4) + f" (forma {value.shape})"
    try:
        return _short.repr(value)
    except Exception:
        return f"<objeto {type(value).__name__}>"


def plain_array(value, call: str) -> np.ndarray:
    """``value`` as a plain numeric NumPy array; refuses objects that only pretend to be one."""
    value_type = type(value)
    if issubclass(value_type, np.ndarray):
        array = np.array(value, subok=False)
    elif value_type in (list, tuple) or issubclass(value_type, _NUMBER_TYPES):
        array = np.array(value)
    else:
        raise AssertionError(
            f"{call}: se esperaba un array de NumPy (o una lista o un número), "
            f"se obtuvo un objeto de tipo {value_type.__name__}"
        )
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise AssertionError(f"{call}: se esperaban números, se obtuvo {describe(value)}")
    return array


def plain_int(value, call: str) -> int:
    """``value`` as a plain ``int``; accepts Python/NumPy integers and booleans."""
    if type(value) in (bool, np.bool_):  # neither type can be subclassed
        return int(value)
    if issubclass(type(value), int):
        return int.__int__(value)
    if issubclass(type(value), np.integer):
        return int(np.asarray(value, dtype=np.int64))
    raise AssertionError(
        f"{call}: se esperaba un número entero, se obtuvo {describe(value)} (tipo {type(value).__name__})"
    )


def assert_int_equal(got, expected: int, call: str) -> None:
    """``got`` must be the integer ``expected``."""
    if plain_int(got, call) != expected:
        raise AssertionError(f"{call}: se esperaba {expected}, se obtuvo {describe(got)}")


def assert_array_equal(got, expected, call: str) -> None:
    """Same shape and exactly the same values."""
    expected = np.asarray(expected)
    array = plain_array(got, call)
    _assert_same_shape(array, expected, call)
    if not np.array_equal(array, expected):
        raise AssertionError(f"{call}: se esperaba\n{describe(expected)}\ny se obtuvo\n{describe(array)}")


def assert_allclose(got, expected, call: str, rtol: float = 1e-5, atol: float = 1e-8) -> None:
    """Same shape and values equal within tolerance (no NaN or infinity allowed)."""
    expected = np.asarray(expected, dtype=float)
    array = plain_array(got, call).astype(float)
    _assert_same_shape(array, expected, call)
    if not np.all(np.isfinite(array)):
        raise AssertionError(f"{call}: el resultado contiene NaN o infinitos: {describe(array)}")
    if not np.allclose(array, expected, rtol=rtol, atol=atol):
        worst = np.unravel_index(np.argmax(np.abs(array - expected)), array.shape) if array.shape else ()
        raise AssertionError(
            f"{call}: se esperaba\n{describe(expected)}\ny se obtuvo\n{describe(array)}"
            + (f"\n(mayor diferencia en la posición {tuple(int(i) for i in worst)})" if worst else "")
        )


def _assert_same_shape(array: np.ndarray, expected: np.ndarray, call: str) -> None:
    if array.shape != expected.shape:
        raise AssertionError(f"{call}: se esperaba forma {expected.shape}, se obtuvo forma {array.shape}")


@contextlib.contextmanager
def replaced_global(function, name: str, replacement):
    """Temporarily replace the global ``name`` that ``function`` looks up when it runs.

    Used to check that a student's function really calls another one (for
    example, that a logic gate is built from ``mcp_neuron``).
    """
    namespace = function.__globals__
    missing = object()
    original = namespace.get(name, missing)
    namespace[name] = replacement
    try:
        yield replacement
    finally:
        if original is missing:
            del namespace[name]
        else:
            namespace[name] = original


def call_text(name: str, args) -> str:
    """A call as a failure message shows it: ``and_gate(1, 0)``."""
    return f"{name}({', '.join(map(repr, args))})"


def assert_returns_output_of(function, name: str, n_inputs: int, inner: str) -> None:
    """``function`` (of ``n_inputs`` binary inputs) returns what its last call to ``inner`` returned.

    With ``inner`` replaced by one that always answers 0, and then by one that always
    answers 1, ``function`` must answer that constant for every input: one call or a
    network of calls passes; a result computed with ``and``, ``!=`` or arithmetic fails.
    """
    for constant in (0, 1):
        def constant_answer(*args, **kwargs):
            return constant

        for bits in itertools.product((0, 1), repeat=n_inputs):
            with replaced_global(function, inner, constant_answer):
                answer = function(*bits)
            assert_int_equal(answer, constant, f"{call_text(name, bits)} con una {inner} que siempre responde "
                                               f"{constant} (el resultado debe ser la salida de {inner})")
