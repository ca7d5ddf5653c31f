"""MNIST and Fashion-MNIST for the notebooks, without needing the internet.

Each loader tries its sources in order and uses the first one it finds:

1. the course data directory (:func:`data_dir`): a Keras-format ``.npz`` file or
   the four IDX files of the original distribution (plain or ``.gz``);
2. the Keras cache (:func:`keras_cache_dir`), read directly with NumPy: Keras
   would delete a cached file whose hash it does not expect;
3. Fashion-MNIST only: Debian's package ``dataset-fashion-mnist``;
4. a download through Keras, unless ``NNCOURSE_OFFLINE=1``;
5. MNIST only: scikit-learn's 8×8 digits, resized to 28×28 as MNIST is laid out.

The loader prints one line on stdout naming the source (never on stderr:
nbgrader gives 0 to a test cell that writes there).  Under autograding the
loaders return a fixed, seeded subset so that a notebook grades in seconds.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

GRADING_TRAIN_SIZE = 2000
GRADING_TEST_SIZE = 500
DIGITS_TEST_SIZE = 300
DEBIAN_FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")

# Names of the four IDX files, in the order of ``(x_train, y_train, x_test, y_test)``.
IDX_NAMES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")

SOURCE_COURSE = "el directorio del curso"
SOURCE_KERAS_CACHE = "la caché de Keras"
SOURCE_DEBIAN = "el paquete de Debian dataset-fashion-mnist"
SOURCE_DOWNLOAD = "una descarga con Keras"
SOURCE_DIGITS = "los dígitos 8×8 de scikit-learn reescalados a 28×28 —un sustituto pequeño de MNIST—"

# IDX type byte → NumPy type (multi-byte values are big-endian).
_IDX_DTYPES = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


@dataclass(frozen=True)
class DataSource:
    """Where a data set comes from: ``name`` is one of the ``SOURCE_*`` constants.

    ``path`` is a ``.npz`` file, a folder with the four IDX files, or ``None``
    for the scikit-learn digits.
    """

    name: str
    path: Path | None = None

    def describe(self) -> str:
        return self.name if self.path is None else f"{self.name} {self.path}"


_last_source: DataSource | None = None


def last_source() -> DataSource | None:
    """The source that the last call to a loader used (``None`` before the first)."""
    return _last_source


def is_autograding() -> bool:
    """True while nbgrader runs the notebook (it sets ``NBGRADER_EXECUTION``)."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def data_dir() -> Path | None:
    """The course data directory.

    ``NNCOURSE_DATA_DIR`` if set; otherwise the folder ``data`` beside the nearest
    ``course_config.py`` in the working directory or one of its parents; otherwise None.
    """
    configured = os.environ.get("NNCOURSE_DATA_DIR")
    if configured:
        return Path(configured).expanduser()
    cwd = Path.cwd()
    for folder in (cwd, *cwd.parents):
        if (folder / "course_config.py").is_file() and (folder / "data").is_dir():
            return folder / "data"
    return None


def keras_cache_dir() -> Path:
    """Where Keras keeps downloaded data sets: ``$KERAS_HOME/datasets`` or ``~/.keras/datasets``."""
    keras_home = os.environ.get("KERAS_HOME")
    base = Path(keras_home).expanduser() if keras_home else Path.home() / ".keras"
    return base / "datasets"


