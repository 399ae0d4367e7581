"""Instructor report: score distribution per notebook and pass rate of every test cell.

``python -m tools.course report ASSIGNMENT`` writes, in ``course/reports/<assignment>/``:

- ``index.html``: one section per notebook with a histogram of the students' scores and a bar
  chart of the pass rate of each autograded test cell (lowest first: the tests that confuse the
  class), as PNG files beside it;
- ``tests.csv``: notebook, test cell, points, submissions, passed, pass rate, mean score;
- ``scores.csv``: student, notebook, score, max score (the data of the histograms).

Counted are the notebooks a student handed in (a missing notebook would count as a failed test
everywhere); a cell passes when it scores its full points (manual grades, if any, count).
"""
import csv
import html
from pathlib import Path

from . import gradebook as G


def collect(course, assignment):
    """The report's data from the gradebook.

    Returns
    -------
    notebooks : list of str
    tests : list of dict
        notebook, cell, points, submissions, passed, pass_rate, mean_score (one per code test cell).
    scores : list of dict
        student, notebook, score, max_score (one per handed-in notebook).
    """
    from nbgrader.api import MissingEntry

    with G.open_gradebook(G.course_db_url(course)) as gb:
        try:
            a = gb.find_assignment(assignment)
        except MissingEntry:
            raise G.CourseError(f"assignment {assignment!r} is not in the gradebook; release and grade it "
                                f"first") from None
        records = G.grading_records(gb, assignment)
        handed_in = {k for k, r in records.items() if r["status"] != "missing"}
        notebooks = [nb.name for nb in a.notebooks]
        tests, scores = [], []
        for nb in a.notebooks:
            cells = [c for c in nb.grade_cells if c.cell_type == "code"]
            stats = {c.name: {"passed": 0, "total": 0.0, "n": 0} for c in cells}
            for sub in gb.notebook_submissions(nb.name, assignment):
                student = sub.student.id
                if records and (student, nb.name) not in handed_in:
                    continue
                scores.append({"student": student, "notebook": nb.name, "score": sub.code_score,
                               "max_score": nb.max_code_score})
                for g in sub.grades:
                    if g.name in stats:
                        s = stats[g.name]
                        s["n"] += 1
                        s["total"] += g.score or 0.0
                        s["passed"] += (g.score or 0.0) >= g.max_score
            for c in cells:
                s = stats[c.name]
                tests.append({"notebook": nb.name, "cell": c.name, "points": c.max_score, "submissions": s["n"],
                              "passed": s["passed"], "pass_rate": s["passed"] / s["n"] if s["n"] else None,
                              "mean_score": s["total"] / s["n"] if s["n"] else None})
    return notebooks, tests, scores


def _plot_scores(path, notebook, values, maximum):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3))
    bins = min(20, max(1, int(maximum))) if maximum else 10
    ax.hist(values, bins=bins, range=(0, maximum or 1), color="#4477aa", edgecolor="white")
    ax.set_xlabel(f"score (of {maximum:g})")
    ax.set_ylabel("students")
    ax.set_title(f"{notebook}: score distribution ({len(values)} submissions)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _plot_tests(path, notebook, rows):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sorted((r for r in rows if r["pass_rate"] is not None), key=lambda r: r["pass_rate"])
    fig, ax = plt.subplots(figsize=(6, 0.8 + 0.3 * max(1, len(rows))))
    ax.barh([r["cell"] for r in rows], [100 * r["pass_rate"] for r in rows], color="#cc6677")
    ax.set_xlim(0, 100)
    ax.set_xlabel("submissions passing (%)")
    ax.set_title(f"{notebook}: pass rate per test cell")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _write_csv(path, rows, fields):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)


def write_report(course, assignment, out=None):
    """Write the report (HTML, PNGs, CSVs) into ``out`` (default course/reports/<assignment>).

    Returns
    -------
    html_path, tests_csv_path : Path
    """
    course = Path(course)
    out = Path(out) if out else course / "reports" / assignment
    out.mkdir(parents=True, exist_ok=True)
    notebooks, tests, scores = collect(course, assignment)
    _write_csv(out / "tests.csv", tests,
               ["notebook", "cell", "points", "submissions", "passed", "pass_rate", "mean_score"])
    _write_csv(out / "scores.csv", scores, ["student", "notebook", "score", "max_score"])
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(assignment)} report</title>"
             "<style>body{font-family:sans-serif;max-width:60em;margin:auto}td,th{padding:2px 8px;text-align:right}"
             "td:first-child,th:first-child{text-align:left}</style></head><body>",
             f"<h1>{html.escape(assignment)}: autograding report</h1>",
             "<p>Scores count the autograded test cells. A test passes when it scores its full points. "
             "Only handed-in notebooks are counted. Data: <a href='tests.csv'>tests.csv</a>, "
             "<a href='scores.csv'>scores.csv</a>.</p>"]
    for nb in notebooks:
        values = [s["score"] for s in scores if s["notebook"] == nb]
        rows = [t for t in tests if t["notebook"] == nb]
        maximum = max((s["max_score"] for s in scores if s["notebook"] == nb), default=sum(r["points"] for r in rows))
        parts.append(f"<h2>{html.escape(nb)}</h2>")
        if not values:
            parts.append("<p>No submissions graded.</p>")
            continue
        _plot_scores(out / f"{nb}-scores.png", nb, values, maximum)
        _plot_tests(out / f"{nb}-tests.png", nb, rows)
        mean = sum(values) / len(values)
        parts.append(f"<p>{len(values)} submissions, mean {mean:.2f} of {maximum:g}.</p>")
        parts.append(f"<img src='{nb}-scores.png' alt='score distribution of {html.escape(nb)}'>")
        parts.append(f"<img src='{nb}-tests.png' alt='pass rate per test of {html.escape(nb)}'>")
        parts.append("<table><tr><th>test cell</th><th>points</th><th>passed</th><th>pass rate</th>"
                     "<th>mean score</th></tr>")
        for r in sorted(rows, key=lambda r: (r["pass_rate"] is None, r["pass_rate"] or 0)):
            rate = "-" if r["pass_rate"] is None else f"{100 * r['pass_rate']:.0f}%"
            mean_cell = "-" if r["mean_score"] is None else f"{r['mean_score']:.2f}"
            parts.append(f"<tr><td>{html.escape(r['cell'])}</td><td>{r['points']:g}</td>"
                         f"<td>{r['passed']}/{r['submissions']}</td><td>{rate}</td><td>{mean_cell}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    (out / "index.html").write_text("\n".join(parts))
    return out / "index.html", out / "tests.csv"
