"""Grades you can trust: hostile submissions graded beside honest ones, in the sandbox, with tamper checks.

Beside tests/test_course.py (the pipeline's own table). To stay within a few minutes, every student
is graded on one small notebook, ``svm_mini``, added to the assignment 1 release here: a locked
set-up cell and three test cells (6 points) on the student's ``linear_svm.py``, small random data,
no CIFAR-10. Every hostile student starts from the reference solution with a wrong gradient, which
honestly earns 2 of the 6 points (the loss test); an attack that worked would show as more.
"""
import json
import os
import shutil
import socket
import threading
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT, needs_bwrap
from tools import course as C
from tools.course import sandbox as S
from tools.course import tamper as T

ASSIGNMENT = "assignment1"
NB = "svm_mini"
FULL = 6.0
HONEST_WRONG_GRAD = 2.0

SVM_PY = "cs231n/classifiers/linear_svm.py"
GRAD_LINE = "    dW = (coeff.T @ X).T / num_train + 2 * reg * W  # (D, C)\n"

SETUP = '''\
import numpy as np
from cs231n.classifiers.linear_svm import svm_loss_naive, svm_loss_vectorized
from cs231n.testing import rel_error, linspace_array
from cs231n.gradient_check import eval_numerical_gradient
from cs231n.nbutils import setup_notebook, bound
setup_notebook()
rng = np.random.default_rng(0)
W = rng.standard_normal((20, 4)) * 0.01
X = rng.standard_normal((30, 20))
y = rng.integers(0, 4, 30)'''
TESTS = [
    ("mini-loss", 2, '''\
"""svm_loss_vectorized gives svm_loss_naive's loss."""
_ln, _ = svm_loss_naive(W, X, y, 0.1)
_lv, _ = svm_loss_vectorized(W, X, y, 0.1)
assert rel_error(_ln, _lv) < 1e-10, f"loss {_lv} vs {_ln}"
### BEGIN HIDDEN TESTS
assert abs(_lv - _ln) < 1e-9, f"loss {_lv} vs {_ln}"
### END HIDDEN TESTS'''),
    ("mini-grad", 3, '''\
"""The gradient of svm_loss_vectorized matches the numeric gradient."""
_, _grad = svm_loss_vectorized(W, X, y, 0.1)
_num = eval_numerical_gradient(lambda w: svm_loss_vectorized(w, X, y, 0.1)[0], W, verbose=False)
_e = float(rel_error(_grad, _num))
assert _e < 1e-6, f"relative error {_e:.2e} > 1e-6"
print(f"relative error {_e:.2e}")'''),
    ("mini-allclose", 1, '''\
"""numpy.testing agrees, and the autograder checks the full bounds."""
np.testing.assert_allclose(_grad, _num, rtol=1e-5, atol=1e-8)
assert bound(1.0, 0.5) == 1.0'''),
]


def mini_notebook():
    """The source notebook (nbgrader metadata, a hidden test)."""
    def md(grade_id, points=None):
        meta = {"grade": points is not None, "grade_id": grade_id, "locked": True, "schema_version": 3,
                "solution": False}
        if points is not None:
            meta["points"] = points
        return {"nbgrader": meta}

    cells = [nbformat.v4.new_markdown_cell("# SVM checks (small)"),
             nbformat.v4.new_code_cell(SETUP, metadata=md("mini-setup"))]
    cells += [nbformat.v4.new_code_cell(src, metadata=md(gid, pts)) for gid, pts, src in TESTS]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


# ----------------------------------------------------------------------------------------------
# the course and the submissions


@pytest.fixture(scope="module")
def course(tmp_path_factory, cifar10_dir):
    path = tmp_path_factory.mktemp("trusted")
    C.release(path, ASSIGNMENT)
    nbformat.write(mini_notebook(), path / "source" / ASSIGNMENT / f"{NB}.ipynb")
    C.nbgrader(path, "generate_assignment", ASSIGNMENT, "--force")
    assert (path / "release" / ASSIGNMENT / f"{NB}.ipynb").exists()
    return path


