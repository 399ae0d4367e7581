"""Instructor pipeline: student release, autograding, feedback and grade export.

Usage (from the repository root, after ``make setup``)::

    python -m tools.course release assignment1            # course/release/assignment1: what students get
    python -m tools.course autograde assignment1 [--jobs N] [--roster roster.csv]
    python -m tools.course feedback assignment1           # course/feedback/<student>/assignment1/*.html
    python -m tools.course export [--to FILE]             # CSV of grades (default course/grades.csv)
    python -m tools.course grades assignment1             # the grade table
    python -m tools.course demo [--assignment A]          # what `make course` runs (both assignments)

Everything lives in an nbgrader course folder (default ``course/``, git-ignored;
``--course-dir`` to change it). Submissions go in
``course/submitted/<student>/<assignment>/`` and are never modified: grading
works on copies in ``course/autograded/``.

One concern per module, data flowing one way (CLI -> plan -> grading -> results -> gradebook):

- ``assignments``: what the course is (``ASSIGNMENTS``: notebooks, the functions each notebook
  covers, student files, models; constants)
- ``config``: the generated ``nbgrader_config.py`` and the ``nbgrader`` runner
- ``release``: the stripped source (a stub per solution region naming where that function is
  written), the student README, the release and the leak check
- ``autograde``: the plan (who, which notebooks), grading it, the report notes
- ``gradebook``: students, the grade table, feedback, export
- ``demo``: sample submissions and ``make course``
- ``cli``: ``python -m tools.course``

The package re-exports the functions under the module names (``tools.course.release`` is the
function ``release``), so reach a module itself with ``from tools.course.release import ...``
or ``sys.modules["tools.course.release"]`` (``mock.patch("tools.course.release.X")`` would find
the function).
"""
from .assignments import (ASSIGNMENTS, DEFAULT_COURSE, DEFAULT_TIMEOUT, IGNORE, ROOT, TOP_LEVEL_FILES,
                          CourseError, function_owners)
from .autograde import _tree_digest, autograde, students_with_submissions
from .cli import main
from .config import nbgrader, write_config
from .demo import DEMO_MARKER, demo, make_submission, reference_overlay
from .gradebook import export, feedback, format_table, grade_table, register_students
from .release import (STUDENT_README, build_source, check_coverage, check_release, package_regions, release,
                      solution_lines, student_readme, stub_message, write_package)

__all__ = ["ASSIGNMENTS", "DEFAULT_COURSE", "DEFAULT_TIMEOUT", "IGNORE", "ROOT", "TOP_LEVEL_FILES", "CourseError",
           "function_owners",
           "autograde", "students_with_submissions", "main", "nbgrader",
           "write_config", "DEMO_MARKER", "demo", "make_submission", "reference_overlay", "export", "feedback",
           "format_table", "grade_table", "register_students", "STUDENT_README", "build_source", "check_release",
           "release", "solution_lines", "check_coverage", "package_regions", "student_readme", "stub_message",
           "write_package"]
