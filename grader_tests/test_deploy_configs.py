"""The deployment files of deploy/, checked as far as a machine without Kubernetes or Docker allows.

The single-machine hub itself runs for real in test_hub_e2e.py (as root); here
its configuration is loaded as JupyterHub would load it, the Zero to JupyterHub
values are checked against the settings JupyterHub really has and against each
other, the Dockerfile against the repository, the data staging script against
the course loader, and the notebooks' device cell.
"""

from __future__ import annotations

import re
import subprocess
import sys

import nbformat
import numpy as np
import pytest
import yaml
from traitlets.config import Config, PyFileConfigLoader

from notebooks import REPO_ROOT, SOURCE, assignments, notebook_paths

DEPLOY = REPO_ROOT / "deploy"
HUB_JUPYTER = DEPLOY / "hub" / "jupyter"
sys.path.insert(0, str(REPO_ROOT))
import course_config  # noqa: E402  (the course's one configuration)

COURSE = course_config.COURSE_ID


def load_config(path, monkeypatch, **environment) -> Config:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    loader = PyFileConfigLoader(path.name, path=str(path.parent))
    return loader.load_config()


# -- one machine --------------------------------------------------------------


@pytest.fixture
def hub_config(monkeypatch, tmp_path):
    return load_config(
        DEPLOY / "jupyterhub_config.py",
        monkeypatch,
        NNCOURSE_INSTRUCTORS="ana, luis",
        NNCOURSE_STUDENTS="eva",
        NNCOURSE_COURSE_ROOT=str(tmp_path / "course"),
        NNCOURSE_VENV=sys.prefix,
        NNCOURSE_DATA_DIR="/srv/datos",
    )


def test_single_machine_groups_follow_nbgrader(hub_config):
    groups = hub_config.JupyterHub.load_groups
    grader = f"grader-{COURSE}"
    assert groups[f"formgrade-{COURSE}"] == ["ana", "luis", grader]
    assert groups[f"nbgrader-{COURSE}"] == ["ana", "luis", "eva"]
    assert set(hub_config.Authenticator.allowed_users) == {"ana", "luis", "eva", grader}
    roles = {role["name"]: role for role in hub_config.JupyterHub.load_roles}
    assert roles[f"formgrade-{COURSE}"]["scopes"] == [f"access:services!service={COURSE}"]
    assert roles[f"formgrade-{COURSE}"]["groups"] == [f"formgrade-{COURSE}"]


def test_single_machine_formgrader_service_runs_the_course(hub_config, tmp_path):
    (service,) = hub_config.JupyterHub.services
    assert service["name"] == COURSE and service["user"] == f"grader-{COURSE}"
    assert service["cwd"] == str(tmp_path / "course")
    assert service["environment"]["NNCOURSE_FORMGRADER"] == "1"
    for command in (service["command"][0], hub_config.Spawner.cmd[0]):
        assert command == f"{sys.prefix}/bin/jupyterhub-singleuser"


def test_single_machine_kernels_get_the_course_environment(hub_config):
    environment = hub_config.Spawner.environment
    for name, value in course_config.KERNEL_ENV.items():
        assert environment[name] == ("/srv/datos" if name == "NNCOURSE_DATA_DIR" else value)
    assert environment["PATH"].startswith(f"{sys.prefix}/bin:")
    assert (DEPLOY / environment["JUPYTER_CONFIG_PATH"] / "nbgrader_config.py").is_file()


def test_hub_users_nbgrader_settings(monkeypatch):
    config = load_config(HUB_JUPYTER / "nbgrader_config.py", monkeypatch, NNCOURSE_EXCHANGE_DIR="/srv/intercambio")
    assert config.Exchange.root == "/srv/intercambio"
    assert config.Exchange.path_includes_course is True
    module, name = config.Authenticator.plugin_class.rsplit(".", 1)
    assert getattr(__import__(module, fromlist=[name]), name).__name__ == "JupyterHubAuthPlugin"


@pytest.mark.parametrize("switch, enabled", [("1", True), ("", False)])
def test_formgrader_only_where_switched_on(monkeypatch, switch, enabled):
    config = load_config(HUB_JUPYTER / "jupyter_server_config.py", monkeypatch, NNCOURSE_FORMGRADER=switch)
    extensions = config.ServerApp.jpserver_extensions if "jpserver_extensions" in config.ServerApp else {}
    assert extensions.get("nbgrader.server_extensions.formgrader", True) is enabled


