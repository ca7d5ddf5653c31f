"""The parallel class grader (nncourse.batch): every student graded once, failures reported,
re-runs grade only what is missing or changed, the submissions untouched, and the same
grades on a real Dask cluster of worker processes."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from grading_run import make_course, release
from notebooks import REPO_ROOT
from nncourse import cli
from nncourse.batch import grade_assignment, thread_env
from nncourse.batch.gradebook import LEDGER, TABLES, make_engine
from nncourse.batch.worker import failure_reason

ASSIGNMENT = "01_mcculloch_pitts"
EXAMPLES = ("example_empty", "example_partial", "example_perfect")
UNREADABLE = "unreadable"  # a submission whose notebook cannot be read: that student fails, no one else

pytestmark = pytest.mark.slow


def submitted_digest(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted((root / "submitted").rglob("*"))
        if path.is_file()
    }


def db_url(root: Path) -> str:
    return f"sqlite:///{root / 'gradebook.db'}"


def scores(url: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(url) as gradebook:
        return {s.student.id: s.score for s in gradebook.assignment_submissions(ASSIGNMENT)}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Assignment 01 released in a throw-away course, with the example class and one unreadable submission."""
    root = make_course(tmp_path_factory.mktemp("batch") / "course", ASSIGNMENT)
    release(root, ASSIGNMENT)
    for student in EXAMPLES:
        shutil.copytree(REPO_ROOT / "submitted" / student / ASSIGNMENT, root / "submitted" / student / ASSIGNMENT)
    broken = root / "submitted" / UNREADABLE / ASSIGNMENT
    broken.mkdir(parents=True)
    (broken / "mcculloch_pitts.ipynb").symlink_to(broken / "missing.ipynb")
    return root


@pytest.fixture(scope="module")
def first_run(course):
    before = submitted_digest(course)
    report = grade_assignment(course, ASSIGNMENT, db_url(course), workers=2, progress=False)
    return report, before


def test_every_student_graded_once_and_failure_reported(course, first_run):
    report, _ = first_run
    assert sorted(report.graded) == sorted(EXAMPLES)
    assert list(report.failed) == [UNREADABLE]
    assert report.failed[UNREADABLE].startswith("RuntimeError: no se pudo leer el envío: mcculloch_pitts.ipynb")
    graded = scores(db_url(course))
    assert set(graded) == set(EXAMPLES)  # nothing half-written for the failed student
    assert graded["example_perfect"] == 13 and graded["example_empty"] == 0
    assert 0 < graded["example_partial"] < 13
    with make_engine(db_url(course)).connect() as conn:
        submitted = TABLES["submitted_assignment"]
        per_student = conn.execute(select(submitted.c.student_id, func.count()).group_by(submitted.c.student_id)).all()
        assert sorted(per_student) == [(student, 1) for student in EXAMPLES]
        assert conn.execute(select(func.count()).select_from(LEDGER)).scalar_one() == len(EXAMPLES)
    for student in EXAMPLES:
        assert (course / "autograded" / student / ASSIGNMENT / "mcculloch_pitts.ipynb").is_file()
    assert not (course / "autograded" / UNREADABLE).exists()


def test_submissions_are_left_untouched(course, first_run):
    _, before = first_run
    assert submitted_digest(course) == before


def test_rerun_grades_only_what_is_missing_or_changed(course, first_run, monkeypatch, capsys):
    shutil.rmtree(course / "autograded" / "example_empty")  # as if the run died before publishing it
    changed = course / "submitted" / "example_perfect" / ASSIGNMENT / "mcculloch_pitts.ipynb"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # a resubmission
    monkeypatch.chdir(course)
    status = cli.main(["autograde", ASSIGNMENT, "--workers", "2"])
    output = capsys.readouterr().out
    assert status == 1  # the unreadable submission still fails, and says so
    assert "2 corregidos, 1 ya estaban al día, 1 con errores" in output
    assert f"✘ {UNREADABLE}:" in output
    assert scores(db_url(course))["example_perfect"] == 13
    assert (course / "autograded" / "example_empty" / ASSIGNMENT).is_dir()


