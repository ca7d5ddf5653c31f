"""What is wrong with a student's hand-in, in Spanish, for the per-student grade report.

nbgrader stops at the first unreadable notebook of a student with an English
traceback in its log; these checks say, per notebook, why it could not be graded
as handed in (or what the grader had to repair), and never modify the files.
The batch (``nncourse.batch``) calls :func:`check_submission` for every student.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

# Outputs bigger than this are dropped by the grader anyway (nbgrader clears them).
HUGE_OUTPUTS = 5 * 1024**2


def check_submission(folder: Path, notebooks: list[str], test_cells: dict[str, list[str]] | None = None) -> list[str]:
    """Problems with the hand-in in ``folder`` (``notebooks``: the assignment's notebook names).

    ``test_cells`` (notebook name → grade_ids of its test cells) adds the checks on
    deleted or duplicated test cells. An empty list means nothing to report.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return ["no hay entrega de esta tarea"]
    problems = []
    expected = set(notebooks)
    for name in sorted(p.name for p in folder.glob("*.ipynb")):
        if name not in expected:
            problems.append(f"«{name}» no es un cuaderno de la tarea (¿le cambiaste el nombre?): no se corrige; "
                            f"se esperaba {', '.join(sorted(expected))}")
    for name in notebooks:
        problems += [f"{name}: {problem}" for problem in check_notebook(folder / name, (test_cells or {}).get(name))]
    return problems


def check_notebook(path: Path, test_cells: list[str] | None = None) -> list[str]:
    """Problems with one notebook file; the first unreadable one stops the list (nothing more to say)."""
    path = Path(path)
    if not path.is_file():
        return ["falta el cuaderno: sus pruebas cuentan 0 puntos"]
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return [f"no está guardado en UTF-8 (byte {data[error.start]:#04x} en la posición {error.start}): "
                "no se puede leer; vuelve a guardarlo desde Jupyter"]
    try:
        raw = json.loads(text)
    except ValueError as error:
        return [f"no es un JSON válido (línea {getattr(error, 'lineno', '?')}, columna {getattr(error, 'colno', '?')}): "
                "el archivo está dañado o incompleto y no se puede corregir"]
    if not isinstance(raw, dict) or "nbformat" not in raw:
        return ["no es un cuaderno de Jupyter (falta el campo nbformat)"]
    problems = []
    if raw.get("nbformat") != 4:
        problems.append(f"usa el formato antiguo nbformat {raw.get('nbformat')}: se convierte a la versión 4 para corregirlo")
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as error:  # nbformat raises many kinds of errors for malformed notebooks
        return problems + [f"no se puede interpretar como cuaderno: {type(error).__name__}: {error}"]
    problems += _output_problems(nb) + _test_cell_problems(nb, test_cells or [])
    return problems


def _output_problems(nb) -> list[str]:
    size = sum(len(json.dumps(cell.get("outputs", []))) for cell in nb.cells)
    if size > HUGE_OUTPUTS:
        return [f"tiene salidas enormes ({size / 1024**2:.0f} MB): se descartan al corregir"]
    return []


def _test_cell_problems(nb, test_cells: list[str]) -> list[str]:
    seen = [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in nb.cells]
    problems = []
    for grade_id in test_cells:
        count = seen.count(grade_id)
        if count == 0:
            problems.append(f"falta la celda de pruebas {grade_id} (borrada o con los metadatos cambiados): "
                            "se restaura y se corrige igualmente")
        elif count > 1:
            problems.append(f"la celda de pruebas {grade_id} aparece {count} veces: se corrige una sola vez, "
                            "con las pruebas originales")
    return problems
