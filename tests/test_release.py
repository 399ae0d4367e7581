"""The student releases of both assignments: what each stub says, the README, and that nothing leaks.

The package tests strip ``cs231n/`` into a temporary folder (no nbgrader, a second or two); the two
full releases run ``nbgrader generate_assignment`` (about 10 s each, marked slow).
"""
import ast
import copy
import re
import subprocess
import sys

import pytest

from conftest import ROOT
from tools import course as C
from tools.solutions import region_names

R = sys.modules["tools.course.release"]  # tools.course.release is the function; this is the module
A = sys.modules["tools.course.assignments"]

LAYERS = "cs231n/layers.py"

# What the stubs of cs231n/layers.py must say, written out here rather than read from ASSIGNMENTS:
# every region of the file must be in exactly one of these.
A1_LAYERS = ["affine_forward", "affine_backward", "relu_forward", "relu_backward", "svm_loss", "softmax_loss"]
A2_LAYERS = {
    "batchnorm_forward": "BatchNormalization", "batchnorm_backward": "BatchNormalization",
    "batchnorm_backward_alt": "BatchNormalization", "layernorm_forward": "BatchNormalization",
    "layernorm_backward": "BatchNormalization",
    "dropout_forward": "Dropout", "dropout_backward": "Dropout",
    "conv_forward_naive": "ConvolutionalNetworks", "conv_backward_naive": "ConvolutionalNetworks",
    "max_pool_forward_naive": "ConvolutionalNetworks", "max_pool_backward_naive": "ConvolutionalNetworks",
    "spatial_batchnorm_forward": "ConvolutionalNetworks", "spatial_batchnorm_backward": "ConvolutionalNetworks",
    "spatial_groupnorm_forward": "ConvolutionalNetworks", "spatial_groupnorm_backward": "ConvolutionalNetworks",
}
# The assignment 1 release as it was before assignment 2 existed: one notebook per file.
A1_FILE_NOTEBOOK = {
    "cs231n/classifiers/k_nearest_neighbor.py": "knn.ipynb",
    "cs231n/classifiers/linear_svm.py": "svm.ipynb",
    "cs231n/classifiers/linear_classifier.py": "svm.ipynb",
    "cs231n/classifiers/softmax.py": "softmax.ipynb",
    "cs231n/classifiers/fc_net.py": "two_layer_net.ipynb",
    "cs231n/layers.py": "two_layer_net.ipynb",
}

STUB = re.compile(r"^\s*raise NotImplementedError\((?P<msg>'[^\n]*'|\"[^\n]*\")\)\s*$", re.M)


def stubs(text):
    """{function: [message, ...]} of the NotImplementedError stubs the release put in a file."""
    out = {}
    for m in STUB.finditer(text):
        msg = ast.literal_eval(m.group("msg"))
        out.setdefault(msg.partition(" in ")[0], []).append(msg)
    return out


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    """{assignment: folder holding the stripped cs231n/ of its release}."""
    out = {}
    for assignment in C.ASSIGNMENTS:
        dest = tmp_path_factory.mktemp(assignment)
        R.write_package(assignment, dest)
        out[assignment] = dest
    return out


def test_the_layers_table_above_is_complete():
    names = set(region_names((ROOT / LAYERS).read_text(), LAYERS))
    assert names == set(A1_LAYERS) | set(A2_LAYERS), (
        f"cs231n/layers.py has regions {sorted(names)}; this test lists {sorted(set(A1_LAYERS) | set(A2_LAYERS))}")


def test_assignment2_layers_stubs(packages):
    text = (packages["assignment2"] / LAYERS).read_text()
    found = stubs(text)
    assert len(sum(found.values(), [])) == len(region_names((ROOT / LAYERS).read_text())), "one stub per region"
    for name, notebook in A2_LAYERS.items():
        for msg in found[name]:
            assert msg == f"{name} in {LAYERS}: write this part of the function (see {notebook}.ipynb)", msg
    for name in A1_LAYERS:
        for msg in found[name]:
            assert msg == f"{name} in {LAYERS}: copy your implementation from assignment 1 (two_layer_net.ipynb)", msg


