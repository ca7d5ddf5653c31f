"""Tests for nncourse.data: every source, their order, autograding subsets and messages.

Every test runs in an empty temporary working directory, with ``KERAS_HOME`` and the
Debian folder pointing into ``tmp_path`` and downloads switched off, so no test reads
the real home, the repository's data or the internet.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest

from nncourse import data

REAL_T10K = Path(__file__).resolve().parents[2] / "shared/data/mnist-t10k"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("NNCOURSE_OFFLINE", "1")
    monkeypatch.delenv("NNCOURSE_DATA_DIR", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setattr(data, "DEBIAN_FASHION_MNIST_DIR", tmp_path / "debian" / "fashion-mnist")
    monkeypatch.setattr(data, "_last_source", None)


def make_data(n_train: int, n_test: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    return (
        (rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8), (np.arange(n_train) % 10).astype(np.uint8)),
        (rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8), (np.arange(n_test) % 10).astype(np.uint8)),
    )


def write_npz(path: Path, dataset) -> Path:
    (x_train, y_train), (x_test, y_test) = dataset
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return path


def write_idx(path: Path, array: np.ndarray, compress: bool) -> Path:
    """An IDX file written from the format's definition (unsigned bytes only)."""
    raw = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(raw) if compress else raw)
    return path


def write_idx_set(folder: Path, dataset, compress: bool = True) -> Path:
    (x_train, y_train), (x_test, y_test) = dataset
    suffix = ".gz" if compress else ""
    for name, array in zip(data.IDX_NAMES, (x_train, y_train, x_test, y_test)):
        write_idx(folder / f"{name}{suffix}", array, compress)
    return folder


def course_dir(tmp_path: Path, monkeypatch) -> Path:
    folder = tmp_path / "course-data"
    folder.mkdir(exist_ok=True)
    monkeypatch.setenv("NNCOURSE_DATA_DIR", str(folder))
    return folder


def assert_same(loaded, expected) -> None:
    for got, want in zip(loaded, expected):
        np.testing.assert_array_equal(got[0], want[0])
        np.testing.assert_array_equal(got[1], want[1])
        assert got[0].dtype == got[1].dtype == np.uint8


def fake_download(result, calls: list):
    def download(keras_name):
        calls.append(keras_name)
        if isinstance(result, Exception):
            raise result
        return result

    return download


# --- IDX files -----------------------------------------------------------------------


@pytest.mark.parametrize("compress", [True, False], ids=["gz", "raw"])
def test_read_idx_reads_images_and_labels(tmp_path, compress):
    (x_train, y_train), _ = make_data(5, 1)
    images = data.read_idx(write_idx(tmp_path / "images", x_train, compress))
    labels = data.read_idx(write_idx(tmp_path / "labels", y_train, compress))
    np.testing.assert_array_equal(images, x_train)
    np.testing.assert_array_equal(labels, y_train)
    assert images.shape == (5, 28, 28) and images.dtype == np.uint8 and images.flags.writeable


def test_read_idx_reads_big_endian_types(tmp_path):
    values = np.array([[1, -2], [300, 70000]], dtype=">i4")
    path = tmp_path / "ints"
    path.write_bytes(bytes([0, 0, 0x0C, 2]) + struct.pack(">2I", 2, 2) + values.tobytes())
    np.testing.assert_array_equal(data.read_idx(path), [[1, -2], [300, 70000]])


def test_read_idx_rejects_a_wrong_magic_number(tmp_path):
    path = tmp_path / "not-idx"
    path.write_bytes(b"PK\x03\x04 a zip file")
    with pytest.raises(ValueError, match="número mágico"):
        data.read_idx(path)


def test_read_idx_rejects_a_truncated_file(tmp_path):
    path = write_idx(tmp_path / "images", make_data(3, 1)[0][0], compress=False)
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ValueError, match="tamaño"):
        data.read_idx(path)


# --- Where the data live ------------------------------------------------------------------


def test_data_dir_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("NNCOURSE_DATA_DIR", str(tmp_path / "shared"))
    assert data.data_dir() == tmp_path / "shared"


def test_data_dir_beside_the_nearest_course_config(tmp_path, monkeypatch):
    (tmp_path / "course_config.py").write_text("")
    (tmp_path / "data").mkdir()
    nested = tmp_path / "source" / "01_x"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)
    assert data.data_dir() == tmp_path / "data"


def test_no_data_dir_without_course_config():
    assert data.data_dir() is None


