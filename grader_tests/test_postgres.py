"""The gradebook on a real PostgreSQL server: nbgrader's release and the parallel grader work
through ``NNCOURSE_DB_URL``, and concurrent graders leave exactly one whole submission per student.

The server is a throw-away cluster started here (Debian's ``postgresql`` package, which
.ci/run installs), listening only on a Unix socket in a temporary folder.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from grading_run import make_course, release
from notebooks import REPO_ROOT
from nncourse.batch.gradebook import LEDGER, TABLES, make_engine, replace_submission, submission_rows

ASSIGNMENT = "01_mcculloch_pitts"
EXAMPLES = ("example_empty", "example_partial", "example_perfect")
PORT = 5432  # only names the socket file: the server listens on no network address

pytestmark = pytest.mark.slow


def _server_binaries() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


@pytest.fixture(scope="module")
def postgres_url():
    binaries = _server_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL no está instalado (paquete de Debian postgresql; .ci/run lo instala)")
    # PostgreSQL refuses to run as root: as root, run the server as the package's `postgres` user.
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    folder = Path(tempfile.mkdtemp(prefix="nncourse-pg-"))
    if as_user:
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
    data, sockets = folder / "data", folder
    server = [*as_user, str(binaries / "pg_ctl"), "-D", str(data)]
    subprocess.run([*as_user, str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"],
                   check=True, capture_output=True)
    options = f"-k {sockets} -p {PORT} -c listen_addresses='' -c fsync=off -c max_connections=50"
    subprocess.run([*server, "-o", options, "-l", str(folder / "server.log"), "-w", "start"], check=True, capture_output=True)
    try:
        admin = make_engine(f"postgresql+psycopg://postgres@/postgres?host={sockets}&port={PORT}")
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("CREATE DATABASE gradebook")
        admin.dispose()
        yield f"postgresql+psycopg://postgres@/gradebook?host={sockets}&port={PORT}"
    finally:
        subprocess.run([*server, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def course(postgres_url, tmp_path_factory):
    """Assignment 01 released into the PostgreSQL gradebook, with the example class."""
    root = make_course(tmp_path_factory.mktemp("pg") / "course", ASSIGNMENT)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NNCOURSE_DB_URL", postgres_url)
        release(root, ASSIGNMENT)
    for student in EXAMPLES:
        shutil.copytree(REPO_ROOT / "submitted" / student / ASSIGNMENT, root / "submitted" / student / ASSIGNMENT)
    return root


@pytest.fixture(scope="module")
def concurrent_graders(course, postgres_url):
    """Two `nncourse autograde` runs of the same class at the same time, both forced."""
    env = dict(os.environ, NNCOURSE_DB_URL=postgres_url)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
    command = [sys.executable, "-m", "nncourse.cli", "autograde", ASSIGNMENT, "--workers", "1", "--force"]
    runs = [subprocess.Popen(command, cwd=course, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    return [(run.wait(timeout=600), run.stdout.read()) for run in runs]


def test_release_writes_the_assignment_to_postgres(course, postgres_url):
    with make_engine(postgres_url).connect() as conn:
        names = conn.execute(select(TABLES["assignment"].c.name)).scalars().all()
    assert names == [ASSIGNMENT]


def test_concurrent_graders_leave_one_whole_submission_each(course, postgres_url, concurrent_graders):
    for status, output in concurrent_graders:
        assert status == 0, output
        assert "3 corregidos, 0 ya estaban al día, 0 con errores" in output
    with make_engine(postgres_url).connect() as conn:
        submitted = TABLES["submitted_assignment"]
        per_student = conn.execute(select(submitted.c.student_id, func.count()).group_by(submitted.c.student_id)).all()
        assert sorted(per_student) == [(student, 1) for student in EXAMPLES]
        grade_cells = conn.execute(select(func.count()).select_from(TABLES["grade_cells"])).scalar_one()
        assert conn.execute(select(func.count()).select_from(TABLES["grade"])).scalar_one() == grade_cells * len(EXAMPLES)
        assert conn.execute(select(func.count()).select_from(LEDGER)).scalar_one() == len(EXAMPLES)
    from nbgrader.api import Gradebook

    with Gradebook(postgres_url) as gradebook:
        graded = {s.student.id: s.score for s in gradebook.assignment_submissions(ASSIGNMENT)}
    assert graded["example_perfect"] == 13 and graded["example_empty"] == 0 and 0 < graded["example_partial"] < 13


def test_racing_writes_of_one_student_stay_whole(course, postgres_url, concurrent_graders):
    """Many transactions replacing the same student's grades at once: never two copies, never half."""
    engine = make_engine(postgres_url)
    with engine.connect() as conn:
        rows = submission_rows(conn, ASSIGNMENT, "example_partial")
    errors = []

    def writer(tag: int) -> None:
        try:
            for attempt in range(5):
                replace_submission(engine, ASSIGNMENT, "example_partial", rows, f"fingerprint-{tag}-{attempt}")
        except Exception as error:  # collected: an exception in a thread would not fail the test
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(tag,)) for tag in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with engine.connect() as conn:
        assert submission_rows(conn, ASSIGNMENT, "example_partial") == rows
        ledger = conn.execute(select(LEDGER.c.fingerprint).where(LEDGER.c.student_id == "example_partial")).scalars().all()
    engine.dispose()
    assert len(ledger) == 1 and ledger[0].startswith("fingerprint-")