def test_assignment1_stubs_are_as_before(packages):
    """Assignment 1 functions name the notebook they did before assignment 2 existed; assignment 2
    functions in the assignment 1 release name their assignment 2 notebook."""
    a2_functions = {(f, n) for (f, n), (owner, _) in A.function_owners().items() if owner == "assignment2"}
    seen_a2 = 0
    for file, notebook in A1_FILE_NOTEBOOK.items():
        for name, messages in stubs((packages["assignment1"] / file).read_text()).items():
            for msg in messages:
                if (file, name) in a2_functions:
                    seen_a2 += 1
                    assert re.fullmatch(rf"{re.escape(name)} in {re.escape(file)}: write this part of the function "
                                        rf"in assignment 2 \(see [A-Za-z]+\.ipynb(, [A-Za-z]+\.ipynb)*\)", msg), msg
                else:
                    assert msg == f"{name} in {file}: write this part of the function (see {notebook})", msg
    assert seen_a2 >= len(A2_LAYERS)
    layers = stubs((packages["assignment1"] / LAYERS).read_text())
    assert layers["batchnorm_forward"] and all(
        m == f"batchnorm_forward in {LAYERS}: write this part of the function in assignment 2 (see "
             f"BatchNormalization.ipynb)" for m in layers["batchnorm_forward"])


def test_twolayernet_is_copied_and_fullyconnectednet_written_in_assignment2(packages):
    fc = stubs((packages["assignment2"] / "cs231n/classifiers/fc_net.py").read_text())
    assert all("copy your implementation from assignment 1" in m for m in fc["TwoLayerNet.loss"])
    assert all("(see FullyConnectedNets.ipynb" in m for m in fc["FullyConnectedNet.loss"])


