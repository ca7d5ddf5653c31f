"""Other answers to assignment 03: correct ones written differently, and plausible mistakes.

Keys are solution cell ids; a wrong answer must lose points in test_<id> only.
"""

ALTERNATIVE = {
    "xor_network": '''
import numpy as np

def mlp_forward(X, params, activation):
    layer = np.asarray(X, dtype=float)
    for weights, bias in (("W1", "b1"), ("W2", "b2")):
        layer = activation(np.dot(layer, params[weights]) + params[bias])
    return layer

def xor_mlp_params():
    # Hidden units: x1 AND NOT x2, x2 AND NOT x1; the output is their OR.
    return {
        "W1": np.array([[1.0, -1.0], [-1.0, 1.0]]),
        "b1": np.array([-0.5, -0.5]),
        "W2": np.array([[1.0], [1.0]]),
        "b2": np.array([-0.5]),
    }
''',
    "compose_linear": '''
import numpy as np

def compose_linear(W1, b1, W2, b2):
    W2 = np.asarray(W2, dtype=float)
    W = np.einsum("ij,jk->ik", np.asarray(W1, dtype=float), W2)
    b = np.asarray(b2, dtype=float) + np.dot(np.asarray(b1, dtype=float), W2)
    return W, b
''',
    "activations": '''
import numpy as np
from scipy.special import expit, softmax as scipy_softmax

def sigmoid(z):
    return expit(np.asarray(z, dtype=float))

def tanh(z):
    return 2 * sigmoid(2 * np.asarray(z, dtype=float)) - 1

def relu(z):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, 0.0)

def softplus(z):
    return np.logaddexp(0.0, np.asarray(z, dtype=float))

def softmax(z, axis=-1):
    return scipy_softmax(np.asarray(z, dtype=float), axis=axis)
''',
    "derivatives": '''
import numpy as np

def sigmoid_grad(z):
    z = np.asarray(z, dtype=float)
    # σ'(z) = e^{-|z|} / (1 + e^{-|z|})², symmetric in z and free of overflow
    small = np.exp(-np.abs(z))
    return small / (1.0 + small) ** 2

def tanh_grad(z):
    return 1.0 / np.cosh(np.clip(np.asarray(z, dtype=float), -300, 300)) ** 2

def relu_grad(z):
    return np.heaviside(np.asarray(z, dtype=float), 0.0)
''',
    "loss_and_gradients": '''
import numpy as np

def loss_and_gradients(X, y, params):
    X = np.asarray(X, dtype=float)
    y = np.reshape(np.asarray(y, dtype=float), (len(X), 1))
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    a1 = sigmoid(X @ W1 + b1)
    y_hat = sigmoid(a1 @ W2 + b2)
    loss = -np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))
    error = (y_hat - y) / len(X)
    delta = np.dot(error, W2.T) * a1 * (1 - a1)
    return loss, {"W1": np.dot(X.T, delta), "b1": np.sum(delta, axis=0),
                  "W2": np.dot(a1.T, error), "b2": np.sum(error, axis=0)}
''',
    "numerical_gradient": '''
import numpy as np

def numerical_gradient(f, x, eps=1e-5):
    x = np.asarray(x, dtype=float)
    flat_grad = []
    for i in range(x.size):
        step = np.zeros(x.size)
        step[i] = eps
        step = step.reshape(x.shape)
        flat_grad.append((f(x + step) - f(x - step)) / (2 * eps))
    return np.array(flat_grad).reshape(x.shape)
''',
    "train_xor_numpy": '''
import numpy as np

def train_xor_numpy(hidden=4, lr=0.5, epochs=5000, seed=0):
    # Half the summed squared error, its own backward pass and a uniform initialisation.
    rng = np.random.default_rng(seed)
    W1, b1 = rng.uniform(-1, 1, size=(2, hidden)), np.zeros(hidden)
    W2, b2 = rng.uniform(-1, 1, size=(hidden, 1)), np.zeros(1)
    X, y = X_xor, y_xor
    losses = []
    for _ in range(epochs):
        h = 1 / (1 + np.exp(-(X @ W1 + b1)))
        out = 1 / (1 + np.exp(-(h @ W2 + b2)))
        losses.append(0.5 * np.sum((out - y) ** 2))
        d_out = (out - y) * out * (1 - out)
        d_h = d_out @ W2.T * h * (1 - h)
        W2, b2 = W2 - lr * h.T @ d_out, b2 - lr * d_out.sum(axis=0)
        W1, b1 = W1 - lr * X.T @ d_h, b1 - lr * d_h.sum(axis=0)
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}, losses
''',
    "build_xor_model": '''
import keras

def build_xor_model():
    inputs = keras.Input(shape=(2,))
    hidden = keras.layers.Dense(16, activation="relu")(inputs)
    outputs = keras.layers.Dense(1, activation="sigmoid")(hidden)
    model = keras.Model(inputs, outputs)
    model.compile(loss=keras.losses.BinaryCrossentropy(), optimizer=keras.optimizers.RMSprop(learning_rate=0.02))
    return model
''',
}

