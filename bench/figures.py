"""The figures benchmark: the course's reference solutions against the numbers of the source texts.

    .venv/bin/python bench/figures.py                            # prints the report
    .venv/bin/python bench/figures.py --output bench/RESULTS.md  # and writes it

It runs the reference solutions themselves: each notebook's setup cell (without its
IPython magics) and then its solution cells with the solution markers removed, so
the benchmark measures exactly what the course teaches. For every figure of the
table in the course specification it prints the value measured, the data it was
measured on and the wall time.

Data, never downloaded: full MNIST when ``nncourse.data`` finds it locally (the course
data directory or the Keras cache); otherwise the 10,000 official MNIST test digits in
``../shared/data/mnist-t10k`` split 8,000 / 2,000 with a fixed seed. Fashion-MNIST from
wherever ``nncourse.data`` finds it (for example Debian's ``dataset-fashion-mnist``).

The texts train on 60,000 images. On a smaller training set the benchmark keeps the
texts' number of SGD updates (epochs × 60,000 / batch size) rather than their number
of epochs, so that "5 epochs" means as much training as in the book.

The run-all and autograde time of each notebook come from ``bench/notebook_times.py``
(``--notebook-times [ASSIGNMENT ...]`` runs it and appends its report).
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["NNCOURSE_OFFLINE"] = "1"  # a benchmark must not download anything

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "grader_tests"))

import nbformat  # noqa: E402
import numpy as np  # noqa: E402

from nncourse import data  # noqa: E402
from notebooks import nbgrader_meta, notebook_paths, reference_answer  # noqa: E402

T10K_DIR = REPO_ROOT.parent / "shared" / "data" / "mnist-t10k"
T10K_TRAIN_SIZE = 8000
TEXT_TRAIN_SIZE = 60000  # MNIST and Fashion-MNIST training sets, as in the books
SEED = 0


@dataclass
class Dataset:
    name: str
    description: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    def label(self) -> str:
        return f"{self.description} ({len(self.x_train):,}/{len(self.x_test):,})"


@dataclass
class Row:
    figure: str
    source: str
    text: str
    measured: str
    data: str
    seconds: float
    agreement: str  # "igual" / "distinto" for counts; measured − text in points for accuracies


def count_row(figure: str, source: str, text: str, measured: str, data_used: str, seconds: float) -> Row:
    return Row(figure, source, text, measured, data_used, seconds, "igual" if measured == text else "DISTINTO")


def accuracy_row(figure: str, source: str, text: str, expected: float, accuracy: float, data_used: str,
                 seconds: float) -> Row:
    return Row(figure, source, text, f"{accuracy:.4f}", data_used, seconds,
               f"{100 * (accuracy - expected):+.1f} puntos")


def reference_namespace(assignment: str) -> dict:
    """The names a notebook defines once its setup cell and reference solutions have run."""
    namespace: dict = {}
    for path in notebook_paths(assignment):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = nbgrader_meta(cell)
            if meta.get("grade_id") == "setup":
                code = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith("%"))
            elif meta.get("solution"):
                code = reference_answer(cell.source)
            else:
                continue
            exec(compile(code, f"{assignment}:{meta['grade_id']}", "exec"), namespace)
    return namespace


def load_mnist_for_bench(t10k_dir: Path) -> Dataset:
    """Full MNIST if it is on this machine; otherwise the t10k digits split 8,000 / 2,000."""
    source = data.find_mnist_source()
    if source is not None:
        (x_train, y_train), (x_test, y_test) = data.load_mnist(verbose=False)
        return Dataset("MNIST", f"MNIST, {source.describe()}", x_train, y_train, x_test, y_test)
    images = data.read_idx(t10k_dir / "t10k-images-idx3-ubyte.gz")
    labels = data.read_idx(t10k_dir / "t10k-labels-idx1-ubyte.gz")
    order = np.random.default_rng(SEED).permutation(len(labels))
    train, test = order[:T10K_TRAIN_SIZE], order[T10K_TRAIN_SIZE:]
    return Dataset("MNIST", f"MNIST t10k de {t10k_dir}", images[train], labels[train], images[test], labels[test])


def load_fashion_for_bench() -> Dataset:
    (x_train, y_train), (x_test, y_test) = data.load_fashion_mnist(verbose=False)
    return Dataset("Fashion-MNIST", f"Fashion-MNIST, {data.last_source().describe()}", x_train, y_train,
                   x_test, y_test)


def epochs_for(text_epochs: int, n_train: int) -> int:
    """Epochs that give the texts' number of updates (text_epochs over 60,000 images) on n_train images."""
    return max(text_epochs, round(text_epochs * TEXT_TRAIN_SIZE / n_train))


