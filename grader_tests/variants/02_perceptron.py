"""Other answers to assignment 02: correct ones written differently, and plausible mistakes.

Keys are solution cell ids; a wrong answer must lose points in test_<id> only.
"""

ALTERNATIVE = {
    "step_functions": '''
import numpy as np

def heaviside(z):
    return np.where(np.asarray(z, dtype=float) < 0, 0.0, 1.0)

def sgn(z):
    return np.sign(np.asarray(z, dtype=float))
''',
    "tlu_predict": '''
import numpy as np

def tlu_predict(X, w, b):
    return np.array([1 if np.dot(row, w) + b >= 0 else 0 for row in np.asarray(X, dtype=float)])
''',
    "dense_layer": '''
import numpy as np

def dense_layer(X, W, b, activation):
    Z = np.dot(np.asarray(X, dtype=float), np.asarray(W, dtype=float))
    Z += np.asarray(b, dtype=float)[np.newaxis, :]
    return activation(Z)
''',
    "perceptron_update": '''
import numpy as np

def perceptron_update(w, b, x, y, y_hat, eta):
    # The bias is the weight of an extra input x0 = 1.
    weights = np.append(np.asarray(w, dtype=float), b)
    inputs = np.append(np.asarray(x, dtype=float), 1.0)
    weights = weights + eta * (y - y_hat) * inputs
    return weights[:-1], float(weights[-1])
''',
    "perceptron_fit": '''
import numpy as np

def perceptron_fit(X, y, eta=1.0, max_epochs=100, shuffle=False, seed=None):
    X = np.array(X, dtype=float)
    y = np.array(y)
    rng = np.random.default_rng(seed)
    w = np.zeros(X.shape[1])
    b = 0.0
    history = []
    epoch = 0
    while epoch < max_epochs:
        indices = np.arange(len(X))
        if shuffle:
            rng.shuffle(indices)
        mistakes = 0
        for i in indices:
            prediction = tlu_predict(X[i:i + 1], w, b)[0]
            if prediction != y[i]:
                mistakes += 1
                w, b = perceptron_update(w, b, X[i], y[i], prediction, eta)
        history.append(mistakes)
        epoch += 1
        if mistakes == 0:
            break
    return w, b, np.array(history)
''',
}

WRONG = {
    "step_functions": [
        # Heaviside at 0 is 0 (a strict inequality), and sgn copied from it.
        '''
import numpy as np

def heaviside(z):
    return (np.asarray(z) > 0).astype(int)

def sgn(z):
    return np.sign(z)
''',
        # sgn(0) = +1: the sign function written as 2·heaviside − 1.
        '''
import numpy as np

def heaviside(z):
    return (np.asarray(z) >= 0).astype(int)

def sgn(z):
    return 2 * heaviside(z) - 1
''',
    ],
    "tlu_predict": [
        # The bias is forgotten.
        '''
import numpy as np

def tlu_predict(X, w, b):
    return heaviside(np.asarray(X) @ np.asarray(w))
''',
    ],
    "dense_layer": [
        # The bias added after the activation.
        '''
import numpy as np

def dense_layer(X, W, b, activation):
    return activation(np.asarray(X) @ np.asarray(W)) + np.asarray(b)
''',
    ],
    "perceptron_update": [
        # The error with the wrong sign: the weights move away from the right answer.
        '''
import numpy as np

def perceptron_update(w, b, x, y, y_hat, eta):
    return np.asarray(w) + eta * (y_hat - y) * np.asarray(x), b + eta * (y_hat - y)
''',
        # The bias is never updated.
        '''
import numpy as np

def perceptron_update(w, b, x, y, y_hat, eta):
    return np.asarray(w) + eta * (y - y_hat) * np.asarray(x), b
''',
    ],
    "perceptron_fit": [
        # The epoch without errors is not recorded: errors_per_epoch never ends in 0.
        '''
import numpy as np

def perceptron_fit(X, y, eta=1.0, max_epochs=100, shuffle=False, seed=None):
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    w, b, history = np.zeros(X.shape[1]), 0.0, []
    for _ in range(max_epochs):
        errors = 0
        for xi, yi in zip(X, y):
            y_hat = int(heaviside(xi @ w + b))
            if y_hat != yi:
                w, b = perceptron_update(w, b, xi, yi, y_hat, eta)
                errors += 1
        if errors == 0:
            break
        history.append(errors)
    return w, b, history
''',
        # Batch updates: the whole epoch is predicted with the weights from its start.
        '''
import numpy as np

def perceptron_fit(X, y, eta=1.0, max_epochs=100, shuffle=False, seed=None):
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    w, b, history = np.zeros(X.shape[1]), 0.0, []
    for _ in range(max_epochs):
        y_hat = heaviside(X @ w + b)
        errors = int(np.sum(y_hat != y))
        w = w + eta * (y - y_hat) @ X
        b = b + eta * np.sum(y - y_hat)
        history.append(errors)
        if errors == 0:
            break
    return w, b, history
''',
    ],
}

# The visible examples of perceptron_fit train with the student's own update rule, so a
# wrong update may cost a share of that cell; its hidden tests use a correct one.
ALSO_AFFECTS = {
    "perceptron_update": ["test_perceptron_fit"],
}
