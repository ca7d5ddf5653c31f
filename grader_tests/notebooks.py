"""Reading course notebooks and building submissions from them (shared by the grader tests)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat

REPO_ROOT = Path(__file__).resolve().parents[1]
SOURCE = REPO_ROOT / "source"
VARIANTS = Path(__file__).resolve().parent / "variants"

_SOLUTION_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.MULTILINE)
_TESTS_MAGIC = re.compile(r"^%%tests\s+(\S+)")


def assignments() -> list[str]:
    return sorted(p.name for p in SOURCE.iterdir() if p.is_dir() and not p.name.startswith("."))


def notebook_paths(assignment: str, root: Path = SOURCE) -> list[Path]:
    return sorted(p for p in (root / assignment).glob("*.ipynb"))


def nbgrader_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def solution_cells(nb) -> dict[str, str]:
    return {nbgrader_meta(c)["grade_id"]: c.source for c in nb.cells if nbgrader_meta(c).get("solution")}


def grade_cells(nb) -> dict[str, float]:
    """grade_id → points of the autograded test cells."""
    return {
        nbgrader_meta(c)["grade_id"]: float(nbgrader_meta(c)["points"])
        for c in nb.cells
        if nbgrader_meta(c).get("grade") and not nbgrader_meta(c).get("solution")
    }


def magic_points(source: str) -> float | None:
    match = _TESTS_MAGIC.match(source)
    return float(match.group(1)) if match else None


def reference_answer(solution_source: str) -> str:
    """A source solution cell as a student would write it: the markers removed."""
    return _SOLUTION_MARKER.sub("", solution_source)


def reference_answers(assignment: str) -> dict[str, str]:
    answers = {}
    for path in notebook_paths(assignment):
        nb = nbformat.read(path, as_version=4)
        answers.update({gid: reference_answer(src) for gid, src in solution_cells(nb).items()})
    return answers


def fill_answers(nb, answers: dict[str, str]):
    """A copy of a released notebook with some solution cells answered."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if nbgrader_meta(cell).get("solution") and grade_id in answers:
            cell.source = answers[grade_id]
    return nb


def load_variants(assignment: str):
    """The module grader_tests/variants/<assignment>.py (ALTERNATIVE, WRONG, ALSO_FAILS)."""
    path = VARIANTS / f"{assignment}.py"
    spec = importlib.util.spec_from_file_location(f"variants_{assignment}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
