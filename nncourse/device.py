"""The first cell of the TensorFlow notebooks: which device trains, and GPU memory growth."""

from __future__ import annotations


def setup_tensorflow(verbose: bool = True):
    """Import TensorFlow, let GPU memory grow on demand, and say which device will be used.

    The same notebook runs on a GPU-backed hub kernel and on a laptop's CPU.
    Returns the ``tensorflow`` module.
    """
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        try:
            # Without memory growth TensorFlow reserves the whole GPU for one kernel.
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # already initialised: the setting only applies before first use
            pass
    if verbose:
        print(describe_devices(gpus, tf.__version__))
    return tf


def describe_devices(gpus, tf_version: str) -> str:
    if gpus:
        names = ", ".join(gpu.name for gpu in gpus)
        return f"TensorFlow {tf_version}: entrenaremos en GPU ({names}), con memoria bajo demanda."
    return f"TensorFlow {tf_version}: no hay GPU disponible, entrenaremos en la CPU."
