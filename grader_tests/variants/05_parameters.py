"""Other answers to assignment 05: correct ones written differently, and plausible mistakes.

Keys are solution cell ids; a wrong answer must lose points in test_<id> only.
"""

ALTERNATIVE = {
    "layer_params": '''
def dense_params(n_in, n_out, use_bias=True):
    weights = n_in * n_out
    return weights + n_out if use_bias else weights

def conv2d_params(kernel_size, in_channels, filters, use_bias=True):
    if isinstance(kernel_size, int):
        kernel_size = [kernel_size] * 2
    per_filter = kernel_size[0] * kernel_size[1] * in_channels + int(use_bias)
    return per_filter * filters
''',
    # Tracks the shape as a list and matches on the kind of layer.
    "count_params": '''
def count_params(layers, input_shape):
    shape = list(input_shape)
    counts = []
    for spec in layers:
        kind = spec[0]
        if kind == "dense":
            counts.append(dense_params(shape[-1], spec[1]))
            shape[-1] = spec[1]
        elif kind == "conv2d":
            kernel = spec[2] if isinstance(spec[2], (tuple, list)) else (spec[2], spec[2])
            counts.append(conv2d_params(kernel, shape[2], spec[1]))
            if len(spec) < 4 or spec[3] == "valid":
                shape[0] -= kernel[0] - 1
                shape[1] -= kernel[1] - 1
            shape[2] = spec[1]
        elif kind == "maxpool":
            pool = spec[1] if isinstance(spec[1], (tuple, list)) else (spec[1], spec[1])
            shape = [shape[0] // pool[0], shape[1] // pool[1], shape[2]]
            counts.append(0)
        else:
            shape = [int(np.prod(shape))]
            counts.append(0)
    return int(sum(counts)), counts
''',
    "steps_per_epoch": '''
def steps_per_epoch(n_samples, batch_size):
    full, rest = divmod(n_samples, batch_size)
    return full + (1 if rest else 0)
''',
    "sgd_step": '''
def sgd_step(w, grad, lr, velocity, momentum=0.0, nesterov=False):
    new_velocity = np.multiply(momentum, velocity) - np.multiply(lr, grad)
    step = momentum * new_velocity - np.multiply(lr, grad) if nesterov else new_velocity
    return np.add(w, step), new_velocity
''',
}

WRONG = {
    "layer_params": [
        # Forgets the input channels: right for a first convolution on grey images only.
        '''
def dense_params(n_in, n_out, use_bias=True):
    return n_in * n_out + (n_out if use_bias else 0)

def conv2d_params(kernel_size, in_channels, filters, use_bias=True):
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    return kernel_size[0] * kernel_size[1] * filters + (filters if use_bias else 0)
''',
    ],
    "count_params": [
        # Every convolution keeps the image size, as if padding were always "same".
        '''
def count_params(layers, input_shape):
    shape = tuple(input_shape)
    per_layer = []
    for kind, *args in layers:
        if kind == "dense":
            per_layer.append(dense_params(shape[-1], args[0]))
            shape = shape[:-1] + (args[0],)
        elif kind == "conv2d":
            per_layer.append(conv2d_params(args[1], shape[-1], args[0]))
            shape = shape[:-1] + (args[0],)
        elif kind == "maxpool":
            pool = args[0] if isinstance(args[0], tuple) else (args[0], args[0])
            shape = (shape[0] // pool[0], shape[1] // pool[1], shape[2])
            per_layer.append(0)
        else:
            shape = (math.prod(shape),)
            per_layer.append(0)
    return sum(per_layer), per_layer
''',
    ],
    "steps_per_epoch": [
        # Integer division drops the last, smaller batch.
        '''
def steps_per_epoch(n_samples, batch_size):
    return n_samples // batch_size
''',
    ],
    "sgd_step": [
        # Nesterov is ignored: always the plain momentum update.
        '''
def sgd_step(w, grad, lr, velocity, momentum=0.0, nesterov=False):
    velocity = momentum * np.asarray(velocity) - lr * np.asarray(grad)
    return np.asarray(w) + velocity, velocity
''',
        # PyTorch's convention: the velocity accumulates gradients and lr scales it afterwards.
        '''
def sgd_step(w, grad, lr, velocity, momentum=0.0, nesterov=False):
    velocity = momentum * np.asarray(velocity) + np.asarray(grad)
    step = grad + momentum * velocity if nesterov else velocity
    return np.asarray(w) - lr * step, velocity
''',
    ],
}

# The visible examples of count_params run on the student's own layer counts, so a
# wrong dense_params or conv2d_params may cost a share of that cell; its hidden
# tests use correct ones.
ALSO_AFFECTS = {
    "layer_params": ["test_count_params"],
}
