"""Keep every test out of the real home, offline, and away from the course's own gradebook."""

import os
import tempfile
from pathlib import Path

_SANDBOX = Path(tempfile.mkdtemp(prefix="nncourse-tests-"))
for variable, folder in {
    "IPYTHONDIR": "ipython",
    "JUPYTER_CONFIG_DIR": "jupyter-config",
    "JUPYTER_RUNTIME_DIR": "jupyter-runtime",
    "MPLCONFIGDIR": "matplotlib",
    "KERAS_HOME": "keras",
    "NNCOURSE_DATA_DIR": "data",
}.items():
    os.environ[variable] = str(_SANDBOX / folder)
    (_SANDBOX / folder).mkdir()
os.environ["NNCOURSE_OFFLINE"] = "1"
os.environ["MPLBACKEND"] = "agg"
for variable in ("NNCOURSE_DB_URL", "NNCOURSE_EXCHANGE_DIR", "NBGRADER_EXECUTION"):
    os.environ.pop(variable, None)
