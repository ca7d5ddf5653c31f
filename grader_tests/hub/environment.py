"""The course environment as the hub's users see it: readable by other Unix accounts.

Hub users run the servers, kernels and nbgrader from the repository's .venv and
read deploy/ and nncourse/ from the checkout.  Where the checkout is not
readable by other accounts (a clone under root's 700 home, say), the test runs
from a copy under its own folder: the repository's course files, and the venv
hard-linked file by file (a second or two instead of a reinstall), with the
absolute paths that a venv keeps rewritten to the copy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from hub.accounts import Account, run_as

# What a hub needs from the repository: the hub's configuration and the course.
COURSE_PARTS = ("deploy", "nncourse", "source", "release", "course_config.py", "nbgrader_config.py")
COURSE_FILES = ("source", "release", "course_config.py", "nbgrader_config.py")


def readable_by(account: Account, repo: Path, venv: Path) -> bool:
    """Whether the account can run the venv's Python and read the course package and deploy/."""
    probe = "import pathlib, sys, nncourse, jupyterhub; pathlib.Path(sys.argv[1]).read_text()"
    config = repo / "deploy" / "jupyterhub_config.py"
    return run_as(account, str(venv / "bin" / "python"), "-c", probe, str(config)).returncode == 0


def shareable_copy(repo: Path, venv: Path, folder: Path) -> tuple[Path, Path]:
    """A copy of the course and its venv under ``folder``; returns (repo, venv) of the copy."""
    repo_copy, venv_copy = folder / "repo", folder / "venv"
    copy_parts(repo, repo_copy, COURSE_PARTS)
    if subprocess.run(["cp", "-al", str(venv), str(venv_copy)], capture_output=True).returncode != 0:
        shutil.rmtree(venv_copy, ignore_errors=True)  # another file system: hard links impossible
        subprocess.run(["cp", "-a", str(venv), str(venv_copy)], check=True)
    _retarget_scripts(venv_copy / "bin", str(venv), str(venv_copy))
    _point_course_package_at(venv_copy, repo_copy)
    return repo_copy, venv_copy


def copy_parts(repo: Path, target: Path, parts: tuple[str, ...]) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for part in parts:
        if (repo / part).is_dir():
            shutil.copytree(repo / part, target / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(repo / part, target / part)


def _retarget_scripts(bin_dir: Path, old_prefix: str, new_prefix: str) -> None:
    """Point the scripts' ``#!`` lines at the copy; a new file, never the shared hard link."""
    for script in bin_dir.iterdir():
        if script.is_symlink() or not script.is_file():
            continue
        content = script.read_bytes()
        if not content.startswith(b"#!" + old_prefix.encode()):
            continue
        first, rest = content.split(b"\n", 1)
        replacement = script.with_name(script.name + ".retarget")
        replacement.write_bytes(first.replace(old_prefix.encode(), new_prefix.encode(), 1) + b"\n" + rest)
        replacement.chmod(script.stat().st_mode)
        os.replace(replacement, script)


def _point_course_package_at(venv: Path, repo: Path) -> None:
    """Replace the editable install of nncourse (a path into the original checkout) by a .pth to the copy."""
    for site_packages in venv.glob("lib/python*/site-packages"):
        for editable in site_packages.glob("__editable__*nncourse*"):
            editable.unlink()  # removes the copy's link only
        (site_packages / "nncourse-course.pth").write_text(f"{repo}\n")
