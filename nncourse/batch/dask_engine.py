"""Run the grading jobs on a Dask cluster (``--engine dask``).

With ``--scheduler tcp://host:8786`` the jobs go to an existing cluster — for
example one started on Kubernetes (dask-kubernetes) or SLURM (dask-jobqueue) —
whose workers see the course folder at the same path and run one task each
(``--nworkers auto --nthreads 1``: one process per core; each grading kernel
then gets one thread). Without a scheduler a ``LocalCluster`` with one worker
process per requested worker is started here. Only results travel back: the
coordinator writes the gradebook and autograded/.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from nncourse.batch.worker import Job, Result, grade_student, lost


def run_dask(jobs: list[Job], workers: int, scheduler: str | None) -> Iterator[Result]:
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield from _submit_all(client, jobs)
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            yield from _submit_all(client, jobs)


def _submit_all(client, jobs: list[Job]) -> Iterator[Result]:
    from distributed import as_completed

    run = uuid.uuid4().hex[:8]  # keys unique per run: a re-run must not reuse a cached result
    futures = {
        client.submit(grade_student, job, key=f"grade-{job.assignment}-{job.student}-{run}", pure=False): job
        for job in jobs
    }
    try:
        for future in as_completed(futures):
            yield _result_of(future, futures[future])
    finally:
        client.cancel(list(futures))  # interrupted: stop what has not run yet


def _result_of(future, job: Job) -> Result:
    try:
        return future.result()
    except Exception as error:  # the task failed on the cluster (e.g. its worker died too often)
        return lost(job, "el trabajador de Dask falló", error)