def test_released_stub_raises_with_its_message(packages):
    code = ("import numpy as np\nfrom cs231n.layers import batchnorm_forward, affine_forward\n"
            "for call in (lambda: batchnorm_forward(np.ones((4, 3)), np.ones(3), np.zeros(3), {'mode': 'train'}),\n"
            "             lambda: affine_forward(np.ones((2, 3)), np.ones((3, 4)), np.zeros(4))):\n"
            "    try:\n        call()\n    except NotImplementedError as e:\n        print(e)\n")
    res = subprocess.run([sys.executable, "-c", code], cwd=packages["assignment2"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines() == [
        f"batchnorm_forward in {LAYERS}: write this part of the function (see BatchNormalization.ipynb)",
        f"affine_forward in {LAYERS}: copy your implementation from assignment 1 (two_layer_net.ipynb)"]


@pytest.mark.parametrize("assignment", list(C.ASSIGNMENTS))
def test_no_solution_in_the_stripped_package(packages, assignment):
    C.check_release(packages[assignment], R.solution_lines())  # raises, listing every leaked line


def test_every_region_is_covered_once():
    owners = R.check_coverage(R.package_regions())
    for (file, name), (owner, notebooks) in owners.items():
        assert notebooks and set(notebooks) <= set(C.ASSIGNMENTS[owner]["notebooks"]), (file, name, notebooks)


def test_the_map_lists_real_notebooks_and_functions():
    regions = R.package_regions()
    for assignment, spec in C.ASSIGNMENTS.items():
        assert set(spec["functions"]) <= set(spec["notebooks"]), assignment
        # every student file has something to write, except layer_utils.py, where (as in the 2022 kit)
        # students may add their own sandwich helpers
        assert set(spec["student_files"]) <= set(regions) | {"cs231n/layer_utils.py"}, assignment
    stale = [f"{file}: {name}" for file, name in A.function_owners() if name not in regions.get(file, [])]
    assert not stale, f"ASSIGNMENTS lists functions that have no solution region: {stale}"


@pytest.fixture
def without_dropout_forward(monkeypatch):
    functions = copy.deepcopy(C.ASSIGNMENTS["assignment2"]["functions"])
    functions["Dropout"][LAYERS].remove("dropout_forward")
    monkeypatch.setitem(C.ASSIGNMENTS["assignment2"], "functions", functions)


def test_an_unmapped_region_is_an_error(without_dropout_forward, tmp_path):
    with pytest.raises(C.CourseError, match=r"no notebook covers[^$]*\n  cs231n/layers.py: dropout_forward$"):
        R.write_package("assignment2", tmp_path)
    assert not (tmp_path / "cs231n").exists(), "nothing is written"
    old = tmp_path / "source" / "assignment1"
    old.mkdir(parents=True)
    with pytest.raises(C.CourseError, match="dropout_forward"):
        R.build_source(tmp_path, "assignment1")  # the assignment 1 release is refused too
    assert old.is_dir(), "the previous source folder is left alone"


def test_a_function_under_two_assignments_is_an_error(monkeypatch):
    functions = copy.deepcopy(C.ASSIGNMENTS["assignment2"]["functions"])
    functions["Dropout"][LAYERS].append("affine_forward")
    monkeypatch.setitem(C.ASSIGNMENTS["assignment2"], "functions", functions)
    with pytest.raises(C.CourseError, match="affine_forward is listed under both assignment1 and assignment2"):
        A.function_owners()


def test_stub_message_rules():
    assert R.stub_message("assignment2", LAYERS, "assignment1", ["two_layer_net"]) == \
        "copy your implementation from assignment 1 (two_layer_net.ipynb)"
    # an assignment 1 file students do not edit in assignment 2: not "copy"
    assert R.stub_message("assignment2", "cs231n/classifiers/softmax.py", "assignment1", ["softmax"]) == \
        "write this part of the function in assignment 1 (see softmax.ipynb)"
    assert R.stub_message("assignment1", LAYERS, "assignment2", ["Dropout"]) == \
        "write this part of the function in assignment 2 (see Dropout.ipynb)"


def test_student_readmes(packages):
    a1 = R.student_readme("assignment1", R.package_regions())
    a2 = R.student_readme("assignment2", R.package_regions())
    assert "copy your implementations" not in a1
    assert ("cs231n/classifiers/fc_net.py and cs231n/layers.py also hold functions of assignment 2; their stubs "
            "say so") in " ".join(a1.split())
    flat2 = " ".join(a2.split())
    assert "copy your implementations of these assignment 1 functions" in flat2
    assert "cs231n/layers.py: affine_forward, affine_backward, relu_forward, relu_backward, svm_loss, " \
           "softmax_loss" in flat2
    section = a2.split("BatchNormalization.ipynb\n", 1)[1].split("Dropout.ipynb\n", 1)[0]
    assert "batchnorm_backward_alt" in section and "dropout_forward" not in section
    for nb in C.ASSIGNMENTS["assignment2"]["notebooks"]:
        assert f"\n{nb}.ipynb\n" in a2
    for model in C.ASSIGNMENTS["assignment2"]["models"]:
        assert model in a2
    for file in C.ASSIGNMENTS["assignment2"]["student_files"]:
        assert f"    {file}\n" in a2


# ----------------------------------------------------------------------------------------------
# the full releases (nbgrader)


def _notebooks_exist(assignment):
    return all((ROOT / assignment / f"{nb}.ipynb").exists() for nb in C.ASSIGNMENTS[assignment]["notebooks"])


@pytest.mark.slow
@pytest.mark.parametrize("assignment", list(C.ASSIGNMENTS))
def test_full_release(tmp_path, assignment):
    if not _notebooks_exist(assignment):
        pytest.skip(f"the {assignment} notebooks are not built yet (python -m tools.nbbuild)")
    rel = C.release(tmp_path, assignment)  # runs check_release with the notebooks' solutions and hidden tests
    names = {p.name for p in rel.iterdir()}
    assert {f"{nb}.ipynb" for nb in C.ASSIGNMENTS[assignment]["notebooks"]} <= names
    assert (rel / "README.md").read_text() == R.student_readme(assignment, R.package_regions())
    assert (rel / LAYERS).read_text() == (tmp_path / "source" / assignment / LAYERS).read_text()
    assert not list(rel.rglob("*.npz"))


def test_package_files_shipped(packages):
    rel = packages["assignment2"] / "cs231n"
    for name in ("notebook_images/kitten.jpg", "notebook_images/puppy.jpg", "datasets/get_datasets.sh",
                 "im2col_cython.pyx", "fast_layers.py", "solver.py"):
        assert (rel / name).is_file(), name
    kitten = "notebook_images/kitten.jpg"
    assert (rel / kitten).read_bytes() == (ROOT / "cs231n" / kitten).read_bytes()
    assert (rel / "datasets/get_datasets.sh").stat().st_mode & 0o111 == \
        (ROOT / "cs231n/datasets/get_datasets.sh").stat().st_mode & 0o111
    shipped = {p.relative_to(rel).as_posix() for p in rel.rglob("*") if p.is_file()}
    assert not [p for p in shipped if p.endswith((".so", ".pyd", ".c", ".pyc", ".npz"))
                or "cifar-10-batches-py" in p], shipped
    # provided modules are released byte for byte
    assert (rel / "solver.py").read_text() == (ROOT / "cs231n/solver.py").read_text()
