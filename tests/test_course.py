"""Instructor pipeline: the student release, and autograding honest, untouched and hostile submissions.

The round trip and the hostile table run nbgrader for real (a few minutes); they need CIFAR-10 and
the reference models (trained once into build/reference_models by tools/train_reference_models.py).
"""
import json
import subprocess
import sys

import pytest

from conftest import ROOT
from tools import course as C

ASSIGNMENT = "assignment1"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def course(tmp_path_factory, cifar10_dir):
    path = tmp_path_factory.mktemp("course")
    C.release(path, ASSIGNMENT)
    return path


@pytest.fixture(scope="module")
def models():
    out = ROOT / "build" / "reference_models"
    if not all((out / m).exists() for spec in C.ASSIGNMENTS.values() for m in spec["models"]):
        subprocess.run([sys.executable, "-m", "tools.train_reference_models", str(out)], cwd=ROOT, check=True)
    return out


def release_dir(course):
    return course / "release" / ASSIGNMENT


def test_release_contents(course):
    rel = release_dir(course)
    names = {p.name for p in rel.iterdir()}
    assert {f"{nb}.ipynb" for nb in C.ASSIGNMENTS[ASSIGNMENT]["notebooks"]} <= names
    assert {"setup.py", "pyproject.toml", "requirements.txt", "get_datasets.sh", "README.md", "cs231n"} <= names
    assert (rel / "cs231n" / "im2col_cython.pyx").exists()  # the Cython source ships as it is
    assert not list(rel.rglob("cifar-10-batches-py")) and not list(rel.rglob("*.npz"))
    for p in rel.rglob("*"):
        if p.is_file():
            text = p.read_text(errors="replace")
            assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text, p


def test_release_stubs_raise_naming_function_and_notebook(course):
    stub = (release_dir(course) / "cs231n/classifiers/linear_svm.py").read_text()
    assert "raise NotImplementedError('svm_loss_vectorized in cs231n/classifiers/linear_svm.py" in stub
    assert "(see svm.ipynb)" in stub
    knn = (release_dir(course) / "cs231n/classifiers/k_nearest_neighbor.py").read_text()
    assert "KNearestNeighbor.compute_distances_no_loops in" in knn
    # provided modules are released unchanged
    assert (release_dir(course) / "cs231n/solver.py").read_text() == (ROOT / "cs231n/solver.py").read_text()


def test_release_stub_fails_where_it_is(course):
    code = ("import numpy as np\nfrom cs231n.classifiers.linear_svm import svm_loss_vectorized\n"
            "svm_loss_vectorized(np.zeros((3, 2)), np.zeros((1, 3)), np.zeros(1, int), 0.0)\n")
    res = subprocess.run([sys.executable, "-c", code], cwd=release_dir(course), capture_output=True, text=True)
    assert res.returncode != 0
    assert "NotImplementedError: svm_loss_vectorized in cs231n/classifiers/linear_svm.py" in res.stderr


def test_check_release_catches_a_leak(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\nscores = X @ W  # (N, C)\n")
    with pytest.raises(C.CourseError, match="solution line survives"):
        C.check_release(tmp_path, {"scores = X @ W  # (N, C)"})
    (tmp_path / "a.py").write_text("### BEGIN SOLUTION\n")
    with pytest.raises(C.CourseError, match="contains '### BEGIN SOLUTION'"):
        C.check_release(tmp_path, set())
    (tmp_path / "a.py").unlink()
    (tmp_path / "cifar-10-batches-py").mkdir()
    with pytest.raises(C.CourseError, match="dataset must not be released"):
        C.check_release(tmp_path, set())


def test_make_submission_never_replaces_a_real_submission(tmp_path):
    base = tmp_path / "base"
    base.mkdir()
    (base / "knn.ipynb").write_text("{}")
    made = C.make_submission(tmp_path, ASSIGNMENT, "demo", base)
    C.make_submission(tmp_path, ASSIGNMENT, "demo", base)  # its own folder: replaced
    assert (made / "knn.ipynb").exists()
    real = tmp_path / "submitted" / "alice" / ASSIGNMENT
    real.mkdir(parents=True)
    (real / "knn.ipynb").write_text("alice's work")
    with pytest.raises(C.CourseError, match="did not make"):
        C.make_submission(tmp_path, ASSIGNMENT, "alice", base)
    assert (real / "knn.ipynb").read_text() == "alice's work"


# ----------------------------------------------------------------------------------------------
# submissions


def reference_submission(course, student, models):
    return C.make_submission(course, ASSIGNMENT, student, release_dir(course), C.reference_overlay(ASSIGNMENT),
                             models_from=models)


def edit_notebook(path, fn):
    nb = json.loads(path.read_text())
    fn(nb)
    path.write_text(json.dumps(nb))


def cell(nb, grade_id):
    return next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)


