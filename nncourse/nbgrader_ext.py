"""The course's additions to nbgrader's pipeline (switched on in course_config.py).

Sanitising (``sanitize_steps``): every cell's nbgrader metadata is reset from
the gradebook (``NormalizeCellMetadata``), so edited metadata cannot stop the
batch. Autograding (``autograde_steps``): the grading kernel runs in the sandbox and
never receives the hidden tests (``HideHiddenTests``,
``ExecuteInSandbox``); its outputs are what the student sees of their own
cells. The grade of every test cell is then decided again, where student code
cannot rewrite the tests, by ``RegradeInSandbox`` (why and how:
``nncourse.regrade``), whose result becomes the cell's only output.
Feedback (``feedback_steps``) drops the hidden tests' source.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import select
import subprocess
import sys
import tempfile
import time
import weakref
import shutil
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader.api import Gradebook
from nbgrader.preprocessors import ClearHiddenTests, Execute, NbGraderPreprocessor
from traitlets import Bool, Integer, Unicode

from nncourse import sandbox as isolation

# Lines TensorFlow and its C++ logging (absl) print on stderr by themselves.
_TENSORFLOW_LOG_LINE = re.compile(
    r"^(?:"
    r"WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ [\w./-]+:\d+\] .*"  # absl: I0000 00:00:17.8 3978 file.cc:227] …
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWEF] [\w./-]+:\d+\] .*"  # TF's older format
    r"|To enable the following instructions: .* rebuild TensorFlow .*"
    r")$"
)


def strip_tensorflow_logs(text: str) -> str:
    """``text`` without the lines that are TensorFlow's own log notices."""
    kept = [line for line in text.splitlines(keepends=True) if not _TENSORFLOW_LOG_LINE.match(line.rstrip("\n"))]
    return "".join(kept)


