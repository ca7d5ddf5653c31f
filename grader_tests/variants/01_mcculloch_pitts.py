"""Other answers to assignment 01: correct ones written differently, and plausible mistakes.

Keys are solution cell ids; a wrong answer must lose points in test_<id> only.
"""

ALTERNATIVE = {
    "mcp_neuron": '''
import numpy as np

def mcp_neuron(excitatory, inhibitory=(), threshold=2):
    if np.sum(inhibitory) > 0:
        return 0
    return 1 if np.sum(excitatory) >= threshold else 0
''',
    "gates": '''
def identity(a):
    return mcp_neuron([a], threshold=1)

def and_gate(a, b):
    return mcp_neuron([a, b], threshold=2)

def not_gate(b):
    return mcp_neuron([1, 1], [b])

# Networks of several neurons are gates built from mcp_neuron too.
def or_gate(a, b):
    return not_gate(and_gate(not_gate(a), not_gate(b)))  # De Morgan

def a_and_not_b(a, b):
    return and_gate(a, not_gate(b))
''',
    "truth_table": '''
import itertools
import numpy as np

def truth_table(gate, n_inputs):
    table = []
    for inputs in itertools.product([0, 1], repeat=n_inputs):
        table.append([*inputs, gate(*inputs)])
    return np.array(table, dtype=np.int64)
''',
    "xor_gate": '''
def xor_gate(a, b):
    return and_gate(or_gate(a, b), not_gate(and_gate(a, b)))
''',
}

WRONG = {
    "mcp_neuron": [
        # Inhibition only subtracts one from the count instead of vetoing.
        '''
def mcp_neuron(excitatory, inhibitory=(), threshold=2):
    return int(sum(excitatory) - sum(inhibitory) >= threshold)
''',
        # Strictly more than the threshold.
        '''
def mcp_neuron(excitatory, inhibitory=(), threshold=2):
    if any(inhibitory):
        return 0
    return int(sum(excitatory) > threshold)
''',
    ],
    "gates": [
        # OR with a single connection per input: behaves as AND at threshold 2.
        '''
def identity(a):
    return mcp_neuron((a, a))

def and_gate(a, b):
    return mcp_neuron((a, b))

def or_gate(a, b):
    return mcp_neuron((a, b))

def a_and_not_b(a, b):
    return mcp_neuron((a, a), (b,))

def not_gate(b):
    return a_and_not_b(1, b)
''',
        # Right truth tables, but computed with Python's operators, not with neurons.
        '''
def identity(a):
    return a

def and_gate(a, b):
    return int(a and b)

def or_gate(a, b):
    return int(a or b)

def a_and_not_b(a, b):
    return int(a and not b)

def not_gate(b):
    return int(not b)
''',
    ],
    "truth_table": [
        # Rows in the wrong order (least significant bit first).
        '''
import itertools
import numpy as np

def truth_table(gate, n_inputs):
    rows = [list(bits[::-1]) + [gate(*bits[::-1])] for bits in itertools.product((0, 1), repeat=n_inputs)]
    return np.array(rows)
''',
        # Only two-input gates.
        '''
import numpy as np

def truth_table(gate, n_inputs):
    return np.array([[a, b, gate(a, b)] for a in (0, 1) for b in (0, 1)])
''',
    ],
    "xor_gate": [
        # An OR network: wrong for (1, 1).
        '''
def xor_gate(a, b):
    return mcp_neuron((a, a, b, b))
''',
        # Correct values, but not computed by neurons.
        '''
def xor_gate(a, b):
    mcp_neuron((a, b))
    return int(a != b)
''',
        # Correct values and two neurons, but the last step is Python's, not a neuron's.
        '''
def xor_gate(a, b):
    mcp_neuron((a, b))
    return or_gate(a, b) and int(a != b)
''',
    ],
}

# The visible examples of the gates and XOR run on the student's own neuron, so a
# wrong neuron may cost a share of those cells; their hidden tests use a correct one.
ALSO_AFFECTS = {
    "mcp_neuron": ["test_gates", "test_xor_gate"],
}