def submission(course, student, wrong_grad=True):
    sub = C.make_submission(course, ASSIGNMENT, student, course / "release" / ASSIGNMENT,
                            {rel: ROOT / rel for rel in C.ASSIGNMENTS[ASSIGNMENT]["student_files"]})
    if wrong_grad:
        replace_in(sub / SVM_PY, GRAD_LINE, GRAD_LINE + "    dW = dW + 1e-3  # a wrong gradient\n")
    return sub


def replace_in(path, old, new):
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def add_cell(sub, source, after="mini-setup"):
    """A new cell (as a student adds one) right after the cell ``after``."""
    path = sub / f"{NB}.ipynb"
    nb = nbformat.read(path, as_version=4)
    i = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == after)
    nb.cells.insert(i + 1, nbformat.v4.new_code_cell(source))
    nbformat.write(nb, path)


def add_to_py(sub, source):
    """Code run when the notebook imports the student's linear_svm.py."""
    path = sub / SVM_PY
    path.write_text(path.read_text() + "\n\n" + source + "\n")


# In-kernel tampering routes; each would raise the wrong-gradient submission's score if undetected.
TAMPER = {
    "ast": '''\
import ast as _ast
class _Swallow(_ast.NodeTransformer):
    def visit_Module(self, node):
        node.body = [_ast.Try(body=[s], handlers=[_ast.ExceptHandler(type=None, name=None, body=[_ast.Pass()])],
                              orelse=[], finalbody=[]) for s in node.body]
        return _ast.fix_missing_locations(node)
get_ipython().ast_transformers.append(_Swallow())''',
    "input": '''\
get_ipython().input_transformers_post.append(
    lambda lines: [l.replace("assert ", "assert True or ") for l in lines])''',
    "settrace": '''\
import sys as _sys, linecache as _lc
def _skip_asserts(frame, event, arg):
    if event == "call":  # only the cells' own code
        return _skip_asserts if frame.f_code.co_name == "<module>" else None
    if event == "line" and _lc.getline(frame.f_code.co_filename, frame.f_lineno).lstrip().startswith("assert "):
        try:
            frame.f_lineno = frame.f_lineno + 1
        except ValueError:
            pass
    return _skip_asserts
_sys.settrace(_skip_asserts)''',
    "setprofile": '''\
import sys as _sys
_sys.setprofile(lambda frame, event, arg: None)''',
    "builtins": '''\
import builtins as _b
_float = _b.float
_b.float = lambda x=0.0: 0.0 if hasattr(x, "dtype") else _float(x)''',
    "showtraceback": '''\
get_ipython().showtraceback = lambda *a, **k: None''',
    "custom-exc": '''\
get_ipython().set_custom_exc((Exception,), lambda shell, etype, value, tb, tb_offset=None: None)''',
    "numpy-testing": '''\
import sys as _sys, types as _types
_sys.modules["numpy"].testing = _types.SimpleNamespace(assert_allclose=lambda *a, **k: None)''',
}
# Redefined helpers: in a cell, the name the test calls; from the .py file, the provided module itself.
HELPER_CELL = '''\
eval_numerical_gradient = lambda f, x, verbose=True, h=1e-5: svm_loss_vectorized(x, X, y, 0.1)[1]'''
HELPER_PY = '''\
import cs231n.testing as _testing
_testing.rel_error = lambda x, y: 0.0'''


