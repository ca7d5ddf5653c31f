"""Build a throw-away copy of the course, release one assignment, and autograde a class of
variant submissions in one nbgrader run: the reference, the untouched release, one student
who solves every exercise differently (correctly), and one student per wrong solution of
each exercise."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from nncourse.cli import nbgrader
from notebooks import REPO_ROOT, fill_answers, grade_cells, load_variants, notebook_paths, reference_answers

COURSE_FILES = ("course_config.py", "nbgrader_config.py")


@dataclass
class GradedClass:
    root: Path
    assignment: str
    max_points: dict[str, float]  # grade cell → points
    scores: dict[str, dict[str, float]] = field(default_factory=dict)  # student → grade cell → score
    wrong: dict[str, str] = field(default_factory=dict)  # student → exercise it gets wrong


def make_course(root: Path, assignment: str) -> Path:
    """A course root holding only this assignment's source and the course configuration."""
    root.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        shutil.copy(REPO_ROOT / name, root / name)
    shutil.copytree(REPO_ROOT / "source" / assignment, root / "source" / assignment)
    return root


def release(root: Path, assignment: str) -> None:
    if nbgrader(root, "generate_assignment", assignment, "--force") != 0:
        raise RuntimeError(f"nbgrader generate_assignment {assignment} failed")


def class_answers(assignment: str) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """student → answers; and which exercise each wrong student gets wrong.

    Correct solutions are all right at once, so one "alternative" student holds every
    alternative: a full score still proves each is accepted, at the cost of one notebook.
    """
    reference = reference_answers(assignment)
    variants = load_variants(assignment)
    students = {"reference": reference, "untouched": {}, "alternative": {**reference, **variants.ALTERNATIVE}}
    wrong = {}
    for exercise, sources in variants.WRONG.items():
        for index, source in enumerate(sources):
            student = f"wrong-{exercise}-{index}"
            students[student] = {**reference, exercise: source}
            wrong[student] = exercise
    return students, wrong


def submit(root: Path, assignment: str, student: str, answers: dict[str, str]) -> None:
    for released in notebook_paths(assignment, root / "release"):
        nb = fill_answers(nbformat.read(released, as_version=4), answers)
        target = root / "submitted" / student / assignment / released.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)


def read_scores(root: Path, assignment: str, students, cells) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    from nncourse.cli import load_course_config

    scores = {}
    with Gradebook(load_course_config(root).DB_URL) as gradebook:
        for student in students:
            submission = gradebook.find_submission(assignment, student)
            scores[student] = {
                grade.name: grade.score
                for notebook in submission.notebooks
                for grade in notebook.grades
                if grade.name in cells
            }
    return scores


def grade_class(root: Path, assignment: str) -> GradedClass:
    make_course(root, assignment)
    release(root, assignment)
    students, wrong = class_answers(assignment)
    for student, answers in students.items():
        submit(root, assignment, student, answers)
    # nbgrader exits non-zero when a notebook could not be graded; the scores tell.
    nbgrader(root, "autograde", assignment, "--force")
    max_points = {}
    for path in notebook_paths(assignment, root / "source"):
        max_points.update(grade_cells(nbformat.read(path, as_version=4)))
    graded = GradedClass(root, assignment, max_points, wrong=wrong)
    graded.scores = read_scores(root, assignment, students, max_points)
    return graded
