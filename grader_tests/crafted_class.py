"""One class of crafted submissions of assignment 01, graded once and shared by
test_gaming.py, test_robustness.py and test_feedback.py (one nbgrader run keeps
the suite fast). Each student is a cheat, a broken file, or an honest control.
"""

from __future__ import annotations

import copy
import http.server
import socketserver
import threading
from pathlib import Path

import nbformat

from crafted_run import ASSIGNMENT, NOTEBOOK, Files, answered, grade_crafted, reference

TEST_CELLS = ("test_mcp_neuron", "test_gates", "test_truth_table", "test_xor_gate")


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _source(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def prefixed(grade_id: str, code: str):
    """The untouched release, with ``code`` run at the top of solution cell ``grade_id``."""
    def craft(nb):
        for cell in nb["cells"]:
            if _meta(cell).get("grade_id") == grade_id:
                cell["source"] = code + "\n" + _source(cell)
        return nb
    return craft


# ---------------------------------------------------------------- cheats in code

PATCH_BUILTINS = """
import builtins
builtins.isinstance = lambda *args: True
builtins.len = lambda value: 0
builtins.print = lambda *args, **kwargs: None
assert_int_equal = assert_array_equal = lambda *args, **kwargs: None
__builtins__ = {"isinstance": lambda *args: True}
"""

PATCH_NUMPY = """
import numpy as np
np.array_equal = lambda *args, **kwargs: True
np.allclose = lambda *args, **kwargs: True
def mcp_neuron(excitatory, inhibitory=(), threshold=2):
    return 0
"""

PATCH_CHECKS = """
import nncourse.checks as checks
checks.assert_int_equal = lambda *args, **kwargs: None
checks.assert_array_equal = lambda *args, **kwargs: None
"""

PATCH_PYTEST = """
import _pytest.python
_pytest.python.Function.runtest = lambda self: None
"""

LIARS = """
class Liar:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __bool__(self): return True
    def __int__(self): return 1
    def __index__(self): return 1
    def __array__(self, *args, **kwargs):
        import numpy
        return numpy.zeros((4, 3), dtype=int)

class LyingInt(int):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = int.__hash__

def mcp_neuron(excitatory, inhibitory=(), threshold=2):
    return LyingInt(1)

def truth_table(gate, n_inputs):
    return Liar()

def xor_gate(a, b):
    mcp_neuron((a, b))
    mcp_neuron((a, b))
    return Liar()
"""

HIDE_RESULTS = """
import atexit, sys
ip = get_ipython()
ip.showtraceback = lambda *args, **kwargs: None
ip.set_custom_exc((BaseException,), lambda shell, etype, evalue, tb, tb_offset=None: None)
sys.excepthook = lambda *args: None
atexit.register(lambda: print('{"grade_id": "test_mcp_neuron", "score": 3.0, "report": "ok"}'))
ip.display_formatter.formatters["text/plain"].for_type(float, lambda value, printer, cycle: printer.text("bien"))
ip.display_formatter.active_types = []
sys.displayhook = lambda value: None
"""

EXITS = "\nraise SystemExit(0)"

KEYBOARD_INTERRUPT = "raise KeyboardInterrupt"

OS_EXIT = """
import os
os._exit(0)
"""

REWRITE_AND_SPY = """
import ast

def _full_marks(lines):
    if lines and lines[0].startswith("%%tests"):
        return [lines[0].split()[1] + "\\n"]
    return lines

class _Harmless(ast.NodeTransformer):
    def visit_Module(self, node):
        if any(isinstance(n, ast.FunctionDef) and n.name.startswith("test") for n in node.body):
            self.generic_visit(node)
        return node
    def visit_Raise(self, node):
        return ast.Pass()
    def visit_Assert(self, node):
        return ast.Pass()

ip = get_ipython()
ip.input_transformers_cleanup.append(_full_marks)
ip.ast_transformers.append(_Harmless())
_seen = []
ip.events.register("pre_run_cell", lambda info: _seen.append(info.raw_cell))
ip.events.register("post_run_cell", lambda result: print("ESPÍA", *_seen))
"""


def reads_and_writes(course: Path, port: int) -> str:
    """Every way around the sandbox we know: each one, if it worked, would answer every exercise."""
    return f"""
import glob, json, os, re, socket, urllib.request
_found = []
for _path in [{str(course / 'source' / ASSIGNMENT / NOTEBOOK)!r},
              {str(course / 'submitted' / 'reference' / ASSIGNMENT / NOTEBOOK)!r},
              '../../../source/{ASSIGNMENT}/{NOTEBOOK}', '../../reference/{ASSIGNMENT}/{NOTEBOOK}']:
    try:
        _cells = json.load(open(_path))["cells"]
        _found += ["".join(c["source"]) for c in _cells if c["metadata"].get("nbgrader", {{}}).get("solution")]
    except Exception:
        pass
try:
    _found.append(urllib.request.urlopen("http://127.0.0.1:{port}/", timeout=3).read().decode())
except Exception:
    pass
for _name in ("escrito_por_el_alumno.txt", "gradebook.db"):
    try:
        with open(os.path.join({str(course)!r}, _name), "a") as _handle:
            _handle.write("x")
    except Exception:
        pass
for _notebook in glob.glob("*.ipynb"):
    print(open(_notebook).read())
for _source in _found:
    exec(re.sub(r"### (BEGIN|END) SOLUTION", "", _source), globals())
"""


def serve_answers(answers: str) -> tuple[socketserver.TCPServer, int]:
    """A web server on the grader's loopback that hands out the reference answers (``server.hits`` counts)."""
    body = answers.encode("utf-8")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.server.hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = socketserver.TCPServer(("127.0.0.1", 0), Handler)
    server.hits = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


ENDLESS_XOR = """
def xor_gate(a, b):
    while True:
        pass
"""

MEMORY_BOMB = """
def truth_table(gate, n_inputs):
    blocks = []
    while True:
        blocks.append(bytearray(1024 ** 3))
"""

# ---------------------------------------------------------------- cheats on the notebook


def edit_tests(nb):
    for cell in nb["cells"]:
        if _meta(cell).get("grade_id") in TEST_CELLS:
            cell["source"] = "%%tests 3\ndef test_nothing():\n    pass\n"
            cell["metadata"]["nbgrader"].update(points=30, checksum="0" * 32, locked=False)
    return nb


def delete_tests(nb):
    nb["cells"] = [c for c in nb["cells"] if _meta(c).get("grade_id") not in TEST_CELLS]
    return nb


def shuffle_tests(nb):
    """Tests moved to the top, each preceded by a trivial duplicate with the same grade_id; one relabelled."""
    tests = [c for c in nb["cells"] if _meta(c).get("grade_id") in TEST_CELLS]
    others = [c for c in nb["cells"] if _meta(c).get("grade_id") not in TEST_CELLS]
    moved = []
    for cell in tests:
        fake = copy.deepcopy(cell)
        fake["source"] = "%%tests 5\ndef test_nothing():\n    pass\n"
        fake["id"] = cell["id"] + "-copia"
        moved += [fake, cell]
    moved[-1]["metadata"]["nbgrader"].update(grade_id="mi_celda", grade=False)
    nb["cells"] = others[:1] + moved + others[1:]
    return nb


# ---------------------------------------------------------------- broken files


def invalid_json(nb):
    return nbformat.writes(nbformat.from_dict(nb)).encode("utf-8")[:-40]


def latin1(nb):
    nb = answered(reference())(nb)
    nb.cells[0].source += "\nÑandú, acción y corrección."
    return nbformat.writes(nb).encode("utf-8").decode("utf-8").encode("latin-1", errors="replace")


def nbformat_v3(nb):
    return nbformat.writes(nb, version=3).encode("utf-8")


def huge_outputs(nb):
    nb = answered(reference())(nb)  # a fresh copy of the release with the reference answers
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="x" * 2_000_000)]
    return nb


