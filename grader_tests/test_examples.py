"""The example submissions and the package's configuration stay in sync with the course."""

import filecmp

from examples import write_examples
from notebooks import REPO_ROOT


def _files(folder):
    return sorted(p.relative_to(folder) for p in folder.rglob("*.ipynb"))


def test_example_submissions_are_in_sync(tmp_path):
    write_examples(tmp_path)
    generated, committed = tmp_path / "submitted", REPO_ROOT / "submitted"
    assert _files(generated) == _files(committed), "run `python grader_tests/examples.py`"
    for name in _files(generated):
        assert filecmp.cmp(generated / name, committed / name, shallow=False), (
            f"submitted/{name} está desactualizado: run `python grader_tests/examples.py`"
        )


def test_environment_yml_installs_requirements_txt():
    """One list of pinned versions: conda's file defers to requirements.txt."""
    environment = (REPO_ROOT / "environment.yml").read_text(encoding="utf-8")
    assert "- -r requirements.txt" in environment
    assert "python=3.11" in environment
    pins = [line for line in environment.splitlines() if "==" in line]
    assert not pins, f"environment.yml no debe fijar versiones propias: {pins}"
