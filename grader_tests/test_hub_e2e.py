"""The course on a real JupyterHub, end to end.

deploy/jupyterhub_config.py runs on 127.0.0.1 with its real proxy
(configurable-http-proxy), PAM logins and LocalProcessSpawner servers of local
Unix test accounts: an instructor, a student and the grader account that owns
the course and runs the formgrader service.  The exchange's permissions are the
operating system's.  Through the hub: the formgrader releases
01_mcculloch_pitts, the student fetches it, solves it and submits it, the
formgrader collects, autogrades, generates and releases feedback, and the
student fetches the feedback, which shows the full score.  Debian's Chromium
logs in as the student and runs the released notebook's test cells in
JupyterLab, and as the instructor opens the formgrader.

Needs root (useradd, PAM, servers as other users), /usr/bin/chromium and
configurable-http-proxy (.ci/run installs both).  About 2–3 minutes on two busy cores.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

from hub import accounts, browser, environment, server
from nncourse.grading import FAIL_MARK, PASS_MARK
from notebooks import REPO_ROOT, fill_answers, reference_answers

ASSIGNMENT = "01_mcculloch_pitts"
NOTEBOOK = "mcculloch_pitts.ipynb"
ACCOUNT_PREFIX = "nnce2e"
LOCAL_PROXY = REPO_ROOT / ".node" / "node_modules" / ".bin" / "configurable-http-proxy"


def _course_id() -> str:
    sys.path.insert(0, str(REPO_ROOT))
    try:
        import course_config
    finally:
        sys.path.remove(str(REPO_ROOT))
    return course_config.COURSE_ID


def _proxy() -> str | None:
    return str(LOCAL_PROXY) if LOCAL_PROXY.exists() else shutil.which("configurable-http-proxy")


COURSE_ID = _course_id()
VENV = Path(sys.prefix)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="necesita root: crea usuarios Unix y arranca sus servidores"),
    pytest.mark.skipif(not browser.CHROMIUM.exists(), reason="falta /usr/bin/chromium (apt-get install chromium)"),
    pytest.mark.skipif(
        _proxy() is None,
        reason="falta configurable-http-proxy (npm install --prefix .node configurable-http-proxy, como hace .ci/run)",
    ),
    pytest.mark.skipif(sys.prefix == sys.base_prefix, reason="las pruebas deben correr desde el entorno virtual del curso"),
]


@pytest.fixture(scope="module")
def site():
    """A hub with its test accounts; everything it started and created is removed afterwards."""
    # Under /tmp, not $TMPDIR: the test accounts must be able to reach their homes.
    folder = Path(tempfile.mkdtemp(prefix="nncourse-hub-", dir="/tmp"))
    folder.chmod(0o755)  # the accounts' homes and the exchange live below it
    created, hub = [], None
    try:
        homes = folder / "home"
        homes.mkdir()
        run = secrets.token_hex(3)  # two runs at once (pytest-xdist) must not share accounts
        for role in ("teacher", "student", "grader"):
            created.append(accounts.create(f"{ACCOUNT_PREFIX}{run}-{role}", homes))
        teacher, student, grader = created
        repo, venv = _course_environment(student, folder)
        course_root = _course_folder(repo, grader)
        exchange = folder / "exchange"
        exchange.mkdir()
        exchange.chmod(0o777)  # as nbgrader asks: every account writes its own part
        (folder / "data").mkdir()
        hub_folder = folder / "hub"
        hub_folder.mkdir(mode=0o700)
        hub = server.start(
            hub_folder,
            repo / "deploy" / "jupyterhub_config.py",
            venv,
            _proxy(),
            {
                "NNCOURSE_INSTRUCTORS": teacher.name,
                "NNCOURSE_STUDENTS": student.name,
                "NNCOURSE_GRADER": grader.name,
                "NNCOURSE_COURSE_ROOT": str(course_root),
                "NNCOURSE_VENV": str(venv),
                "NNCOURSE_EXCHANGE_DIR": str(exchange),
                "NNCOURSE_DATA_DIR": str(folder / "data"),
                "NNCOURSE_SERVICE_PORT": str(server.free_port()),
            },
        )
        yield hub, teacher, student, course_root
    finally:
        if hub is not None:
            hub.stop()
        for account in created:
            accounts.remove(account.name)
        shutil.rmtree(folder, ignore_errors=True)


def _course_environment(student, folder: Path) -> tuple[Path, Path]:
    """The checkout and venv if other accounts can use them, else a shareable copy."""
    if environment.readable_by(student, REPO_ROOT, VENV):
        return REPO_ROOT, VENV
    return environment.shareable_copy(REPO_ROOT, VENV, folder)


def _course_folder(repo: Path, grader) -> Path:
    """The grader account's course: source/, release/ and the course configuration."""
    course_root = grader.home / COURSE_ID
    environment.copy_parts(repo, course_root, environment.COURSE_FILES)
    subprocess.run(["chown", "-R", f"{grader.name}:", str(course_root)], check=True)
    return course_root