def replace_in(path, old, new):
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


SVM_PY = "cs231n/classifiers/linear_svm.py"
GRAD_LINE = "    dW = (coeff.T @ X).T / num_train + 2 * reg * W  # (D, C)\n"
WRONG_GRAD = GRAD_LINE + "    dW = dW + 1e-3  # a wrong gradient\n"


def wrong_grad(sub):
    replace_in(sub / SVM_PY, GRAD_LINE, WRONG_GRAD)


def hostile_cases():
    """(student, how to break the reference submission, expected svm.ipynb score out of 17)."""
    def wrong_loss(sub):
        replace_in(sub / SVM_PY, "    loss = np.sum(margins) / num_train + reg * np.sum(W * W)\n",
                   "    loss = np.sum(margins) / num_train + reg * np.sum(W * W) + 1.0\n")

    def test_to_pass(sub):
        wrong_grad(sub)
        edit_notebook(sub / "svm.ipynb", lambda nb: cell(nb, "svm-vectorized-grad").update(source="pass"))

    def test_deleted(sub):
        wrong_grad(sub)
        edit_notebook(sub / "svm.ipynb", lambda nb: nb["cells"].remove(cell(nb, "svm-vectorized-grad")))

    def skip_tag(sub):
        wrong_grad(sub)
        edit_notebook(sub / "svm.ipynb",
                      lambda nb: cell(nb, "svm-vectorized-grad")["metadata"].update(tags=["skip-execution"]))

    def infinite_loop(sub):
        edit_notebook(sub / "svm.ipynb", lambda nb: cell(nb, "svm-search").update(source="while True:\n    pass"))

    def os_exit(sub):
        edit_notebook(sub / "svm.ipynb",
                      lambda nb: cell(nb, "svm-search").update(source="import os\nos._exit(1)"))

    def missing_notebook(sub):
        (sub / "svm.ipynb").unlink()

    def helper_always_passes(sub):
        wrong_grad(sub)
        replace_in(sub / "cs231n/testing.py", '    x = np.asarray(x, dtype=np.float64)\n',
                   '    return 0.0\n    x = np.asarray(x, dtype=np.float64)\n')

    def warning_in_library(sub):
        replace_in(sub / SVM_PY, "    loss = 0.0\n    dW = np.zeros(W.shape)  # initialize the gradient as zero\n\n    # TODO: Implement a vectorized",
                   "    loss = 0.0\n    dW = np.zeros(W.shape)  # initialize the gradient as zero\n"
                   "    import warnings\n    warnings.warn('a harmless warning from library code', RuntimeWarning)\n\n"
                   "    # TODO: Implement a vectorized")

    # svm.ipynb: naive-loss 1, naive-grad 3, vectorized-loss 2, vectorized-grad 3, sgd 3, search-results 1,
    # saved-model 4 = 17 points
    return [
        ("h-wrong-loss", wrong_loss, 15),             # vectorized-loss fails
        ("h-test-to-pass", test_to_pass, 14),         # the test is restored and fails on the wrong gradient
        ("h-test-deleted", test_deleted, 14),         # the test is put back and fails
        ("h-skip-tag", skip_tag, 14),                 # the tag does not skip it
        ("h-infinite-loop", infinite_loop, 16),       # the search cell times out: search-results fails
        ("h-os-exit", os_exit, 12),                   # the kernel dies in the search: the last two tests score 0
        ("h-missing-notebook", missing_notebook, 0),
        ("h-helper-edited", helper_always_passes, 14),  # testing.py is restored from the release
        ("h-warning", warning_in_library, 17),        # warnings go to stdout: full marks
    ]