WRONG = {
    "xor_network": [
        # The output neuron computes OR of AND and OR: wrong for (1, 1).
        '''
import numpy as np

def mlp_forward(X, params, activation):
    hidden = activation(np.asarray(X, dtype=float) @ params["W1"] + params["b1"])
    return activation(hidden @ params["W2"] + params["b2"])

def xor_mlp_params():
    return {"W1": np.ones((2, 2)), "b1": np.array([-1.5, -0.5]), "W2": np.ones((2, 1)), "b2": np.array([-0.5])}
''',
        # No activation on the output layer.
        '''
import numpy as np

def mlp_forward(X, params, activation):
    hidden = activation(np.asarray(X, dtype=float) @ params["W1"] + params["b1"])
    return hidden @ params["W2"] + params["b2"]

def xor_mlp_params():
    return {"W1": np.ones((2, 2)), "b1": np.array([-1.5, -0.5]), "W2": np.array([[-1.0], [1.0]]),
            "b2": np.array([-0.5])}
''',
    ],
    "compose_linear": [
        # The first bias is forgotten: b1 also goes through W2.
        '''
import numpy as np

def compose_linear(W1, b1, W2, b2):
    return np.asarray(W1) @ np.asarray(W2), np.asarray(b2, dtype=float)
''',
    ],
    "activations": [
        # The textbook formulas, which overflow or give NaN at |z| = 1000.
        '''
import numpy as np

def sigmoid(z):
    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))

def tanh(z):
    return np.tanh(z)

def relu(z):
    return np.maximum(z, 0.0)

def softplus(z):
    return np.log(1 + np.exp(np.asarray(z, dtype=float)))

def softmax(z, axis=-1):
    exps = np.exp(np.asarray(z, dtype=float))
    return exps / exps.sum(axis=axis, keepdims=True)
''',
        # The softmax always normalises the last axis.
        '''
import numpy as np

def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return np.exp(-np.logaddexp(0.0, -z))

def tanh(z):
    return np.tanh(z)

def relu(z):
    return np.maximum(z, 0.0)

def softplus(z):
    return np.logaddexp(0.0, z)

def softmax(z, axis=-1):
    z = np.asarray(z, dtype=float)
    exps = np.exp(z - z.max(axis=-1, keepdims=True))
    return exps / exps.sum(axis=-1, keepdims=True)
''',
    ],
    "derivatives": [
        # tanh' without the square, and ReLU' = 1 at 0.
        '''
import numpy as np

def sigmoid_grad(z):
    s = sigmoid(z)
    return s * (1 - s)

def tanh_grad(z):
    return 1 - tanh(z)

def relu_grad(z):
    return (np.asarray(z) >= 0).astype(float)
''',
    ],
    "loss_and_gradients": [
        # The hidden layer's delta forgets the sigmoid's derivative.
        '''
import numpy as np

def loss_and_gradients(X, y, params):
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float).reshape(-1, 1)
    hidden = sigmoid(X @ params["W1"] + params["b1"])
    z2 = hidden @ params["W2"] + params["b2"]
    dz2 = (sigmoid(z2) - y) / len(X)
    dz1 = dz2 @ params["W2"].T
    grads = {"W2": hidden.T @ dz2, "b2": dz2.sum(axis=0), "W1": X.T @ dz1, "b1": dz1.sum(axis=0)}
    return float(np.mean(softplus(z2) - y * z2)), grads
''',
        # The gradients of the summed loss while the loss reported is the mean.
        '''
import numpy as np

def loss_and_gradients(X, y, params):
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float).reshape(-1, 1)
    z1 = X @ params["W1"] + params["b1"]
    hidden = sigmoid(z1)
    z2 = hidden @ params["W2"] + params["b2"]
    dz2 = sigmoid(z2) - y
    dz1 = (dz2 @ params["W2"].T) * sigmoid_grad(z1)
    grads = {"W2": hidden.T @ dz2, "b2": dz2.sum(axis=0), "W1": X.T @ dz1, "b1": dz1.sum(axis=0)}
    return float(np.mean(softplus(z2) - y * z2)), grads
''',
    ],
    "numerical_gradient": [
        # Forward differences: an error of order eps instead of eps².
        '''
import numpy as np

def numerical_gradient(f, x, eps=1e-5):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    base = f(x)
    for index in np.ndindex(x.shape):
        x[index] += eps
        grad[index] = (f(x) - base) / eps
        x[index] -= eps
    return grad
''',
    ],
    "train_xor_numpy": [
        # Zero initialisation: the hidden units stay identical and XOR is never learned.
        '''
import numpy as np

def train_xor_numpy(hidden=4, lr=0.5, epochs=5000, seed=0):
    params = {"W1": np.zeros((2, hidden)), "b1": np.zeros(hidden), "W2": np.zeros((hidden, 1)), "b2": np.zeros(1)}
    losses = []
    for _ in range(epochs):
        loss, grads = loss_and_gradients(X_xor, y_xor, params)
        params = {key: params[key] - lr * grads[key] for key in params}
        losses.append(loss)
    return params, losses
''',
    ],
    "build_xor_model": [
        # A linear hidden layer: the network is still a linear classifier.
        '''
import keras

def build_xor_model():
    model = keras.Sequential([
        keras.layers.Input(shape=(2,)),
        keras.layers.Dense(8),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(learning_rate=0.05))
    return model
''',
    ],
}

# The visible example of train_xor_numpy trains with the student's own loss_and_gradients,
# so wrong gradients may cost a share of that cell; its hidden tests use correct ones.
ALSO_AFFECTS = {
    "loss_and_gradients": ["test_train_xor_numpy"],
}