def test_interrupted_run_resumes_on_a_dask_cluster(tmp_path, course, first_run):
    """Kill a local run after its first grade is committed; a run on a Dask cluster of real
    worker processes (as one on Kubernetes or SLURM would run) grades only the rest, the same way."""
    root = make_course(tmp_path / "course", ASSIGNMENT)
    release(root, ASSIGNMENT)
    for student in EXAMPLES:
        shutil.copytree(REPO_ROOT / "submitted" / student / ASSIGNMENT, root / "submitted" / student / ASSIGNMENT)
    command = [sys.executable, "-m", "nncourse.cli", "autograde", ASSIGNMENT, "--workers", "1"]
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))
    run = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_for_ledger(db_url(root), rows=1, process=run)
    finally:
        os.killpg(run.pid, 9)  # the whole run: coordinator, worker and kernel
        run.wait()
    graded_before = _ledger_students(db_url(root))
    assert 1 <= len(graded_before) < len(EXAMPLES)
    report = grade_assignment(root, ASSIGNMENT, db_url(root), workers=2, engine="dask", progress=False)
    assert sorted(report.skipped) == sorted(graded_before)
    assert sorted(report.graded + report.skipped) == sorted(EXAMPLES) and not report.failed
    assert scores(db_url(root)) == scores(db_url(course))  # the same grades as the local run's


def _ledger_students(url: str) -> list[str]:
    from sqlalchemy import inspect

    engine = make_engine(url)
    if not inspect(engine).has_table(LEDGER.name):
        return []
    with engine.connect() as conn:
        return list(conn.execute(select(LEDGER.c.student_id)).scalars())


def _wait_for_ledger(url: str, rows: int, process, timeout: float = 240) -> None:
    import time

    deadline = time.monotonic() + timeout
    while len(_ledger_students(url)) < rows:
        assert process.poll() is None, "la corrección terminó antes de lo esperado"
        assert time.monotonic() < deadline, "ninguna nota escrita a tiempo"
        time.sleep(0.2)


def test_thread_counts_share_the_cores():
    assert thread_env(workers=2, cores=2)["TF_NUM_INTRAOP_THREADS"] == "1"
    assert thread_env(workers=2, cores=8)["OMP_NUM_THREADS"] == "4"
    assert thread_env(workers=16, cores=2)["TF_NUM_INTRAOP_THREADS"] == "1"
    assert thread_env(workers=1, cores=4)["TF_NUM_INTEROP_THREADS"] == "1"


def test_failure_reason_names_the_exception():
    log = (
        "[INFO] Autograding x\n[ERROR] Traceback (most recent call last):\n"
        '    File "a.py", line 1\n    nbformat.reader.NotJSONError: Notebook does not appear to be JSON: \'{\'\n'
        "[ERROR] There was an error processing assignment: x\n"
    )
    error = "Traceback...\nnbgrader.converters.base.NbGraderException: Please see the above traceback\n"
    assert failure_reason(log, error) == "nbformat.reader.NotJSONError: Notebook does not appear to be JSON: '{'"


_COUNT_TF_THREADS = """
import os
import tensorflow as tf
x = tf.random.normal((128, 128))
for _ in range(10):
    x = tf.matmul(x, x) / 128.0
print(len(os.listdir("/proc/self/task")))  # the process's threads
"""


def test_tensorflow_obeys_the_thread_counts():
    """A kernel sharing 2 cores with another starts 7 threads fewer than one given 8 cores."""

    def tf_threads(env: dict[str, str]) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-c", _COUNT_TF_THREADS], env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", **env),
                                stdout=subprocess.PIPE, text=True)

    shared, alone = tf_threads(thread_env(workers=2, cores=2)), tf_threads(thread_env(workers=1, cores=8))
    shared_count, alone_count = (int(run.communicate(timeout=120)[0].split()[-1]) for run in (shared, alone))
    assert alone_count - shared_count >= 5
