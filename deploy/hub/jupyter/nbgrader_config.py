"""nbgrader settings shared by every server on the hub (students, instructors, the formgrader).

This folder is on JUPYTER_CONFIG_PATH: the single-machine hub sets it, and the
Kubernetes user image copies the folder to /etc/jupyter/nncourse and sets it.
The course root's own nbgrader_config.py, read after it by the formgrader, adds
the course.
"""

import os

c = get_config()  # noqa: F821 (provided by traitlets' config loader)

c.Exchange.root = os.environ.get("NNCOURSE_EXCHANGE_DIR", "/srv/nbgrader/exchange")
# One exchange for several courses: each course gets its own folder in it, and
# students' copies go to ~/<course>/<assignment>.
c.Exchange.path_includes_course = True
# Course membership comes from the hub's nbgrader-<course> / formgrade-<course> groups.
c.Authenticator.plugin_class = "nbgrader.auth.JupyterHubAuthPlugin"