class DropTensorFlowLogs(NbGraderPreprocessor):
    """Remove TensorFlow's log lines from stderr outputs, so they cannot zero a test cell.

    Any other stderr text (a real warning or error) stays, and nbgrader still
    scores that cell as it always does.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "code":
            outputs = []
            for output in cell.outputs:
                if output.output_type == "stream" and output.name == "stderr":
                    output.text = strip_tensorflow_logs(output.text)
                    if not output.text.strip():
                        continue
                outputs.append(output)
            cell.outputs = outputs
        return cell, resources


class NormalizeCellMetadata(NbGraderPreprocessor):
    """Give every cell the nbgrader metadata the gradebook says it has, or none.

    A student who edits a cell's nbgrader metadata (another schema version, a
    grade_id the gradebook does not know, flags switched) or duplicates a cell
    would otherwise make nbgrader stop the whole batch (SchemaTooOldError; its
    own DeduplicateIds leaves duplicates with empty, invalid metadata) or grade
    the cell as something else. The last cell with a known grade_id gets the
    gradebook's metadata, as nbgrader keeps the last duplicate; any other
    nbgrader metadata is dropped, so the cell counts as the student's own code.
    """

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gradebook:
            canonical = canonical_metadata(gradebook.find_notebook(info["notebook"], info["assignment"]))
        seen = set()
        for cell in reversed(nb.cells):
            meta = cell.metadata.get("nbgrader")
            grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
            if isinstance(grade_id, str) and grade_id in canonical and grade_id not in seen:
                cell.metadata["nbgrader"] = nbformat.from_dict(dict(canonical[grade_id]))
                seen.add(grade_id)
            else:
                cell.metadata.pop("nbgrader", None)
        return nb, resources


def canonical_metadata(notebook) -> dict[str, dict]:
    """grade_id → the nbgrader metadata (schema 3) the gradebook records for that cell."""
    grades = {cell.name: cell.max_score for cell in notebook.grade_cells}
    tasks = {cell.name: cell.max_score for cell in notebook.task_cells}
    solutions = {cell.name for cell in notebook.solution_cells}
    metadata = {}
    for cell in notebook.source_cells:
        entry = {"grade": cell.name in grades, "solution": cell.name in solutions, "task": cell.name in tasks,
                 "locked": cell.locked, "grade_id": cell.name, "schema_version": 3}
        if cell.name in grades or cell.name in tasks:
            entry["points"] = grades.get(cell.name, tasks.get(cell.name))
        metadata[cell.name] = entry
    return metadata


class HideHiddenTests(ClearHiddenTests):
    """Remove the hidden tests from the test cells (before the kernel runs, and in feedback).

    A hook in the grading kernel could otherwise print them into an output the
    student gets back. Only grade cells are touched: a student who writes the
    delimiters in an answer cell must not break the grading of the notebook.
    """

    enforce_metadata = Bool(False)

    def preprocess_cell(self, cell, resources, cell_index):
        if _nbgrader(cell).get("grade") and not _nbgrader(cell).get("solution"):
            return super().preprocess_cell(cell, resources, cell_index)
        return cell, resources


def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


class SandboxKernelManager(AsyncKernelManager):
    """Kernels started by ``nncourse.sandbox``: IPC sockets in a folder of their own."""

    memory_limit = Integer(isolation.DEFAULT_MEMORY_LIMIT).tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        root = Path(tempfile.mkdtemp(prefix="nncourse-ipc-"))  # 0700: other users cannot enter
        sockets = root / "sockets"
        sockets.mkdir()
        sockets.chmod(0o777)  # the kernel runs as nobody and creates its sockets here
        weakref.finalize(self, shutil.rmtree, root, True)
        self.transport = "ipc"
        self.ip = str(sockets / "kernel")

    @property
    def kernel_spec(self):
        return KernelSpec(resource_dir="", **isolation.kernel_spec(self.memory_limit))


class ExecuteInSandbox(Execute):
    """nbgrader's Execute with the kernel in the sandbox, surviving a kernel that dies.

    When a student's code ends the kernel (``os._exit``, a crash) or leaves it
    unresponsive, nbgrader would drop the whole notebook; here the outputs so far
    are kept and the grade is decided by ``RegradeInSandbox``, which says why
    each test cell lost its points.
    """

    sandbox = Unicode("auto", help="auto | required | off (nncourse.sandbox.resolve_mode)").tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if isolation.resolve_mode(self.sandbox):
            # nbgrader passes its own kernel manager class as an argument, which beats configuration.
            self.kernel_manager_class = SandboxKernelManager

    def preprocess(self, nb, resources=None, km=None):
        try:
            return super().preprocess(nb, resources, km)
        except (DeadKernelError, CellTimeoutError) as error:
            self.log.warning("El kernel no terminó el cuaderno (%s); la nota la decide RegradeInSandbox",
                             type(error).__name__)
            return nb, resources


RESULT_LIMIT = 10 * 1024**2  # bytes of results a notebook may send back


class RegradeInSandbox(NbGraderPreprocessor):
    """Decide each test cell's score in a fresh, sandboxed process (``nncourse.regrade``).

    The test sources come from the gradebook, not from the submission; a test
    cell the student deleted is added back at the end. The rendered report and
    the score become the cell's only outputs, so a missing or unreadable score
    can never turn into full marks, and the cell's full source is restored for
    the instructor.
    """

    sandbox = Unicode("auto", help="auto | required | off (nncourse.sandbox.resolve_mode)").tag(config=True)
    cell_timeout = Integer(180, help="seconds a cell may run").tag(config=True)
    memory_limit = Integer(isolation.DEFAULT_MEMORY_LIMIT, help="bytes of address space").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gradebook:
            notebook = gradebook.find_notebook(info["notebook"], info["assignment"])
            solutions = {cell.name for cell in notebook.solution_cells}
            tests = {cell.name: cell.max_score for cell in notebook.grade_cells if cell.name not in solutions}
            sources = {cell.name: (cell.source, cell.locked, cell.checksum) for cell in notebook.source_cells}
        job, test_cells = self._job(nb, tests, sources)
        folder = Path(resources.get("metadata", {}).get("path") or ".")
        results = self._run(job, folder)
        for grade_id, cell in test_cells.items():
            score, text = results.get(grade_id, (0.0, results["_missing"]))
            cell.outputs = [
                nbformat.v4.new_output("stream", name="stdout", text=text + "\n"),
                nbformat.v4.new_output("execute_result", data={"text/plain": repr(float(score))}),
            ]
        return nb, resources

    def _job(self, nb, tests: dict, sources: dict):
        """The cells to run, in the submission's order, with trusted sources where the course has them."""
        cells, test_cells = [], {}
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            grade_id = _nbgrader(cell).get("grade_id")
            if grade_id in tests and grade_id not in test_cells:
                test_cells[grade_id] = self._restore(cell, grade_id, tests, sources)
                cells.append({"kind": "test", "grade_id": grade_id, "source": sources[grade_id][0],
                              "points": tests[grade_id]})
            elif grade_id in sources and sources[grade_id][1] and grade_id not in tests and not _nbgrader(cell).get("solution"):
                cells.append({"kind": "trusted", "source": sources[grade_id][0]})
            elif grade_id not in tests:
                cells.append({"kind": "student", "source": cell.source})
        for grade_id in tests:
            if grade_id not in test_cells:  # deleted by the student: graded anyway, at the end
                cell = nbformat.v4.new_code_cell("")
                nb.cells.append(cell)
                test_cells[grade_id] = self._restore(cell, grade_id, tests, sources)
                cells.append({"kind": "test", "grade_id": grade_id, "source": sources[grade_id][0],
                              "points": tests[grade_id]})
        job = {"cells": cells, "cell_timeout": self.cell_timeout, "memory_limit": self.memory_limit,
               "nonce": secrets.token_hex(16)}
        return job, test_cells

    @staticmethod
    def _restore(cell, grade_id, tests, sources):
        source, locked, checksum = sources[grade_id]
        cell.source = source
        cell.metadata["nbgrader"] = nbformat.from_dict({
            "grade": True, "solution": False, "locked": locked, "task": False, "grade_id": grade_id,
            "points": tests[grade_id], "checksum": checksum, "schema_version": 3,
        })
        return cell

    def _run(self, job: dict, folder: Path) -> dict:
        """grade_id → (score, report); ``_missing`` → the text for cells without a result."""
        command = [sys.executable, "-m", "nncourse.regrade"]
        if isolation.resolve_mode(self.sandbox):
            command = isolation.wrap(command, files=folder)
        deadline = self.cell_timeout * (len(job["cells"]) + 2)
        started = time.monotonic()
        # The driver caps its own memory (no preexec_fn: unsafe when the grader runs in threads).
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=folder,
            start_new_session=True,
        )
        try:
            process.stdin.write(json.dumps(job).encode("utf-8"))
            process.stdin.close()
        except BrokenPipeError:  # it died at once; the results say so
            pass
        output, timed_out = _read_limited(process, deadline)
        elapsed = time.monotonic() - started
        self.log.info("Nueva corrección en %.1f s (%s)", elapsed, "aislada" if command[0] != sys.executable else "sin aislar")
        return interpret_results(output, job["nonce"], timed_out, process.returncode, deadline)