def extra_and_missing_cells(nb):
    nb.cells = [c for c in nb.cells if c.cell_type == "code" or c.source.startswith("#")]  # markdown removed
    nb.cells.insert(3, nbformat.v4.new_code_cell("mi_variable = 42\nprint('celda añadida')"))
    nb.cells.insert(3, nbformat.v4.new_markdown_cell("Mis notas"))
    return nb


def stderr_logs_and_error(nb):
    """Correct answers that write TensorFlow-style log lines on stderr; the gates also raise a real error."""
    log = ("import os, sys\n"
           "os.write(2, b'I0000 00:00:1763870000.123456    4242 cpu_feature_guard.cc:210] This TensorFlow binary is optimized\\n')\n"
           "print('2026-11-23 03:00:00.000000: I tensorflow/core/util/port.cc:153] oneDNN custom operations are on.', file=sys.stderr)\n")
    answers = reference()
    answers["mcp_neuron"] = answers["mcp_neuron"].replace("def mcp_neuron(excitatory, inhibitory=(), threshold=2):\n",
                                                          "def mcp_neuron(excitatory, inhibitory=(), threshold=2):\n" + _indent(log))
    answers["gates"] += "\n\ndef and_gate(a, b):\n" + _indent(log) + "    raise ValueError('error de verdad')\n"
    return answered(answers)(nb)


def _indent(code: str) -> str:
    return "".join("    " + line + "\n" for line in code.splitlines())


def students(course: Path, port: int) -> dict:
    return {
        "reference": answered(reference()),
        "cheat-checks": prefixed("mcp_neuron", PATCH_CHECKS),
        "cheat-liars": prefixed("mcp_neuron", LIARS),
        "cheat-hides-results-and-exits": lambda nb: prefixed("gates", KEYBOARD_INTERRUPT)(
            prefixed("mcp_neuron", HIDE_RESULTS + EXITS)(nb)),
        "cheat-os-exit": prefixed("mcp_neuron", OS_EXIT),
        "cheat-rewrites-and-spies": prefixed("mcp_neuron", REWRITE_AND_SPY),
        "cheat-reads-and-writes": prefixed("mcp_neuron", reads_and_writes(course, port)),
        "cheat-edits-tests": lambda nb: shuffle_tests(edit_tests(nb)),
        "cheat-deletes-tests": delete_tests,
        "endless-loop-and-memory-bomb": answered({**reference(), "xor_gate": ENDLESS_XOR, "truth_table": MEMORY_BOMB}),
        "stderr-logs-and-error": stderr_logs_and_error,
        "broken-json": invalid_json,
        "broken-latin1": latin1,
        "broken-nbformat3-huge-outputs-extra-cells": lambda nb: nbformat_v3(extra_and_missing_cells(huge_outputs(nb))),
        "broken-renamed": lambda nb: Files({f"copia de {NOTEBOOK}": answered(reference())(nb)}),
        "broken-missing": lambda nb: Files({"notas.txt": "se me olvidó el cuaderno".encode("utf-8")}),
    }


_graded = {}


def graded_class(tmp_path_factory):
    """The crafted class, graded (with feedback) once per test session."""
    if "class" not in _graded:
        course = tmp_path_factory.mktemp("crafted") / "course"
        server, port = serve_answers("\n".join(reference().values()))
        try:
            _graded["class"] = grade_crafted(course, students(course, port), feedback=True)
        finally:
            server.shutdown()
        _graded["class"].answer_server_hits = server.hits
    return _graded["class"]
