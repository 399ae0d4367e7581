"""The gradebook: students, the grade table, feedback and the CSV export (all nbgrader's database)."""
from pathlib import Path

from .config import nbgrader, write_config


def _gradebook(course):
    from nbgrader.api import Gradebook

    return Gradebook(f"sqlite:///{course / 'gradebook.db'}", "cs231n")


def register_students(course, students):
    """Make sure every student in ``students`` has a gradebook row."""
    with _gradebook(course) as gb:
        for s in students:
            gb.update_or_create_student(s)


def grade_table(course, assignment):
    """{student: {notebook: (score, max_score)}} from the gradebook, roster students included."""
    table = {}
    with _gradebook(course) as gb:
        a = gb.find_assignment(assignment)
        notebooks = [nb.name for nb in a.notebooks]
        maxima = {nb.name: nb.max_code_score for nb in a.notebooks}
        for student in gb.students:
            row = {}
            for nb in notebooks:
                try:
                    sub = gb.find_submission_notebook(nb, assignment, student.id)
                    row[nb] = (sub.code_score, maxima[nb])
                except Exception:  # no submission at all: zero
                    row[nb] = (0.0, maxima[nb])
            table[student.id] = row
    return table


def format_table(table, notes=None):
    """The grade table as text: one row per student, one column per notebook, notes under the row."""
    if not table:
        return "no students"
    notebooks = list(next(iter(table.values())))
    width = max(8, *(len(s) for s in table))
    head = f"{'student':<{width}}  " + "  ".join(f"{nb:>14}" for nb in notebooks) + f"  {'total':>14}"
    lines = [head, "-" * len(head)]
    for student, row in sorted(table.items()):
        total = sum(s for s, _ in row.values())
        maximum = sum(m for _, m in row.values())
        cells = "  ".join(f"{f'{s:g}/{m:g}':>14}" for s, m in row.values())
        lines.append(f"{student:<{width}}  {cells}  {f'{total:g}/{maximum:g}':>14}")
        for note in (notes or {}).get(student, []):
            lines.append(f"{'':<{width}}  - {note}")
    return "\n".join(lines)


def feedback(course, assignment):
    """Feedback HTML for every graded student, in course/feedback/<student>/<assignment>/."""
    write_config(course)
    nbgrader(course, "generate_feedback", assignment, "--force")
    return course / "feedback"


def export(course, to=None):
    """Every grade as CSV (default course/grades.csv); returns its path."""
    write_config(course)
    to = Path(to or course / "grades.csv").resolve()
    nbgrader(course, "export", f"--to={to}")
    return to
