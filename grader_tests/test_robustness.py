"""A broken submission gets a clear Spanish message, never costs anyone else their grade, and
is never modified. The broken students are part of the crafted class (crafted_class.py)."""

from __future__ import annotations

import pytest

from crafted_class import TEST_CELLS, graded_class
from crafted_run import ASSIGNMENT, NOTEBOOK
from nncourse.submission import check_notebook, check_submission

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return graded_class(tmp_path_factory)


def _problems(graded, student):
    folder = graded.root / "submitted" / student / ASSIGNMENT
    return check_submission(folder, [NOTEBOOK], {NOTEBOOK: list(TEST_CELLS)})


@pytest.mark.parametrize("student, words", [
    ("broken-json", "no es un JSON válido"),
    ("broken-latin1", "no está guardado en UTF-8"),
    ("broken-renamed", "¿le cambiaste el nombre?"),
    ("broken-missing", "falta el cuaderno"),
    ("broken-nbformat3-huge-outputs-extra-cells", "formato antiguo nbformat 3"),
    ("broken-nbformat3-huge-outputs-extra-cells", "salidas enormes"),
    ("cheat-deletes-tests", "falta la celda de pruebas test_gates"),
    ("cheat-edits-tests", "aparece 2 veces"),
])
def test_each_broken_submission_gets_a_spanish_message(graded, student, words):
    assert any(words in problem for problem in _problems(graded, student)), _problems(graded, student)


def test_a_clean_submission_has_nothing_to_report(graded):
    assert _problems(graded, "reference") == []


def test_unreadable_submissions_score_zero_and_the_batch_goes_on(graded):
    for student in ("broken-json", "broken-latin1", "broken-renamed", "broken-missing"):
        assert sum(graded.scores.get(student, {}).values()) == 0
    graded_after_them = [s for s in ("reference", "stderr-logs-and-error", "endless-loop-and-memory-bomb")
                         if set(graded.scores.get(s, {})) == set(graded.max_points)]
    assert len(graded_after_them) == 3, graded.scores


def test_an_old_format_notebook_with_huge_outputs_and_extra_cells_gets_its_marks(graded):
    assert graded.scores["broken-nbformat3-huge-outputs-extra-cells"] == graded.max_points


def test_every_submission_is_left_byte_for_byte_untouched(graded):
    for student, files in graded.handed_in.items():
        for name, data in files.items():
            assert (graded.root / "submitted" / student / ASSIGNMENT / name).read_bytes() == data, student


def test_test_cells_are_always_graded_even_when_deleted_or_relabelled(graded):
    for student in ("cheat-deletes-tests", "cheat-edits-tests", "cheat-os-exit"):
        assert set(graded.scores[student]) == set(graded.max_points), student
        assert all(score is not None for score in graded.scores[student].values())


def test_tensorflow_logs_on_stderr_never_fail_a_correct_answer_but_a_real_error_does(graded):
    scores = graded.scores["stderr-logs-and-error"]
    assert scores["test_mcp_neuron"] == 3.0 and scores["test_truth_table"] == 2.0 and scores["test_xor_gate"] == 3.0
    assert scores["test_gates"] < 5.0
    assert "error de verdad" in graded.test_cell_text("stderr-logs-and-error", "test_gates")


def test_check_notebook_reads_only(tmp_path):
    path = tmp_path / "cuaderno.ipynb"
    path.write_bytes(b"\xff\xfe no es texto")
    assert "UTF-8" in check_notebook(path)[0]
    assert path.read_bytes() == b"\xff\xfe no es texto"