# -- Kubernetes (Zero to JupyterHub) ------------------------------------------

VALUES = yaml.safe_load((DEPLOY / "kubernetes" / "values.yaml").read_text())
VOLUMES = {
    claim["metadata"]["name"]: claim
    for claim in yaml.safe_load_all((DEPLOY / "kubernetes" / "volumes.yaml").read_text())
}
# The parts of the chart's values schema these values use (the chart validates
# the rest itself at install time).
CHART_KEYS = {
    "hub": {"config", "loadRoles", "extraConfig", "services", "image", "db"},
    "singleuser": {"image", "defaultUrl", "startTimeout", "cpu", "memory", "extraEnv", "storage", "profileList"},
    "cull": {"enabled", "timeout", "every", "users", "concurrency", "maxAge"},
}
# KubeSpawner settings used by the profiles (KubeSpawner is not installed here).
KUBESPAWNER_OVERRIDES = {
    "cpu_guarantee", "cpu_limit", "mem_guarantee", "mem_limit", "extra_resource_limits", "tolerations", "node_selector",
}


def test_values_use_only_chart_settings():
    assert set(VALUES) <= set(CHART_KEYS)
    for section, keys in CHART_KEYS.items():
        assert set(VALUES[section]) <= keys, section
    assert set(VALUES["singleuser"]["storage"]) <= {"capacity", "extraVolumes", "extraVolumeMounts"}


def test_values_hub_config_names_real_jupyterhub_settings():
    from jupyterhub.app import JupyterHub
    from jupyterhub.auth import Authenticator
    from jupyterhub.spawner import Spawner

    config = VALUES["hub"]["config"]
    assert set(config["JupyterHub"]) <= set(JupyterHub.class_trait_names(config=True))
    assert set(config["Authenticator"]) <= set(Authenticator.class_trait_names(config=True))
    for override in config["KubeSpawner"]["group_overrides"].values():
        assert set(override["spawner_override"]) <= set(Spawner.class_trait_names(config=True))


def test_values_groups_and_instructor_servers():
    config = VALUES["hub"]["config"]
    groups = config["JupyterHub"]["load_groups"]
    assert set(groups[f"formgrade-{COURSE}"]) <= set(groups[f"nbgrader-{COURSE}"])
    (override,) = config["KubeSpawner"]["group_overrides"].values()
    assert override["groups"] == [f"formgrade-{COURSE}"]
    assert override["spawner_override"]["environment"] == {"NNCOURSE_FORMGRADER": "1"}
    assert override["spawner_override"]["notebook_dir"].endswith(f"/{COURSE}")
    assert VALUES["hub"]["loadRoles"]["server"]["scopes"] == ["inherit"]


def test_values_cpu_and_gpu_profiles():
    profiles = {profile["slug"]: profile for profile in VALUES["singleuser"]["profileList"]}
    assert set(profiles) == {"cpu", "gpu"}
    assert [slug for slug, profile in profiles.items() if profile.get("default")] == ["cpu"]
    assert "kubespawner_override" not in profiles["cpu"]  # the chart's CPU and memory limits
    gpu = profiles["gpu"]["kubespawner_override"]
    assert set(gpu) <= KUBESPAWNER_OVERRIDES
    assert int(gpu["extra_resource_limits"]["nvidia.com/gpu"]) >= 1
    assert any(toleration["key"] == "nvidia.com/gpu" for toleration in gpu["tolerations"])


def test_values_shared_volumes_match_the_loader_and_nbgrader():
    singleuser = VALUES["singleuser"]
    volumes = {volume["name"]: volume for volume in singleuser["storage"]["extraVolumes"]}
    mounts = {mount["mountPath"]: mount for mount in singleuser["storage"]["extraVolumeMounts"]}
    assert {mount["name"] for mount in mounts.values()} == set(volumes)
    for claim in (volume["persistentVolumeClaim"]["claimName"] for volume in volumes.values()):
        assert claim in VOLUMES
    environment = singleuser["extraEnv"]
    data = mounts[environment["NNCOURSE_DATA_DIR"]]
    assert data["readOnly"] is True and volumes[data["name"]]["persistentVolumeClaim"]["readOnly"] is True
    exchange = mounts[environment["NNCOURSE_EXCHANGE_DIR"]]
    assert not exchange.get("readOnly")
    claim = VOLUMES[volumes[exchange["name"]]["persistentVolumeClaim"]["claimName"]]
    assert "ReadWriteMany" in claim["spec"]["accessModes"]


