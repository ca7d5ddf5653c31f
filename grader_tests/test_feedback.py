"""Feedback students can use: per test its name, points, pass/fail and a Spanish message;
the hidden tests' source never reaches a student, while instructors see everything;
grading twice gives the same score."""

from __future__ import annotations

import html
import json
import re

import nbformat
import pytest

from crafted_class import graded_class
from crafted_run import ASSIGNMENT, NOTEBOOK, read_all_scores
from nncourse.cli import nbgrader
from notebooks import REPO_ROOT, SOURCE

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return graded_class(tmp_path_factory)


def _hidden_lines() -> list[str]:
    """Lines of the hidden tests that appear nowhere in what students receive (not `import numpy as np`)."""
    nb = nbformat.read(SOURCE / ASSIGNMENT / NOTEBOOK, as_version=4)
    released = (REPO_ROOT / "release" / ASSIGNMENT / NOTEBOOK).read_text(encoding="utf-8")
    blocks = [b for c in nb.cells for b in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", c.source, re.S)]
    lines = {line.strip() for block in blocks for line in block.splitlines() if len(line.strip()) > 15}
    return sorted(line for line in lines if json.dumps(line)[1:-1] not in released)


def _feedback_files(graded):
    return sorted((graded.root / "feedback").rglob("*.*"))


def _visible_text(path) -> str:
    """What a reader of the file sees: HTML tags (syntax highlighting splits lines) removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8", errors="replace")))


def test_every_graded_student_gets_feedback(graded):
    students = {path.parts[-3] for path in _feedback_files(graded)}
    assert {"reference", "cheat-rewrites-and-spies", "stderr-logs-and-error"} <= students


def test_feedback_lists_each_test_with_points_result_and_spanish_message(graded):
    text = _visible_text(graded.root / "feedback" / "stderr-logs-and-error" / ASSIGNMENT / "mcculloch_pitts.html")
    assert "✔ test_fires_with_two_active_inputs (0.43 de 0.43 puntos)" in text
    assert "✘ test_and_gate_examples (0 de 0.42 puntos) — error al ejecutar: ValueError: error de verdad" in text
    assert "7 de 7 pruebas superadas: 3 de 3 puntos" in text


def test_hidden_tests_never_reach_a_student(graded):
    hidden = _hidden_lines()
    assert hidden
    for path in _feedback_files(graded):
        text = _visible_text(path)
        leaked = [line for line in hidden if line in text]
        assert not leaked, f"{path.relative_to(graded.root)} muestra pruebas ocultas: {leaked[:3]}"


def test_a_spy_in_the_kernel_sees_no_hidden_test(graded):
    nb = graded.autograded("cheat-rewrites-and-spies")
    printed = "".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", []))
    assert "ESPÍA" in printed, "el espía no llegó a ejecutarse: la prueba no demostraría nada"
    assert not [line for line in _hidden_lines() if line in printed]


def test_instructors_see_the_hidden_tests_in_autograded(graded):
    text = (graded.root / "autograded" / "reference" / ASSIGNMENT / NOTEBOOK).read_text(encoding="utf-8")
    assert all(line in text.replace('\\"', '"') for line in _hidden_lines())


def test_grading_twice_gives_the_same_score(graded):
    students = ["stderr-logs-and-error"]  # a partial score: every test cell is re-decided
    before = {s: graded.scores[s] for s in students}
    for student in students:
        nbgrader(graded.root, "autograde", ASSIGNMENT, "--force", f"--student={student}")
    assert read_all_scores(graded.root, students, graded.max_points) == before
