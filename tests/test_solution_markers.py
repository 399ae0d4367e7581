"""Solution regions: every one in the package is well formed, and the checker catches bad ones."""
import pytest

from conftest import ROOT
from tools.solutions import MarkerError, find_regions, iter_py_files, main

# The files students write in; each must hold solution regions.
STUDENT_FILES = [
    "cs231n/classifiers/k_nearest_neighbor.py",
    "cs231n/classifiers/linear_svm.py",
    "cs231n/classifiers/softmax.py",
    "cs231n/classifiers/linear_classifier.py",
    "cs231n/classifiers/fc_net.py",
    "cs231n/layers.py",
]


def test_every_region_in_the_package_is_well_formed():
    found = {}
    for f in iter_py_files([ROOT / "cs231n"]):
        regions = find_regions(f.read_text(), str(f))  # raises on any malformed region
        if regions:
            found[f.relative_to(ROOT).as_posix()] = len(regions)
    assert set(STUDENT_FILES) <= set(found), f"files without regions: {set(STUDENT_FILES) - set(found)}"


def test_cli(capsys):
    assert main([str(ROOT / "cs231n")]) == 0
    assert "all well formed" in capsys.readouterr().out


def test_regions_are_found_with_their_indentation():
    text = "def f():\n    # TODO: do it\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n"
    (r,) = find_regions(text)
    assert (r.begin, r.end, r.indent) == (2, 4, "    ")


@pytest.mark.parametrize("text,message", [
    ("### BEGIN SOLUTION\nx = 1\n", "never closed"),
    ("x = 1\n### END SOLUTION\n", "without a"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\nx\n### END SOLUTION\n### END SOLUTION\n", "inside the region"),
    ("### BEGIN SOLUTION\n# only a comment\n\n### END SOLUTION\n", "empty solution region"),
    ("    ### BEGIN SOLUTION\n    x = 1\n### END SOLUTION\n", "indented differently"),
])
def test_malformed_regions_are_errors(text, message):
    with pytest.raises(MarkerError, match=message):
        find_regions(text, "f.py")


def test_cli_reports_a_bad_file(tmp_path, capsys):
    (tmp_path / "bad.py").write_text("### BEGIN SOLUTION\nx = 1\n")
    assert main([str(tmp_path)]) == 1
    assert "bad.py:1: '### BEGIN SOLUTION' is never closed" in capsys.readouterr().err
