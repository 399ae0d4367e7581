"""Autograding on a Dask cluster: plan the tasks, grade them on the workers, record the results.

Data flows one way: :func:`plan` makes one :class:`~tools.course.tasks.GradeTask` per (student,
notebook) whose submission has no result yet (or a result for other files: the digest changed),
:mod:`tools.course.cluster` runs them (a LocalCluster, or ``--scheduler``), and each result is
written, as it arrives, into ``course/autograded/<student>/<assignment>/`` and the gradebook
(:mod:`tools.course.gradebook`). Only this process writes the course folder and the gradebook; the
workers get what they grade inside the task.

Interrupted (Ctrl-C, a crash) and run again, it grades only what is missing: a result is kept
while the digest of the files it graded matches the submission (``force=True`` regrades all).
"""
import fnmatch
import hashlib
import os
import secrets
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .assignments import ASSIGNMENTS, DEFAULT_TIMEOUT, IGNORE, CourseError
from .config import write_config
from .tasks import Bundle, GradeTask, files_digest

#: Default wall-clock limit of one task (one notebook of one student), seconds.
DEFAULT_TASK_TIMEOUT = 1800


def _tree_digest(path):
    """SHA-256 of every file under ``path`` (to check that grading never changed a submission)."""
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        h.update(f.relative_to(path).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def students_with_submissions(course, assignment):
    sub = course / "submitted"
    if not sub.is_dir():
        return []
    return sorted(p.name for p in sub.iterdir() if (p / assignment).is_dir())


def _ignored(rel):
    parts = rel.split("/")
    return any(fnmatch.fnmatch(part, pat) for part in parts for pat in IGNORE)


def source_files(course, assignment):
    """{relative path: bytes} of the non-notebook files of ``course/source/<assignment>``."""
    src = course / "source" / assignment
    if not src.is_dir():
        raise CourseError(f"{src} is missing; run `python -m tools.course release {assignment}` first")
    files = {}
    for f in sorted(src.rglob("*")):
        rel = f.relative_to(src).as_posix()
        if f.is_file() and not f.name.endswith(".ipynb") and not _ignored(rel):
            files[rel] = f.read_bytes()
    return files


def submission_files(course, assignment, student, notebook, source):
    """What a task for ``notebook`` grades: {relative path: bytes}.

    The notebook, and every other file of the submission that nbgrader would keep: not the other
    notebooks, not ignored files (data, caches), not the files restored from the release
    (``source``, except the student's own files, ``ASSIGNMENTS[...]["student_files"]``).
    """
    folder = course / "submitted" / student / assignment
    own = set(ASSIGNMENTS[assignment]["student_files"])
    files = {}
    for f in sorted(folder.rglob("*")):
        rel = f.relative_to(folder).as_posix()
        if not f.is_file() or _ignored(rel) or rel.startswith(".made-by"):
            continue
        if rel.endswith(".ipynb") and rel != f"{notebook}.ipynb":
            continue
        if rel in source and rel not in own:
            continue
        files[rel] = f.read_bytes()
    return files


@dataclass
class Plan:
    """What this run grades.

    Attributes
    ----------
    assignment : str
    students : list of str
        Every student considered (each gets a gradebook row).
    tasks : list of GradeTask
        To grade now.
    kept : dict
        (student, notebook) -> the recorded result that stays (its digest matches).
    missing : list of (student, notebook, digest)
        Notebooks not handed in: recorded as 0 without a task.
    """

    assignment: str
    students: list
    tasks: list = field(default_factory=list)
    kept: dict = field(default_factory=dict)
    missing: list = field(default_factory=list)


def plan(course, assignment, records, source, notebook=None, students=None, force=False):
    """The tasks for ``assignment``, given ``records`` (the gradebook's ``cs231n_grading`` rows)."""
    if assignment not in ASSIGNMENTS:
        raise CourseError(f"unknown assignment {assignment!r}; known: {', '.join(ASSIGNMENTS)}")
    notebooks = ASSIGNMENTS[assignment]["notebooks"]
    if notebook and notebook not in notebooks:
        raise CourseError(f"assignment {assignment} has no notebook {notebook!r}; its notebooks: "
                          f"{', '.join(notebooks)}")
    submitted = students_with_submissions(course, assignment)
    students = submitted if students is None else [s for s in students if s in submitted]
    p = Plan(assignment, students)
    for s in students:
        for nb in [notebook] if notebook else notebooks:
            files = submission_files(course, assignment, s, nb, source)
            digest = files_digest(files)
            rec = records.get((s, nb))
            graded_file = course / "autograded" / s / assignment / f"{nb}.ipynb"
            if (not force and rec is not None and rec["digest"] == digest
                    and (rec["status"] != "graded" or graded_file.exists())):
                p.kept[(s, nb)] = rec
            elif f"{nb}.ipynb" not in files:
                p.missing.append((s, nb, digest))
            else:
                p.tasks.append(GradeTask(s, nb, digest, files))
    return p


def _write_atomic(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_autograded(course, assignment, task, result, source):
    """``course/autograded/<student>/<assignment>/``: the graded notebook and the files it ran with.

    As nbgrader lays it out (feedback reads it): the submission's files, then the release's files
    over them except the student's own.
    """
    dest = course / "autograded" / task.student / assignment
    own = set(ASSIGNMENTS[assignment]["student_files"])
    for rel, data in task.files.items():
        if not rel.endswith(".ipynb"):
            _write_atomic(dest / rel, data)
    for rel, data in source.items():
        if rel not in own:
            _write_atomic(dest / rel, data)
    if result.graded is not None:
        _write_atomic(dest / f"{task.notebook}.ipynb", result.graded)
    else:  # a stale graded notebook must not be shown as this submission's
        (dest / f"{task.notebook}.ipynb").unlink(missing_ok=True)


def _skip_tag(course):
    token_file = course / ".skip-tag"
    if not token_file.exists():
        token_file.write_text(secrets.token_hex(16))
    return token_file.read_text().strip()


def read_roster(path):
    """Student ids (and names) from a roster CSV with an ``id`` column."""
    import csv

    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows or "id" not in rows[0]:
        raise CourseError(f"roster {path}: expected a CSV with a header line containing 'id' "
                          f"(id,first_name,last_name,email), found {list(rows[0]) if rows else 'no rows'}")
    keep = ("first_name", "last_name", "email")
    return {r["id"]: {k: r[k] for k in keep if r.get(k)} for r in rows}


@dataclass
class Outcome:
    """What a run did: notes per student, and counts."""

    notes: dict
    graded: int = 0
    kept: int = 0
    failed: int = 0
    lost: int = 0
    seconds: float = 0.0
    run_id: str = ""


def autograde(course, assignment, jobs=None, roster=None, notebook=None, timeout=DEFAULT_TIMEOUT,
              progress=True, students=None, *, scheduler=None, db_url=None, force=False,
              task_timeout=DEFAULT_TASK_TIMEOUT, sandbox=True, outcome=False):
    """Grade the submissions of ``assignment`` (all, or the ``students`` listed) on a Dask cluster.

    Parameters
    ----------
    course : Path
        The nbgrader course folder.
    assignment : str
    jobs : int or None
        Tasks at once on the LocalCluster (default: cores, fewer if memory is short); ignored with
        ``scheduler``.
    roster : path or None
        CSV of every student (``id,first_name,last_name,email``); those without a submission get 0.
    notebook : str or None
        Grade only this notebook.
    timeout : int
        Seconds per cell.
    scheduler : str or None
        Address of an existing Dask scheduler (default ``$DASK_SCHEDULER_ADDRESS``, else a LocalCluster).
    db_url : str or None
        Gradebook database (default the course's SQLite file; ``postgresql://...``).
    force : bool
        Regrade everything, even results whose submission has not changed.
    task_timeout : float
        Wall-clock seconds per task; a task past it is stopped and scores 0 with a note.
    sandbox : bool
        Grade in the sandbox (False: ``--no-sandbox``).
    outcome : bool
        Return an :class:`Outcome` instead of the notes.

    Returns
    -------
    dict
        {student: notes}, the lines for the report (missing notebooks, failures, time-outs, dead
        kernels, results lost with their workers).
    """
    from . import cluster
    from . import gradebook as G

    start = time.perf_counter()
    course = Path(course)
    url = G.course_db_url(course, db_url)
    write_config(course, timeout, sandbox=sandbox)
    run_id = uuid.uuid4().hex
    if G.adopt_assignment(url, course, assignment) and progress:
        print(f"copied {assignment}'s structure from {course / 'gradebook.db'} into the course database")
    with G.open_gradebook(url) as gb:
        if roster:
            for sid, info in read_roster(roster).items():
                gb.update_or_create_student(sid, **info)
        records = G.grading_records(gb, assignment)
        source = source_files(course, assignment)
        p = plan(course, assignment, records, source, notebook, students, force)
        G.register(gb, p.students)
        notes = {s: [] for s in p.students}
        for (s, nb), rec in sorted(p.kept.items()):
            notes[s].extend(line for line in (rec["notes"] or "").splitlines() if line)
        for s, nb, digest in p.missing:
            note = f"missing notebook {nb}.ipynb (scored 0)"
            G.record(gb, assignment, s, nb, digest, "missing", notes=[note], run_id=run_id)
            notes[s].append(note)
        out = Outcome(notes, kept=len(p.kept), run_id=run_id)
        if progress:
            print(f"{len(p.tasks)} to grade, {len(p.kept)} kept (submission unchanged), "
                  f"{len(p.missing)} missing notebooks", flush=True)
        if p.tasks:
            bundle = Bundle(assignment, source, G.structure_snapshot(url, assignment), _skip_tag(course),
                            int(timeout), float(task_timeout), sandbox)
            by_key = {t.key: t for t in p.tasks}

            def on_result(result):
                task = by_key[f"grade-{result.student}-{result.notebook}-{result.digest[:16]}"]
                write_autograded(course, assignment, task, result, source)
                G.record(gb, assignment, result.student, result.notebook, result.digest, result.status,
                         result.scores, result.comments, result.late_penalty, result.timestamp, result.notes,
                         run_id, result.seconds, result.worker)
                notes[result.student].extend(result.notes)
                out.graded += result.status == "graded"
                out.failed += result.status != "graded"

            def on_error(task, exc):
                out.lost += 1
                notes[task.student].append(
                    f"{task.notebook}.ipynb: not graded in this run ({type(exc).__name__}: {exc}); "
                    f"run autograde again to grade it")

            with cluster.connect(scheduler, jobs) as client:
                cluster.run_tasks(client, p.tasks, bundle, on_result, on_error, progress=progress)
    out.seconds = time.perf_counter() - start
    return out if outcome else notes
