"""Autograding on a real Dask cluster: a scheduler and two workers on loopback, as separate processes.

The workers run in their own folders with their own scratch space and share nothing with the
course folder; the coordinator (this process, or a subprocess for the kill test) alone writes the
course folder and the gradebook. Grading the kNN notebook on a dataset folder holding only the
images it uses (the first 5000 training and 1000 test images of CIFAR-10) keeps each task to
seconds; the notebook sees exactly the images it would see in the full dataset.
"""
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import ROOT
from tools import course as C
from tools.course import gradebook as G

ASSIGNMENT = "assignment1"
NOTEBOOK = "knn"
pytestmark = pytest.mark.slow


def small_cifar(src, dest):
    """``dest``/cifar-10-batches-py with the first 5000 training and 1000 test images of ``src``."""
    out = dest / "cifar-10-batches-py"
    out.mkdir(parents=True)
    out.chmod(0o755)
    for name, keep in [("data_batch_1", 5000), ("data_batch_2", 10), ("data_batch_3", 10), ("data_batch_4", 10),
                       ("data_batch_5", 10), ("test_batch", 1000)]:
        with open(Path(src) / name, "rb") as f:
            d = pickle.load(f, encoding="latin1")
        with open(out / name, "wb") as f:
            pickle.dump({"data": d["data"][:keep], "labels": list(d["labels"][:keep])}, f)
    return dest


def readable_dir(tmp_path_factory, name):
    """A folder the sandboxed kernels (another uid) can read: pytest makes its folders 0700."""
    path = tmp_path_factory.mktemp(name)
    path.chmod(0o755)
    return path


@pytest.fixture(scope="module")
def datasets(tmp_path_factory, cifar10_dir):
    return small_cifar(cifar10_dir, readable_dir(tmp_path_factory, "datasets"))


@pytest.fixture(scope="module")
def released(tmp_path_factory, cifar10_dir):
    path = tmp_path_factory.mktemp("released")
    C.release(path, ASSIGNMENT)
    return path


def _worker_env(datasets, scratch):
    env = {**os.environ, "CS231N_DATASETS_DIR": str(datasets), "CS231N_GRADING_SCRATCH": str(scratch),
           "PYTHONPATH": str(ROOT)}
    env.pop("DASK_SCHEDULER_ADDRESS", None)
    return env


class LoopbackCluster:
    """``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1, each in its own folder."""

    def __init__(self, base, datasets):
        self.base = base
        self.datasets = datasets
        bindir = Path(sys.executable).parent
        self.scheduler_file = base / "scheduler.json"
        sdir = base / "scheduler"
        sdir.mkdir()
        with open(sdir / "log", "wb") as log:
            self.scheduler = subprocess.Popen(
                [str(bindir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                 "--scheduler-file", str(self.scheduler_file)], cwd=sdir, env=_worker_env(datasets, sdir),
                stdout=subprocess.DEVNULL, stderr=log)
        for _ in range(300):
            if self.scheduler_file.exists() and self.scheduler_file.stat().st_size:
                break
            time.sleep(0.1)
        self.address = json.loads(self.scheduler_file.read_text())["address"]
        self.workers = {}
        for name in ("w1", "w2"):
            self.start_worker(name)
        from distributed import Client

        with Client(self.address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)

    def start_worker(self, name):
        wdir = self.base / name
        (wdir / "scratch").mkdir(parents=True, exist_ok=True)
        bindir = Path(sys.executable).parent
        with open(wdir / "log", "ab") as log:
            self.workers[name] = subprocess.Popen(
                [str(bindir / "dask"), "worker", self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                 "--name", name, "--local-directory", str(wdir / "dask")],
                cwd=wdir, env=_worker_env(self.datasets, wdir / "scratch"), stdout=subprocess.DEVNULL, stderr=log)

    def scratch(self, name):
        return self.base / name / "scratch"

    def close(self):
        for p in [*self.workers.values(), self.scheduler]:
            if p.poll() is None:
                p.terminate()
        for p in [*self.workers.values(), self.scheduler]:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, datasets):
    c = LoopbackCluster(tmp_path_factory.mktemp("cluster"), datasets)
    yield c
    c.close()


