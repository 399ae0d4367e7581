"""The gradebook on a real PostgreSQL server (psycopg 3): autograde with --db-url, the grade table,
feedback and export, and a manual grade written concurrently (as formgrader would) that is not lost.

Needs a running server reachable as the current user over the local socket (.ci/run starts
Debian's cluster). Skipped when there is none, except with CS231N_REQUIRE_POSTGRES=1 (CI), where
that is a failure.
"""
import os
import threading
import time

import pytest

from test_dask_grading import small_cifar
from tools import course as C
from tools.course import gradebook as G

ASSIGNMENT = "assignment1"
SOCKET = os.environ.get("CS231N_POSTGRES_HOST", "/var/run/postgresql")
pytestmark = pytest.mark.slow


def _admin():
    import psycopg

    return psycopg.connect(f"dbname=postgres host={SOCKET}", autocommit=True, connect_timeout=5)


@pytest.fixture(scope="module")
def pg_url():
    try:
        import psycopg

        conn = _admin()
    except Exception as e:  # no driver, no server, no role
        msg = (f"no PostgreSQL server at {SOCKET} ({type(e).__name__}: {e}); start one with "
               f"`pg_ctlcluster --skip-systemctl-redirect 15 main start`")
        if os.environ.get("CS231N_REQUIRE_POSTGRES") == "1":
            pytest.fail(msg)
        pytest.skip(msg)
    name = f"cs231n_test_{os.getpid()}"
    with conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql:///{name}?host={SOCKET}"
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    del psycopg


@pytest.fixture(scope="module")
def course(tmp_path_factory, cifar10_dir, pg_url):
    """A released course (the release writes the SQLite gradebook; autograde --db-url adopts it)."""
    path = tmp_path_factory.mktemp("course")
    C.release(path, ASSIGNMENT)
    return path


def test_db_url_is_normalized_to_psycopg3(tmp_path):
    assert G.normalize_db_url("postgresql://u@h/db", tmp_path) == "postgresql+psycopg://u@h/db"
    assert G.normalize_db_url(None, tmp_path) == f"sqlite:///{tmp_path / 'gradebook.db'}"
    with pytest.raises(C.CourseError, match="not a database URL"):
        G.normalize_db_url("localhost/db", tmp_path)


def test_round_trip_and_concurrent_manual_grade(course, pg_url, tmp_path, cifar10_dir, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    for p in (tmp_path, data):
        p.chmod(0o755)  # readable by the sandboxed kernels
    monkeypatch.setenv("CS231N_DATASETS_DIR", str(small_cifar(cifar10_dir, data)))
    rel = course / "release" / ASSIGNMENT
    C.make_submission(course, ASSIGNMENT, "pg-ref", rel, C.reference_overlay(ASSIGNMENT))
    C.make_submission(course, ASSIGNMENT, "pg-blank", rel)
    out = C.autograde(course, ASSIGNMENT, jobs=2, notebook="knn", db_url=pg_url, progress=False, outcome=True)
    assert out.graded == 2, out
    (course / "gradebook.db").unlink()  # from now on nothing may use the SQLite file
    table = C.grade_table(course, ASSIGNMENT)
    assert table["pg-ref"]["knn"] == (14.0, 14.0) and table["pg-blank"]["knn"] == (0.0, 14.0)
    csv_text = C.export(course, tmp_path / "grades.csv").read_text()
    assert "pg-ref" in csv_text and "pg-blank" in csv_text
    assert (C.feedback(course, ASSIGNMENT) / "pg-ref" / ASSIGNMENT / "knn.html").exists()

    # A grader sets a manual score (formgrader's write: nbgrader's API, uncommitted, so the row is
    # locked) while the autograder records a result for the same notebook.
    url = G.course_db_url(course)
    recorded = threading.Event()

    def autograder():
        with G.open_gradebook(url) as gb:
            G.record(gb, ASSIGNMENT, "pg-blank", "knn", "new-digest", "graded",
                     scores={"knn-two-loops": 2.0, "knn-one-loop": 2.0}, run_id="concurrent")
        recorded.set()

    with G.open_gradebook(url) as grader:
        grade = grader.find_grade("knn-two-loops", "knn", ASSIGNMENT, "pg-blank")
        assert grade.auto_score == 0.0 and grade.manual_score is None
        grade.manual_score = 1.5
        grader.db.flush()  # UPDATE sent, not committed: the row stays locked
        t = threading.Thread(target=autograder)
        t.start()
        time.sleep(1.5)
        assert not recorded.is_set(), "the autograder's write should wait for the grader's row lock"
        grader.db.commit()
        t.join(timeout=30)
    assert recorded.is_set()
    with G.open_gradebook(url) as gb:
        two = gb.find_grade("knn-two-loops", "knn", ASSIGNMENT, "pg-blank")
        one = gb.find_grade("knn-one-loop", "knn", ASSIGNMENT, "pg-blank")
        assert two.manual_score == 1.5 and two.auto_score == 2.0 and two.score == 1.5  # both writes kept
        assert one.auto_score == 2.0 and one.manual_score is None
        assert G.grading_records(gb, ASSIGNMENT)[("pg-blank", "knn")]["run_id"] == "concurrent"
