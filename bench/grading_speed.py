"""Benchmark: the parallel grader against plain sequential `nbgrader autograde`.

    python bench/grading_speed.py --students 12 --workers 2 [--assignments 01_mcculloch_pitts ...]

Builds a throw-away course with N generated submissions per assignment (cycling
perfect, partial and broken ones), releases it once, and copies it twice. Then,
in one run: (a) `nbgrader autograde <assignment>` over the whole class, one
assignment after another; (b) `nncourse autograde --workers W` (nncourse.batch);
(c) plain `nbclient` execution of one notebook of each kind, the floor that no
grader can beat. Prints wall times, the speed-up, the per-notebook overhead over
nbclient, and checks that both gradebooks hold the same grade for every
submission (no grade lost or changed). `--record FILE` also writes the output there.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "grader_tests"))

import nbformat  # noqa: E402

from examples import example_class  # noqa: E402
from notebooks import fill_answers, notebook_paths  # noqa: E402

KINDS = ("perfect", "partial", "broken")
# A broken submission: every answer is a syntax error, so every test cell fails.
BROKEN_ANSWER = "def respuesta(:\n    pass\n"


def main() -> None:
    args = parse_args()
    lines = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    with tempfile.TemporaryDirectory(prefix="nncourse-bench-") as folder:
        base = build_course(Path(folder) / "base", args.assignments, args.students)
        sequential, parallel = (copy_course(base, Path(folder) / name) for name in ("sequential", "parallel"))
        say(header(args))
        say(load_line().replace("al terminar", "al empezar"))
        seq_time = timed(lambda: run_sequential(sequential, args.assignments))
        par_time = timed(lambda: run_parallel(parallel, args.workers))
        floor = nbclient_times(base, args.assignments)
        say(results_table(args, seq_time, par_time, floor))
        say(load_line())
        say(compare_gradebooks(sequential, parallel, args.assignments, args.students))
    if args.record:
        Path(args.record).write_text("```\n" + "\n".join(lines) + "\n```\n", encoding="utf-8")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=12, help="envíos por tarea")
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--assignments", nargs="+", default=["01_mcculloch_pitts"])
    parser.add_argument("--record", help="también escribe la salida en este fichero (Markdown)")
    return parser.parse_args()


def header(args) -> str:
    return (
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} · {len(os.sched_getaffinity(0))} núcleos · "
        f"Python {sys.version.split()[0]} · tareas {', '.join(args.assignments)} · "
        f"{args.students} envíos por tarea ({'/'.join(KINDS)}) · {args.workers} trabajadores · "
        f"NNCOURSE_SANDBOX={os.environ.get('NNCOURSE_SANDBOX', 'auto')}"
    )


def build_course(root: Path, assignments: list[str], students: int) -> Path:
    """Course files, released assignments and the generated class in submitted/."""
    root.mkdir(parents=True)
    for name in ("course_config.py", "nbgrader_config.py"):
        shutil.copy(REPO / name, root / name)
    for assignment in assignments:
        shutil.copytree(REPO / "source" / assignment, root / "source" / assignment)
        nbgrader(root, "generate_assignment", assignment, "--force")
        answers = submission_answers(assignment)
        for index in range(students):
            kind = KINDS[index % len(KINDS)]
            write_submission(root, assignment, f"{kind}-{index:03d}", answers[kind])
    return root


def submission_answers(assignment: str) -> dict[str, dict[str, str]]:
    examples = example_class(assignment)
    broken = {exercise: BROKEN_ANSWER for exercise in examples["example_perfect"]}
    return {"perfect": examples["example_perfect"], "partial": examples["example_partial"], "broken": broken}


def write_submission(root: Path, assignment: str, student: str, answers: dict[str, str]) -> None:
    for released in notebook_paths(assignment, root / "release"):
        target = root / "submitted" / student / assignment / released.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(fill_answers(nbformat.read(released, as_version=4), answers), target)


def copy_course(base: Path, target: Path) -> Path:
    shutil.copytree(base, target)
    return target


def run_sequential(root: Path, assignments: list[str]) -> None:
    for assignment in assignments:
        nbgrader(root, "autograde", assignment, "--force", check=False)  # broken ones make it exit 1


def run_parallel(root: Path, workers: int) -> None:
    command = [str(Path(sys.executable).parent / "nncourse"), "autograde", "--workers", str(workers)]
    subprocess.run(command, cwd=root, env=tool_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def nbgrader(root: Path, *args: str, check: bool = True) -> None:
    command = [sys.executable, "-m", "nbgrader", *args]
    done = subprocess.run(command, cwd=root, env=tool_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if check and done.returncode:
        raise SystemExit(f"nbgrader {' '.join(args)} falló")


def tool_env() -> dict[str, str]:
    return dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def load_line() -> str:
    """The machine's load while the benchmark ran: other work on it slows both graders."""
    one, five, fifteen = os.getloadavg()
    return f"carga media del sistema al terminar (1/5/15 min): {one:.1f} / {five:.1f} / {fifteen:.1f}"