def test_keras_cache_dir(tmp_path, monkeypatch):
    assert data.keras_cache_dir() == tmp_path / "keras" / "datasets"
    monkeypatch.delenv("KERAS_HOME")
    assert data.keras_cache_dir() == tmp_path / "home" / ".keras" / "datasets"


# --- Each source ----------------------------------------------------------------------------


def test_mnist_from_a_keras_npz_in_the_course_dir(tmp_path, monkeypatch):
    expected = make_data(12, 4)
    path = write_npz(course_dir(tmp_path, monkeypatch) / "mnist.npz", expected)
    assert data.find_mnist_source() == data.DataSource(data.SOURCE_COURSE, path)
    assert_same(data.load_mnist(verbose=False), expected)
    assert data.last_source() == data.DataSource(data.SOURCE_COURSE, path)


@pytest.mark.parametrize("subfolder", ["", "mnist"])
@pytest.mark.parametrize("compress", [True, False], ids=["gz", "raw"])
def test_mnist_from_idx_files_in_the_course_dir(tmp_path, monkeypatch, subfolder, compress):
    expected = make_data(12, 4)
    folder = write_idx_set(course_dir(tmp_path, monkeypatch) / subfolder, expected, compress)
    assert data.find_mnist_source() == data.DataSource(data.SOURCE_COURSE, folder)
    assert_same(data.load_mnist(verbose=False), expected)


def test_an_incomplete_idx_set_is_not_a_source(tmp_path, monkeypatch):
    folder = write_idx_set(course_dir(tmp_path, monkeypatch), make_data(12, 4))
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    assert data.find_mnist_source() is None


def test_mnist_from_the_keras_cache(tmp_path):
    expected = make_data(12, 4)
    path = write_npz(tmp_path / "keras" / "datasets" / "mnist.npz", expected)
    assert data.find_mnist_source() == data.DataSource(data.SOURCE_KERAS_CACHE, path)
    assert_same(data.load_mnist(verbose=False), expected)


def test_the_keras_cache_is_only_read(tmp_path):
    cache = tmp_path / "keras" / "datasets"
    write_npz(cache / "mnist.npz", make_data(12, 4))
    before = {path: path.stat().st_mtime_ns for path in cache.rglob("*")}
    data.load_mnist(verbose=False)
    assert {path: path.stat().st_mtime_ns for path in cache.rglob("*")} == before


def test_fashion_mnist_from_idx_files_in_the_course_dir(tmp_path, monkeypatch):
    expected = make_data(12, 4)
    folder = write_idx_set(course_dir(tmp_path, monkeypatch) / "fashion-mnist", expected)
    assert data.find_fashion_mnist_source() == data.DataSource(data.SOURCE_COURSE, folder)
    assert_same(data.load_fashion_mnist(verbose=False), expected)


def test_fashion_mnist_from_an_npz_in_the_course_dir(tmp_path, monkeypatch):
    expected = make_data(12, 4)
    path = write_npz(course_dir(tmp_path, monkeypatch) / "fashion-mnist.npz", expected)
    assert data.find_fashion_mnist_source() == data.DataSource(data.SOURCE_COURSE, path)
    assert_same(data.load_fashion_mnist(verbose=False), expected)


def test_fashion_mnist_from_the_keras_cache(tmp_path):
    expected = make_data(12, 4)
    folder = write_idx_set(tmp_path / "keras" / "datasets" / "fashion-mnist", expected)
    assert data.find_fashion_mnist_source() == data.DataSource(data.SOURCE_KERAS_CACHE, folder)
    assert_same(data.load_fashion_mnist(verbose=False), expected)


def test_fashion_mnist_from_the_debian_package_layout(tmp_path):
    expected = make_data(12, 4)
    folder = write_idx_set(data.DEBIAN_FASHION_MNIST_DIR, expected, compress=True)
    assert data.find_fashion_mnist_source() == data.DataSource(data.SOURCE_DEBIAN, folder)
    assert_same(data.load_fashion_mnist(verbose=False), expected)


def test_download_through_keras_when_nothing_is_local(monkeypatch):
    expected, calls = make_data(12, 4), []
    monkeypatch.delenv("NNCOURSE_OFFLINE")
    monkeypatch.setattr(data, "download_with_keras", fake_download(expected, calls))
    assert data.find_mnist_source() is None
    assert_same(data.load_mnist(verbose=False), expected)
    assert_same(data.load_fashion_mnist(verbose=False), expected)
    assert calls == ["mnist", "fashion_mnist"]
    assert data.last_source().name == data.SOURCE_DOWNLOAD


