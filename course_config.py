"""The one configuration of the course «Redes neuronales con Keras».

It is both an nbgrader configuration file (``nbgrader_config.py`` loads it, so
every ``nbgrader`` command run in the course root uses it) and a plain Python
module that the course's CLI imports for the same settings.
"""

import os
from pathlib import Path

COURSE_ROOT = Path(__file__).resolve().parent
COURSE_ID = "redes-neuronales-keras"

# Assignment folders under source/, in teaching order.
ASSIGNMENTS = [
    "01_mcculloch_pitts",
]

# Seconds a cell may run under nbgrader. TensorFlow's import alone takes 4–8 s
# on two cores; the notebooks train on a small subset while being graded.
CELL_TIMEOUT = 180

# Gradebook: an SQLite file in the course root unless NNCOURSE_DB_URL says otherwise
# (for example postgresql+psycopg://user:password@host/gradebook).
DB_URL = os.environ.get("NNCOURSE_DB_URL", f"sqlite:///{COURSE_ROOT / 'gradebook.db'}")

# nbgrader's exchange, shared by instructors and students on a JupyterHub.
EXCHANGE_DIR = os.environ.get("NNCOURSE_EXCHANGE_DIR", "/srv/nbgrader/exchange")

# Data sets: the loader (nncourse.data) reads NNCOURSE_DATA_DIR; on a hub it is a
# shared read-only volume.
DATA_DIR = Path(os.environ.get("NNCOURSE_DATA_DIR", COURSE_ROOT / "data"))

# What students see in place of the reference solutions.
CODE_STUB = "# TU CÓDIGO AQUÍ\nraise NotImplementedError()"
TEXT_STUB = "ESCRIBE TU RESPUESTA AQUÍ"

# TensorFlow writes notices on stderr, and nbgrader gives 0 to a test cell with
# any stderr. Three layers keep a correct answer from losing points to them:
# the kernels start with TF_CPP_MIN_LOG_LEVEL=3, the %%tests magic runs the tests
# under pytest's fd-level capture, and DropTensorFlowLogs removes the log lines
# that still reach a cell's stderr (a real error still fails the cell).
KERNEL_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "NNCOURSE_DATA_DIR": str(DATA_DIR),
    "PYTHONWARNINGS": "ignore",
    "MPLBACKEND": "agg",
}


def configure(c) -> None:
    """Apply the course settings to an nbgrader configuration object."""
    from nncourse.nbgrader_ext import DropTensorFlowLogs

    os.environ.update(KERNEL_ENV)  # grading kernels inherit nbgrader's environment
    c.CourseDirectory.root = str(COURSE_ROOT)
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.db_url = DB_URL
    c.Exchange.root = EXCHANGE_DIR
    c.ClearSolutions.code_stub = {"python": CODE_STUB}
    c.ClearSolutions.text_stub = TEXT_STUB
    c.Execute.timeout = CELL_TIMEOUT
    c.Autograde.autograde_preprocessors = _with_log_filter(DropTensorFlowLogs)


def _with_log_filter(log_filter) -> list:
    """nbgrader's autograde steps, with the log filter right after execution."""
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute

    steps = list(Autograde.class_traits()["autograde_preprocessors"].default())
    steps.insert(steps.index(Execute) + 1, log_filter)
    return steps


if "get_config" in globals():  # loaded by nbgrader as a configuration file
    configure(get_config())  # noqa: F821 (provided by traitlets' config loader)