def hostile_cases(course, server_port):
    """[(student, make(sub), expected score, what the note must name or None)]."""
    other = course / "submitted" / "t-honest" / ASSIGNMENT
    cases = []
    for route, code in TAMPER.items():
        cases.append((f"t-cell-{route}", lambda sub, code=code: add_cell(sub, code), 0.0, "tamper"))
        cases.append((f"t-py-{route}", lambda sub, code=code: add_to_py(sub, code), 0.0, "tamper"))
    cases.append(("t-cell-helper", lambda sub: add_cell(sub, HELPER_CELL), 0.0, "tamper"))
    cases.append(("t-py-helper", lambda sub: add_to_py(sub, HELPER_PY), 0.0, "tamper"))

    read_solutions = f'''\
exec(open({str(ROOT / SVM_PY)!r}).read())
for _nb in {[str(p) for p in (course / "source" / ASSIGNMENT).glob("*.ipynb")]!r}:
    print(open(_nb).read()[:100])'''
    gradebook = f'''\
import sqlite3
_db = sqlite3.connect({str(course / "gradebook.db")!r})
_db.execute("INSERT INTO student (id) VALUES ('t-intruder')")
_db.execute("UPDATE grade SET auto_score = 99")
_db.commit()'''
    vandal = f'''\
import shutil, glob
shutil.rmtree({str(other)!r})
for _p in glob.glob({str(course / "autograded" / "*" / ASSIGNMENT / "*.ipynb")!r}):
    open(_p, "w").write("{{}}")
open({str(course / "submitted" / "t-vandal-was-here")!r}, "w").write("x")'''
    network = f'''\
import socket
_s = socket.create_connection(("127.0.0.1", {server_port}), timeout=5)
_s.sendall(b"t-network")'''
    fork = '''\
import os, time
_n = 0
try:
    while _n < 3000:
        if os.fork() == 0:
            time.sleep(600)
            os._exit(0)
        _n += 1
except OSError as e:
    print("fork stopped after", _n, e)'''
    memory = '''\
import numpy as np
_big = np.ones(50 * 2**30, dtype=np.uint8)  # 50 GB'''
    for student, code in [("t-read-solutions", read_solutions), ("t-gradebook", gradebook), ("t-vandal", vandal),
                          ("t-network", network), ("t-fork", fork), ("t-memory", memory)]:
        cases.append((student, lambda sub, code=code: add_cell(sub, code), HONEST_WRONG_GRAD, None))
    return cases


HONEST_EXTRAS = [
    # their own helpers (rel_error as the 2022 notebooks define it), a plot, %timeit, autoreload
    "def rel_error(x, y):\n    return np.max(np.abs(x - y) / (np.maximum(1e-8, np.abs(x) + np.abs(y))))\n"
    "def my_norm(a):\n    return float(np.sqrt(np.sum(a * a)))\nprint(my_norm(W))",
    "import matplotlib.pyplot as plt\nplt.plot(np.arange(5) ** 2)\nplt.title('my plot')\nplt.show()",
    "%timeit -n 2 -r 1 svm_loss_vectorized(W, X, y, 0.1)",
    "%load_ext autoreload\n%autoreload 2",
]