def test_a_failed_download_falls_back_to_the_digits(monkeypatch):
    calls = []
    monkeypatch.delenv("NNCOURSE_OFFLINE")
    monkeypatch.setattr(data, "download_with_keras", fake_download(OSError("sin red"), calls))
    (x_train, _), (x_test, _) = data.load_mnist(verbose=False)
    assert calls == ["mnist"]
    assert data.last_source() == data.DataSource(data.SOURCE_DIGITS)
    assert (len(x_train), len(x_test)) == (1497, 300)


def test_offline_means_no_download_attempt(monkeypatch):
    calls = []
    monkeypatch.setattr(data, "download_with_keras", fake_download(make_data(12, 4), calls))
    data.load_mnist(verbose=False)
    assert calls == []
    assert data.last_source().name == data.SOURCE_DIGITS


def test_the_digits_fallback_looks_like_mnist():
    (x_train, y_train), (x_test, y_test) = data.load_mnist(verbose=False)
    assert x_train.shape == (1497, 28, 28) and x_test.shape == (300, 28, 28)
    assert x_train.dtype == y_train.dtype == np.uint8
    assert set(np.unique(y_train)) == set(range(10)) and set(np.unique(y_test)) <= set(range(10))
    assert x_train.max() == 255
    margin = np.ones((28, 28), dtype=bool)
    margin[4:24, 4:24] = False
    assert not x_train[:, margin].any()
    assert_same(data.load_mnist(verbose=False), ((x_train, y_train), (x_test, y_test)))


# --- Order of the sources ----------------------------------------------------------------------


def test_mnist_sources_in_order_of_precedence(tmp_path, monkeypatch):
    calls = []
    monkeypatch.delenv("NNCOURSE_OFFLINE")
    monkeypatch.setattr(data, "download_with_keras", fake_download(make_data(13, 3), calls))
    course = write_npz(course_dir(tmp_path, monkeypatch) / "mnist.npz", make_data(11, 3))
    cache = write_npz(tmp_path / "keras" / "datasets" / "mnist.npz", make_data(12, 3))

    def train_size():
        return len(data.load_mnist(verbose=False)[0][0])

    assert train_size() == 11
    course.unlink()
    assert train_size() == 12
    cache.unlink()
    assert train_size() == 13
    monkeypatch.setattr(data, "download_with_keras", fake_download(ConnectionError(), calls))
    assert train_size() == 1497
    assert calls == ["mnist", "mnist"]


def test_fashion_mnist_sources_in_order_of_precedence(tmp_path, monkeypatch):
    monkeypatch.delenv("NNCOURSE_OFFLINE")
    monkeypatch.setattr(data, "download_with_keras", fake_download(make_data(14, 3), []))
    course = write_idx_set(course_dir(tmp_path, monkeypatch) / "fashion-mnist", make_data(11, 3))
    cache = write_idx_set(tmp_path / "keras" / "datasets" / "fashion-mnist", make_data(12, 3))
    debian = write_idx_set(data.DEBIAN_FASHION_MNIST_DIR, make_data(13, 3))

    def train_size():
        return len(data.load_fashion_mnist(verbose=False)[0][0])

    for folder, size in [(course, 11), (cache, 12), (debian, 13)]:
        assert train_size() == size
        (folder / "train-images-idx3-ubyte.gz").unlink()
    assert train_size() == 14


# --- Autograding -----------------------------------------------------------------------------


def test_autograding_uses_a_fixed_subset(tmp_path, monkeypatch):
    full = make_data(3000, 800)
    write_npz(course_dir(tmp_path, monkeypatch) / "mnist.npz", full)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert data.is_autograding()
    first = data.load_mnist(verbose=False)
    (x_train, y_train), (x_test, y_test) = first
    assert (len(x_train), len(y_train), len(x_test), len(y_test)) == (
        data.GRADING_TRAIN_SIZE, data.GRADING_TRAIN_SIZE, data.GRADING_TEST_SIZE, data.GRADING_TEST_SIZE)
    assert_same(data.load_mnist(verbose=False), first)
    np.testing.assert_array_equal(np.bincount(y_train), [200] * 10)
    rows = {row.tobytes() for row in full[0][0]}
    assert all(image.tobytes() in rows for image in x_train)