def test_values_cull_idle_servers():
    assert VALUES["cull"]["enabled"] is True
    assert 0 < VALUES["cull"]["every"] < VALUES["cull"]["timeout"]


# -- user image ----------------------------------------------------------------

DOCKERFILE = (DEPLOY / "Dockerfile").read_text()
# Instructions, with backslash continuations joined.
INSTRUCTIONS = [line for line in DOCKERFILE.replace("\\\n", " ").splitlines() if line and not line.startswith("#")]


def test_dockerfile_copies_files_that_exist():
    copies = [line.split()[1:-1] for line in INSTRUCTIONS if line.startswith("COPY ")]
    assert copies
    for sources in copies:
        for source in sources:
            assert (REPO_ROOT / source).exists(), source


def test_dockerfile_installs_the_pinned_tensorflow_with_cuda():
    sed = re.search(r"sed -n '([^']+)' /opt/nncourse/requirements.txt", DOCKERFILE).group(1)
    version = subprocess.run(["sed", "-n", sed, "requirements.txt"], cwd=REPO_ROOT, capture_output=True, text=True).stdout
    pinned = re.search(r"^tensorflow-cpu==([\d.]+)", (REPO_ROOT / "requirements.txt").read_text(), re.M).group(1)
    assert version.strip() == pinned
    assert '"tensorflow[and-cuda]==${tf_version}"' in DOCKERFILE


def test_dockerfile_environment_matches_the_course_and_the_values():
    environment = dict(
        pair.split("=", 1) for line in INSTRUCTIONS if line.startswith("ENV ") for pair in line.split()[1:]
    )
    for name, value in course_config.KERNEL_ENV.items():
        expected = VALUES["singleuser"]["extraEnv"][name] if name in VALUES["singleuser"]["extraEnv"] else value
        assert environment[name] == expected, name
    assert environment["NNCOURSE_EXCHANGE_DIR"] == VALUES["singleuser"]["extraEnv"]["NNCOURSE_EXCHANGE_DIR"]
    # The hub users' Jupyter settings are where Jupyter is told to look.
    copied_to = next(line.split()[-1] for line in INSTRUCTIONS if line.startswith("COPY deploy/hub/jupyter/"))
    assert environment["JUPYTER_CONFIG_PATH"] == copied_to.rstrip("/")


# -- data staging --------------------------------------------------------------


def test_stage_data_writes_what_the_loader_reads(tmp_path, monkeypatch):
    sys.path.insert(0, str(DEPLOY))
    try:
        import stage_data
    finally:
        sys.path.remove(str(DEPLOY))
    from nncourse import data

    rng = np.random.default_rng(0)

    def fake_download(keras_name):  # the real one needs the internet
        images = rng.integers(0, 256, (12, 28, 28), dtype=np.uint8)
        labels = np.arange(12, dtype=np.uint8) % 10
        return (images[:8], labels[:8]), (images[8:], labels[8:])

    written = stage_data.stage(tmp_path, download=fake_download)
    assert {path.name for path in written} == set(stage_data.DATA_SETS)
    monkeypatch.setenv("NNCOURSE_DATA_DIR", str(tmp_path))
    for load in (data.load_mnist, data.load_fashion_mnist):
        (x_train, y_train), (x_test, _) = load(verbose=False)
        assert data.last_source().name == data.SOURCE_COURSE
        assert x_train.shape == (8, 28, 28) and x_test.shape == (4, 28, 28) and y_train.dtype == np.uint8


# -- notebooks: the device cell -------------------------------------------------

_TENSORFLOW_IMPORT = re.compile(r"^\s*(import|from)\s+(tensorflow|keras)\b", re.MULTILINE)


def _uses_tensorflow(path) -> bool:
    nb = nbformat.read(path, as_version=4)
    return any(_TENSORFLOW_IMPORT.search(cell.source) for cell in nb.cells if cell.cell_type == "code")


TENSORFLOW_NOTEBOOKS = [p for a in assignments() for p in notebook_paths(a) if _uses_tensorflow(p)]


@pytest.mark.parametrize("path", TENSORFLOW_NOTEBOOKS, ids=lambda p: p.name)
def test_tensorflow_notebooks_report_the_device_first(path):
    first = next(cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code")
    assert "setup_tensorflow(" in first, f"{path.relative_to(SOURCE)}: la primera celda debe llamar a setup_tensorflow()"
