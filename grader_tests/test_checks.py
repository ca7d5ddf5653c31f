"""The shared checks of nncourse.checks that hidden tests lean on, tested on their own."""

from __future__ import annotations

import pytest

from nncourse.checks import assert_returns_output_of


def neuron(excitatory, inhibitory=(), threshold=2):
    return int(sum(excitatory) >= threshold and not any(inhibitory))


def single_neuron_and(a, b):
    return neuron([a, b])


def network_or(a, b):  # De Morgan: NOT(AND(NOT a, NOT b)), four neurons
    return neuron([1, 1], [neuron([neuron([1, 1], [a]), neuron([1, 1], [b])])])


def python_xor(a, b):
    neuron([a, b])
    return int(a != b)


def network_then_python(a, b):
    return network_or(a, b) and int(a != b)


@pytest.mark.parametrize("gate", [single_neuron_and, network_or])
def test_a_gate_that_returns_its_last_neurons_output_passes(gate):
    assert_returns_output_of(gate, gate.__name__, 2, "neuron")


@pytest.mark.parametrize("gate", [python_xor, network_then_python])
def test_a_result_computed_after_the_neurons_fails_and_says_so(gate):
    with pytest.raises(AssertionError) as failure:
        assert_returns_output_of(gate, "xor_gate", 2, "neuron")
    message = str(failure.value)
    assert message.startswith("xor_gate(") and "siempre responde" in message and "se esperaba" in message, message


def test_the_replaced_function_is_restored():
    with pytest.raises(AssertionError):
        assert_returns_output_of(python_xor, "xor_gate", 2, "neuron")
    assert python_xor.__globals__["neuron"] is neuron