def test_round_trip_is_make_course(tmp_path_factory, models, capsys):
    """`make course` (tools.course demo): for each assignment, the reference solution gets full marks on
    every autograded cell, the untouched release gets 0, and feedback and the grade export are written."""
    course = tmp_path_factory.mktemp("demo")
    rc = C.demo(course, jobs=2)
    out = capsys.readouterr().out
    print(out)
    assert rc == 0, out
    csv_text = (course / "grades.csv").read_text()
    for assignment, spec in C.ASSIGNMENTS.items():
        assert f"OK: {assignment}: reference full marks, untouched release zero" in out
        table = C.grade_table(course, assignment)
        for nb, (score, maximum) in table["reference"].items():
            assert maximum > 0 and score == maximum, f"{assignment} reference {nb}: {score}/{maximum}"
        for nb, (score, maximum) in table["untouched"].items():
            assert score == 0, f"{assignment} untouched {nb}: {score}/{maximum}"
        assert set(table["reference"]) == set(spec["notebooks"])
        for nb in spec["notebooks"]:
            assert (course / "feedback" / "reference" / assignment / f"{nb}.html").exists()
        assert assignment in csv_text


def test_hostile_submissions(course, models, tmp_path):
    cases = hostile_cases()
    for student, breaker, _ in cases:
        breaker(reference_submission(course, student, models))
    reference_submission(course, "h-honest", models)
    snapshot = {s: C._tree_digest(course / "submitted" / s / ASSIGNMENT) for s, _, _ in cases}
    roster = tmp_path / "roster.csv"
    roster.write_text("id,first_name,last_name,email\nh-no-show,No,Show,\n")

    students = [s for s, _, _ in cases] + ["h-honest"]
    notes = C.autograde(course, ASSIGNMENT, jobs=2, roster=roster, notebook="svm", timeout=30, progress=False,
                        students=students)
    table = C.grade_table(course, ASSIGNMENT)
    print(C.format_table({s: {"svm": table[s]["svm"]} for s in sorted(notes) + ["h-no-show"]}, notes))

    assert table["h-honest"]["svm"] == (17.0, 17.0)
    for student, _, expected in cases:
        assert table[student]["svm"] == (expected, 17.0), f"{student}: {table[student]['svm']}, notes {notes[student]}"
        # nothing the student handed in was changed or removed
        assert C._tree_digest(course / "submitted" / student / ASSIGNMENT) == snapshot[student], student
    assert table["h-no-show"]["svm"] == (0.0, 17.0)
    assert any("kernel died" in n for n in notes["h-os-exit"]), notes["h-os-exit"]
    assert any("time limit" in n for n in notes["h-infinite-loop"]), notes["h-infinite-loop"]
    assert any("missing notebook svm.ipynb" in n for n in notes["h-missing-notebook"]), notes["h-missing-notebook"]

    # feedback and export cover everyone
    fb = C.feedback(course, ASSIGNMENT)
    assert (fb / "h-wrong-loss" / ASSIGNMENT / "svm.html").exists()
    csv_text = C.export(course, tmp_path / "grades.csv").read_text()
    assert "h-no-show" in csv_text and "h-os-exit" in csv_text
    # grading never touched the submissions
    assert all((course / "submitted" / s / ASSIGNMENT).is_dir() for s, _, _ in cases)


# ----------------------------------------------------------------------------------------------
# the same table on an assignment 2 notebook (Dropout.ipynb: 12 autograded points)

A2 = "assignment2"
DROPOUT_BACKWARD = "        dx = dout * mask\n"