def nbclient_times(root: Path, assignments: list[str]) -> dict[str, float]:
    """Seconds plain nbclient takes for one notebook of each kind (the grading kernel's
    environment, no nbgrader), summed over the assignment's notebooks."""
    from nbclient import NotebookClient

    sys.path.insert(0, str(root))
    import course_config

    os.environ.update(course_config.KERNEL_ENV)
    times = {}
    for assignment in assignments:
        for index, kind in enumerate(KINDS):
            folder = root / "submitted" / f"{kind}-{index:03d}" / assignment
            total = 0.0
            for path in sorted(folder.glob("*.ipynb")):
                nb = nbformat.read(path, as_version=4)
                client = NotebookClient(nb, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": str(folder)}})
                total += timed(client.execute)
            times[f"{assignment}/{kind}"] = total
    return times


def results_table(args, sequential: float, parallel: float, floor: dict[str, float]) -> str:
    submissions = args.students * len(args.assignments)
    per_notebook = {a: statistics.mean(v for k, v in floor.items() if k.startswith(a + "/")) for a in args.assignments}
    floor_each = sum(per_notebook.values()) / len(args.assignments)  # nbclient, mean seconds per submission
    rows = [
        ("nbgrader autograde (secuencial)", sequential, 1),
        (f"nncourse autograde --workers {args.workers}", parallel, args.workers),
    ]
    lines = [
        f"nbclient solo (sin nbgrader), por envío: {floor_each:.2f} s  ("
        + ", ".join(f"{k} {v:.2f} s" for k, v in floor.items()) + ")",
        "",
        f"{'corrector':40} {'pared (s)':>10} {'s/envío':>8} {'sobrecoste/envío (s)':>21}",
    ]
    for name, wall, workers in rows:
        overhead = wall * workers / submissions - floor_each
        lines.append(f"{name:40} {wall:10.1f} {wall / submissions:8.2f} {overhead:21.2f}")
    lines.append("")
    lines.append("sobrecoste/envío = pared × trabajadores / envíos − nbclient por envío (lo que cuesta cada cuaderno a un trabajador, además de ejecutarlo)")
    lines.append(f"aceleración del corrector paralelo frente a nbgrader secuencial: {sequential / parallel:.2f}×")
    return "\n".join(lines)


def compare_gradebooks(sequential: Path, parallel: Path, assignments: list[str], students: int) -> str:
    seq, par = scores(sequential, assignments), scores(parallel, assignments)
    expected = students * len(assignments)
    differing = sorted(key for key in seq.keys() | par.keys() if seq.get(key) != par.get(key))
    verdict = "ninguna nota perdida ni distinta" if not differing and len(par) == expected else f"DIFERENCIAS: {differing}"
    return f"notas en el libro: secuencial {len(seq)}/{expected}, paralelo {len(par)}/{expected} — {verdict}"


def scores(root: Path, assignments: list[str]) -> dict[tuple[str, str], float]:
    from nbgrader.api import Gradebook

    found = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        for assignment in assignments:
            for submission in gradebook.assignment_submissions(assignment):
                found[(assignment, submission.student.id)] = submission.score
    return found


if __name__ == "__main__":
    main()
