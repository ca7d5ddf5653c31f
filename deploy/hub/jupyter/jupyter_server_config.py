"""Jupyter Server settings for every server on the course's hub.

Grading happens where the course folder and its gradebook are: the formgrader
service on one machine, the instructors' servers on Kubernetes.  Those set
NNCOURSE_FORMGRADER=1; everyone else's server has no formgrader.
"""

import os

c = get_config()  # noqa: F821 (provided by traitlets' config loader)

if os.environ.get("NNCOURSE_FORMGRADER") != "1":
    c.ServerApp.jpserver_extensions = {"nbgrader.server_extensions.formgrader": False}
