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
    "cs231n/classifiers/cnn.py",
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


# ---------------------------------------------------------------------------------------------
# the .py stripper used by the release

from tools.solutions import region_names, split_lines, strip_solutions  # noqa: E402

SOURCE = '''\
class Model:
    def loss(self, X):
        out = None
        # TODO: compute out
        ### BEGIN SOLUTION
        out = X @ self.W  # (N, C)
        ### END SOLUTION
        return out


def helper(x):
    for i in range(3):
        # TODO: accumulate
        ### BEGIN SOLUTION
        x += i
        ### END SOLUTION
    return x
'''


def test_strip_replaces_regions_with_named_stubs():
    out = strip_solutions(SOURCE, "pkg/model.py", where=lambda name: "model.ipynb")
    assert "BEGIN SOLUTION" not in out and "self.W" not in out and "x += i" not in out
    assert ("        # YOUR CODE HERE\n        raise NotImplementedError('Model.loss in pkg/model.py: write this "
            "part of the function (see model.ipynb)')\n") in out
    assert "        raise NotImplementedError('helper in pkg/model.py" in out  # indented inside the loop
    assert "        # TODO: compute out\n" in out and "        return out\n" in out  # provided code stays
    ns = {}
    exec(compile(out, "model.py", "exec"), ns)  # the stripped file is valid Python
    try:
        ns["helper"](1)
    except NotImplementedError as e:
        assert "helper in pkg/model.py" in str(e)
    else:
        raise AssertionError("the stub did not raise")


def test_strip_is_idempotent_and_leaves_files_without_markers_alone():
    once = strip_solutions(SOURCE, "m.py")
    assert strip_solutions(once, "m.py") == once
    plain = "def f():\n    return 1\n"
    assert strip_solutions(plain, "f.py") == plain


@pytest.mark.parametrize("text,message", [
    ("def f():\n    ### BEGIN SOLUTION\n    x = 1\n", "never closed"),
    ("def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    x\n    ### END SOLUTION\n", "inside the region"),
    ("def f():\n    ### BEGIN SOLUTION\n    x = 1\n  ### END SOLUTION\n", "indented differently"),
])
def test_strip_refuses_malformed_files(text, message):
    with pytest.raises(MarkerError, match=message):
        strip_solutions(text, "bad.py")


def test_split_lines():
    inside, outside = split_lines(SOURCE)
    assert "out = X @ self.W  # (N, C)" in inside and "x += i" in inside
    assert "return out" in outside and "out = None" in outside
    assert not any(line.startswith("#") for line in inside | outside)


def test_region_names_one_per_region():
    assert region_names(SOURCE) == ["Model.loss", "helper"]
    assert region_names("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n") == ["<module>"]


def test_strip_with_a_message_callback():
    out = strip_solutions(SOURCE, "pkg/model.py", message=lambda name: f"copy {name} from before")
    assert "raise NotImplementedError('Model.loss in pkg/model.py: copy Model.loss from before')" in out
    assert "raise NotImplementedError('helper in pkg/model.py: copy helper from before')" in out

    def refuse(name):
        raise KeyError(name)

    with pytest.raises(KeyError, match="helper"):
        strip_solutions(SOURCE, "pkg/model.py", message=lambda n: "ok" if n == "Model.loss" else refuse(n))
