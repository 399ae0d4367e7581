"""The gradebook: connection, the assignment snapshot for workers, results in; grade table, feedback, export.

The gradebook is nbgrader's (``course/gradebook.db`` by default, or a PostgreSQL database given
with ``--db-url``), written only through nbgrader's :class:`~nbgrader.api.Gradebook` API so that
formgrader, feedback and export keep working. Beside nbgrader's tables it holds one of ours,
``cs231n_grading``: per (assignment, student, notebook) the digest of the graded submission, the
status and the notes, written in the same transaction as the grades, so a restarted coordinator
grades exactly what is missing.

Writes touch only the autograder's columns (``auto_score``, ``needs_manual_grade``,
``auto_comment``, the late penalty): a manual grade written at the same time in formgrader
(``manual_score``, ``manual_comment``) is never overwritten.
"""
import tempfile
import warnings
from datetime import datetime, timezone
from pathlib import Path

from .assignments import CourseError
from .config import nbgrader, write_config

COURSE_ID = "cs231n"


def normalize_db_url(db_url, course):
    """SQLAlchemy URL for ``db_url`` (None: the course's SQLite file); ``postgresql://`` uses psycopg 3."""
    if not db_url:
        return f"sqlite:///{Path(course) / 'gradebook.db'}"
    scheme, sep, rest = db_url.partition("://")
    if not sep:
        raise CourseError(f"--db-url {db_url!r} is not a database URL; expected e.g. "
                          f"postgresql://user@host/dbname or sqlite:///path/gradebook.db")
    if scheme in ("postgresql", "postgres"):
        scheme = "postgresql+psycopg"
    return f"{scheme}://{rest}"


def course_db_url(course, db_url=None):
    """The course's gradebook URL (SQLAlchemy form), remembered in ``course/.db-url``.

    ``db_url`` given: it becomes the course's database (feedback, export and the grade table use it
    from then on). None: the remembered one, or the course's SQLite file.
    """
    remembered = Path(course) / ".db-url"
    if db_url:
        url = normalize_db_url(db_url, course)
        Path(course).mkdir(parents=True, exist_ok=True)
        remembered.write_text(url + "\n")
        return url
    if remembered.exists():
        return remembered.read_text().strip()
    return normalize_db_url(None, course)


def _alembic_on_path():
    """nbgrader runs the ``alembic`` executable when it creates a gradebook: put the venv's bin/ first."""
    import os
    import sys

    bindir = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bindir:
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def open_gradebook(db_url):
    """nbgrader's Gradebook on ``db_url`` (an SQLAlchemy URL, see :func:`normalize_db_url`)."""
    from nbgrader.api import Gradebook

    _alembic_on_path()
    try:
        return Gradebook(db_url, COURSE_ID)
    except Exception as e:  # OperationalError from the driver: say which URL and what to check
        raise CourseError(f"cannot open the gradebook at {_redact(db_url)}: {type(e).__name__}: {e}".strip()
                          + "\nCheck that the database server runs and the URL is right.") from e


def _redact(url):
    scheme, sep, rest = url.partition("://")
    if "@" in rest and ":" in rest.split("@", 1)[0]:
        user = rest.split("@", 1)[0].split(":", 1)[0]
        rest = f"{user}:***@{rest.split('@', 1)[1]}"
    return scheme + sep + rest


# --------------------------------------------------------------------------------------------
# our table


def _grading_table():
    from sqlalchemy import Column, DateTime, Float, MetaData, String, Table, Text

    meta = MetaData()
    return Table(
        "cs231n_grading", meta,
        Column("assignment", String(128), primary_key=True),
        Column("student", String(128), primary_key=True),
        Column("notebook", String(128), primary_key=True),
        Column("digest", String(64), nullable=False),
        Column("status", String(16), nullable=False),
        Column("notes", Text()),
        Column("run_id", String(64)),
        Column("graded_at", DateTime()),
        Column("seconds", Float()),
        Column("worker", String(256)),
    )


GRADING = _grading_table()


def ensure_grading_table(gb):
    GRADING.metadata.create_all(bind=gb.engine)


def grading_records(gb, assignment):
    """{(student, notebook): row mapping} of ``cs231n_grading`` for ``assignment``."""
    from sqlalchemy import select

    ensure_grading_table(gb)
    rows = gb.db.execute(select(GRADING).where(GRADING.c.assignment == assignment)).mappings().all()
    gb.db.commit()
    return {(r["student"], r["notebook"]): dict(r) for r in rows}


# --------------------------------------------------------------------------------------------
# snapshot for the workers


def copy_structure(src, dst, assignment):
    """Copy ``assignment``'s structure (notebooks, cells, points, source cells) from gradebook ``src`` to ``dst``.

    Students and grades are not copied. Used for the workers' snapshot, and to move a course's
    assignment into another database (e.g. from the SQLite file to PostgreSQL).
    """
    from nbgrader.api import MissingEntry

    try:
        a = src.find_assignment(assignment)
    except MissingEntry:
        raise CourseError(f"assignment {assignment!r} is not in the gradebook {_redact(str(src.engine.url))}; "
                          f"run `python -m tools.course release {assignment}` first") from None
    dst.update_or_create_assignment(a.name, duedate=a.duedate)
    for nb in a.notebooks:
        dst.update_or_create_notebook(nb.name, a.name, kernelspec=nb.kernelspec)
        for c in nb.grade_cells:
            dst.update_or_create_grade_cell(c.name, nb.name, a.name, max_score=c.max_score, cell_type=c.cell_type)
        for c in nb.solution_cells:
            dst.update_or_create_solution_cell(c.name, nb.name, a.name)
        for c in nb.task_cells:
            dst.update_or_create_task_cell(c.name, nb.name, a.name, max_score=c.max_score, cell_type=c.cell_type)
        for c in nb.source_cells:
            dst.update_or_create_source_cell(c.name, nb.name, a.name, cell_type=c.cell_type, locked=c.locked,
                                             source=c.source, checksum=c.checksum)