def train_and_test(model, x_train, y_train, x_test, y_test, epochs: int, batch_size: int) -> float:
    model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size, verbose=0)
    return float(model.evaluate(x_test, y_test, verbose=0, return_dict=True)["accuracy"])


def timed(function):
    start = time.perf_counter()
    value = function()
    return value, time.perf_counter() - start


def params_text(model) -> str:
    counts = [layer.count_params() for layer in model.layers if layer.count_params()]
    return " + ".join(f"{count:,}" for count in counts) + f" = {model.count_params():,}"


def protocol(epochs: int, text_epochs: int, batch_size: int, n_train: int) -> str:
    steps = epochs * math.ceil(n_train / batch_size)
    if epochs == text_epochs:
        return f"{epochs} épocas, lotes de {batch_size}"
    return f"{epochs} épocas ({steps:,} pasos ≈ {text_epochs} épocas de 60.000), lotes de {batch_size}"


def dense_rows(ns04: dict, mnist: Dataset, long_run: bool) -> list[Row]:
    """Torres ch. 2–3: the 10-sigmoid network and the 512-ReLU network, from assignment 04's reference."""
    import keras

    x_train, y_train = ns04["preprocess"](mnist.x_train, mnist.y_train)
    x_test, y_test = ns04["preprocess"](mnist.x_test, mnist.y_test)
    model, seconds = timed(ns04["build_dense_model"])
    rows = [count_row("Dense(10,sigmoid)+Dense(10,softmax), parámetros", "Torres §2.5", "7,850 + 110 = 7,960",
                      params_text(model), "—", seconds)]
    cases = [("Dense(10,sigmoid)+Dense(10,softmax), exactitud de prueba (SGD)", "Torres §2.6", "≈ 0.90", 0.90,
              (10, "sigmoid"), 5),
             ("512-ReLU, exactitud de prueba (SGD)", "Torres §3.4", "≈ 0.94 (5 ép.)", 0.94, (512, "relu"), 5)]
    if long_run:
        cases.append(("512-ReLU, exactitud de prueba (SGD)", "Torres §3.4", "≈ 0.96 (20 ép.)", 0.96,
                      (512, "relu"), 20))
    for figure, source, text, expected, (units, activation), text_epochs in cases:
        keras.utils.set_random_seed(SEED)
        epochs = epochs_for(text_epochs, len(x_train))
        accuracy, seconds = timed(lambda: train_and_test(
            ns04["build_dense_model"](units, activation), x_train, y_train, x_test, y_test, epochs, 100))
        rows.append(accuracy_row(figure, source, text, expected, accuracy,
                                 f"{mnist.label()}; {protocol(epochs, text_epochs, 100, len(x_train))}", seconds))
    return rows


def cnn_rows(ns06: dict, mnist: Dataset) -> list[Row]:
    """Torres ch. 4: the chapter's CNN, from assignment 06's reference."""
    import keras

    model, seconds = timed(ns06["build_cnn"])
    rows = [count_row("CNN, parámetros", "Torres §4.3", "832 + 51,264 + 10,250 = 62,346", params_text(model), "—",
                      seconds)]
    x_train = mnist.x_train.reshape(-1, 28, 28, 1).astype("float32") / 255
    x_test = mnist.x_test.reshape(-1, 28, 28, 1).astype("float32") / 255
    y_train, y_test = keras.utils.to_categorical(mnist.y_train, 10), keras.utils.to_categorical(mnist.y_test, 10)
    keras.utils.set_random_seed(SEED)
    epochs = epochs_for(5, len(x_train))
    accuracy, seconds = timed(lambda: train_and_test(ns06["build_cnn"](), x_train, y_train, x_test, y_test, epochs, 100))
    rows.append(accuracy_row("CNN, exactitud de prueba (SGD)", "Torres §4.3", "≈ 0.97", 0.97, accuracy,
                             f"{mnist.label()}; {protocol(epochs, 5, 100, len(x_train))}", seconds))
    return rows


