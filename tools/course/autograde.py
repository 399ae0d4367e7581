"""Autograding: the plan (which students, which notebooks), running nbgrader on it, and the notes.

Data flows one way: ``plan`` decides who is graded on what, ``run`` grades each planned student
(one ``nbgrader autograde`` per student, in parallel) and returns the raw results, and
``collect_notes`` turns those into lines for the report. The scores themselves land in the
gradebook, read back by ``tools.course.gradebook``.
"""
import hashlib
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .assignments import ASSIGNMENTS, DEFAULT_TIMEOUT
from .config import nbgrader, write_config
from .gradebook import register_students


def _tree_digest(path):
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


@dataclass
class Plan:
    """Who is graded on what.

    ``students`` are every student considered (all get a gradebook row), ``to_grade`` those with at
    least one of the wanted notebooks, ``notes`` the report lines known before grading (missing
    notebooks), ``digests`` the submission folders' hashes before grading.
    """

    assignment: str
    notebook: str | None
    timeout: int
    students: list
    to_grade: list
    notes: dict = field(default_factory=dict)
    digests: dict = field(default_factory=dict)


def plan(course, assignment, notebook=None, timeout=DEFAULT_TIMEOUT, students=None):
    """The grading plan for the submissions of ``assignment`` (all, or the ``students`` listed)."""
    submitted = students_with_submissions(course, assignment)
    students = submitted if students is None else [s for s in students if s in submitted]
    digests = {s: _tree_digest(course / "submitted" / s / assignment) for s in students}
    notes = {s: [] for s in students}
    wanted = [notebook] if notebook else ASSIGNMENTS[assignment]["notebooks"]
    to_grade = []
    for s in students:
        missing = [nb for nb in wanted if not (course / "submitted" / s / assignment / f"{nb}.ipynb").exists()]
        notes[s].extend(f"missing notebook {nb}.ipynb (scored 0)" for nb in missing)
        if len(missing) < len(wanted):
            to_grade.append(s)
    return Plan(assignment, notebook, int(timeout), students, to_grade, notes, digests)


def _grade_one(course, assignment, student, notebook, timeout):
    args = ["autograde", assignment, f"--student={student}", "--force", f"--Execute.timeout={int(timeout)}"]
    if notebook:
        args.append(f"--notebook={notebook}")
    for _ in range(3):  # sqlite may report "database is locked" under parallel grading
        res = nbgrader(course, *args, check=False)
        if res.returncode == 0 or "database is locked" not in res.stdout + res.stderr:
            return res
    return res


def run(course, plan, jobs=None, progress=True):
    """Grade every student of ``plan.to_grade``; returns [(student, CompletedProcess)]."""
    jobs = jobs or os.cpu_count() or 1
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=len(plan.to_grade), desc="grading", unit="student", file=sys.stdout)

    def work(student):
        res = _grade_one(course, plan.assignment, student, plan.notebook, plan.timeout)
        if bar is not None:
            bar.update(1)
        return student, res

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(work, plan.to_grade))
    if bar is not None:
        bar.close()
    return results


def collect_notes(course, plan, results):
    """{student: notes}: the plan's notes plus grading failures, dead kernels, time-outs, changed folders."""
    notes = {s: list(n) for s, n in plan.notes.items()}
    for student, res in results:
        out = res.stdout + res.stderr
        if res.returncode != 0:
            last = [line for line in out.splitlines() if "ERROR" in line or "Error" in line][-3:]
            notes[student].append(f"grading failed (exit {res.returncode}): {' | '.join(last) or out[-300:]}")
        graded = course / "autograded" / student / plan.assignment
        for nb in sorted(graded.glob("*.ipynb")) if graded.is_dir() else []:
            cells = json.loads(nb.read_text())["cells"]
            if any(o.get("ename") == "KernelDied" for c in cells for o in c.get("outputs", [])):
                notes[student].append(f"{nb.name}: the kernel died; cells after that point scored 0")
            if any(o.get("ename") == "CellTimeoutError" for c in cells for o in c.get("outputs", [])):
                notes[student].append(f"{nb.name}: a cell ran past the {plan.timeout} s time limit and scored 0")
    for student in plan.students:
        if _tree_digest(course / "submitted" / student / plan.assignment) != plan.digests[student]:
            notes[student].append("WARNING: the submission folder changed during grading")
    return notes


def autograde(course, assignment, jobs=None, roster=None, notebook=None, timeout=DEFAULT_TIMEOUT,
              progress=True, students=None):
    """Grade the submissions of ``assignment`` (all, or the ``students`` listed).

    Returns {student: notes}, the notes being lines for the report (grading
    failures, missing notebooks, dead kernels, time-outs).
    """
    write_config(course, timeout)
    if roster:
        nbgrader(course, "db", "student", "import", str(Path(roster).resolve()))
    p = plan(course, assignment, notebook, timeout, students)
    register_students(course, p.students)  # so that a student with nothing gradable still has a row
    results = run(course, p, jobs, progress)
    return collect_notes(course, p, results)