def adopt_assignment(db_url, course, assignment):
    """Make sure ``assignment`` is in the gradebook at ``db_url``; copy it from the course's SQLite file if not.

    ``release`` writes the assignment through nbgrader's configuration; when the course's gradebook
    is another database (``--db-url``) and it lacks the assignment, the structure the release wrote
    to ``course/gradebook.db`` is copied over (students and grades are not). Returns True if copied.
    """
    from nbgrader.api import MissingEntry

    sqlite = Path(course) / "gradebook.db"
    with open_gradebook(db_url) as dst:
        try:
            dst.find_assignment(assignment)
            return False
        except MissingEntry:
            if db_url == normalize_db_url(None, course) or not sqlite.exists():
                return False
        with open_gradebook(f"sqlite:///{sqlite}") as src:
            try:
                src.find_assignment(assignment)
            except MissingEntry:
                return False
            copy_structure(src, dst, assignment)
    return True


def structure_snapshot(db_url, assignment):
    """Bytes of a new SQLite gradebook holding only ``assignment``'s structure, copied from ``db_url``.

    It has the assignment, its notebooks, grade/solution/task cells with points, and the source
    cells (with the hidden tests nbgrader restores), and no students: what ``nbgrader autograde``
    reads on a worker.
    """
    from nbgrader.api import Gradebook

    with open_gradebook(db_url) as src, tempfile.TemporaryDirectory(prefix="cs231n-snapshot-") as tmp:
        path = Path(tmp) / "gradebook.db"
        _alembic_on_path()
        with Gradebook(f"sqlite:///{path}", COURSE_ID) as dst:
            copy_structure(src, dst, assignment)
        return path.read_bytes()


# --------------------------------------------------------------------------------------------
# results in


def register(gb, students):
    """Make sure every student in ``students`` has a row (in an open gradebook)."""
    for s in students:
        gb.update_or_create_student(s)


def _submission(gb, assignment, student, timestamp=None):
    from nbgrader.api import MissingEntry

    if not _has_student(gb, student):
        gb.add_student(student)
    try:
        sub = gb.find_submission(assignment, student)
    except MissingEntry:
        kwargs = {"timestamp": timestamp} if timestamp else {}
        from sqlalchemy.exc import SAWarning

        with warnings.catch_warnings():  # nbgrader's add_submission trips SQLAlchemy 2's autoflush warnings
            warnings.simplefilter("ignore", SAWarning)
            return gb.add_submission(assignment, student, **kwargs)
    if timestamp is not None and sub.timestamp != timestamp:
        sub.timestamp = timestamp
    return sub


def _has_student(gb, student):
    from nbgrader.api import MissingEntry

    try:
        gb.find_student(student)
        return True
    except MissingEntry:
        return False


def record(gb, assignment, student, notebook, digest, status, scores=None, comments=None, late_penalty=None,
           timestamp=None, notes=(), run_id=None, seconds=None, worker=None):
    """Write one (student, notebook) outcome into the gradebook and ``cs231n_grading``, in one transaction.

    ``status`` ``graded`` takes ``scores`` (grade cell -> auto score) and ``comments``; any other
    status (``timeout``, ``failed``, ``missing``) scores every cell of the notebook 0. Only the
    autograder's columns are written; manual grades stay as they are.
    """
    from sqlalchemy import delete, insert

    ensure_grading_table(gb)
    _submission(gb, assignment, student, timestamp)
    nb = gb.find_submission_notebook(notebook, assignment, student)
    for grade in nb.grades:
        auto = (scores or {}).get(grade.name) if status == "graded" else 0.0
        grade.auto_score = auto
        grade.needs_manual_grade = grade.manual_score is not None or auto is None
    for comment in nb.comments:
        comment.auto_comment = (comments or {}).get(comment.name) if status == "graded" else None
    nb.late_submission_penalty = late_penalty if status == "graded" else None
    key = (GRADING.c.assignment == assignment) & (GRADING.c.student == student) & (GRADING.c.notebook == notebook)
    gb.db.execute(delete(GRADING).where(key))
    gb.db.execute(insert(GRADING).values(
        assignment=assignment, student=student, notebook=notebook, digest=digest, status=status,
        notes="\n".join(notes), run_id=run_id, graded_at=datetime.now(timezone.utc).replace(tzinfo=None),
        seconds=seconds, worker=worker))
    try:
        gb.db.commit()
    except Exception:
        gb.db.rollback()
        raise


# --------------------------------------------------------------------------------------------
# grade table, feedback, export


def register_students(course, students):
    """Make sure every student in ``students`` has a gradebook row."""
    with open_gradebook(course_db_url(course)) as gb:
        register(gb, students)


def grade_table(course, assignment):
    """{student: {notebook: (score, max_score)}} from the gradebook, roster students included."""
    table = {}
    with open_gradebook(course_db_url(course)) as gb:
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
    nbgrader(course, "generate_feedback", assignment, "--force", _db_arg(course))
    return course / "feedback"


def export(course, to=None):
    """Every grade as CSV (default course/grades.csv); returns its path."""
    write_config(course)
    to = Path(to or course / "grades.csv").resolve()
    nbgrader(course, "export", f"--to={to}", _db_arg(course))
    return to


def _db_arg(course):
    """The nbgrader option naming the course's gradebook (it may be a PostgreSQL database)."""
    return f"--CourseDirectory.db_url={course_db_url(course)}"