def vgg16_row() -> Row:
    import keras

    model, seconds = timed(lambda: keras.applications.VGG16(weights=None))
    return count_row("VGG16, parámetros", "Torres §4.5", "138,357,544", f"{model.count_params():,}",
                     "keras.applications.VGG16(weights=None)", seconds)


def linear_row(dataset: Dataset, text: str, expected: float) -> Row:
    """Softmax regression (one Dense(10, softmax) layer) trained with SGD, batch 32, 10 epochs."""
    import keras

    x_train = dataset.x_train.reshape(len(dataset.x_train), -1).astype("float32") / 255
    x_test = dataset.x_test.reshape(len(dataset.x_test), -1).astype("float32") / 255
    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    epochs = epochs_for(10, len(x_train))
    accuracy, seconds = timed(lambda: train_and_test(model, x_train, dataset.y_train, x_test, dataset.y_test,
                                                     epochs, 32))
    return accuracy_row(f"modelo lineal (softmax) en {dataset.name}, exactitud de prueba", "Géron", text, expected,
                        accuracy, f"{dataset.label()}; {protocol(epochs, 10, 32, len(x_train))}", seconds)


def machine_note() -> str:
    import keras
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    device = ", ".join(gpu.name for gpu in gpus) if gpus else "CPU (sin GPU)"
    return (f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC · {platform.node()} · "
            f"{platform.machine()}, {os.cpu_count()} núcleos · {device} · Python {platform.python_version()}, "
            f"TensorFlow {tf.__version__}, Keras {keras.__version__}")


def render(rows: list[Row], note: str, total: float) -> str:
    lines = [
        "## Cifras de los textos frente a las soluciones de referencia",
        "",
        f"Máquina: {note}. Tiempo total: {total:.0f} s.",
        "",
        "Las exactitudes son de prueba, con la semilla 0. Con menos de 60.000 imágenes de entrenamiento se",
        "entrena el mismo número de pasos de SGD que el texto (más épocas), no el mismo número de épocas.",
        "",
        "| cifra | fuente | texto | medido | acuerdo | datos y entrenamiento | tiempo |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    lines += [f"| {r.figure} | {r.source} | {r.text} | {r.measured} | {r.agreement} | {r.data} | {r.seconds:.1f} s |"
              for r in rows]
    return "\n".join(lines) + "\n"


def notebook_times_report(assignments: list[str]) -> str:
    """The report of bench/notebook_times.py: run-all time as a student and under autograding."""
    script = REPO_ROOT / "bench" / "notebook_times.py"
    if not script.is_file():
        return "\n(bench/notebook_times.py no existe: sin tiempos por cuaderno.)\n"
    result = subprocess.run([sys.executable, str(script), *assignments], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        return f"\nbench/notebook_times.py falló (código {result.returncode}):\n\n```\n{result.stderr[-2000:]}\n```\n"
    return "\n" + result.stdout


def progress(message: str) -> None:
    # stderr, so that stdout stays the report alone
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, help="write the report to this Markdown file as well")
    parser.add_argument("--t10k", type=Path, default=T10K_DIR, help="folder with the MNIST t10k IDX files")
    parser.add_argument("--quick", action="store_true", help="skip the 20-epoch 512-ReLU run")
    parser.add_argument("--notebook-times", nargs="*", metavar="ASSIGNMENT",
                        help="append bench/notebook_times.py's report for these assignments (none: all)")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    ns04, ns06 = reference_namespace("04_mnist_dense"), reference_namespace("06_cnn")
    mnist, fashion = load_mnist_for_bench(args.t10k), load_fashion_for_bench()
    progress(f"datos: {mnist.label()}; {fashion.label()}")
    rows = dense_rows(ns04, mnist, long_run=not args.quick)
    progress("redes densas de la tarea 04 entrenadas; ahora la CNN de la tarea 06")
    rows += cnn_rows(ns06, mnist)
    rows.append(vgg16_row())
    progress("CNN y VGG16 listas; ahora los modelos lineales")
    rows += [linear_row(mnist, "≈ 92 %", 0.92), linear_row(fashion, "≈ 83 %", 0.83)]
    report = render(rows, machine_note(), time.perf_counter() - start)
    if args.notebook_times is not None:
        progress("tiempos de los cuadernos (bench/notebook_times.py)")
        report += notebook_times_report(args.notebook_times)
    print(report)
    if args.output:
        args.output.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