def formgrader(hub, action: str) -> dict:
    """One formgrader API call, as an instructor's button does it; returns its JSON answer."""
    response = hub.request("POST", f"/services/{COURSE_ID}/formgrader/api/{action}")
    assert response.ok, f"{action}: {response.status_code} {response.text}\n{hub.tail()}"
    answer = response.json()
    assert answer.get("success", True), f"{action}: {answer}"
    return answer


def student_action(hub, student, action: str) -> list[dict]:
    """fetch, submit or fetch_feedback in the student's server; returns the assignment list."""
    response = hub.request(
        "POST",
        f"/user/{student.name}/assignments/{action}",
        data={"course_id": COURSE_ID, "assignment_id": ASSIGNMENT},
    )
    assert response.ok, f"{action}: {response.status_code} {response.text}\n{hub.tail()}"
    answer = response.json()
    assert answer["success"], f"{action}: {answer}"
    return answer["value"]


def contents(hub, student, path: str, method: str = "GET", **kwargs):
    response = hub.request(method, f"/user/{student.name}/api/contents/{path}", **kwargs)
    assert response.ok, f"{method} {path}: {response.status_code} {response.text}"
    return response.json()


def max_score() -> float:
    nb = nbformat.read(REPO_ROOT / "release" / ASSIGNMENT / NOTEBOOK, as_version=4)
    return sum(float(c.metadata["nbgrader"]["points"]) for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade"))


def test_assignment_round_trip_through_the_hub(site):
    hub, teacher, student, course_root = site
    notebook_path = f"{COURSE_ID}/{ASSIGNMENT}/{NOTEBOOK}"

    formgrader(hub, f"assignment/{ASSIGNMENT}/assign")
    formgrader(hub, f"assignment/{ASSIGNMENT}/release")

    hub.start_server(student.name)
    # Grading belongs to the course's service: the users' own servers have no formgrader.
    assert hub.request("GET", f"/user/{student.name}/formgrader").status_code == 404
    listed = student_action(hub, student, "fetch")
    assert any(a["assignment_id"] == ASSIGNMENT and a["status"] == "fetched" for a in listed), listed

    # The student writes the reference answers into the fetched notebook and saves it.
    fetched = nbformat.from_dict(contents(hub, student, notebook_path)["content"])
    solved = fill_answers(fetched, reference_answers(ASSIGNMENT))
    contents(hub, student, notebook_path, "PUT", json={"type": "notebook", "format": "json", "content": solved})

    _student_runs_the_tests_in_jupyterlab(hub, student, notebook_path)

    student_action(hub, student, "submit")
    formgrader(hub, f"assignment/{ASSIGNMENT}/collect")
    formgrader(hub, f"submission/{ASSIGNMENT}/{student.name}/autograde")
    formgrader(hub, f"assignment/{ASSIGNMENT}/generate_feedback")
    formgrader(hub, f"assignment/{ASSIGNMENT}/release_feedback")

    listed = student_action(hub, student, "fetch_feedback")
    feedback_html = _fetched_feedback(hub, student)
    top = max_score()
    assert re.search(rf"Score:\s*{top:g}(\.0)?\s*/\s*{top:g}", feedback_html), feedback_html[:2000]
    assert (course_root / "autograded" / student.name / ASSIGNMENT / NOTEBOOK).is_file()


def _student_runs_the_tests_in_jupyterlab(hub, student, notebook_path: str) -> None:
    # A kernel started before the page opens: "Run All" can otherwise race the kernel's start.
    session = hub.request(
        "POST",
        f"/user/{student.name}/api/sessions",
        json={"path": notebook_path, "type": "notebook", "name": NOTEBOOK, "kernel": {"name": "python3"}},
    )
    assert session.ok, session.text
    with browser.chromium() as chromium:
        page = browser.log_in(chromium, hub.url, student, f"/user/{student.name}/lab/tree/{notebook_path}")
        browser.run_all_cells(page)
        try:
            output = browser.tests_cell_output(page)
        except AssertionError as stuck:
            raise AssertionError(f"{stuck}\n{hub.tail()}") from None
    assert PASS_MARK in output and FAIL_MARK not in output, output


def _fetched_feedback(hub, student) -> str:
    """The feedback HTML that fetch_feedback put in the student's assignment folder."""
    folder = f"{COURSE_ID}/{ASSIGNMENT}/feedback"
    timestamps = [entry["path"] for entry in contents(hub, student, folder)["content"] if entry["type"] == "directory"]
    assert timestamps, f"no hay retroalimentación en {folder}"
    html_path = f"{sorted(timestamps)[-1]}/{NOTEBOOK.replace('.ipynb', '.html')}"
    return contents(hub, student, html_path, params={"type": "file", "format": "text"})["content"]


def test_instructor_opens_the_formgrader(site):
    hub, teacher, student, course_root = site
    with browser.chromium() as chromium:
        page = browser.log_in(chromium, hub.url, teacher, f"/services/{COURSE_ID}/formgrader")
        page.get_by_text(ASSIGNMENT, exact=True).first.wait_for()
        assert "Manage Assignments" in page.content()