def read_idx(path) -> np.ndarray:
    """The array stored in an IDX file, gzip-compressed or not."""
    path = Path(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"{path} no es un fichero IDX: número mágico {raw[:4].hex()} no válido")
    dtype, ndim = np.dtype(_IDX_DTYPES[raw[2]]), raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path} está truncado: la cabecera IDX está incompleta")
    shape = tuple(int(size) for size in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    if len(raw) != header + int(np.prod(shape)) * dtype.itemsize:
        raise ValueError(f"{path} no tiene el tamaño que anuncia su cabecera IDX {shape}")
    return np.frombuffer(raw, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def find_mnist_source() -> DataSource | None:
    """The local source ``load_mnist`` would read, without reading it.

    None when there is none: the loader then tries a download and the scikit-learn digits.
    """
    return _first_existing(_mnist_candidates())


def find_fashion_mnist_source() -> DataSource | None:
    """The local source ``load_fashion_mnist`` would read, without reading it (None if none)."""
    return _first_existing(_fashion_mnist_candidates())


def load_mnist(verbose: bool = True):
    """MNIST digits as ``((x_train, y_train), (x_test, y_test))``: uint8, images (n, 28, 28)."""
    source, data = _local_or_download(_mnist_candidates(), "mnist")
    if source is None:
        source, data = DataSource(SOURCE_DIGITS), digits_as_mnist()
    return _finish("MNIST", source, data, verbose)


def load_fashion_mnist(verbose: bool = True):
    """Fashion-MNIST as ``((x_train, y_train), (x_test, y_test))``: uint8, images (n, 28, 28)."""
    candidates = _fashion_mnist_candidates()
    source, data = _local_or_download(candidates, "fashion_mnist")
    if source is None:
        raise FileNotFoundError(_fashion_mnist_not_found(candidates))
    return _finish("Fashion-MNIST", source, data, verbose)


def download_with_keras(keras_name: str):
    """Download a data set through ``keras.datasets.<keras_name>.load_data()``."""
    import keras

    return getattr(keras.datasets, keras_name).load_data()


def digits_as_mnist(seed: int = 0):
    """scikit-learn's 1,797 digits laid out like MNIST, split 1,497 / 300 with a fixed seed.

    Each 8×8 digit (values 0..16) is scaled to 20×20 and centred in 28×28 with a
    4-pixel margin, with values 0..255.
    """
    from scipy.ndimage import zoom
    from sklearn.datasets import load_digits

    digits = load_digits()
    scaled = zoom(digits.images, (1, 2.5, 2.5), order=1)
    images = np.zeros((len(scaled), 28, 28), dtype=np.uint8)
    images[:, 4:24, 4:24] = np.rint(scaled * (255 / 16)).astype(np.uint8)
    labels = digits.target.astype(np.uint8)
    order = np.random.default_rng(seed).permutation(len(labels))
    train, test = order[DIGITS_TEST_SIZE:], order[:DIGITS_TEST_SIZE]
    return (images[train], labels[train]), (images[test], labels[test])


def grading_subset(x, y, n: int, seed: int = 0):
    """A fixed subset of ``n`` examples, as balanced across classes as the data allow.

    The examples are drawn at random (seeded) and taken in turn from each class;
    they keep their original order.  The same arguments give the same subset.
    """
    y = np.asarray(y)
    shuffled = np.random.default_rng(seed).permutation(len(y))
    labels = y[shuffled]
    rank_in_class = np.empty(len(labels), dtype=np.int64)
    for label in np.unique(labels):
        members = labels == label
        rank_in_class[members] = np.arange(members.sum())
    chosen = np.sort(shuffled[np.argsort(rank_in_class, kind="stable")[:n]])
    return x[chosen], y[chosen]


def _mnist_candidates() -> list[DataSource]:
    candidates = []
    root = data_dir()
    if root is not None:
        for folder in (root, root / "mnist"):
            candidates += [DataSource(SOURCE_COURSE, folder / "mnist.npz"), DataSource(SOURCE_COURSE, folder)]
    return candidates + [DataSource(SOURCE_KERAS_CACHE, keras_cache_dir() / "mnist.npz")]


def _fashion_mnist_candidates() -> list[DataSource]:
    candidates = []
    root = data_dir()
    if root is not None:
        candidates += [
            DataSource(SOURCE_COURSE, root / "fashion-mnist.npz"),
            DataSource(SOURCE_COURSE, root / "fashion-mnist"),
        ]
    return candidates + [
        DataSource(SOURCE_KERAS_CACHE, keras_cache_dir() / "fashion-mnist"),
        DataSource(SOURCE_DEBIAN, DEBIAN_FASHION_MNIST_DIR),
    ]


def _first_existing(candidates: list[DataSource]) -> DataSource | None:
    return next((source for source in candidates if _has_data(source.path)), None)


def _has_data(path: Path) -> bool:
    """True for an existing ``.npz`` file or a folder with the four IDX files."""
    return path.is_file() if path.suffix == ".npz" else _idx_files(path) is not None


def _idx_files(folder: Path) -> list[Path] | None:
    """The four IDX files in ``folder`` (each plain or ``.gz``), or None if one is missing."""
    files = []
    for name in IDX_NAMES:
        found = [path for path in (folder / name, folder / f"{name}.gz") if path.is_file()]
        if not found:
            return None
        files.append(found[0])
    return files


def _read_source(path: Path):
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as arrays:
            missing = [key for key in NPZ_KEYS if key not in arrays]
            if missing:
                raise ValueError(f"{path} no contiene {', '.join(missing)}")
            x_train, y_train, x_test, y_test = (arrays[key] for key in NPZ_KEYS)
    else:
        x_train, y_train, x_test, y_test = (read_idx(file) for file in _idx_files(path))
    _check_arrays(path, x_train, y_train)
    _check_arrays(path, x_test, y_test)
    return (x_train, y_train), (x_test, y_test)


def _check_arrays(path: Path, x: np.ndarray, y: np.ndarray) -> None:
    if x.dtype != np.uint8 or y.dtype != np.uint8 or x.shape[1:] != (28, 28) or y.shape != x.shape[:1]:
        raise ValueError(
            f"{path}: se esperaban imágenes uint8 de forma (n, 28, 28) y n etiquetas uint8, "
            f"se encontraron {x.dtype} {x.shape} y {y.dtype} {y.shape}"
        )


def _offline() -> bool:
    return os.environ.get("NNCOURSE_OFFLINE", "") not in ("", "0")


def _local_or_download(candidates: list[DataSource], keras_name: str):
    """``(source, data)`` from the first local source or a download, or ``(None, None)``."""
    source = _first_existing(candidates)
    if source is not None:
        return source, _read_source(source.path)
    if _offline():
        return None, None
    try:
        data = download_with_keras(keras_name)
    except Exception:  # offline, or the server failed: the caller tries what is left
        return None, None
    return DataSource(SOURCE_DOWNLOAD, keras_cache_dir()), data


def _finish(title: str, source: DataSource, data, verbose: bool):
    """Remember and announce the source; under autograding keep the fixed subset."""
    global _last_source
    _last_source = source
    (x_train, y_train), (x_test, y_test) = data
    message = (
        f"Datos: {title} desde {source.describe()} "
        f"({len(x_train)} de entrenamiento, {len(x_test)} de prueba)"
    )
    if is_autograding():
        x_train, y_train = grading_subset(x_train, y_train, GRADING_TRAIN_SIZE)
        x_test, y_test = grading_subset(x_test, y_test, GRADING_TEST_SIZE)
        message += f"; corrección automática: se usa un subconjunto fijo de {len(x_train)}/{len(x_test)}"
    if verbose:
        print(message)
    return (x_train, y_train), (x_test, y_test)


def _fashion_mnist_not_found(candidates: list[DataSource]) -> str:
    lines = ["No se encontró Fashion-MNIST. Se buscó en:"]
    if data_dir() is None:
        lines.append(
            "  - el directorio de datos del curso: no hay ninguno (defina NNCOURSE_DATA_DIR "
            "o cree una carpeta data/ junto a course_config.py)"
        )
    lines += [f"  - {source.describe()}" for source in candidates]
    download = "desactivada con NNCOURSE_OFFLINE=1" if _offline() else "falló (¿sin conexión a internet?)"
    files = ", ".join(f"{name}.gz" for name in IDX_NAMES)
    lines += [
        f"  - {SOURCE_DOWNLOAD}: {download}",
        f"Soluciones: copie los cuatro ficheros IDX ({files}) en la carpeta fashion-mnist/ "
        "del directorio de datos del curso; o instale el paquete de Debian con "
        "«sudo apt-get install dataset-fashion-mnist»; "
        "o conéctese a internet y vuelva a ejecutar la celda.",
    ]
    return "\n".join(lines)
