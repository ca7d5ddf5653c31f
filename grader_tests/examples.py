"""The example class shipped in submitted/ for the main job (`make demo`).

For every assignment: a perfect student (the reference answers), an empty one
(the untouched release) and a partly wrong one (every other exercise answered
with a plausible mistake from variants/). Regenerate with
`python grader_tests/examples.py`; a test checks that submitted/ is in sync.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))

from notebooks import REPO_ROOT, assignments, fill_answers, load_variants, notebook_paths, reference_answers  # noqa: E402


def example_class(assignment: str) -> dict[str, dict[str, str]]:
    reference = reference_answers(assignment)
    wrong = load_variants(assignment).WRONG
    partial = {
        exercise: (wrong[exercise][0] if index % 2 else answer)
        for index, (exercise, answer) in enumerate(reference.items())
    }
    return {"example_perfect": reference, "example_empty": {}, "example_partial": partial}


def write_examples(root: Path = REPO_ROOT) -> None:
    for assignment in assignments():
        for student, answers in example_class(assignment).items():
            for released in notebook_paths(assignment, REPO_ROOT / "release"):
                target = root / "submitted" / student / assignment / released.name
                target.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(fill_answers(nbformat.read(released, as_version=4), answers), target)


if __name__ == "__main__":
    write_examples()
