"""Pytest-based grading cells.

A grading cell starts with ``%%tests <points>`` and holds pytest test
functions (``def test_...``).  The magic runs exactly the tests defined in that
cell with pytest, against the names the student's notebook defines, prints one
line per test with its Spanish message, and returns the partial score
(fraction of tests passed × points).  nbgrader reads that number from the
cell's ``execute_result`` as the cell's grade.

Only the assertion message is shown for a failing test, never a traceback: a
traceback would print the lines of the hidden tests.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import io
import os
import tempfile
import types
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PASS_MARK = "✔"
FAIL_MARK = "✘"


@dataclass(frozen=True)
class TestOutcome:
    name: str
    passed: bool
    message: str = ""


@dataclass
class CellReport:
    points: float
    outcomes: list[TestOutcome] = field(default_factory=list)
    error: str = ""

    @property
    def n_passed(self) -> int:
        return sum(outcome.passed for outcome in self.outcomes)

    @property
    def score(self) -> float:
        if self.error or not self.outcomes:
            return 0.0
        return round(self.points * self.n_passed / len(self.outcomes), 4)

    def render(self) -> str:
        lines = []
        share = self.points / len(self.outcomes) if self.outcomes else 0.0
        for outcome in self.outcomes:
            mark = PASS_MARK if outcome.passed else FAIL_MARK
            earned = share if outcome.passed and not self.error else 0.0
            line = f"{mark} {outcome.name} ({_format_points(earned)} de {_format_points(share)} puntos)"
            if outcome.message:
                line += f" — {outcome.message}"
            lines.append(line)
        if self.error:
            lines.append(f"{FAIL_MARK} {self.error}")
        lines.append(
            f"{self.n_passed} de {len(self.outcomes)} pruebas superadas: "
            f"{_format_points(self.score)} de {_format_points(self.points)} puntos"
        )
        return "\n".join(lines)


def _format_points(value: float) -> str:
    return f"{round(value, 2):g}"


def test_names(source: str) -> list[str]:
    """Names of the top-level ``test_*`` functions a cell defines, in order."""
    tree = ast.parse(source)
    return [
        node.name
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test")
    ]


def failure_message(exc: BaseException) -> str:
    """What a student should read about a failed test, without its source."""
    if isinstance(exc, AssertionError):
        return str(exc) or "la comprobación no se cumple"
    if isinstance(exc, NotImplementedError):
        return "la función todavía no está implementada (NotImplementedError)"
    if isinstance(exc, MemoryError):
        return "se agotó la memoria permitida (MemoryError)"
    return f"error al ejecutar: {type(exc).__name__}: {exc}"


class _CellModule(pytest.Module):
    """A pytest module whose object is built in memory, not imported from disk."""

    cell_module: types.ModuleType

    def _getobj(self):
        return self.cell_module


class _CellPlugin:
    """Collects the cell's tests and records each outcome with its message."""

    def __init__(self, module: types.ModuleType, path: Path, names: list[str]):
        self.module = module
        self.path = path
        self.names = names
        self.outcomes: dict[str, TestOutcome] = {}

    @pytest.hookimpl(tryfirst=True)
    def pytest_collect_file(self, file_path, parent):
        if file_path == self.path:
            node = _CellModule.from_parent(parent, path=file_path)
            node.cell_module = self.module
            return node
        return None

    def pytest_collection_modifyitems(self, items):
        # Only functions defined in this cell count, not ones the notebook defined earlier.
        items[:] = [item for item in items if item.originalname in self.names]

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        if call.when == "call" or (call.when == "setup" and call.excinfo is not None):
            passed = call.excinfo is None
            message = "" if passed else failure_message(call.excinfo.value)
            self.outcomes[item.name] = TestOutcome(item.name, passed, message)
        return report


def run_tests(source: str, namespace: dict, points: float) -> CellReport:
    """Run the ``test_*`` functions of ``source`` against ``namespace`` with pytest."""
    report = CellReport(points=float(points))
    try:
        names = test_names(source)
    except SyntaxError as exc:
        report.error = f"la celda de pruebas no es Python válido: {exc}"
        return report
    module = types.ModuleType("pruebas")
    module.__dict__.update(namespace)
    # The tests resolve builtins through their globals: never through a student's replacement.
    module.__dict__["__builtins__"] = builtins
    try:
        exec(compile(source, "<pruebas>", "exec"), module.__dict__)
    except Exception as exc:  # a broken test cell must score 0, not crash the grader
        report.error = failure_message(exc)
        return report
    with tempfile.TemporaryDirectory(prefix="pruebas-") as tmp:
        # Not a .py file, so pytest's own collector leaves it to ours.
        path = Path(tmp) / "celda.pruebas"
        path.write_text("", encoding="utf-8")
        plugin = _CellPlugin(module, path, names)
        args = [
            str(path), "--rootdir", tmp, "-c", os.devnull,
            "-p", "no:cacheprovider", "-p", "no:terminal", "-p", "no:stepwise",
            "-W", "ignore",
        ]
        pytest_output = io.StringIO()
        with _no_plugin_autoload(), contextlib.redirect_stdout(pytest_output), \
                contextlib.redirect_stderr(pytest_output):
            exit_code = pytest.main(args, plugins=[plugin])
    if exit_code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
        report.error = f"pytest no pudo ejecutar las pruebas: {pytest_output.getvalue().strip()}"
        return report
    for name in names:
        collected = [o for key, o in plugin.outcomes.items() if key == name or key.startswith(name + "[")]
        report.outcomes.extend(collected or [TestOutcome(name, False, "la prueba no pudo ejecutarse")])
    return report


@contextlib.contextmanager
def _no_plugin_autoload():
    # Installed pytest plugins have no business in a grading cell.
    previous = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        yield
    finally:
        if previous is None:
            del os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = previous


def _parse_points(line: str) -> float:
    try:
        return float(line.split()[0])
    except (IndexError, ValueError):
        raise ValueError("uso: %%tests <puntos>, por ejemplo %%tests 2") from None


def tests_magic(line: str, cell: str) -> float:
    """``%%tests <points>``: run this cell's tests and return the partial score."""
    from IPython import get_ipython

    report = run_tests(cell, get_ipython().user_ns, _parse_points(line))
    print(report.render())
    return report.score


def load_ipython_extension(ipython) -> None:
    ipython.register_magic_function(tests_magic, magic_kind="cell", magic_name="tests")