def a2_hostile_cases():
    """(student, how to break the reference submission, expected Dropout score; None: the wrong one's)."""
    def wrong_backward(sub):  # dropout_backward ignores the mask: its own test and the net's gradients fail
        replace_in(sub / "cs231n/layers.py", DROPOUT_BACKWARD, "        dx = dout * 1.0\n")

    def test_to_pass(sub):
        wrong_backward(sub)
        edit_notebook(sub / "Dropout.ipynb", lambda nb: cell(nb, "do-backward").update(source="pass"))

    def test_deleted(sub):
        wrong_backward(sub)
        edit_notebook(sub / "Dropout.ipynb", lambda nb: nb["cells"].remove(cell(nb, "do-backward")))

    def skip_tag(sub):
        wrong_backward(sub)
        edit_notebook(sub / "Dropout.ipynb",
                      lambda nb: cell(nb, "do-backward")["metadata"].update(tags=["skip-execution"]))

    def helper_always_passes(sub):
        wrong_backward(sub)
        replace_in(sub / "cs231n/testing.py", '    x = np.asarray(x, dtype=np.float64)\n',
                   '    return 0.0\n    x = np.asarray(x, dtype=np.float64)\n')

    # Dropout has no solution cells and nbgrader restores locked ones, so these go in a cell of the
    # student's own, added after the experiment's plot (nothing graded depends on what it does).
    def add_cell_after_plot(sub, source):
        def edit(nb):
            at = nb["cells"].index(cell(nb, "do-experiment-plot")) + 1
            nb["cells"].insert(at, {"cell_type": "code", "execution_count": None, "id": "student-extra",
                                    "metadata": {}, "outputs": [], "source": source})
        edit_notebook(sub / "Dropout.ipynb", edit)

    def infinite_loop(sub):
        add_cell_after_plot(sub, "while True:\n    pass")

    def os_exit(sub):
        add_cell_after_plot(sub, "import os\nos._exit(1)")

    def missing_notebook(sub):
        (sub / "Dropout.ipynb").unlink()

    def missing_experiment(sub):  # the experiment is graded from the handed-in file, never retrained
        (sub / "dropout_experiment.npz").unlink()

    def warning_in_library(sub):
        replace_in(sub / "cs231n/layers.py", DROPOUT_BACKWARD,
                   DROPOUT_BACKWARD + "        import warnings\n"
                   "        warnings.warn('a harmless warning from library code', RuntimeWarning)\n")

    # Dropout.ipynb: do-forward 3, do-backward 2, do-fcn-loss 2, do-fcn-gradients 2, do-experiment 3 = 12
    return [
        ("h2-wrong-backward", wrong_backward, None),
        ("h2-test-to-pass", test_to_pass, None),       # the test is restored and fails like the plain wrong one
        ("h2-test-deleted", test_deleted, None),       # put back, fails
        ("h2-skip-tag", skip_tag, None),               # the tag does not skip it
        ("h2-helper-edited", helper_always_passes, None),  # testing.py comes from the release
        ("h2-infinite-loop", infinite_loop, 12),       # that cell times out; the graded cells still run
        ("h2-os-exit", os_exit, 9),                    # the kernel dies before do-experiment (3 points)
        ("h2-missing-notebook", missing_notebook, 0),
        ("h2-missing-experiment", missing_experiment, 9),  # do-experiment fails without the file
        ("h2-warning", warning_in_library, 12),        # warnings go to stdout: full marks
    ]


def test_hostile_submissions_assignment2(tmp_path_factory, models):
    course = tmp_path_factory.mktemp("course-a2")
    rel = C.release(course, A2)
    overlay = C.reference_overlay(A2)
    cases = a2_hostile_cases()
    for student, breaker, _ in cases:
        breaker(C.make_submission(course, A2, student, rel, overlay, models_from=models))
    C.make_submission(course, A2, "h2-honest", rel, overlay, models_from=models)
    snapshot = {s: C._tree_digest(course / "submitted" / s / A2) for s, _, _ in cases}

    students = [s for s, _, _ in cases] + ["h2-honest"]
    notes = C.autograde(course, A2, jobs=2, notebook="Dropout", timeout=60, progress=False, students=students)
    table = C.grade_table(course, A2)
    print(C.format_table({s: {"Dropout": table[s]["Dropout"]} for s in sorted(notes)}, notes))

    assert table["h2-honest"]["Dropout"] == (12.0, 12.0), notes["h2-honest"]
    wrong, maximum = table["h2-wrong-backward"]["Dropout"]
    assert maximum == 12.0 and 0 < wrong <= 8, f"the wrong dropout_backward scored {wrong}/12, expected at most 8"
    for student, _, expected in cases:
        expected = wrong if expected is None else expected
        assert table[student]["Dropout"] == (expected, 12.0), f"{student}: {table[student]['Dropout']}, notes {notes[student]}"
        assert C._tree_digest(course / "submitted" / student / A2) == snapshot[student], student
    assert any("kernel died" in n for n in notes["h2-os-exit"]), notes["h2-os-exit"]
    assert any("time limit" in n for n in notes["h2-infinite-loop"]), notes["h2-infinite-loop"]
    assert any("missing notebook Dropout.ipynb" in n for n in notes["h2-missing-notebook"]), notes["h2-missing-notebook"]
