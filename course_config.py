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
    "02_perceptron",
    "03_mlp_xor",
    "04_mnist_dense",
    "05_parameters",
    "06_cnn",
]

# Seconds a cell may run under nbgrader. TensorFlow's import alone takes 4–8 s
# on two cores; the notebooks train on a small subset while being graded.
CELL_TIMEOUT = int(os.environ.get("NNCOURSE_CELL_TIMEOUT", "180"))

# Where student code runs while graded (nncourse/sandbox.py): "auto" uses the
# bubblewrap sandbox wherever it works, "required" refuses to grade without it,
# "off" runs student code with the grader's rights (only for a trusted machine).
SANDBOX = os.environ.get("NNCOURSE_SANDBOX", "auto")
# Address space per student process: a memory bomb fails that student's cell.
# TensorFlow's import alone maps about 2 GB.
MEMORY_LIMIT = 4 * 1024**3

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
    from nncourse.nbgrader_ext import autograde_steps, feedback_steps, sanitize_steps

    os.environ.update(KERNEL_ENV)  # grading kernels inherit nbgrader's environment
    c.CourseDirectory.root = str(COURSE_ROOT)
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.db_url = DB_URL
    c.Exchange.root = EXCHANGE_DIR
    c.ClearSolutions.code_stub = {"python": CODE_STUB}
    c.ClearSolutions.text_stub = TEXT_STUB
    c.Execute.timeout = CELL_TIMEOUT
    # Cell metadata is reset from the gradebook; the kernel runs sandboxed without the
    # hidden tests; a fresh sandboxed process decides each test cell's score
    # (nncourse/regrade.py); feedback hides the hidden tests.
    c.Autograde.sanitize_preprocessors = sanitize_steps()
    c.Autograde.autograde_preprocessors = autograde_steps()
    c.GenerateFeedback.preprocessors = feedback_steps()
    for step in ("ExecuteInSandbox", "RegradeInSandbox"):
        c[step].sandbox = SANDBOX
    c.RegradeInSandbox.cell_timeout = CELL_TIMEOUT
    c.RegradeInSandbox.memory_limit = MEMORY_LIMIT
    c.SandboxKernelManager.memory_limit = MEMORY_LIMIT


if "get_config" in globals():  # loaded by nbgrader as a configuration file
    configure(get_config())  # noqa: F821 (provided by traitlets' config loader)
