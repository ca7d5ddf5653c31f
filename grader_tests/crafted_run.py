"""Grade a class of crafted submissions of assignment 01 in one nbgrader run.

A crafted student is a function that receives the released notebook (a dict,
already a deep copy) and returns what the student hands in: a notebook, raw
bytes written as the notebook (broken JSON, another encoding), or ``Files``
(file name → notebook or bytes) for a folder with other names. The run uses
the course's own configuration, sandbox included, and a short cell timeout.
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat

from grading_run import make_course, release
from nncourse.cli import nbgrader
from notebooks import fill_answers, grade_cells, reference_answers

ASSIGNMENT = "01_mcculloch_pitts"
NOTEBOOK = "mcculloch_pitts.ipynb"
# Short, so the endless loop costs little; long enough for the memory bomb to fill the 4 GB cap
# (it writes every page: 5–11 s on this machine when it is busy).
CELL_TIMEOUT = 30


class Files(dict):
    """A submission folder given file by file (file name → notebook or bytes)."""


def _as_bytes(content) -> bytes:
    return content if isinstance(content, bytes) else nbformat.writes(nbformat.from_dict(content)).encode("utf-8")


@dataclass
class CraftedClass:
    root: Path
    max_points: dict[str, float]
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    handed_in: dict[str, dict[str, bytes]] = field(default_factory=dict)  # student → file name → bytes
    exit_code: int = 0

    def total(self, student: str) -> float:
        return sum(self.scores.get(student, {}).values())

    def autograded(self, student: str) -> dict:
        path = self.root / "autograded" / student / ASSIGNMENT / NOTEBOOK
        return json.loads(path.read_text(encoding="utf-8"))

    def test_cell_text(self, student: str, grade_id: str) -> str:
        for cell in self.autograded(student)["cells"]:
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
                return "".join("".join(o.get("text", "")) for o in cell.get("outputs", []))
        raise KeyError(grade_id)


def answered(answers: dict[str, str]) -> Callable[[dict], dict]:
    """A student who hands in the release with these solution cells filled."""
    return lambda nb: fill_answers(nbformat.reads(json.dumps(nb), as_version=4), answers)


def reference() -> dict[str, str]:
    return reference_answers(ASSIGNMENT)


def released_notebook(root: Path) -> dict:
    return json.loads((root / "release" / ASSIGNMENT / NOTEBOOK).read_text(encoding="utf-8"))


def grade_crafted(root: Path, students: dict[str, Callable[[dict], dict | bytes]], feedback: bool = False) -> CraftedClass:
    make_course(root, ASSIGNMENT)
    release(root, ASSIGNMENT)
    released = released_notebook(root)
    graded = CraftedClass(root, grade_cells(nbformat.from_dict(released)))
    for student, craft in students.items():
        handed_in = craft(copy.deepcopy(released))
        files = handed_in if isinstance(handed_in, Files) else {NOTEBOOK: handed_in}
        folder = root / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True, exist_ok=True)
        graded.handed_in[student] = {name: _as_bytes(content) for name, content in files.items()}
        for name, data in graded.handed_in[student].items():
            (folder / name).write_bytes(data)
    os.environ["NNCOURSE_CELL_TIMEOUT"] = str(CELL_TIMEOUT)
    try:
        graded.exit_code = nbgrader(root, "autograde", ASSIGNMENT, "--force")
        if feedback:
            nbgrader(root, "generate_feedback", ASSIGNMENT, "--force")
    finally:
        del os.environ["NNCOURSE_CELL_TIMEOUT"]
    graded.scores = read_all_scores(root, list(students), graded.max_points)
    return graded


def read_all_scores(root: Path, students: list[str], cells) -> dict[str, dict[str, float]]:
    """student → grade cell → score, for the students nbgrader recorded."""
    from nbgrader.api import Gradebook, MissingEntry

    from nncourse.cli import load_course_config

    scores = {}
    with Gradebook(load_course_config(root).DB_URL) as gradebook:
        for student in students:
            try:
                submission = gradebook.find_submission(ASSIGNMENT, student)
            except MissingEntry:
                continue
            scores[student] = {
                grade.name: grade.score for notebook in submission.notebooks for grade in notebook.grades
                if grade.name in cells
            }
    return scores
