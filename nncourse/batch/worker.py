"""Grade one student's submission with nbgrader's own autograde pipeline, in isolation.

A worker (a local process or a Dask worker) receives a :class:`Job`, builds a
scratch course in a temporary folder — a copy of the student's submission, the
assignment's source, and a scratch SQLite gradebook seeded with the assignment's
definitions and the student's previous grades — and runs nbgrader's ``Autograde``
converter there with the course's own configuration (``nbgrader_config.py`` →
``course_config.py``), so every preprocessor the course configures applies
unchanged. The notebook runs in its own kernel process, as with ``nbgrader
autograde``. The worker returns the student's gradebook rows and the autograded
files; it never writes to the course folder or its gradebook.

Workers need the course folder at the same path (a shared volume on a cluster).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

# Files that never change a grade (nbgrader's own default ignore list, in part).
_IGNORED = {".ipynb_checkpoints", "__pycache__"}
_EXCEPTION_LINE = re.compile(r"^[\w.]*(Error|Exception|Interrupt|Exit)\b(:.*)?$")


@dataclass(frozen=True)
class Job:
    course_root: str
    assignment: str
    student: str
    course_id: str
    schema_version: str  # the course gradebook's alembic version
    definitions: dict  # table → rows that define the assignment
    previous: dict  # table → the student's rows (their earlier submission, if any)
    kernel_env: dict  # environment for the grading kernel (thread counts)


@dataclass
class Result:
    assignment: str
    student: str
    fingerprint: str = ""
    rows: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)  # path inside autograded/<student>/<assignment> → bytes
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def fingerprint(submission: Path, source: Path) -> str:
    """A digest of every file of the submission and of the assignment's source.

    A re-run grades a student again only when this changes: a new submission, or
    an instructor who fixed a test and released again.
    """
    digest = hashlib.sha256()
    for label, folder in (("submitted", submission), ("source", source)):
        for path in sorted(_files(folder)):
            digest.update(f"{label}/{path.relative_to(folder).as_posix()}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def grade_student(job: Job) -> Result:
    """Autograde one submission in a scratch course; never raises, reports failures."""
    # nbgrader's own session code warns about objects it adds later; the log stays readable.
    warnings.filterwarnings("ignore", module="nbgrader")
    result = Result(job.assignment, job.student)
    with tempfile.TemporaryDirectory(prefix="nncourse-grade-") as scratch:
        scratch = Path(scratch)
        try:
            result.fingerprint = _stage(job, scratch)
            outcome = _autograde(job, scratch)
            if outcome["success"]:
                result.rows = _graded_rows(job, scratch)
                result.files = _read_tree(scratch / "autograded" / job.student / job.assignment)
            else:
                result.error = failure_reason(outcome.get("log", ""), outcome.get("error", ""))
        except Exception as error:  # a worker must report, not die: the batch goes on
            result.error = f"{type(error).__name__}: {error}"
    return result


def lost(job: Job, where: str, error: BaseException) -> Result:
    """The result for a job whose worker itself failed (not the student's notebook)."""
    return Result(job.assignment, job.student, error=f"{where}: {type(error).__name__}: {error}")


def failure_reason(log: str, error: str) -> str:
    """The line that says why nbgrader could not grade a notebook (its last exception)."""
    lines = [line.strip() for line in (log + "\n" + error).splitlines()]
    reasons = [line for line in lines if _EXCEPTION_LINE.match(line) and "NbGraderException" not in line]
    if reasons:
        return reasons[-1]
    return next((line for line in reversed(lines) if line), "nbgrader no pudo corregir el envío")


def _stage(job: Job, scratch: Path) -> str:
    """Lay out the scratch course; returns the fingerprint of what will be graded."""
    root = Path(job.course_root)
    submission = scratch / "submitted" / job.student / job.assignment
    try:  # a copy: the student's original files are never opened for writing
        shutil.copytree(root / "submitted" / job.student / job.assignment, submission)
    except shutil.Error as error:  # one entry per file that could not be copied
        unreadable = ", ".join(f"{Path(source).name} ({reason})" for source, _, reason in error.args[0])
        raise RuntimeError(f"no se pudo leer el envío: {unreadable}") from error
    (scratch / "source").mkdir()
    (scratch / "source" / job.assignment).symlink_to(root / "source" / job.assignment, target_is_directory=True)
    _seed_gradebook(job, _scratch_db_url(scratch))
    return fingerprint(submission, root / "source" / job.assignment)


def _seed_gradebook(job: Job, db_url: str) -> None:
    """nbgrader's schema, stamped with the course gradebook's schema version, plus the seed rows.

    Stamping it here keeps nbgrader from asking alembic for the version, a
    subprocess that costs seconds per student.
    """
    from nbgrader.api import Base
    from sqlalchemy import text

    from nncourse.batch.gradebook import TABLES, insert_rows, make_engine

    engine = make_engine(db_url)
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:version)"), {"version": job.schema_version})
        conn.execute(TABLES["course"].insert(), {"id": job.course_id})
        insert_rows(conn, job.definitions)
        insert_rows(conn, job.previous)
    engine.dispose()


def _autograde(job: Job, scratch: Path) -> dict:
    """nbgrader's Autograde converter, configured exactly as the course configures it."""
    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=job.course_root).load_config()
    config.CourseDirectory.root = str(scratch)
    config.CourseDirectory.db_url = _scratch_db_url(scratch)
    config.CourseDirectory.assignment_id = job.assignment
    config.CourseDirectory.student_id = job.student
    # After the course configuration, which sets the kernels' other variables.
    os.environ.update(job.kernel_env)
    app = Autograde(coursedir=CourseDirectory(config=config), config=config)
    app.force = True
    app.create_student = True
    return capture_log(app)


def _graded_rows(job: Job, scratch: Path) -> dict:
    from nncourse.batch.gradebook import make_engine, submission_rows

    engine = make_engine(_scratch_db_url(scratch))
    with engine.connect() as conn:
        rows = submission_rows(conn, job.assignment, job.student)
    engine.dispose()
    if not rows["submitted_assignment"]:
        raise RuntimeError("nbgrader no registró la entrega en el libro de notas")
    return rows


def _read_tree(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in _files(folder)}


def _files(folder: Path):
    for path in folder.rglob("*"):
        if path.is_file() and not _IGNORED.intersection(path.relative_to(folder).parts):
            yield path


def _scratch_db_url(scratch: Path) -> str:
    return f"sqlite:///{scratch / 'gradebook.db'}"
