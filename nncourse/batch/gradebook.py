"""The batch grader's side of the gradebook: rows in, rows out, one transaction per student.

Workers never touch the course's gradebook. Each one grades in a scratch SQLite
gradebook seeded with the assignment's definitions and the student's previous
submission (so nbgrader keeps manual grades exactly as it would), and hands back
the student's rows. The coordinator then replaces that student's submission in the
one gradebook — SQLite or PostgreSQL — in a single transaction, together with the
fingerprint of what was graded, so a grade is written whole or not at all and a
re-run can tell what is already done.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

from sqlalchemy import Column, DateTime, MetaData, String, Table, create_engine, delete, insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from nbgrader.api import Base

TABLES = Base.metadata.tables

# Rows that describe an assignment (written by generate_assignment), parents first.
DEFINITION_TABLES = ("assignment", "notebook", "base_cell", "grade_cells", "solution_cells", "task_cells", "source_cell")
# Rows of one student's submission, parents first.
SUBMISSION_TABLES = ("submitted_assignment", "submitted_notebook", "grade", "comment")

_LEDGER_METADATA = MetaData()
# What the batch grader last graded for each student: the fingerprint of the
# submission and of the assignment's source. Lives in the gradebook itself so it
# is committed in the same transaction as the grades.
LEDGER = Table(
    "nncourse_batch_graded",
    _LEDGER_METADATA,
    Column("assignment", String(128), primary_key=True),
    Column("student_id", String(128), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("graded_at", DateTime, nullable=False),
)

# How often a transaction that lost a race (a locked SQLite file, a concurrent
# grader inserting the same student) is tried again before giving up.
ATTEMPTS = 8


def make_engine(db_url: str):
    """An engine for the gradebook; SQLite waits for a busy lock instead of failing at once."""
    connect_args = {"timeout": 60} if db_url.startswith("sqlite") else {}
    return create_engine(db_url, connect_args=connect_args)


def ensure_ledger(engine) -> None:
    """Create the ledger table if missing; tolerate a concurrent grader creating it first."""
    try:
        _LEDGER_METADATA.create_all(engine, checkfirst=True)
    except (IntegrityError, OperationalError, DBAPIError):
        _LEDGER_METADATA.create_all(engine, checkfirst=True)


def schema_version(conn) -> str:
    """The alembic version nbgrader stamped on the gradebook."""
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()


def definition_rows(conn, assignment: str) -> dict[str, list[dict]]:
    """The rows that define ``assignment``, table by table (its course row is made by nbgrader)."""
    found = _rows(conn, "assignment", TABLES["assignment"].c.name == assignment)
    if not found:
        raise LookupError(f"La tarea {assignment} no está en el libro de notas: ejecuta antes `nncourse release {assignment}`.")
    rows = {"assignment": found}
    notebook_ids = [row["id"] for row in _put(rows, "notebook", _rows(conn, "notebook", TABLES["notebook"].c.assignment_id == found[0]["id"]))]
    cell_ids = [row["id"] for row in _put(rows, "base_cell", _rows(conn, "base_cell", TABLES["base_cell"].c.notebook_id.in_(notebook_ids)))]
    for name in ("grade_cells", "solution_cells", "task_cells"):
        rows[name] = _rows(conn, name, TABLES[name].c.id.in_(cell_ids))
    rows["source_cell"] = _rows(conn, "source_cell", TABLES["source_cell"].c.notebook_id.in_(notebook_ids))
    return rows


def submission_rows(conn, assignment: str, student: str) -> dict[str, list[dict]]:
    """The student's row and their submission of ``assignment`` (empty lists when none)."""
    rows = {"student": _rows(conn, "student", TABLES["student"].c.id == student)}
    assignment_ids = select(TABLES["assignment"].c.id).where(TABLES["assignment"].c.name == assignment)
    submitted = TABLES["submitted_assignment"].c
    submission_ids = [
        row["id"]
        for row in _put(rows, "submitted_assignment", _rows(conn, "submitted_assignment", (submitted.student_id == student) & submitted.assignment_id.in_(assignment_ids)))
    ]
    notebook_ids = [
        row["id"]
        for row in _put(rows, "submitted_notebook", _rows(conn, "submitted_notebook", TABLES["submitted_notebook"].c.assignment_id.in_(submission_ids)))
    ]
    for name in ("grade", "comment"):
        rows[name] = _rows(conn, name, TABLES[name].c.notebook_id.in_(notebook_ids))
    return rows


def insert_rows(conn, rows: dict[str, list[dict]]) -> None:
    """Insert rows table by table, in the order the foreign keys need."""
    for table in Base.metadata.sorted_tables:
        if rows.get(table.name):
            conn.execute(insert(table), rows[table.name])


def ledger_fingerprints(engine, assignment: str) -> dict[str, str]:
    """student → fingerprint of what the batch grader last graded for ``assignment``."""
    with engine.connect() as conn:
        result = conn.execute(select(LEDGER.c.student_id, LEDGER.c.fingerprint).where(LEDGER.c.assignment == assignment))
        return dict(result.all())


def replace_submission(engine, assignment: str, student: str, rows: dict[str, list[dict]], fingerprint: str) -> None:
    """Write one student's graded submission in a single transaction, retrying lost races.

    The student's old submission of this assignment (if any) and its ledger entry
    are deleted and the new rows inserted together: readers see the old grades or
    the new ones, never a mix, and concurrent graders cannot leave two copies.
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with engine.begin() as conn:
                _replace(conn, assignment, student, rows, fingerprint)
            return
        except (IntegrityError, OperationalError):
            if attempt == ATTEMPTS:
                raise
            time.sleep(0.05 * 2**attempt)  # let the other writer finish


def _replace(conn, assignment: str, student: str, rows: dict[str, list[dict]], fingerprint: str) -> None:
    if not _rows(conn, "student", TABLES["student"].c.id == student):
        conn.execute(insert(TABLES["student"]), rows["student"])
    _delete_submission(conn, assignment, student)
    insert_rows(conn, {name: rows[name] for name in SUBMISSION_TABLES})
    conn.execute(delete(LEDGER).where((LEDGER.c.assignment == assignment) & (LEDGER.c.student_id == student)))
    conn.execute(insert(LEDGER), {"assignment": assignment, "student_id": student, "fingerprint": fingerprint, "graded_at": _utcnow()})


def _delete_submission(conn, assignment: str, student: str) -> None:
    old = submission_rows(conn, assignment, student)
    for name in reversed(SUBMISSION_TABLES):  # children first
        ids = [row["id"] for row in old[name]]
        if ids:
            conn.execute(delete(TABLES[name]).where(TABLES[name].c.id.in_(ids)))


def _rows(conn, table_name: str, condition) -> list[dict]:
    table = TABLES[table_name]
    return [dict(row) for row in conn.execute(select(table).where(condition)).mappings()]


def _put(rows: dict, name: str, found: list[dict]) -> list[dict]:
    rows[name] = found
    return found


def _utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)  # nbgrader stores naive UTC
