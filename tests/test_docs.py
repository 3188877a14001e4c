"""Every ```python block of the docs and the README runs.

The blocks of one page run in order in one shared namespace (a page is one session), in a
temporary directory, with fixed seeds. Blocks that must not run use ```bash or ```text.
A traceback points at the page and its line: each block is compiled at its own line.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import numpy as np
import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "docs").rglob("*.md")) + [ROOT / "README.md"]
_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```python[^\n]*\n(?P<code>.*?)^(?P=indent)```[ \t]*$",
    re.MULTILINE | re.DOTALL,
)


def python_blocks(page: Path) -> list[tuple[int, str]]:
    """``(first line, code)`` of each ```python block, its fence indentation removed."""
    text = page.read_text(encoding="utf-8")
    blocks = []
    for match in _FENCE.finditer(text):
        indent = len(match.group("indent"))
        code = "\n".join(line[indent:] for line in match.group("code").splitlines())
        blocks.append((text.count("\n", 0, match.start("code")) + 1, code))
    return blocks


PAGES_WITH_CODE = [page for page in PAGES if python_blocks(page)]


def test_the_docs_have_examples():
    names = {page.relative_to(ROOT).as_posix() for page in PAGES_WITH_CODE}
    assert {"README.md", "docs/index.md", "docs/howto/pipeline.md"} <= names


@pytest.mark.parametrize(
    "page", PAGES_WITH_CODE, ids=[p.relative_to(ROOT).as_posix() for p in PAGES_WITH_CODE]
)
def test_page_examples_run(page: Path, tmp_path, monkeypatch):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    namespace: dict = {"__name__": "__main__"}  # as a user runs a script
    try:
        for line, code in python_blocks(page):
            # Leading newlines put the block at its own line of the page in tracebacks.
            exec(compile("\n" * (line - 1) + code, str(page), "exec"), namespace)
    finally:
        plt.close("all")


def _benchmark_page_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "gen_benchmark_page", ROOT / "docs" / "gen_benchmark_page.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_page_reads_whatever_results_exist(tmp_path, monkeypatch):
    pytest.importorskip("pandas")
    page = _benchmark_page_module()
    monkeypatch.setattr(page, "ROOT", tmp_path)
    monkeypatch.setattr(page, "RESULTS", tmp_path / "results")
    assert "No results yet" in page.generate()[0]
    header = ("dataset,setting,detector,seed,auroc,auprc,fit_s,score_s,device,n_train,"
              "n_test,n_features,n_labeled,capped,status,error\n")
    rows = [f"{d},P{p},{det},0,{auc},0.5,1.0,0.1,cpu,70,30,4,0,False,ok,\n"
            for d in ("a", "b") for p in (1, 3)
            for det, auc in (("FlowDensity", 0.9), ("IForest", 0.8))]
    rows.append("b,P3,NFAD,0,,,,,cpu,70,30,4,1,False,failed,ValueError: boom\n")
    for folder in ("grid", "someday/new"):
        (tmp_path / "results" / folder).mkdir(parents=True)
        (tmp_path / "results" / folder / "results.csv").write_text(header + "".join(rows))
    (tmp_path / "results" / "tuning" / "x").mkdir(parents=True)
    (tmp_path / "results" / "tuning" / "x" / "results.csv").write_text(header + "".join(rows))
    markdown, _ = page.generate()
    assert markdown.index("### The full grid") < markdown.index("### `someday/new`")
    assert "tuning/x" not in markdown  # tuning runs have a page of their own
    assert "### `tuning/x`" in page.generate(tuning=True)[0]
    assert "#### P1: unsupervised" in markdown and "#### P3:" in markdown
    assert "9 runs (1 failed; their errors are in the CSV)" in markdown
    speed = tmp_path / "results" / "speed"
    speed.mkdir()
    (speed / "speed_cpu.md").write_text("# Speed on CPU\n\n## Scoring\n\n| name |\n|---|\n")
    (speed / "speed_cpu_scaling.png").write_bytes(b"png")
    (tmp_path / "figures").mkdir()
    markdown, figures = page.generate(tmp_path / "figures")
    assert "### Speed on CPU" in markdown and "#### Scoring" in markdown
    assert figures["benchmark_figures/speed_cpu_scaling.png"] == speed / "speed_cpu_scaling.png"


def test_maths_is_rendered_to_mathml_at_build_time():
    pytest.importorskip("latex2mathml")  # the docs extra
    import importlib.util

    spec = importlib.util.spec_from_file_location("render_math", ROOT / "docs" / "render_math.py")
    render_math = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(render_math)
    page = ('<p>score <span class="arithmatex">\\(-\\log p(x) &lt; t\\)</span> and</p>'
            '<div class="arithmatex">\\[\\tfrac12 \\sum_i z_i^2\\]</div>')
    out = render_math.render(page)
    assert "arithmatex" not in out and "\\log" not in out
    assert out.count("<math") == 2 and 'display="block"' in out and 'display="inline"' in out
    assert "<mo>&#x0003C;</mo>" in out  # the page's "&lt;" is a "<" in the MathML
