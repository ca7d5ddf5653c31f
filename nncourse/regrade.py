"""The fresh process that decides a notebook's grade (started by ``nbgrader_ext.RegradeInSandbox``).

Why a second run, after nbgrader's own: in the grading kernel, a student's
cell can rewrite the grading cells before they run (input and AST
transformers), watch them (``pre_run_cell``), hide their result (display
formatters, ``displayhook``, ``showtraceback``, ``set_custom_exc``) or end the
kernel (``os._exit``). Here none of that reaches the tests:

* the job (cells in order, test sources taken from the gradebook, a nonce)
  arrives on stdin and is read before any student code runs;
* student cells run through an IPython shell (their magics work), each under
  a time limit; the test cells never do: :func:`nncourse.grading.run_tests`
  is called directly, so no IPython hook sees or changes them, and the names
  the course's own (locked) cells defined are rebound for the tests, so a
  student cannot swap ``np`` for a fake;
* :class:`Guard` snapshots, before the first student cell, every function and
  class of every loaded module (builtins, NumPy, pytest, nncourse.checks,
  and the modules the tests import; every module the notebook imports is
  imported first, so what libraries patch as they load is in the snapshot), the import
  machinery, and the trace/profile hooks; an audit hook records the doors to
  the interpreter's internals that no answer needs (``gc`` walks, ``ctypes``
  memory access, ``settrace``/``setprofile``, swapping a function's code).
  Any change found before or after a test cell ends the run: every test cell
  of the notebook gets 0 with the reason;
* the result of each test cell goes to a private file descriptor with the
  nonce; stdout and stderr of student code go nowhere, so printing or exiting
  cannot fake or hide a result (the parent gives 0 to a cell without one).

What this cannot promise: CPython is not a jail, and code that walks the
interpreter's frames could in principle reach the nonce; the sandbox
(``nncourse.sandbox``) bounds the damage to that student's own grade.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import importlib.util
import json
import os
import signal
import sys
import threading
import types

from nncourse.grading import CellReport, TestOutcome, run_tests
from nncourse.sandbox import limit_memory

_AUDITED = {
    "sys.settrace": "instaló un trazador (sys.settrace)",
    "sys.setprofile": "instaló un perfilador (sys.setprofile)",
    "sys._current_frames": "inspeccionó las pilas del intérprete (sys._current_frames)",
    "gc.get_objects": "recorrió los objetos del intérprete (gc.get_objects)",
    "gc.get_referrers": "recorrió los objetos del intérprete (gc.get_referrers)",
    "gc.get_referents": "recorrió los objetos del intérprete (gc.get_referents)",
    "ctypes.cdata": "leyó memoria del intérprete con ctypes",
    "ctypes.string_at": "leyó memoria del intérprete con ctypes",
    "ctypes.wstring_at": "leyó memoria del intérprete con ctypes",
    "sys.addaudithook": "instaló un gancho de auditoría (sys.addaudithook)",
}


class CellTimeout(TimeoutError):
    pass


def _guarded_packages(test_imports: list[str]) -> set[str]:
    """What the tests rely on: the standard library, the test machinery, and what the tests import."""
    return {*sys.stdlib_module_names, "nncourse", "pytest", "_pytest", "pluggy", "numpy",
            *(name.split(".")[0] for name in test_imports)}


def _callable_like(value) -> bool:
    # NumPy's public functions are dispatcher objects, not plain functions: any callable counts.
    return callable(value) or isinstance(value, (types.ModuleType, staticmethod, classmethod, property))


class Guard:
    """Detects changes to the code the tests rely on."""

    def __init__(self, packages: set[str]):
        self.events: list[str] = []
        self.packages = packages
        self.snapshot = self._take()
        # Only swaps of code the tests rely on count: libraries legitimately set __code__ on
        # functions they create while importing (asyncio's types.coroutine, for one).
        self._guarded_functions = {id(value) for value in self.snapshot.values()
                                   if isinstance(value, types.FunctionType)}
        sys.addaudithook(self._audit)

    def _audit(self, event, args):
        if event in _AUDITED:
            self.events.append(_AUDITED[event])
        elif (event == "object.__setattr__" and args[1] == "__code__"
              and id(args[0]) in self._guarded_functions):
            self.events.append(f"cambió el código de la función {args[0].__qualname__}")

    def _take(self) -> dict:
        state = {("builtins", name): value for name, value in vars(builtins).items()}
        for module_name, module in list(sys.modules.items()):
            if module_name.split(".")[0] not in self.packages or not isinstance(module, types.ModuleType):
                continue
            state[("sys.modules", module_name)] = module
            for name, value in list(vars(module).items()):
                if not _callable_like(value):
                    continue
                state[(module_name, name)] = value
                if isinstance(value, type) and value.__module__ == module_name:
                    for attribute, member in list(vars(value).items()):
                        if _callable_like(member):
                            state[(f"{module_name}.{name}", attribute)] = member
        state[("sys", "meta_path")] = tuple(sys.meta_path)
        state[("sys", "path_hooks")] = tuple(sys.path_hooks)
        state[("sys", "trace")] = (sys.gettrace(), sys.getprofile(), threading.gettrace(), threading.getprofile())
        return state

    def problem(self) -> str:
        """A Spanish reason if the code the tests use was changed, else ''."""
        if self.events:
            return f"el código {self.events[0]}"
        # Builtins first, with no builtin call: the rest of the check relies on them.
        current_builtins = builtins.__dict__
        for key, value in self.snapshot.items():
            if key[0] == "builtins" and current_builtins.get(key[1], _MISSING) is not value:
                return "el código modificó builtins." + key[1]
        now = self._take()
        for key, value in self.snapshot.items():
            current = now.get(key, _MISSING)
            if current is value or (isinstance(value, tuple) and current == value):
                continue
            if key[0] != "sys.modules" and _loaded_in_place_of(value, current):
                continue
            where = ".".join(key) if key[0] != "sys.modules" else f"sys.modules[{key[1]!r}]"
            return f"el código modificó {where}"
        return ""


_MISSING = object()


def _loaded_in_place_of(old, new) -> bool:
    """Lazy loaders (TensorFlow's) replace themselves with the real module of the same name."""
    return (isinstance(old, types.ModuleType) and isinstance(new, types.ModuleType)
            and old.__name__ == new.__name__ and sys.modules.get(new.__name__) is new)


def imported_modules(sources: list[str], with_names: bool = False) -> list[str]:
    """Modules the cells import; ``with_names`` adds ``module.name`` for each ``from module import name``
    (it may be a submodule, as in ``from tensorflow import keras``)."""
    from IPython.core.inputtransformer2 import TransformerManager

    to_python = TransformerManager().transform_cell  # magics become plain calls; nothing runs
    names = set()
    for source in sources:
        try:
            tree = ast.parse(to_python(_cell_body(source)))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
                if with_names:
                    names.update(f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*")
    return sorted(names)


def preload(modules: list[str]) -> None:
    """Import what the notebook imports before the guard's snapshot: libraries patch other modules
    as they load (TensorFlow, through typing_extensions, replaces typing._collect_parameters)."""
    here = os.path.realpath(os.getcwd())
    for name in modules:
        try:
            spec = importlib.util.find_spec(name.split(".")[0])
            if spec is None or _ships_with_submission(spec, here):
                continue  # a module shipped with the submission loads after the snapshot, as student code
            importlib.import_module(name)
        except (Exception, SystemExit):  # not a module, or missing: its cell fails on its own
            pass


def _ships_with_submission(spec, folder: str) -> bool:
    """Whether a module or package (a namespace package has no origin, only folders) lies under ``folder``."""
    places = [*(spec.submodule_search_locations or ()), *([spec.origin] if spec.has_location else ())]
    return any(os.path.realpath(place).startswith(folder + os.sep) for place in places)


def _cell_body(source: str) -> str:
    """A test cell without its ``%%tests P`` line."""
    first, _, rest = source.partition("\n")
    return rest if first.startswith("%%tests") else source


def _alarm(signum, frame):
    # The cell's remaining tests get one second each, so one endless test does not hold up the rest.
    signal.setitimer(signal.ITIMER_REAL, 1)
    raise CellTimeout(f"la celda superó el tiempo máximo de {_alarm.seconds} s")


def run_job(job: dict, emit) -> None:
    """Run the job's cells in order; ``emit`` receives one result per test cell."""
    from IPython.core.interactiveshell import InteractiveShell

    tests = [cell for cell in job["cells"] if cell["kind"] == "test"]
    test_imports = imported_modules([c["source"] for c in tests])
    notebook_imports = imported_modules([c["source"] for c in job["cells"]], with_names=True)
    preload(["numpy", "pytest", "nncourse.checks", *notebook_imports])
    shell = InteractiveShell.instance()
    shell.showtraceback = lambda *args, **kwargs: None  # nobody reads the student's tracebacks here
    shell.enable_gui = lambda gui=None: None  # %matplotlib inline works without a kernel
    trusted: dict[str, object] = {}
    _alarm.seconds = job["cell_timeout"]
    signal.signal(signal.SIGALRM, _alarm)
    guard = Guard(_guarded_packages(test_imports))
    for cell in job["cells"]:
        if cell["kind"] == "test":
            problem = guard.problem()
            if problem:
                emit({"tampered": problem})
                return
            namespace = {**shell.user_ns, **trusted, "__builtins__": builtins}
            report = _timed(lambda: run_tests(_cell_body(cell["source"]), namespace, cell["points"]),
                            job["cell_timeout"], cell["points"])
            problem = guard.problem()
            if problem:
                emit({"tampered": problem})
                return
            emit({"grade_id": cell["grade_id"], "score": report.score, "report": report.render()})
        else:
            before = dict(shell.user_ns)
            _timed(lambda: shell.run_cell(cell["source"], store_history=False), job["cell_timeout"], 0)
            if cell["kind"] == "trusted":
                trusted.update({k: v for k, v in shell.user_ns.items() if before.get(k, _MISSING) is not v})
    problem = guard.problem()
    emit({"tampered": problem} if problem else {"done": True})


def _timed(action, seconds: int, points: float):
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return action()
    except BaseException as exc:  # a timeout, SystemExit or KeyboardInterrupt outside a test
        report = CellReport(points=float(points))
        report.outcomes.append(TestOutcome("celda", False, f"{type(exc).__name__}: {exc}"))
        return report
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def main() -> None:
    job = json.loads(sys.stdin.buffer.read())
    nonce = job.pop("nonce")
    limit_memory(job["memory_limit"])
    results = os.dup(1)
    os.set_inheritable(results, False)
    quiet = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(quiet, fd)

    def emit(message: dict) -> None:
        os.write(results, (json.dumps({**message, "nonce": nonce}) + "\n").encode("utf-8"))

    run_job(job, emit)
    os._exit(0)  # no atexit handler of the student's runs after the last result


if __name__ == "__main__":
    main()
