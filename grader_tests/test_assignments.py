"""Every assignment in source/ is released, autograded and graded fairly.

One nbgrader run per assignment grades a whole class of variant submissions
(grading_run.py); the tests below read what it gave each student.
"""

from __future__ import annotations

import filecmp
import re

import nbformat
import pytest

from grading_run import grade_class, make_course, release
from notebooks import (
    REPO_ROOT,
    assignments,
    grade_cells,
    load_variants,
    nbgrader_meta,
    notebook_paths,
    solution_cells,
    magic_points,
)

ASSIGNMENTS = assignments()
pytestmark = pytest.mark.slow
def _covers(grade_id: str, exercise: str) -> bool:
    return grade_id == f"test_{exercise}" or grade_id.startswith(f"test_{exercise}_")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_is_in_sync_with_source(assignment, tmp_path):
    course = make_course(tmp_path / "course", assignment)
    release(course, assignment)
    generated = course / "release" / assignment
    committed = REPO_ROOT / "release" / assignment
    comparison = filecmp.dircmp(generated, committed)
    assert not (comparison.left_only or comparison.right_only), (
        f"release/{assignment} no coincide con lo generado: run `nncourse release {assignment}`"
    )
    for name in comparison.common_files:
        assert (generated / name).read_bytes() == (committed / name).read_bytes(), (
            f"release/{assignment}/{name} está desactualizado: run `nncourse release {assignment}`"
        )


def _hidden_test_lines(source: str) -> list[str]:
    hidden = re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", source, flags=re.S)
    return [line.strip() for block in hidden for line in block.splitlines() if len(line.strip()) > 12]


def _solution_lines(source: str) -> list[str]:
    blocks = re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", source, flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if len(line.strip()) > 12]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_holds_no_solutions_and_no_hidden_tests(assignment):
    for source_path in notebook_paths(assignment):
        released_path = REPO_ROOT / "release" / assignment / source_path.name
        released_text = released_path.read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in released_text and "HIDDEN TESTS" not in released_text
        released = {nbgrader_meta(c).get("grade_id"): c.source for c in nbformat.reads(released_text, as_version=4).cells}
        for cell in nbformat.read(source_path, as_version=4).cells:
            grade_id = nbgrader_meta(cell).get("grade_id")
            if grade_id is None:
                continue
            for line in _solution_lines(cell.source) + _hidden_test_lines(cell.source):
                assert line not in released[grade_id], f"{released_path.name}:{grade_id} contiene «{line}»"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_notebooks_are_consistent(assignment):
    """No outputs; %%tests points equal nbgrader's; every exercise has a test cell and variants."""
    variants = load_variants(assignment)
    for path in notebook_paths(assignment):
        nb = nbformat.read(path, as_version=4)
        assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), f"{path.name} tiene salidas"
        for cell in nb.cells:
            meta = nbgrader_meta(cell)
            if meta.get("grade") and not meta.get("solution"):
                assert magic_points(cell.source) == float(meta["points"]), meta["grade_id"]
        tests = grade_cells(nb)
        for exercise in solution_cells(nb):
            assert any(_covers(grade_id, exercise) for grade_id in tests), f"{exercise} no tiene celda test_{exercise}"
            assert variants.WRONG.get(exercise), f"faltan soluciones erróneas de {exercise} en variants/"
            assert exercise in variants.ALTERNATIVE, f"falta una solución alternativa de {exercise} en variants/"


def test_course_config_lists_every_assignment():
    from nncourse.cli import load_course_config

    assert load_course_config(REPO_ROOT).ASSIGNMENTS == ASSIGNMENTS


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_nbgrader_validate_passes_on_source(assignment, tmp_path):
    from nbgrader.validator import Validator

    course = make_course(tmp_path / "course", assignment)
    validator = Validator()
    for path in notebook_paths(assignment, course / "source"):
        results = validator.validate(str(path))
        assert not results.get("failed") and not results.get("changed"), results


@pytest.fixture(scope="class")
def graded(request, tmp_path_factory):
    """The graded class of the requesting test class's assignment, built once."""
    assignment = request.cls.assignment
    return grade_class(tmp_path_factory.mktemp(f"course-{assignment}"), assignment)


class _GradedClassTests:
    """The tests of one assignment's graded class; one subclass per assignment below, so that
    `pytest -n N --dist loadscope` grades each class once, on one worker."""

    assignment: str

    def test_reference_solution_gets_full_marks(self, graded):
        assert graded.scores["reference"] == graded.max_points

    def test_untouched_release_scores_zero_without_crashing(self, graded):
        assert set(graded.scores["untouched"]) == set(graded.max_points), "algún cuaderno no se corrigió"
        assert all(score == 0 for score in graded.scores["untouched"].values()), graded.scores["untouched"]

    def test_correct_solutions_written_differently_get_full_marks(self, graded):
        scores = graded.scores["alternative"]
        lost = {grade_id: f"{scores[grade_id]}/{points}" for grade_id, points in graded.max_points.items()
                if scores[grade_id] != points}
        assert not lost, f"soluciones alternativas correctas perdieron puntos en {lost}"

    def test_wrong_solution_loses_only_its_exercise_points(self, graded, wrong_student):
        exercise = graded.wrong[wrong_student]
        may_also_lose = set(getattr(load_variants(graded.assignment), "ALSO_AFFECTS", {}).get(exercise, ()))
        scores = graded.scores[wrong_student]
        for grade_id, points in graded.max_points.items():
            if _covers(grade_id, exercise):
                assert scores[grade_id] < points, f"{grade_id} no detecta la solución errónea de {exercise}"
            elif grade_id not in may_also_lose:
                assert scores[grade_id] == points, f"{grade_id} perdió puntos por un error en {exercise}"


def pytest_generate_tests(metafunc):
    if "wrong_student" in metafunc.fixturenames:
        wrong = load_variants(metafunc.cls.assignment).WRONG
        metafunc.parametrize("wrong_student", [f"wrong-{exercise}-{index}"
                                               for exercise, sources in wrong.items()
                                               for index in range(len(sources))])


for _assignment in ASSIGNMENTS:
    _name = f"TestClass_{_assignment}"
    globals()[_name] = type(_name, (_GradedClassTests,), {"assignment": _assignment})
