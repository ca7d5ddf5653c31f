"""A submission earns no points it did not earn: every known way of gaming the grader, each
a crafted student of assignment 01 graded in one nbgrader run (crafted_class.py), plus the
integrity guard checked patch by patch."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from crafted_class import (LIARS, PATCH_BUILTINS, PATCH_CHECKS, PATCH_NUMPY, PATCH_PYTEST, graded_class,
                           reads_and_writes)
from nncourse import sandbox
from nncourse.nbgrader_ext import RegradeInSandbox
from nncourse.sandbox import SandboxUnavailable, bwrap_works

pytestmark = pytest.mark.slow
needs_sandbox = pytest.mark.skipif(not bwrap_works(), reason="bubblewrap no funciona en esta máquina")

# Each hands in the untouched release plus the cheat: every point would be undeserved.
CHEATS = [
    "cheat-checks",              # patches nncourse.checks
    "cheat-liars",               # objects whose __eq__ / __bool__ / __array__ / __int__ lie
    "cheat-hides-results-and-exits",  # showtraceback, set_custom_exc, excepthook, atexit, formatters,
                                      # displayhook, then SystemExit and KeyboardInterrupt in answer cells
    "cheat-os-exit",             # os._exit kills the kernel
    "cheat-rewrites-and-spies",  # input + AST transformers that neuter the tests, pre_run_cell spy
    "cheat-edits-tests",         # test cells edited, duplicated, reordered, relabelled, checksums and points changed
    "cheat-deletes-tests",       # test cells deleted
]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return graded_class(tmp_path_factory)


@pytest.mark.parametrize("student", CHEATS)
def test_cheat_earns_no_points(graded, student):
    assert graded.scores[student] == {cell: 0.0 for cell in graded.max_points}, graded.scores[student]


def test_honest_student_in_the_same_run_gets_full_marks(graded):
    assert graded.scores["reference"] == graded.max_points


def test_tampering_is_explained_in_spanish(graded):
    text = graded.test_cell_text("cheat-checks", "test_gates")
    assert "nncourse.checks.assert_int_equal" in text and "anula la nota" in text, text


def test_a_kernel_killed_by_the_student_is_graded_with_a_reason(graded):
    text = graded.test_cell_text("cheat-os-exit", "test_mcp_neuron")
    assert "terminó antes de esta celda" in text and "os._exit" in text, text


@needs_sandbox
def test_sandbox_hides_the_course_and_the_network(graded):
    assert graded.scores["cheat-reads-and-writes"] == {cell: 0.0 for cell in graded.max_points}
    assert not (graded.root / "escrito_por_el_alumno.txt").exists()
    assert graded.answer_server_hits == [], "el código del alumno llegó a la red"


def test_the_disk_cheat_would_work_without_the_sandbox(graded, tmp_path):
    """Control: outside the sandbox the same code finds the reference solutions (in a copy of the course)."""
    shutil.copytree(graded.root / "source", tmp_path / "source")
    code = reads_and_writes(tmp_path, 1) + "\nprint(mcp_neuron((1, 1)), xor_gate(1, 1))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip().endswith("1 0"), result.stderr[-2000:]


def test_endless_loop_and_memory_bomb_cost_only_their_cells(graded):
    scores = graded.scores["endless-loop-and-memory-bomb"]
    assert scores == {"test_mcp_neuron": 3.0, "test_gates": 5.0, "test_truth_table": 0.0, "test_xor_gate": 0.0}
    assert "tiempo máximo" in graded.test_cell_text("endless-loop-and-memory-bomb", "test_xor_gate")
    assert "MemoryError" in graded.test_cell_text("endless-loop-and-memory-bomb", "test_truth_table")


GUARD = """
import numpy, pytest, nncourse.checks
from nncourse.regrade import Guard, _guarded_packages
guard = Guard(_guarded_packages([]))
exec(compile({patch!r}, "<alumno>", "exec"), {{"get_ipython": lambda: None}})
import sys
sys.stdout.write("PROBLEMA: " + guard.problem() + "\\n")  # print may be the patched one
"""

PATCHES = {
    "builtins": PATCH_BUILTINS,
    "numpy": PATCH_NUMPY,
    "checks": PATCH_CHECKS,
    "pytest": PATCH_PYTEST,
    "settrace": "import sys\nsys.settrace(lambda *args: None)",
    "gc": "import gc\ngc.get_objects()",
    "code-swap": "import nncourse.checks as c\nc.plain_int.__code__ = (lambda value, call: 1).__code__",
    "meta-path": "import sys\nsys.meta_path.insert(0, object())",
}


@pytest.mark.parametrize("name", sorted(PATCHES))
def test_guard_detects_each_patch(name):
    result = subprocess.run([sys.executable, "-c", GUARD.format(patch=PATCHES[name])],
                            capture_output=True, text=True, timeout=120)
    assert "PROBLEMA: el código" in result.stdout, result.stdout + result.stderr[-2000:]


def test_guard_is_quiet_for_honest_code():
    # asyncio's import sets __code__ on a function it has just made (TensorFlow imports asyncio).
    honest = (LIARS + "\nimport numpy as np\nx = np.array([1, 2]) == 1\nimport itertools, math, asyncio\n"
              "def fresh(): pass\nfresh.__code__ = (lambda: 1).__code__\n")
    result = subprocess.run([sys.executable, "-c", GUARD.format(patch=honest)], capture_output=True, text=True, timeout=120)
    assert result.stdout == "PROBLEMA: \n", result.stdout + result.stderr[-2000:]


def test_the_sandbox_fails_closed_without_bubblewrap(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    sandbox.bwrap_works.cache_clear()
    try:
        with pytest.raises(SandboxUnavailable):
            sandbox.resolve_mode("required")
        with pytest.raises(SandboxUnavailable):
            sandbox.wrap([sys.executable, "-c", "print('sin aislar')"])
        with pytest.raises(SandboxUnavailable):
            RegradeInSandbox(sandbox="required")._run({"cells": [], "cell_timeout": 5, "nonce": "x"}, tmp_path)
        assert sandbox.resolve_mode("auto") is False
    finally:
        sandbox.bwrap_works.cache_clear()


RUN_JOB = """
import json, sys
from nncourse.regrade import run_job
results = []
run_job(json.loads(sys.argv[1]), results.append)
sys.stdout.write("RESULTADOS " + json.dumps(results) + "\\n")
"""
ANSWER_TEST = "%%tests 1\nimport nncourse.checks\n\ndef test_answer():\n    nncourse.checks.assert_int_equal(answer, 1, 'answer')\n"


def _run_job(student_source: str, cwd) -> list[dict]:
    job = {"cell_timeout": 60, "cells": [{"kind": "student", "source": student_source},
                                         {"kind": "test", "grade_id": "test_answer", "source": ANSWER_TEST, "points": 1}]}
    result = subprocess.run([sys.executable, "-c", RUN_JOB, json.dumps(job)], cwd=cwd,
                            capture_output=True, text=True, timeout=120)
    line = next((l for l in result.stdout.splitlines() if l.startswith("RESULTADOS ")), None)
    assert line, result.stdout[-2000:] + result.stderr[-2000:]
    return json.loads(line.removeprefix("RESULTADOS "))


def test_libraries_that_patch_as_they_load_are_not_tampering(tmp_path):
    # typing_extensions (imported by TensorFlow) replaces typing._collect_parameters as it loads.
    results = _run_job("%matplotlib inline\nimport typing_extensions\nanswer = 1", tmp_path)
    assert results[0].get("score") == 1.0, results


@pytest.mark.parametrize("module, import_line", [
    ("helper.py", "import helper"),
    ("tools/__init__.py", "import tools"),
    ("shipped/helper.py", "import shipped.helper"),  # a namespace package: a folder, no __init__.py
])
def test_a_module_shipped_with_the_submission_is_student_code(tmp_path, module, import_line):
    (tmp_path / module).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / module).write_text(PATCH_CHECKS)
    results = _run_job(f"{import_line}\nanswer = 2", tmp_path)
    assert "tampered" in results[0] and "assert_int_equal" in results[0]["tampered"], results
