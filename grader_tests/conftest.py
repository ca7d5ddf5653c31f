"""Keep every test out of the real home, offline, and away from the course's own gradebook."""

import os
import tempfile
from pathlib import Path

import pytest

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


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items):
    """For `pytest -n N --dist loadgroup`: each assignment's graded class stays on one worker
    (it is graded once and read by many tests), and so does each other module (shared servers)."""
    for item in items:
        module = item.module.__name__
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "graded" in callspec.params and module == "test_assignments":
            item.add_marker(pytest.mark.xdist_group(f"class-{callspec.params['graded']}"))
        elif module != "test_assignments":
            item.add_marker(pytest.mark.xdist_group(module))
