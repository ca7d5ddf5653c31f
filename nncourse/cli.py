"""``nncourse``: the instructor's commands, a thin layer over nbgrader's own apps.

    nncourse release      generate release/ for every assignment (nbgrader generate_assignment)
    nncourse autograde    grade every submission in submitted/ with nbgrader's autograde, in parallel
                          (--workers N, --engine local|dask, --scheduler ADDRESS, --force)
    nncourse feedback     write feedback HTML (nbgrader generate_feedback)
    nncourse export       write the grades CSV (nbgrader export)
    nncourse report       print a table of grades per student
    nncourse all          all of the above, in order (the course's main job)

Every step runs in the course root, so nbgrader picks up course_config.py.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
from pathlib import Path


def find_course_root(start: Path | None = None) -> Path:
    """The nearest folder, from ``start`` upwards, that holds ``course_config.py``."""
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "course_config.py").is_file():
            return folder
    raise SystemExit(f"No se encontró course_config.py en {start} ni en sus carpetas superiores.")


def load_course_config(root: Path):
    spec = importlib.util.spec_from_file_location("course_config", root / "course_config.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def nbgrader(root: Path, *args: str) -> int:
    """Run one nbgrader command in the course root; returns its exit code."""
    env = dict(os.environ, PATH=_tools_path())
    command = [sys.executable, "-m", "nbgrader", *args]
    print("$ nbgrader " + " ".join(args), flush=True)
    return subprocess.run(command, cwd=root, env=env).returncode


def _tools_path() -> str:
    """PATH with this environment's bin/ first: nbgrader runs alembic through PATH."""
    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


def submitted_assignments(root: Path, assignments: list[str]) -> list[str]:
    """The assignments with at least one submission in submitted/."""
    folder = root / "submitted"
    return [a for a in assignments if any((student / a).is_dir() for student in folder.glob("*"))]


def release(root: Path, assignments: list[str]) -> int:
    status = 0
    for assignment in assignments:
        status |= nbgrader(root, "generate_assignment", assignment, "--force")
    return status


def autograde(root: Path, assignments: list[str], workers: int | None = None, engine: str = "local",
              scheduler: str | None = None, force: bool = False) -> int:
    """Grade the submissions of each assignment in parallel (nncourse.batch).

    Only students not graded yet for their current files are graded, unless
    ``force``. A non-zero exit means some student's notebook could not be graded;
    the others are graded and the report says who.
    """
    from nncourse.batch import grade_assignment

    os.environ["PATH"] = _tools_path()  # nbgrader runs alembic through PATH
    db_url = load_course_config(root).DB_URL
    status = 0
    for assignment in submitted_assignments(root, assignments):
        try:
            report = grade_assignment(root, assignment, db_url, workers=workers or default_workers(),
                                      engine=engine, scheduler=scheduler, force=force)
        except LookupError as error:  # the assignment was never released into this gradebook
            print(error, flush=True)
            status = 1
            continue
        print(report.summary(), flush=True)
        for student, reason in sorted(report.failed.items()):
            print(f"  ✘ {student}: {reason}", flush=True)
        status |= bool(report.failed)
    return status


def default_workers() -> int:
    """One grading worker per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def feedback(root: Path, assignments: list[str]) -> int:
    status = 0
    for assignment in submitted_assignments(root, assignments):
        status |= nbgrader(root, "generate_feedback", assignment, "--force")
    return status


def export(root: Path, assignments: list[str], csv_path: str = "grades.csv") -> int:
    return nbgrader(root, "export", "--to", csv_path)


def report(root: Path, assignments: list[str]) -> int:
    from nbgrader.api import Gradebook, MissingEntry

    config = load_course_config(root)
    rows = []
    with Gradebook(config.DB_URL) as gradebook:
        for student in sorted(gradebook.students, key=lambda s: s.id):
            for assignment in assignments:
                try:
                    submission = gradebook.find_submission(assignment, student.id)
                except MissingEntry:
                    continue
                notes = "revisión manual" if submission.needs_manual_grade else ""
                rows.append((student.id, assignment, submission.score, submission.max_score, notes))
    print(format_table(rows))
    return 0


def format_table(rows: list[tuple]) -> str:
    header = ("estudiante", "tarea", "nota", "máximo", "observaciones")
    cells = [header] + [(s, a, f"{score:g}", f"{top:g}", note) for s, a, score, top, note in rows]
    widths = [max(len(str(row[i])) for row in cells) for i in range(len(header))]
    lines = ["  ".join(str(value).ljust(width) for value, width in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def run_all(root: Path, assignments: list[str], **grading) -> int:
    status = 0
    for step in (release, autograde, feedback, export, report):
        status |= step(root, assignments, **grading) if step is autograde else step(root, assignments)
    return status


COMMANDS = {
    "release": release,
    "autograde": autograde,
    "feedback": feedback,
    "export": export,
    "report": report,
    "all": run_all,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nncourse", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=sorted(COMMANDS))
    parser.add_argument("assignments", nargs="*", help="tareas (por defecto, todas las de course_config.ASSIGNMENTS)")
    grading = parser.add_argument_group("corrección (autograde, all)")
    grading.add_argument("--workers", type=int, help="procesos de corrección en paralelo (por defecto, uno por núcleo)")
    grading.add_argument("--engine", choices=("local", "dask"), default="local", help="local: procesos en esta máquina; dask: un clúster de Dask")
    grading.add_argument("--scheduler", help="dirección del planificador de Dask (tcp://…); sin ella, un clúster local")
    grading.add_argument("--force", action="store_true", help="vuelve a corregir también los envíos ya corregidos y sin cambios")
    args = parser.parse_args(argv)
    root = find_course_root()
    assignments = args.assignments or list(load_course_config(root).ASSIGNMENTS)
    if args.command in ("autograde", "all"):
        options = {"workers": args.workers, "engine": args.engine, "scheduler": args.scheduler, "force": args.force}
        return COMMANDS[args.command](root, assignments, **options)
    return COMMANDS[args.command](root, assignments)


if __name__ == "__main__":
    sys.exit(main())
