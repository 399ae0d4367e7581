"""The assignment notebooks: built from their sources, well formed for nbgrader, and they run.

Every notebook runs top to bottom in quick mode (CS231N_QUICK=1) and must pass its own tests
without writing to stderr. The full run is `make results`.
"""
import json

import pytest

from conftest import ROOT
from tools import nbbuild, run_notebooks
from tools.solutions import find_regions

NOTEBOOKS = run_notebooks.NOTEBOOKS["assignment1"]


def test_committed_notebooks_match_their_sources():
    assert nbbuild.main(["--check"]) == 0, "run `python -m tools.nbbuild` and commit the notebooks"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_structure(name):
    nb = json.loads((ROOT / "assignment1" / f"{name}.ipynb").read_text())
    ids = [c["metadata"]["nbgrader"]["grade_id"] for c in nb["cells"] if "nbgrader" in c["metadata"]]
    assert len(ids) == len(set(ids))
    tests = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade")
             and c["cell_type"] == "code"]
    assert tests, "no autograded tests"
    for c in tests:
        src = c["source"]
        assert src.startswith('"""'), f"{c['id']}: a test cell starts with a one-line docstring"
        assert c["metadata"]["nbgrader"]["locked"] and c["metadata"]["nbgrader"]["points"] > 0
        assert "assert" in src, f"{c['id']} asserts nothing"
    for c in nb["cells"]:
        assert c["cell_type"] == "markdown" or (c["outputs"] == [] and c["execution_count"] is None)
        meta = c["metadata"].get("nbgrader", {})
        if "BEGIN SOLUTION" in c["source"]:
            assert meta.get("solution"), f"{c['id']}: solution region in a non-solution cell"
            find_regions(c["source"], c["id"])
    # the first code cell is the set-up cell
    first = next(c for c in nb["cells"] if c["cell_type"] == "code")
    assert "setup_notebook()" in first["source"]


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_in_quick_mode(name, cifar10_dir, tmp_path):
    import shutil
    shutil.copy2(ROOT / "assignment1" / f"{name}.ipynb", tmp_path / f"{name}.ipynb")
    results, seconds, problems = run_notebooks.run(tmp_path / f"{name}.ipynb", quick=True)
    print(f"{name}: {seconds:.0f} s, results {results}")
    assert problems == []
