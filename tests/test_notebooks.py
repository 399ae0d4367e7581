"""The assignment notebooks: built from their sources, well formed for nbgrader, and they run.

Every notebook of both assignments runs top to bottom in quick mode (CS231N_QUICK=1) and must pass its own tests
without writing to stderr. The full run is `make results`.
"""
import json

import pytest

from conftest import ROOT
from tools import nbbuild, run_notebooks
from tools.solutions import find_regions

NOTEBOOKS = run_notebooks.select([])  # (assignment, name) of every notebook, both assignments
IDS = [f"{a}/{n}" for a, n in NOTEBOOKS]


def test_committed_notebooks_match_their_sources():
    assert nbbuild.main(["--check"]) == 0, "run `python -m tools.nbbuild` and commit the notebooks"


@pytest.mark.parametrize("assignment,name", NOTEBOOKS, ids=IDS)
def test_notebook_structure(assignment, name):
    path = ROOT / assignment / f"{name}.ipynb"
    assert path.exists(), f"{path} is missing: write {assignment}/src/{name}.py and run `python -m tools.nbbuild`"
    nb = json.loads(path.read_text())
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
@pytest.mark.parametrize("assignment,name", NOTEBOOKS, ids=IDS)
def test_notebook_runs_in_quick_mode(assignment, name, cifar10_dir, tmp_path):
    import shutil
    shutil.copy2(ROOT / assignment / f"{name}.ipynb", tmp_path / f"{name}.ipynb")
    results, seconds, problems = run_notebooks.run(tmp_path / f"{name}.ipynb", quick=True)
    print(f"{name}: {seconds:.0f} s, results {results}")
    assert problems == []


def test_run_notebooks_selects_across_assignments():
    """`make results` runs all nine notebooks; names are looked up in every assignment."""
    pairs = run_notebooks.select([])
    assert len(pairs) == 9 and pairs[0] == ("assignment1", "knn") and pairs[-1] == ("assignment2", "ConvolutionalNetworks")
    assert run_notebooks.select(["Dropout", "svm"]) == [("assignment2", "Dropout"), ("assignment1", "svm")]
    assert run_notebooks.select([], "assignment2") == [("assignment2", n) for n in run_notebooks.NOTEBOOKS["assignment2"]]
    with pytest.raises(ValueError, match="unknown notebook"):
        run_notebooks.select(["knn"], "assignment2")