def _read_limited(process, deadline: float) -> tuple[bytes, bool]:
    """The process's stdout, read until it ends, the deadline passes, or too much arrives."""
    chunks, size, end = [], 0, time.monotonic() + deadline
    stream = process.stdout
    while True:
        left = end - time.monotonic()
        if left <= 0 or size > RESULT_LIMIT:
            _kill(process)
            return b"".join(chunks), left <= 0
        ready, _, _ = select.select([stream], [], [], min(left, 1.0))
        if ready:
            chunk = os.read(stream.fileno(), 65536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    _kill(process)  # anything the student's code left running in the group ends with it
    return b"".join(chunks), False


def _kill(process) -> None:
    try:
        os.killpg(process.pid, 9)
    except ProcessLookupError:
        pass
    process.wait()


def interpret_results(output: bytes, nonce: str, timed_out: bool, returncode: int, deadline: float) -> dict:
    """Turn the regrade's messages into grade_id → (score, report), trusting only nonce-signed lines."""
    results, done, tampered = {}, False, ""
    for line in output.decode("utf-8", errors="replace").splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            message = None
        if not isinstance(message, dict) or message.get("nonce") != nonce:
            tampered = "el cuaderno escribió resultados falsos en el canal de la corrección"
            break
        if "tampered" in message:
            tampered = message["tampered"]
            break
        if message.get("done"):
            done = True
        elif message.get("grade_id") in results:
            tampered = "el cuaderno repitió el resultado de una celda de pruebas"
            break
        elif "grade_id" in message:
            results[message["grade_id"]] = (float(message["score"]), str(message["report"]))
    if tampered:
        return {"_missing": f"✘ 0 puntos: {tampered}. Manipular el entorno de las pruebas anula la nota del cuaderno."}
    if timed_out:
        reason = f"la corrección superó el tiempo máximo ({deadline} s): ¿hay un bucle infinito?"
    elif not done:
        reason = (f"el proceso de corrección terminó antes de esta celda (código {returncode}): "
                  "el cuaderno lo cerró (sys.exit, os._exit), agotó la memoria o falló")
    else:
        reason = "esta celda no se ejecutó"
    results["_missing"] = f"✘ 0 puntos: {reason}."
    return results


def autograde_steps() -> list:
    """nbgrader's autograde steps with the course's: hidden tests kept from the kernel,
    the sandboxed kernel, the log filter, and the regrade that decides the scores."""
    from nbgrader.converters import Autograde

    steps = list(Autograde.class_traits()["autograde_preprocessors"].default())
    at = steps.index(Execute)
    steps[at:at + 1] = [HideHiddenTests, ExecuteInSandbox, DropTensorFlowLogs, RegradeInSandbox]
    return steps


def sanitize_steps() -> list:
    """nbgrader's sanitising steps, after the course's metadata normalisation."""
    from nbgrader.converters import Autograde

    return [NormalizeCellMetadata, *Autograde.class_traits()["sanitize_preprocessors"].default()]


def feedback_steps() -> list:
    """nbgrader's feedback steps, without the hidden tests' source."""
    from nbgrader.converters import GenerateFeedback

    return [HideHiddenTests, *GenerateFeedback.class_traits()["preprocessors"].default()]