class Listener:
    """A TCP server on 127.0.0.1 that records what anyone sends it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.received = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    self.received.append(conn.recv(100))
                except OSError:
                    self.received.append(b"(connected)")

    def close(self):
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


@pytest.mark.slow
@needs_bwrap
# Dask's scheduler warns when another process (a second grading run) holds its dashboard port
@pytest.mark.filterwarnings("ignore:Port .* is already in use:UserWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # ... and leaks that socket
def test_hostile_submissions_in_the_sandbox(course, monkeypatch):
    monkeypatch.setitem(C.ASSIGNMENTS[ASSIGNMENT], "notebooks", [*C.ASSIGNMENTS[ASSIGNMENT]["notebooks"], NB])
    listener = Listener()
    try:
        cases = hostile_cases(course, listener.port)
        for student, make, _, _ in cases:
            make(submission(course, student))
        honest = submission(course, "t-honest", wrong_grad=False)
        for extra in HONEST_EXTRAS:
            add_cell(honest, extra)
        submission(course, "t-wrong-grad")  # honest, but wrong: no tampering to find
        students = [s for s, _, _, _ in cases] + ["t-honest", "t-wrong-grad"]
        digests = {s: C._tree_digest(course / "submitted" / s / ASSIGNMENT) for s in students}
        notes = C.autograde(course, ASSIGNMENT, jobs=2, notebook=NB, timeout=60, progress=False,
                            students=students)
    finally:
        listener.close()
    table = C.grade_table(course, ASSIGNMENT)
    print(C.format_table({s: {NB: table[s][NB]} for s in students}, notes))

    def graded(student):
        return json.loads((course / "autograded" / student / ASSIGNMENT / f"{NB}.ipynb").read_text())

    def outputs(student):
        return json.dumps([c.get("outputs", []) for c in graded(student)["cells"]])

    assert table["t-honest"][NB] == (FULL, FULL), notes["t-honest"]
    assert "TamperDetected" not in outputs("t-honest")
    assert table["t-wrong-grad"][NB] == (HONEST_WRONG_GRAD, FULL), notes["t-wrong-grad"]
    assert "TamperDetected" not in outputs("t-wrong-grad")
    assert not any("tamper" in n for s in ("t-honest", "t-wrong-grad") for n in notes[s]), notes
    for student, _, expected, note in cases:
        assert table[student][NB] == (expected, FULL), f"{student}: {table[student][NB]}, notes {notes[student]}"
        if note == "tamper":
            assert "TamperDetected" in outputs(student), student
            assert any("tampering detected" in n for n in notes[student]), notes[student]  # in the grade report
            assert T.notes_from_notebook(graded(student)), student  # naming what was changed
    # the probe cells and their secrets never reach the stored notebook
    for student in ("t-honest", "t-cell-ast"):
        nb = graded(student)
        assert not any(T.PROBE_KEY in c["metadata"] for c in nb["cells"])
        assert len(nb["cells"]) == len(nbformat.read(course / "submitted" / student / ASSIGNMENT / f"{NB}.ipynb",
                                                     as_version=4).cells)
        assert "getattr_static" not in json.dumps(nb)
    # what the notes name
    detail = {s: outputs(s) for s, _, _, n in cases if n}
    assert "AST transformers" in detail["t-cell-ast"] and "AST transformers" in detail["t-py-ast"]
    assert "input transformers" in detail["t-cell-input"]
    assert "trace or profile hook" in detail["t-cell-settrace"] and "trace or profile hook" in detail["t-py-setprofile"]
    assert "builtin replaced: float" in detail["t-cell-builtins"]
    assert "showtraceback" in detail["t-cell-showtraceback"]
    assert "custom exception handler" in detail["t-py-custom-exc"]
    assert "eval_numerical_gradient gives wrong results" in detail["t-cell-helper"]
    assert "cs231n.testing.rel_error is not the release's code" in detail["t-py-helper"]
    assert "numpy.testing" in detail["t-cell-numpy-testing"]
    # the sandbox held
    assert listener.received == []
    assert "MemoryError" in outputs("t-memory")
    assert "fork stopped after" in outputs("t-fork")
    assert "No such file or directory" in outputs("t-read-solutions")
    assert (course / "submitted" / "t-honest" / ASSIGNMENT).is_dir()
    assert not (course / "submitted" / "t-vandal-was-here").exists()
    for student in students:  # grading never modified a submission
        assert C._tree_digest(course / "submitted" / student / ASSIGNMENT) == digests[student], student
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "cs231n") as gb:
        ids = {s.id for s in gb.students}
    assert "t-intruder" not in ids and set(students) <= ids
    # no process of a sandbox (the fork bomb's children) outlives its kernel
    assert orphans() == []


def orphans():
    """Sandbox processes whose kernel is gone: their connection folder was removed at shutdown.

    (Processes of sandboxes that are still grading, e.g. another run on this machine, do not count.)
    """
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if Path(f"/proc/{pid}").stat().st_uid < S.UID_BASE:
                continue
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"-f" in argv[:-1]:
            connection = Path(argv[argv.index(b"-f") + 1].decode())
            if not connection.parent.exists():
                found.append((int(pid), connection))
    return found


# ----------------------------------------------------------------------------------------------
# the tamper checks alone (an ordinary kernel, no nbgrader)


def test_kernel_digest_is_the_graders_digest():
    """The probe's in-kernel code digest and the grader's agree on the release code."""
    import cs231n.gradient_check
    import cs231n.testing

    ns = {"hashlib": __import__("hashlib")}
    exec(T._DIGEST_SRC.format(d="dg", hl="hashlib"), ns)
    for module in (cs231n.testing, cs231n.gradient_check):
        want = T.module_digests(module.__file__, module.__name__)
        assert want, module
        for key, digest in want.items():
            name = key.split(":")[1]
            assert ns["dg"](getattr(module, name).__code__) == digest, key
    edited = T.module_digests(ROOT / "cs231n" / "testing.py", "cs231n.testing")
    fake = compile("def rel_error(x, y):\n    return 0.0\n", "t.py", "exec").co_consts[0]
    assert T._code_digest(fake) != edited["cs231n.testing:rel_error"]


def test_shadowing_modules_are_found(tmp_path):
    for name in ["numpy.py", "sitecustomize.py", "my_helpers.py", "json.py", "evil.pth"]:
        (tmp_path / name).write_text("")
    (tmp_path / "IPython").mkdir()
    (tmp_path / "IPython" / "__init__.py").write_text("")
    (tmp_path / "cs231n").mkdir()
    (tmp_path / "cs231n" / "__init__.py").write_text("")
    assert T.shadowing_modules(tmp_path) == ["IPython", "evil.pth", "json.py", "numpy.py", "sitecustomize.py"]


def _run_instrumented(tmp_path, extra_cell=None):
    """The mini notebook with the reference linear_svm.py, instrumented, run in a plain kernel, judged."""
    from nbclient import NotebookClient

    folder = tmp_path / "assignment1"
    shutil.copytree(ROOT / "cs231n", folder / "cs231n", ignore=shutil.ignore_patterns("datasets", "__pycache__"))
    nb = mini_notebook()
    if extra_cell:
        nb.cells.insert(2, nbformat.v4.new_code_cell(extra_cell))
    n_cells = len(nb.cells)
    student = C.ASSIGNMENTS[ASSIGNMENT]["student_files"]
    plan = T.instrument(nb, folder, student)
    assert len(nb.cells) == n_cells + 1 + len(TESTS)  # a baseline probe, then one after each test
    NotebookClient(nb, timeout=60, allow_errors=True, resources={"metadata": {"path": str(folder)}}).execute()
    notes = T.judge(nb, plan)
    T.strip(nb, plan)
    assert len(nb.cells) == n_cells
    text = json.dumps(nb)
    for probe in plan.probes.values():  # no secret survives in the stored notebook
        assert probe.marker not in text and probe.message not in text
    for source, line in plan.suffixes.values():
        assert line not in text
    assert [c.execution_count for c in nb.cells if c.cell_type == "code"] == list(range(1, n_cells))
    return nb, notes


def test_an_honest_notebook_is_not_flagged(tmp_path):
    nb, notes = _run_instrumented(tmp_path, "\n".join(HONEST_EXTRAS[:3]).replace("%timeit", "pass  #"))
    assert notes == []
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == [], errors


def test_hidden_errors_are_flagged(tmp_path):
    nb, notes = _run_instrumented(tmp_path, TAMPER["showtraceback"] + "\nassert False, 'hidden'")
    assert len(notes) == 1 and "showtraceback" in notes[0], notes
    tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("points")]
    assert all(any(o.get("ename") == T.TAMPERED for o in c.outputs) for c in tests)