def new_course(tmp_path, released):
    """A course folder with the release and gradebook of ``released`` (no submissions)."""
    course = tmp_path / "course"
    shutil.copytree(released, course, ignore=shutil.ignore_patterns("submitted", "autograded", "feedback"))
    return course


def submit(course, released, student, kind):
    """A kNN submission: ``reference``, ``blank`` (the release) or ``no-predict`` (``predict_labels`` raises).

    The last two are quick to grade (their cross-validation fails at once), the reference is not.
    """
    rel = released / "release" / ASSIGNMENT
    if kind == "blank":
        return C.make_submission(course, ASSIGNMENT, student, rel)
    dest = C.make_submission(course, ASSIGNMENT, student, rel, C.reference_overlay(ASSIGNMENT))
    if kind == "no-predict":
        knn = dest / "cs231n/classifiers/k_nearest_neighbor.py"
        text = knn.read_text()
        line = "closest_y = self.y_train[np.concatenate([closer, at_kth])]"
        assert line in text
        knn.write_text(text.replace(line, "raise NotImplementedError('predict_labels')"))
    return dest


KINDS = ["reference", "blank", "no-predict"]


def cell_scores(course, student):
    """{grade cell: auto_score} of ``student``'s kNN notebook."""
    with G.open_gradebook(G.course_db_url(course)) as gb:
        nb = gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student)
        return {g.name: g.auto_score for g in nb.grades}


def records(course):
    with G.open_gradebook(G.course_db_url(course)) as gb:
        return G.grading_records(gb, ASSIGNMENT)


@pytest.fixture(scope="module")
def serial_scores(tmp_path_factory, released, datasets):
    """Each kind graded by today's serial path: one ``nbgrader autograde`` on the course folder."""
    course = new_course(tmp_path_factory.mktemp("serial"), released)
    for kind in KINDS:
        submit(course, released, kind, kind)
    C.write_config(course)
    C.nbgrader(course, "autograde", ASSIGNMENT, f"--notebook={NOTEBOOK}", "--force",
               env={"CS231N_DATASETS_DIR": str(datasets)})
    return {kind: cell_scores(course, kind) for kind in KINDS}


def test_serial_baseline_is_informative(serial_scores):
    """The three kinds score differently (else the comparisons below prove little)."""
    totals = {k: sum(v or 0 for v in s.values()) for k, s in serial_scores.items()}
    assert totals["reference"] == 14 and totals["blank"] == 0, totals
    assert 0 < totals["no-predict"] < totals["reference"], totals


def _kill_when_busy(cluster, name, killed):
    """SIGKILL worker ``name`` once it has been grading for a second (a scratch folder exists)."""
    deadline = time.time() + 300
    while time.time() < deadline:
        if any(cluster.scratch(name).glob("grade-*")):
            time.sleep(1.0)
            cluster.workers[name].send_signal(signal.SIGKILL)
            cluster.workers[name].wait()
            killed.append(time.time())
            return
        time.sleep(0.05)


def test_cluster_grades_a_dozen_with_a_worker_killed(tmp_path, released, cluster, serial_scores):
    course = new_course(tmp_path, released)
    # two reference submissions, five of each quick kind
    students = {f"s{i:02d}": "reference" if i in (3, 9) else ("blank", "no-predict")[i % 2] for i in range(12)}
    for s, kind in students.items():
        submit(course, released, s, kind)
    killed = []
    killer = threading.Thread(target=_kill_when_busy, args=(cluster, "w1", killed))
    killer.start()
    try:
        out = C.autograde(course, ASSIGNMENT, notebook=NOTEBOOK, scheduler=cluster.address, progress=False,
                          outcome=True)
    finally:
        killer.join()
        cluster.start_worker("w1")  # back to two workers for the next test
    assert killed, "worker w1 never started a task"
    assert cluster.workers["w1"].poll() is None
    assert out.graded == 12 and out.lost == 0 and out.failed == 0, out
    for s, kind in students.items():
        assert cell_scores(course, s) == serial_scores[kind], s
        assert (course / "autograded" / s / ASSIGNMENT / f"{NOTEBOOK}.ipynb").exists()
    recs = records(course)
    assert {w["worker"].split(":")[0] for w in recs.values()}  # each result says where it ran
    # nothing of the grading happened in the workers' working folders or the course's scratch
    for name in ("w1", "w2"):
        assert not list((cluster.base / name).glob("autograded"))
    # the second run keeps every result: the submissions did not change
    again = C.autograde(course, ASSIGNMENT, notebook=NOTEBOOK, scheduler=cluster.address, progress=False,
                        outcome=True)
    assert again.kept == 12 and again.graded == 0
    # a changed submission is graded again, alone
    knn = course / "submitted" / "s00" / ASSIGNMENT / "cs231n/classifiers/k_nearest_neighbor.py"
    assert students["s00"] == "blank"
    knn.write_text(knn.read_text() + "# edited after the first grading\n")
    first_run = records(course)[("s00", NOTEBOOK)]
    third = C.autograde(course, ASSIGNMENT, notebook=NOTEBOOK, scheduler=cluster.address, progress=False,
                        outcome=True)
    assert third.kept == 11 and third.graded == 1
    assert records(course)[("s00", NOTEBOOK)]["digest"] != first_run["digest"]
    assert cell_scores(course, "s00") == serial_scores["blank"]


