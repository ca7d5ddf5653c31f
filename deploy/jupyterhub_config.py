"""JupyterHub on one machine for the course «Redes neuronales con Keras».

Local Unix accounts log in with their password (PAM) and each gets a JupyterLab
server running as that account (LocalProcessSpawner), from the course's virtual
environment, so the exchange's file permissions are the operating system's.
The formgrader runs as a hub service under a dedicated grader account that owns
the course folder; instructors reach it through the hub.  Groups and roles
follow nbgrader's JupyterHub documentation: ``nbgrader-<course>`` gives access
to the course's assignments, ``formgrade-<course>`` to its formgrader.

Everything site-specific comes from environment variables (see deploy/README.md):

    NNCOURSE_COURSE_ROOT     the grader account's clone of this repository
                             (default /home/grader-<course>/<course>)
    NNCOURSE_VENV            virtual environment the servers and kernels run
                             (default: the one running the hub)
    NNCOURSE_INSTRUCTORS     comma-separated Unix accounts of the instructors
    NNCOURSE_STUDENTS        comma-separated Unix accounts of the students
                             (more can be added later from the formgrader)
    NNCOURSE_GRADER          the grader account (default grader-<course>)
    NNCOURSE_EXCHANGE_DIR    nbgrader's exchange (default /srv/nbgrader/exchange)
    NNCOURSE_DATA_DIR        read-only data sets (default /srv/nncourse/data)
    NNCOURSE_HUB_BIND_URL    public address (default http://:8000)
    NNCOURSE_SERVICE_PORT    local port of the formgrader service (default 9999)

Start it as root from the hub's folder (it writes jupyterhub.sqlite and the
cookie secret there):  ``jupyterhub -f /path/to/deploy/jupyterhub_config.py``.
"""

import importlib.util
import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (provided by JupyterHub's config loader)

DEPLOY_DIR = Path(__file__).resolve().parent


def _course_config():
    """The course's own settings module (course id, kernel environment)."""
    path = DEPLOY_DIR.parent / "course_config.py"
    spec = importlib.util.spec_from_file_location("nncourse_course_config", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _accounts(variable: str) -> list[str]:
    return [name.strip() for name in os.environ.get(variable, "").split(",") if name.strip()]


COURSE = _course_config()
COURSE_ID = COURSE.COURSE_ID
COURSE_ROOT = os.environ.get("NNCOURSE_COURSE_ROOT", f"/home/grader-{COURSE_ID}/{COURSE_ID}")
VENV_BIN = Path(os.environ.get("NNCOURSE_VENV", sys.prefix)) / "bin"
INSTRUCTORS = _accounts("NNCOURSE_INSTRUCTORS")
STUDENTS = _accounts("NNCOURSE_STUDENTS")
GRADER = os.environ.get("NNCOURSE_GRADER", f"grader-{COURSE_ID}")
EXCHANGE_DIR = os.environ.get("NNCOURSE_EXCHANGE_DIR", "/srv/nbgrader/exchange")
DATA_DIR = os.environ.get("NNCOURSE_DATA_DIR", "/srv/nncourse/data")
SERVICE_PORT = int(os.environ.get("NNCOURSE_SERVICE_PORT", "9999"))

# What every server of the course runs with: the course environment first on
# PATH (nbgrader calls alembic through it), the nbgrader settings for hub users,
# and the course's kernel variables (quiet TensorFlow, where the data sets are).
COURSE_ENV = {
    **COURSE.KERNEL_ENV,
    "NNCOURSE_DATA_DIR": DATA_DIR,
    "NNCOURSE_EXCHANGE_DIR": EXCHANGE_DIR,
    "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
    "JUPYTERHUB_DEFAULT_URL": "/lab",
    # The nbgrader settings for hub users (exchange, course membership from the
    # hub's groups) and the formgrader switch.
    "JUPYTER_CONFIG_PATH": str(DEPLOY_DIR / "hub" / "jupyter"),
}

c.JupyterHub.bind_url = os.environ.get("NNCOURSE_HUB_BIND_URL", "http://:8000")
c.JupyterHub.authenticator_class = "pam"
# The grader account is a hub user too: the formgrader runs with its name, and
# nbgrader asks the hub which courses that name grades (formgrade-<course>).
c.Authenticator.allowed_users = set(INSTRUCTORS + STUDENTS + [GRADER])
# Students that an instructor adds from the formgrader join the hub's user
# list through the hub API; let them log in without editing this file.
c.Authenticator.allow_existing_users = True

c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(VENV_BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.environment = COURSE_ENV
# A cold JupyterLab plus the nbgrader extensions can take a while on a busy machine.
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120

c.JupyterHub.load_groups = {
    "instructors": INSTRUCTORS,
    f"formgrade-{COURSE_ID}": INSTRUCTORS + [GRADER],
    f"nbgrader-{COURSE_ID}": INSTRUCTORS + STUDENTS,
}

c.JupyterHub.load_roles = [
    {
        "name": "instructor",
        "groups": ["instructors"],
        # The admin page: see and restart the students' servers.
        "scopes": ["admin-ui", "list:users", "admin:servers"],
    },
    {
        # The users' servers ask the hub which nbgrader-/formgrade- groups
        # their owner belongs to (nbgrader's JupyterHubAuthPlugin).
        "name": "server",
        "scopes": ["inherit"],
    },
    {
        "name": f"formgrade-{COURSE_ID}",
        "groups": [f"formgrade-{COURSE_ID}"],
        "scopes": [f"access:services!service={COURSE_ID}"],
    },
    {
        "name": f"nbgrader-{COURSE_ID}",
        "groups": [f"nbgrader-{COURSE_ID}"],
        # The course list finds the course's formgrader among the services.
        "scopes": ["list:services", f"read:services!service={COURSE_ID}"],
    },
    {
        # The formgrader checks who belongs to the course when it collects,
        # and adds the students an instructor registers to the course group.
        "name": f"{COURSE_ID}-service",
        "services": [COURSE_ID],
        "scopes": [
            "list:users",
            "read:users",
            "list:groups",
            "read:groups",
            f"groups!group=nbgrader-{COURSE_ID}",
        ],
    },
]

c.JupyterHub.services = [
    {
        "name": COURSE_ID,
        "url": f"http://127.0.0.1:{SERVICE_PORT}",
        "command": [str(VENV_BIN / "jupyterhub-singleuser")],
        "user": GRADER,
        "cwd": COURSE_ROOT,
        "oauth_no_confirm": True,
        "environment": {
            **COURSE_ENV,
            # The course root's nbgrader_config.py, read after the shared
            # settings, adds the course itself.
            "NNCOURSE_FORMGRADER": "1",
        },
    },
]
