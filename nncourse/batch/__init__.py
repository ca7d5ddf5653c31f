"""Grade a whole class in parallel: N isolated workers, one gradebook, re-runs resume.

``grade_assignment`` finds every submission of an assignment in ``submitted/``,
skips the students whose grades are already in the gradebook for exactly these
files, sends the others to workers (local processes, or a Dask cluster), and
writes each result as it arrives: the autograded notebooks, then the grades in
one transaction (see :mod:`nncourse.batch.gradebook`). A student whose notebook
cannot be graded is reported at once and the batch goes on; an interrupted run,
started again, grades only what is missing or has changed.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from nncourse.batch.gradebook import (
    definition_rows,
    ensure_ledger,
    ledger_fingerprints,
    make_engine,
    replace_submission,
    schema_version,
    submission_rows,
)
from nncourse.batch.worker import Job, Result, fingerprint, grade_student, lost

ENGINES = ("local", "dask")


@dataclass
class BatchReport:
    assignment: str
    graded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already graded, unchanged
    failed: dict[str, str] = field(default_factory=dict)  # student → why
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{self.assignment}: {len(self.graded)} corregidos, {len(self.skipped)} ya estaban al día, "
            f"{len(self.failed)} con errores ({self.seconds:.1f} s)"
        )


def thread_env(workers: int, cores: int | None = None) -> dict[str, str]:
    """Thread counts for each grading kernel, so that N kernels share the cores instead of fighting.

    By default TensorFlow (and the BLAS/OpenMP libraries under NumPy) starts one
    thread per core in every process, and its idle threads spin for a while
    before sleeping: N kernels on C cores then run N×C busy threads. Each kernel
    gets its share of the cores instead, and one inter-op thread (the course's
    small models have no independent ops worth running side by side).
    """
    share = str(max(1, (cores or os.cpu_count() or 1) // max(1, workers)))
    return {
        "TF_NUM_INTRAOP_THREADS": share,
        "TF_NUM_INTEROP_THREADS": "1",
        "OMP_NUM_THREADS": share,
        "OPENBLAS_NUM_THREADS": share,
        "MKL_NUM_THREADS": share,
    }


def submitted_students(root: Path, assignment: str) -> list[str]:
    return sorted(folder.parent.name for folder in (root / "submitted").glob(f"*/{assignment}") if folder.is_dir())


def grade_assignment(
    root: Path,
    assignment: str,
    db_url: str,
    workers: int = 1,
    engine: str = "local",
    scheduler: str | None = None,
    force: bool = False,
    progress: bool = True,
) -> BatchReport:
    """Autograde every submission of ``assignment`` that is not graded yet (or all, with ``force``)."""
    from nbgrader.api import Gradebook

    started = time.monotonic()
    report = BatchReport(assignment)
    Gradebook(db_url).close()  # nbgrader creates or checks its schema, as `nbgrader autograde` does
    database = make_engine(db_url)
    ensure_ledger(database)
    try:
        todo, report.skipped = _plan(root, assignment, database, force)
        # On a remote cluster each worker process (one per core there) grades one student at a time.
        env = thread_env(1, cores=1) if scheduler else thread_env(workers)
        results = _run(_jobs(root, assignment, database, todo, env), engine, workers, scheduler)
        _collect(root, assignment, database, results, report, len(todo), progress)
    finally:
        database.dispose()
    report.seconds = time.monotonic() - started
    return report


def _plan(root: Path, assignment: str, database, force: bool) -> tuple[list[str], list[str]]:
    """Which students need grading, and which are graded already for these exact files."""
    graded = {} if force else ledger_fingerprints(database, assignment)
    source = root / "source" / assignment
    todo, skipped = [], []
    for student in submitted_students(root, assignment):
        current = graded.get(student) == fingerprint(root / "submitted" / student / assignment, source)
        published = (root / "autograded" / student / assignment).is_dir()
        (skipped if current and published else todo).append(student)
    return todo, skipped


def _jobs(root: Path, assignment: str, database, students: list[str], env: dict[str, str]) -> list[Job]:
    with database.connect() as conn:
        definitions = definition_rows(conn, assignment)
        course_id = definitions["assignment"][0]["course_id"]
        version = schema_version(conn)
        return [
            Job(str(root), assignment, student, course_id, version, definitions, submission_rows(conn, assignment, student), env)
            for student in students
        ]


def _run(jobs: list[Job], engine: str, workers: int, scheduler: str | None) -> Iterator[Result]:
    if not jobs:
        return iter(())
    if engine == "dask":
        from nncourse.batch.dask_engine import run_dask

        return run_dask(jobs, workers, scheduler)
    if engine == "local":
        return _run_local(jobs, workers)
    raise ValueError(f"motor desconocido: {engine} (usa uno de {', '.join(ENGINES)})")


def _run_local(jobs: list[Job], workers: int) -> Iterator[Result]:
    """Long-lived worker processes (nbgrader is imported once per worker, not per student)."""
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from multiprocessing import get_context

    # spawn: a forked copy of this process would inherit the progress bar's thread and open database connections.
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"), initializer=_quiet_worker)
    try:
        futures = {pool.submit(grade_student, job): job for job in jobs}
        for future in as_completed(futures):
            yield _result_of(future, futures[future])
    finally:
        # On Ctrl-C or an error, do not start more students; what is published stays.
        pool.shutdown(wait=True, cancel_futures=True)


def _quiet_worker() -> None:
    """Silence a worker's stdout/stderr (kernels inherit them): results come back as values,
    nbgrader's log of each student inside them, and the terminal keeps a clean progress bar."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)


def _result_of(future, job: Job) -> Result:
    try:
        return future.result()
    except Exception as error:  # the worker process itself died
        return lost(job, "el proceso de corrección falló", error)


def _collect(root: Path, assignment: str, database, results: Iterable[Result], report: BatchReport, total: int, progress: bool) -> None:
    from tqdm import tqdm

    with tqdm(total=total, desc=assignment, unit="estudiante", file=sys.stderr, disable=not progress or total == 0) as bar:
        for result in results:
            if result.ok:
                publish(root, database, result)
                report.graded.append(result.student)
            else:
                report.failed[result.student] = result.error
                bar.write(f"✘ {assignment} / {result.student}: no se pudo corregir — {result.error}", file=sys.stderr)
            bar.update(1)


def publish(root: Path, database, result: Result) -> None:
    """Put one student's autograded files in place, then commit their grades.

    The files go first and the gradebook last: the gradebook is what says a
    student is done, so a crash in between only means that student is graded again.
    """
    _replace_folder(root / "autograded" / result.student / result.assignment, result.files)
    replace_submission(database, result.assignment, result.student, result.rows, result.fingerprint)


def _replace_folder(final: Path, files: dict[str, bytes]) -> None:
    """Swap in a complete folder, so readers never see half the notebooks."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex
    staging = final.with_name(f".{final.name}.{tag}.new")
    for name, content in files.items():
        (staging / name).parent.mkdir(parents=True, exist_ok=True)
        (staging / name).write_bytes(content)
    staging.mkdir(exist_ok=True)  # a submission may have produced no files
    old = final.with_name(f".{final.name}.{tag}.old")
    if final.exists():
        final.rename(old)
    staging.rename(final)
    shutil.rmtree(old, ignore_errors=True)
