"""Other answers to assignment 06: correct ones written differently, and plausible mistakes.

Keys are solution cell ids; a wrong answer must lose points in test_<id> only.
Every student runs the whole TensorFlow notebook (10–20 s), so the lists stay short.
"""

ALTERNATIVE = {
    "conv_output_size": '''
import math

def conv_output_size(n, kernel, stride=1, padding="valid"):
    if padding.lower() == "same":
        return math.ceil(n / stride)
    return math.ceil((n - kernel + 1) / stride)
''',
    # Vectorised with sliding windows; padding from TensorFlow's documented n % stride rule.
    "conv2d": '''
from numpy.lib.stride_tricks import sliding_window_view

def _same_padding(n, k, s):
    total = max(k - (n % s if n % s else s), 0)
    return total // 2, total - total // 2

def conv2d(image, kernel, stride=1, padding="valid"):
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    if padding == "same":
        image = np.pad(image, [_same_padding(n, k, stride) for n, k in zip(image.shape, kernel.shape)])
    windows = sliding_window_view(image, kernel.shape)[::stride, ::stride]
    return np.einsum("ijkl,kl->ij", windows, kernel)
''',
    "max_pool2d": '''
from numpy.lib.stride_tricks import sliding_window_view

def max_pool2d(x, pool=2, stride=None):
    step = stride or pool
    return sliding_window_view(np.asarray(x), (pool, pool))[::step, ::step].max(axis=(2, 3))
''',
    # Functional API, layer objects for the compile settings, another accuracy metric.
    "build_cnn": '''
def build_cnn():
    inputs = keras.Input(shape=(28, 28, 1))
    x = keras.layers.Conv2D(filters=32, kernel_size=5, activation="relu")(inputs)
    x = keras.layers.MaxPool2D(pool_size=2)(x)
    x = keras.layers.Conv2D(filters=64, kernel_size=5, activation=keras.activations.relu)(x)
    x = keras.layers.MaxPool2D(pool_size=2)(x)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01),
                  loss=keras.losses.CategoricalCrossentropy(),
                  metrics=[keras.metrics.CategoricalAccuracy()])
    return model
''',
}

WRONG = {
    "conv_output_size": [
        # True division: a float, and wrong whenever the stride does not divide evenly.
        '''
def conv_output_size(n, kernel, stride=1, padding="valid"):
    if padding == "same":
        return n / stride
    return (n - kernel) / stride + 1
''',
        # "same" as the textbook's symmetric padding p = k // 2: wrong for even kernels.
        '''
def conv_output_size(n, kernel, stride=1, padding="valid"):
    pad = kernel // 2 if padding == "same" else 0
    return (n + 2 * pad - kernel) // stride + 1
''',
    ],
    "conv2d": [
        # A true convolution (kernel flipped), not Keras' cross-correlation.
        '''
def conv2d(image, kernel, stride=1, padding="valid"):
    return _cross_correlation(image, np.flip(np.asarray(kernel, dtype=float)), stride, padding)

def _cross_correlation(image, kernel, stride, padding):
    image = np.asarray(image, dtype=float)
    if padding == "same":
        pads = [((-(-n // stride) - 1) * stride + k - n) for n, k in zip(image.shape, kernel.shape)]
        image = np.pad(image, [(max(p, 0) // 2, max(p, 0) - max(p, 0) // 2) for p in pads])
    rows = (image.shape[0] - kernel.shape[0]) // stride + 1
    cols = (image.shape[1] - kernel.shape[1]) // stride + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[i, j] = np.sum(image[i * stride:i * stride + kernel.shape[0],
                                     j * stride:j * stride + kernel.shape[1]] * kernel)
    return out
''',
        # "same" padding split evenly (k // 2 on each side): right only for odd kernels and stride 1.
        '''
def conv2d(image, kernel, stride=1, padding="valid"):
    image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)
    kh, kw = kernel.shape
    if padding == "same":
        image = np.pad(image, ((kh // 2, kh // 2), (kw // 2, kw // 2)))
    rows = (image.shape[0] - kh) // stride + 1
    cols = (image.shape[1] - kw) // stride + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[i, j] = np.sum(image[i * stride:i * stride + kh, j * stride:j * stride + kw] * kernel)
    return out
''',
    ],
    "max_pool2d": [
        # Keeps the partial windows at the edges (like padding="same") instead of dropping them.
        '''
def max_pool2d(x, pool=2, stride=None):
    x = np.asarray(x, dtype=float)
    stride = stride or pool
    rows = range(0, x.shape[0] - pool + stride, stride)
    cols = range(0, x.shape[1] - pool + stride, stride)
    return np.array([[x[i:i + pool, j:j + pool].max() for j in cols] for i in rows])
''',
    ],
    "build_cnn": [
        # padding="same" in the convolutions: 28 → 28 → 14 → 14 → 7, and 83,466 parameters.
        '''
def build_cnn():
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(32, (5, 5), activation="relu", padding="same"),
        keras.layers.MaxPooling2D((2, 2)),
        keras.layers.Conv2D(64, (5, 5), activation="relu", padding="same"),
        keras.layers.MaxPooling2D((2, 2)),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss="categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    return model
''',
        # Right shapes and parameters, but no softmax on the output layer.
        '''
def build_cnn():
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(32, (5, 5), activation="relu"),
        keras.layers.MaxPooling2D((2, 2)),
        keras.layers.Conv2D(64, (5, 5), activation="relu"),
        keras.layers.MaxPooling2D((2, 2)),
        keras.layers.Flatten(),
        keras.layers.Dense(10),
    ])
    model.compile(loss="categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    return model
''',
    ],
}

# The reference conv2d and max_pool2d call conv_output_size: their visible tests run on
# the student's own version, their hidden tests on a correct one.
ALSO_AFFECTS = {
    "conv_output_size": ["test_conv2d", "test_max_pool2d"],
}
