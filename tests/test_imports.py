"""``import skflowad`` imports the detectors only: no benchmark, plotting or matplotlib."""

import subprocess
import sys


def test_import_skflowad_leaves_benchmark_and_plotting_alone():
    code = ("import sys, skflowad; print(sorted(m for m in sys.modules if m.startswith("
            "('skflowad.benchmark', 'skflowad.plotting', 'matplotlib'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
