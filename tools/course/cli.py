"""``python -m tools.course``: the command line of the instructor pipeline."""
import argparse
import sys
from pathlib import Path

from .assignments import ASSIGNMENTS, DEFAULT_COURSE, DEFAULT_TIMEOUT, CourseError
from .autograde import DEFAULT_TASK_TIMEOUT, autograde
from .demo import demo
from .gradebook import export, feedback, format_table, grade_table
from .release import release


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tools.course",
                                     description="Instructor pipeline: student release, autograding, feedback "
                                                 "and grade export.")
    parser.add_argument("--course-dir", default=str(DEFAULT_COURSE), help="nbgrader course folder (default: course/)")
    # --course-dir may also follow the command (`release assignment1 --course-dir DIR`)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--course-dir", default=argparse.SUPPRESS, help="nbgrader course folder (default: course/)")
    sub = parser.add_subparsers(dest="cmd", required=True)

    def command(name, help):
        return sub.add_parser(name, help=help, parents=[common])

    p = command("release", "build the student release")
    p.add_argument("assignment")
    p = command("autograde", "grade course/submitted/*/ASSIGNMENT")
    p.add_argument("assignment")
    p.add_argument("--jobs", type=int, default=None, help="students graded at once (default: the core count)")
    p.add_argument("--roster", help="CSV (id,first_name,last_name,email) of every student; missing ones get 0")
    p.add_argument("--notebook", help="grade only this notebook (name without .ipynb)")
    p.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT, help="seconds per cell (default %(default)s)")
    p.add_argument("--task-timeout", type=float, default=DEFAULT_TASK_TIMEOUT,
                   help="wall-clock seconds per (student, notebook); past it the task is stopped and scores 0 "
                        "(default %(default)s)")
    p.add_argument("--scheduler", default=None,
                   help="Dask scheduler address, e.g. tcp://HOST:8786 (default $DASK_SCHEDULER_ADDRESS, else a "
                        "LocalCluster on this machine)")
    p.add_argument("--db-url", default=None,
                   help="gradebook database, e.g. postgresql://user@host/dbname (default course/gradebook.db; "
                        "remembered for the course)")
    p.add_argument("--force", action="store_true", help="regrade submissions that already have a result")
    p.add_argument("--no-sandbox", dest="sandbox", action="store_false",
                   help="run student code unsandboxed, as you (only for trusted submissions; warns on every run)")
    p = command("report", "HTML page with plots and a CSV: score distribution per notebook, pass rate per test")
    p.add_argument("assignment")
    p.add_argument("--out", default=None, help="output folder (default course/reports/ASSIGNMENT)")
    p = command("feedback", "feedback HTML for every graded student")
    p.add_argument("assignment")
    p = command("export", "CSV of grades")
    p.add_argument("--to", help="output file (default course/grades.csv)")
    p = command("grades", "print the grade table")
    p.add_argument("assignment")
    p = command("demo", "release, grade a reference and an untouched submission, feedback, table")
    p.add_argument("--jobs", type=int, default=None)
    p.add_argument("--assignment", action="append", choices=list(ASSIGNMENTS),
                   help="only this assignment (repeatable; default: all)")
    p.add_argument("--no-sandbox", dest="sandbox", action="store_false",
                   help="grade the demo submissions unsandboxed (machines without bubblewrap; warns)")
    args = parser.parse_args(argv)
    course = Path(args.course_dir).resolve()
    try:
        if args.cmd == "release":
            print(f"student release in {release(course, args.assignment)}")
        elif args.cmd == "autograde":
            _sandbox_or_refuse(args.sandbox)
            notes = autograde(course, args.assignment, args.jobs, args.roster, args.notebook, args.timeout,
                              scheduler=args.scheduler, db_url=args.db_url, force=args.force,
                              task_timeout=args.task_timeout, sandbox=args.sandbox)
            print(format_table(grade_table(course, args.assignment), notes))
        elif args.cmd == "report":
            from .report import write_report

            html, csv_path = write_report(course, args.assignment, args.out)
            print(f"report in {html} (table {csv_path})")
        elif args.cmd == "feedback":
            print(f"feedback in {feedback(course, args.assignment)}")
        elif args.cmd == "export":
            print(f"grades exported to {export(course, args.to)}")
        elif args.cmd == "grades":
            print(format_table(grade_table(course, args.assignment)))
        elif args.cmd == "demo":
            _sandbox_or_refuse(args.sandbox)
            return demo(course, args.jobs, assignments=args.assignment, sandbox=args.sandbox)
    except CourseError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


def _sandbox_or_refuse(sandbox):
    """Grading runs student code: refuse without a working sandbox, warn on every run with --no-sandbox."""
    from .sandbox import SandboxUnavailable, check_available, warn_unsandboxed

    if not sandbox:
        warn_unsandboxed()
        return
    try:
        check_available()
    except SandboxUnavailable as e:
        raise CourseError(f"{e} (grading refused)") from None