def test_autograding_keeps_a_data_set_smaller_than_the_subset(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    (x_train, _), (x_test, _) = data.load_mnist(verbose=False)
    assert (len(x_train), len(x_test)) == (1497, 300)


def test_grading_subset_is_seeded_and_balanced():
    x = np.arange(1000)
    y = np.repeat(np.arange(10), [400, 300, 100, 50, 50, 40, 30, 20, 6, 4])
    x1, y1 = data.grading_subset(x, y, 100)
    x2, y2 = data.grading_subset(x, y, 100)
    np.testing.assert_array_equal(x1, x2)
    assert np.all(np.diff(x1) > 0) and np.array_equal(y[x1], y1)
    assert np.bincount(y1).min() == 4 and np.bincount(y1).max() <= 12
    assert not np.array_equal(data.grading_subset(x, y, 100, seed=1)[0], x1)
    np.testing.assert_array_equal(data.grading_subset(x, y, 5000)[0], x)


def test_not_autograding_without_the_variable(monkeypatch):
    assert not data.is_autograding()
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert data.is_autograding()


# --- Messages ----------------------------------------------------------------------------------


def test_the_message_names_the_source_on_stdout(tmp_path, monkeypatch, capsys):
    path = write_npz(course_dir(tmp_path, monkeypatch) / "mnist.npz", make_data(12, 4))
    data.load_mnist()
    out, err = capsys.readouterr()
    assert out == f"Datos: MNIST desde el directorio del curso {path} (12 de entrenamiento, 4 de prueba)\n"
    assert err == ""


def test_the_message_under_autograding_mentions_the_subset(monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    data.load_mnist()
    out, err = capsys.readouterr()
    assert out.count("\n") == 1 and err == ""
    assert data.SOURCE_DIGITS in out and "(1497 de entrenamiento, 300 de prueba)" in out
    assert "subconjunto fijo de 1497/300" in out


def test_no_message_when_not_verbose(capsys):
    data.load_mnist(verbose=False)
    assert capsys.readouterr() == ("", "")


def test_fashion_mnist_not_found_says_where_it_looked(tmp_path, monkeypatch):
    root = course_dir(tmp_path, monkeypatch)
    with pytest.raises(FileNotFoundError) as error:
        data.load_fashion_mnist()
    message = str(error.value)
    for place in (root / "fashion-mnist.npz", root / "fashion-mnist",
                  tmp_path / "keras" / "datasets" / "fashion-mnist", data.DEBIAN_FASHION_MNIST_DIR):
        assert str(place) in message
    assert "NNCOURSE_OFFLINE=1" in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert data.find_fashion_mnist_source() is None


def test_the_not_found_message_explains_the_missing_data_dir(monkeypatch):
    monkeypatch.delenv("NNCOURSE_OFFLINE")
    monkeypatch.setattr(data, "download_with_keras", fake_download(TimeoutError(), []))
    with pytest.raises(FileNotFoundError, match="course_config.py") as error:
        data.load_fashion_mnist()
    assert "falló" in str(error.value)


def test_a_malformed_npz_is_reported(tmp_path, monkeypatch):
    path = course_dir(tmp_path, monkeypatch) / "mnist.npz"
    np.savez(path, x_train=np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(ValueError, match="y_train"):
        data.load_mnist(verbose=False)


def test_images_of_the_wrong_shape_are_reported(tmp_path, monkeypatch):
    (x_train, y_train), test = make_data(4, 2)
    write_npz(course_dir(tmp_path, monkeypatch) / "mnist.npz", ((x_train[:, :20], y_train), test))
    with pytest.raises(ValueError, match=r"\(n, 28, 28\)"):
        data.load_mnist(verbose=False)


# --- Real files, where this machine has them ------------------------------------------------


def test_real_mnist_test_digits():
    if not REAL_T10K.is_dir():
        pytest.skip(f"no están los dígitos de prueba de MNIST en {REAL_T10K}")
    images = data.read_idx(REAL_T10K / "t10k-images-idx3-ubyte.gz")
    labels = data.read_idx(REAL_T10K / "t10k-labels-idx1-ubyte.gz")
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_real_debian_fashion_mnist_package(monkeypatch):
    real = Path("/usr/share/datasets/fashion-mnist")
    if not real.is_dir():
        pytest.skip("el paquete de Debian dataset-fashion-mnist no está instalado")
    monkeypatch.setattr(data, "DEBIAN_FASHION_MNIST_DIR", real)
    assert data.find_fashion_mnist_source() == data.DataSource(data.SOURCE_DEBIAN, real)
    labels = data.read_idx(real / "t10k-labels-idx1-ubyte.gz")
    assert labels.shape == (10000,) and np.bincount(labels).tolist() == [1000] * 10
