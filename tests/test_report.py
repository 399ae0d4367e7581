"""The instructor report: pass rates and score distributions computed from the gradebook, written as
HTML with PNG plots and CSV. Grades are written straight into a released course's gradebook (no
grading), so the expected figures follow from the scores set here."""
import csv

import pytest

from tools import course as C
from tools.course import gradebook as G
from tools.course.report import write_report

ASSIGNMENT = "assignment1"


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def course(tmp_path_factory, cifar10_dir):
    path = tmp_path_factory.mktemp("course")
    C.release(path, ASSIGNMENT)
    return path


def test_report_files_and_figures(course, tmp_path):
    with G.open_gradebook(G.course_db_url(course)) as gb:
        cells = {c.name: c.max_score for c in gb.find_notebook("knn", ASSIGNMENT).grade_cells
                 if c.cell_type == "code"}
        names = sorted(cells)
        # student i passes the first i test cells (full points) and scores 0 on the rest
        given = {}
        for i in range(4):
            scores = {n: (cells[n] if j < i else 0.0) for j, n in enumerate(names)}
            given[f"st{i}"] = scores
            G.record(gb, ASSIGNMENT, f"st{i}", "knn", f"digest{i}", "graded", scores=scores)
        G.record(gb, ASSIGNMENT, "absent", "knn", "none", "missing", notes=["missing notebook knn.ipynb"])
    html, tests_csv = write_report(course, ASSIGNMENT, tmp_path / "report")

    rows = {r["cell"]: r for r in read_csv(tests_csv) if r["notebook"] == "knn"}
    assert set(rows) == set(cells)
    for j, n in enumerate(names):
        passed = sum(1 for s in given.values() if s[n] == cells[n])
        assert int(rows[n]["submissions"]) == 4  # the missing notebook is not counted
        assert int(rows[n]["passed"]) == passed
        assert float(rows[n]["pass_rate"]) == pytest.approx(passed / 4)
        assert float(rows[n]["mean_score"]) == pytest.approx(sum(s[n] for s in given.values()) / 4)
    scores = [r for r in read_csv(tmp_path / "report" / "scores.csv") if r["notebook"] == "knn"]
    assert {r["student"]: float(r["score"]) for r in scores} == {s: sum(v.values()) for s, v in given.items()}

    for png in ("knn-scores.png", "knn-tests.png"):
        data = (tmp_path / "report" / png).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000
    page = html.read_text()
    assert "knn-scores.png" in page and "knn-tests.png" in page and "tests.csv" in page
    # the least-passed test is listed first in the notebook's table
    section = page[page.index("<h2>knn</h2>"):]
    first_cell = section[section.index("<tr><td>") + 8:].split("<", 1)[0]
    assert float(rows[first_cell]["pass_rate"]) == min(float(r["pass_rate"]) for r in rows.values())
    # notebooks nobody handed in are stated, not plotted
    assert "No submissions graded." in page and not (tmp_path / "report" / "svm-scores.png").exists()


def test_report_cli(course, tmp_path):
    assert C.main(["--course-dir", str(course), "report", ASSIGNMENT, "--out", str(tmp_path / "r")]) == 0
    assert (tmp_path / "r" / "index.html").exists() and (tmp_path / "r" / "tests.csv").exists()
