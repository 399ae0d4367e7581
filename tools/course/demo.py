"""The demo that ``make course`` runs, and the sample submissions it (and the tests) grade."""
import shutil
import subprocess
import sys
from pathlib import Path

from .assignments import ASSIGNMENTS, IGNORE, ROOT, CourseError
from .autograde import autograde
from .gradebook import export, feedback, format_table, grade_table
from .release import release

DEMO_MARKER = ".made-by-tools-course"


def make_submission(course, assignment, student, base, overlay=None, models_from=None):
    """Copy ``base`` (a folder) into course/submitted/<student>/<assignment>, plus overlays.

    Used for the demo and the tests. A submission folder this function did not make is never
    replaced: that would lose a student's work.
    """
    dest = course / "submitted" / student / assignment
    if dest.exists():
        if not (dest / DEMO_MARKER).exists():
            raise CourseError(f"{dest} already holds a submission that tools.course did not make; "
                              f"move it away first (nothing was changed)")
        shutil.rmtree(dest)
    shutil.copytree(base, dest, ignore=shutil.ignore_patterns(*IGNORE))
    for rel, src in (overlay or {}).items():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / rel)
    for name in ASSIGNMENTS[assignment]["models"] if models_from else []:
        shutil.copy2(Path(models_from) / name, dest / name)
    (dest / DEMO_MARKER).write_text("made by tools.course make_submission; safe to replace\n")
    return dest


def reference_overlay(assignment):
    """The solution versions of the student files, and the source notebooks (solutions included)."""
    overlay = {rel: ROOT / rel for rel in ASSIGNMENTS[assignment]["student_files"]}
    for nb in ASSIGNMENTS[assignment]["notebooks"]:
        overlay[f"{nb}.ipynb"] = ROOT / assignment / f"{nb}.ipynb"
    return overlay


def _reference_models(models, assignments):
    """Train the reference models (tools/train_reference_models.py) unless every one is in ``models``."""
    missing = [m for a in assignments for m in ASSIGNMENTS[a]["models"] if not (models / m).exists()]
    if missing:
        print(f"== training the reference models (tools/train_reference_models.py; missing {', '.join(missing)})")
        subprocess.run([sys.executable, "-m", "tools.train_reference_models", str(models)], cwd=ROOT, check=True)
        still = [m for m in missing if not (models / m).exists()]
        if still:
            raise CourseError(f"tools/train_reference_models.py did not write {', '.join(still)} into {models}")


def demo(course, jobs=None, models=None, assignments=None, sandbox=True):
    """What ``make course`` runs, for each assignment (default: all): the student release, a reference
    submission (solutions and trained models) and the untouched release autograded, feedback, the grade
    export and one grade table per assignment. Returns 0 if every reference submission has full marks
    and every untouched one zero, else 1. ``sandbox=False`` grades without the sandbox (``--no-sandbox``)."""
    assignments = list(assignments or ASSIGNMENTS)
    releases = {}
    for assignment in assignments:
        print(f"== release {assignment}")
        releases[assignment] = release(course, assignment)
        print(f"student release in {releases[assignment]} (checked: no solution text, no data)")
    models = Path(models or ROOT / "build" / "reference_models")
    _reference_models(models, assignments)
    ok = True
    notes = {}
    for assignment, rel in releases.items():
        make_submission(course, assignment, "reference", rel, reference_overlay(assignment), models_from=models)
        make_submission(course, assignment, "untouched", rel)
        print(f"== autograde {assignment}")
        notes[assignment] = autograde(course, assignment, jobs=jobs, sandbox=sandbox)
        print(f"== feedback {assignment}")
        print(f"feedback in {feedback(course, assignment)}")
    csv_path = export(course)
    print(f"grades exported to {csv_path}")
    for assignment in assignments:
        table = grade_table(course, assignment)
        print(f"\n{assignment}")
        print(format_table(table, notes[assignment]))
        ref = table.get("reference", {})
        untouched = table.get("untouched", {})
        good = bool(ref and all(s == m for s, m in ref.values()) and untouched
                    and all(s == 0 for s, _ in untouched.values()))
        print(f"OK: {assignment}: reference full marks, untouched release zero" if good
              else f"UNEXPECTED grades for {assignment} (see above)")
        ok = ok and good
    return 0 if ok else 1
