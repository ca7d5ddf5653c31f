"""Other answers to assignment 04: correct ones written differently, and plausible mistakes.

Keys are solution cell ids; a wrong answer must lose points in test_<id> only.
"""

ALTERNATIVE = {
    "preprocess": '''
import nncourse.data
from keras.utils import to_categorical

def load_digits_data():
    train, test = nncourse.data.load_mnist(verbose=False)
    return train, test

def preprocess(x, y):
    x_flat = np.reshape(x, (-1, 784)) / np.float32(255.0)
    return x_flat.astype(np.float32), to_categorical(np.asarray(y), 10)
''',
    # The functional API, the hidden activation as its own layer, objects instead of strings, and the
    # book's learning rate (optimizer="sgd" is SGD at 0.01).
    "build_dense_model": '''
def build_dense_model(hidden_units=10, hidden_activation="sigmoid"):
    inputs = keras.Input(shape=(784,))
    hidden = keras.layers.Dense(hidden_units)(inputs)
    hidden = keras.layers.Activation(hidden_activation)(hidden)
    outputs = keras.layers.Dense(10, activation=keras.activations.softmax)(hidden)
    model = keras.Model(inputs, outputs)
    model.compile(loss=keras.losses.CategoricalCrossentropy(),
                  optimizer=keras.optimizers.SGD(learning_rate=0.01),
                  metrics=[keras.metrics.CategoricalAccuracy()])
    return model
''',
    "confusion_metrics": '''
def accuracy_from_confusion(cm):
    hits = sum(cm[i][i] for i in range(len(cm)))
    total = sum(sum(row) for row in cm)
    return hits / total

def recall_per_class(cm):
    return np.array([row[i] / sum(row) for i, row in enumerate(cm)])
''',
}

WRONG = {
    "preprocess": [
        # Flattened and converted, but not scaled to [0, 1].
        '''
def load_digits_data():
    return load_mnist()

def preprocess(x, y):
    return x.reshape(len(x), 784).astype("float32"), keras.utils.to_categorical(y, num_classes=10)
''',
        # to_categorical without num_classes: too few columns when the last digits are missing.
        '''
def load_digits_data():
    return load_mnist()

def preprocess(x, y):
    return x.reshape(len(x), 784).astype("float32") / 255, keras.utils.to_categorical(y)
''',
    ],
    "build_dense_model": [
        # Always Torres' first model: the arguments are ignored.
        '''
def build_dense_model(hidden_units=10, hidden_activation="sigmoid"):
    model = keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(10, activation="sigmoid"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss="categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    return model
''',
        # Mean squared error instead of cross-entropy: barely learns with SGD.
        '''
def build_dense_model(hidden_units=10, hidden_activation="sigmoid"):
    model = keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(hidden_units, activation=hidden_activation),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss="mean_squared_error", optimizer="sgd", metrics=["accuracy"])
    return model
''',
    ],
    "confusion_metrics": [
        # Divides by the column sums: that is precision, not recall.
        '''
def accuracy_from_confusion(cm):
    cm = np.asarray(cm)
    return np.trace(cm) / cm.sum()

def recall_per_class(cm):
    cm = np.asarray(cm)
    return np.diag(cm) / cm.sum(axis=0)
''',
    ],
}
