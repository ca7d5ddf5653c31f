"""Run-all time of every source notebook, as a student and under autograding.

    python bench/notebook_times.py                          # every assignment in source/
    python bench/notebook_times.py 02_perceptron 03_mlp_xor  # only these
    python bench/notebook_times.py --output bench/RESULTS-notebooks.md  # and write the report there

Each notebook of source/<assignment>/ (the reference solutions, as committed) is
run top to bottom with nbclient in a fresh kernel, twice: as a student runs it
(NBGRADER_EXECUTION unset, so the data loaders return the full data) and as
nbgrader's autograder does (NBGRADER_EXECUTION=autograde: the fixed grading
subset). Both runs use the course's kernel environment (course_config.KERNEL_ENV);
a time includes starting the kernel. Prints a Markdown table on stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import platform
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nncourse.cli import load_course_config  # noqa: E402

TARGET_SECONDS = 60  # the course's promise: every notebook runs in under a minute
MODES = {"as a student": None, "autograding": "autograde"}  # column → NBGRADER_EXECUTION


def source_assignments() -> list[str]:
    return sorted(p.name for p in (ROOT / "source").iterdir() if p.is_dir() and not p.name.startswith("."))


@contextlib.contextmanager
def kernel_environment(config, nbgrader_execution: str | None):
    """The environment a new kernel inherits: the course's, with NBGRADER_EXECUTION as asked."""
    saved = dict(os.environ)
    os.environ.update(config.KERNEL_ENV)
    os.environ.pop("NBGRADER_EXECUTION", None)
    if nbgrader_execution:
        os.environ["NBGRADER_EXECUTION"] = nbgrader_execution
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_notebook(path: Path, config, nbgrader_execution: str | None) -> tuple[float, int]:
    """Seconds to run every cell of ``path`` in a new kernel, and how many cells raised an error."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=config.CELL_TIMEOUT, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    with kernel_environment(config, nbgrader_execution):
        start = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - start
    errors = sum(
        output.output_type == "error" for cell in nb.cells if cell.cell_type == "code" for output in cell.outputs
    )
    return seconds, errors


def machine_note() -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if line.startswith("model name")]
        cpu = names[0] if names else cpu
    load = f", load average {os.getloadavg()[0]:.1f} at start" if hasattr(os, "getloadavg") else ""
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}{load}"


def format_cell(seconds: float, errors: int) -> str:
    return f"{seconds:.1f}" + (f" ({errors} cells with errors)" if errors else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("assignments", nargs="*", help="assignment folders of source/ (default: all)")
    parser.add_argument("--output", type=Path, help="also write the report to this Markdown file")
    args = parser.parse_args(argv)
    available = source_assignments()
    unknown = sorted(set(args.assignments) - set(available))
    if unknown:
        parser.error(f"not in source/: {', '.join(unknown)} (available: {', '.join(available)})")
    config = load_course_config(ROOT)
    lines = []

    def report(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    report(f"Run-all time of the source notebooks, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC,")
    report(f"on {machine_note()}.\n")
    report(f"| assignment | notebook | {' (s) | '.join(MODES)} (s) | OK: under {TARGET_SECONDS} s, no errors |")
    report("| --- | --- |" + " ---: |" * len(MODES) + " :---: |")
    slow = False
    for assignment in args.assignments or available:
        for path in sorted((ROOT / "source" / assignment).glob("*.ipynb")):
            results = [run_notebook(path, config, mode) for mode in MODES.values()]
            ok = all(seconds < TARGET_SECONDS and not errors for seconds, errors in results)
            slow |= not ok
            cells = " | ".join(format_cell(*result) for result in results)
            report(f"| {assignment} | {path.name} | {cells} | {'yes' if ok else 'NO'} |")
    if args.output:
        args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
