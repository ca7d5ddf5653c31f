"""The course's additions to nbgrader's pipeline (switched on in course_config.py)."""

from __future__ import annotations

import re

from nbgrader.preprocessors import NbGraderPreprocessor

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
