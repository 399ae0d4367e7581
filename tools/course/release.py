"""The student release: the source folder nbgrader starts from, the release itself, and the leak check.

nbgrader strips the notebooks; the ``.py`` half is ours, because nbgrader copies ``.py`` files
verbatim: the source gets the package with every solution region replaced by a stub that raises
``NotImplementedError``, and the release is refused if any solution text survives in it.
"""
import json
import shutil

from tools.solutions import BEGIN, END, split_lines, strip_solutions

from .assignments import ASSIGNMENTS, DEFAULT_TIMEOUT, ROOT, TOP_LEVEL_FILES, CourseError
from .config import nbgrader, write_config

STUDENT_README = """\
# {assignment}

Notebooks: {notebooks}.

Set-up, once (Python >= 3.11 and a C compiler):

    python3 -m venv .venv && . .venv/bin/activate
    pip install -r requirements.txt && pip install -e .
    bash get_datasets.sh           # CIFAR-10 into cs231n/datasets/
    jupyter lab

Work through the notebooks in order. The functions you write are in these files; each one raises
NotImplementedError until you write it:

{files}

Each notebook saves your best trained models next to it (*.npz): hand them in with the notebooks and
the files above; the autograder checks those models rather than training again.
"""


def _notebook_for(assignment, rel):
    return ASSIGNMENTS[assignment]["student_files"].get(rel)


def build_source(course, assignment):
    """Fill course/source/<assignment> with the notebooks and the stripped package."""
    spec = ASSIGNMENTS[assignment]
    src = course / "source" / assignment
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    for nb in spec["notebooks"]:
        path = ROOT / assignment / f"{nb}.ipynb"
        if not path.exists():
            raise CourseError(f"{path} is missing; run `python -m tools.nbbuild`")
        shutil.copy2(path, src / path.name)
    for f in sorted((ROOT / "cs231n").rglob("*")):
        rel = f.relative_to(ROOT).as_posix()
        if f.is_dir() or "__pycache__" in rel or "datasets/" in rel or f.suffix not in (".py", ".pyx"):
            continue
        dest = src / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        text = f.read_text()
        if f.suffix == ".py":
            nb = _notebook_for(assignment, rel) or "the notebook that uses it"
            text = strip_solutions(text, rel, where=lambda name, nb=nb: nb)
        dest.write_text(text)
    for name in TOP_LEVEL_FILES:
        shutil.copy2(ROOT / name, src / name)
    files = "\n".join(f"    {p}  ({nb})" for p, nb in sorted(spec["student_files"].items()))
    (src / "README.md").write_text(STUDENT_README.format(
        assignment=assignment, notebooks=", ".join(f"{n}.ipynb" for n in spec["notebooks"]), files=files))
    return src


def solution_lines(assignment):
    """Code lines that occur only inside solution regions (package and the assignment's notebooks).

    Hidden tests count as solutions. Lines shorter than 8 characters are left out (``return``,
    ``x += 1``): they are too common to mean a leak.
    """
    inside, outside = set(), set()
    for f in (ROOT / "cs231n").rglob("*.py"):
        i, o = split_lines(f.read_text(), str(f))
        inside |= i
        outside |= o
    for nb in ASSIGNMENTS[assignment]["notebooks"]:
        for c in json.loads((ROOT / assignment / f"{nb}.ipynb").read_text())["cells"]:
            if c["cell_type"] != "code":
                continue
            text = "".join(c["source"])
            text = text.replace("### BEGIN HIDDEN TESTS", BEGIN).replace("### END HIDDEN TESTS", END)
            i, o = split_lines(text, f"{nb}.ipynb")
            inside |= i
            outside |= o
    return {line for line in inside - outside if len(line) >= 8}


def check_release(release, solution_texts):
    """Raise CourseError if any solution marker or solution line, or any dataset, is in the release."""
    problems = []
    for f in sorted(release.rglob("*")):
        if f.is_dir():
            if f.name == "cifar-10-batches-py":
                problems.append(f"{f}: the dataset must not be released")
            continue
        if f.suffix in (".npz", ".pkl") or f.name.startswith("data_batch"):
            problems.append(f"{f}: data or model files must not be released")
            continue
        try:
            text = f.read_text()
        except UnicodeDecodeError:
            continue
        for marker in (BEGIN, END, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            if marker in text:
                problems.append(f"{f}: contains '{marker}'")
        if f.suffix == ".ipynb":
            text = "\n".join("".join(c["source"]) for c in json.loads(text)["cells"])
        present = {line.strip() for line in text.splitlines()}
        for line in sorted(solution_texts & present):
            problems.append(f"{f}: solution line survives: {line!r}")
    if problems:
        raise CourseError("the release leaks solutions:\n  " + "\n  ".join(problems[:50]))


def release(course, assignment, timeout=DEFAULT_TIMEOUT):
    """Build course/release/<assignment>, the student package; returns its path."""
    if assignment not in ASSIGNMENTS:
        raise CourseError(f"unknown assignment {assignment!r}; known: {', '.join(ASSIGNMENTS)}")
    write_config(course, timeout)
    build_source(course, assignment)
    nbgrader(course, "db", "assignment", "add", assignment)
    nbgrader(course, "generate_assignment", assignment, "--force")
    rel = course / "release" / assignment
    # Every line that only occurs inside solution regions (package and notebooks) must be absent.
    check_release(rel, solution_lines(assignment))
    return rel