def test_coordinator_killed_and_restarted(tmp_path, released, cluster, serial_scores):
    course = new_course(tmp_path, released)
    students = {f"k{i}": ("blank", "no-predict")[i % 2] for i in range(6)}
    for s, kind in students.items():
        submit(course, released, s, kind)
    cmd = [sys.executable, "-m", "tools.course", "--course-dir", str(course), "autograde", ASSIGNMENT,
           "--notebook", NOTEBOOK, "--scheduler", cluster.address]
    first = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while time.time() < deadline and first.poll() is None:
        if (course / "gradebook.db").exists() and sum(r["status"] == "graded" for r in records(course).values()) >= 2:
            break
        time.sleep(0.2)
    first.send_signal(signal.SIGKILL)
    first.wait()
    before = records(course)
    assert 2 <= len(before) < 6, f"the coordinator was to be killed mid-run: {len(before)} of 6 recorded"

    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    assert f"{6 - len(before)} to grade, {len(before)} kept" in res.stdout, res.stdout[:500]
    after = records(course)
    assert set(after) == {(s, NOTEBOOK) for s in students}  # none lost
    for key, rec in before.items():  # none graded twice: the first run's results stand
        assert after[key]["run_id"] == rec["run_id"] and after[key]["graded_at"] == rec["graded_at"], key
    assert len({r["run_id"] for r in after.values()}) == 2
    for s, kind in students.items():
        assert cell_scores(course, s) == serial_scores[kind], s


def test_data_cache_maps_the_same_arrays(tmp_path, cifar10_dir):
    """The worker's float64 cache: same arrays as decoding, private writes, rebuilt when a batch changes."""
    import numpy as np

    from cs231n import data_utils as D

    root = small_cifar(cifar10_dir, tmp_path) / "cifar-10-batches-py"
    decoded = D.load_CIFAR10(root)
    cache = Path(D.build_CIFAR10_cache(root))
    assert oct(cache.stat().st_mode & 0o777) == "0o755"  # readable by sandboxed kernels (another uid)
    mapped = D.load_CIFAR10(root)
    assert isinstance(mapped[0].base, np.memmap)  # the cache was used
    for a, b in zip(decoded, mapped):
        assert type(b) is np.ndarray and a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    mapped[0][0, 0, 0, 0] = -7.0  # copy-on-write: the file and other readers are unchanged
    assert D.load_CIFAR10(root)[0][0, 0, 0, 0] == decoded[0][0, 0, 0, 0]
    # a batch that changes invalidates the cache: the loader decodes again, a new build replaces it
    with open(root / "data_batch_2", "rb") as f:
        d = pickle.load(f, encoding="latin1")
    d["data"] = 255 - d["data"]
    with open(root / "data_batch_2", "wb") as f:
        pickle.dump(d, f)
    changed = D.load_CIFAR10(root)
    assert not isinstance(changed[0].base, np.memmap)
    np.testing.assert_array_equal(changed[0][5000:5010], 255.0 - decoded[0][5000:5010])
    D.build_CIFAR10_cache(root)
    np.testing.assert_array_equal(D.load_CIFAR10(root)[0], changed[0])
    assert not list(root.glob(".float64-cache.tmp-*"))
