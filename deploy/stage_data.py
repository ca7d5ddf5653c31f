"""Stage the course's data sets in a data directory, once, where there is a connection.

    python deploy/stage_data.py /srv/nncourse/data

Writes ``mnist.npz`` and ``fashion-mnist.npz`` (the arrays of Keras's
``load_data()``, under the keys the course loader reads) into the folder, which
then serves every user read-only through NNCOURSE_DATA_DIR: the Docker image
runs this at build time, and a single-machine hub runs it once.  Keras downloads
into a throw-away KERAS_HOME, so no user's ~/.keras is touched.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from nncourse import data

# File name in the data directory → name in keras.datasets.
DATA_SETS = {"mnist.npz": "mnist", "fashion-mnist.npz": "fashion_mnist"}


def stage(target: Path, download=data.download_with_keras) -> list[Path]:
    """Download each data set and save it in ``target``; returns the files written."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for file_name, keras_name in DATA_SETS.items():
        (x_train, y_train), (x_test, y_test) = download(keras_name)
        path = target / file_name
        np.savez_compressed(path, **dict(zip(data.NPZ_KEYS, (x_train, y_train, x_test, y_test))))
        path.chmod(0o644)  # read by every user's kernel
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", type=Path, help="directorio de datos del curso (NNCOURSE_DATA_DIR)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as keras_home:
        os.environ["KERAS_HOME"] = keras_home
        for path in stage(args.target):
            print(f"{path} ({path.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
