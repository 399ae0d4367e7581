"""The student release: the source folder nbgrader starts from, the release itself, and the leak check.

nbgrader strips the notebooks; the ``.py`` half is ours, because nbgrader copies ``.py`` files
verbatim: the source gets the package with every solution region replaced by a stub that raises
``NotImplementedError``, and the release is refused if any solution text survives in it.
"""
import json
import shutil
import textwrap

from tools.solutions import BEGIN, END, region_names, split_lines, strip_solutions

from .assignments import ASSIGNMENTS, DEFAULT_TIMEOUT, ROOT, TOP_LEVEL_FILES, CourseError, function_owners
from .config import nbgrader, write_config

STUDENT_README = """\
# {title}

Notebooks, in this order: {notebooks}.

Set-up, once (Python >= 3.11 and a C compiler):

    python3 -m venv .venv && . .venv/bin/activate
    pip install -r requirements.txt && pip install -e .
    bash get_datasets.sh           # CIFAR-10 into cs231n/datasets/
    jupyter lab
{copied}
The functions you write, per notebook; each one raises NotImplementedError until you write it:

{functions}
{later}
Hand in the notebooks, the files you edit:

{files}

and the models the notebooks save next to themselves:

{models}

The autograder checks those models rather than training again.
"""

COPIED = """
Before you start, copy your implementations of these {earlier} functions into this folder's files
(here they are stubs that raise NotImplementedError saying so):

{functions}
"""

LATER = """
{text}
"""


def stub_message(assignment, file, owner, notebooks):
    """What the stub of a region says in the release of ``assignment`` (the text after "<function> in <file>: ").

    ``owner`` is the assignment whose ``notebooks`` cover the function. A function of ``assignment``
    names its notebooks; one of an earlier assignment in a file students edit in this one says to
    copy it from there; any other names the assignment and notebooks that cover it.
    """
    where = ", ".join(f"{nb}.ipynb" for nb in notebooks)
    if owner == assignment:
        return f"write this part of the function (see {where})"
    title = ASSIGNMENTS[owner]["title"]
    order = list(ASSIGNMENTS)
    if order.index(owner) < order.index(assignment) and file in ASSIGNMENTS[assignment]["student_files"]:
        return f"copy your implementation from {title} ({where})"
    return f"write this part of the function in {title} (see {where})"


# What of cs231n/ is released: the code, the Cython source, the notebooks' images, and the 2022-path
# hand-over to get_datasets.sh. Never the dataset, the compiled extension or other build products.
RELEASED = ["**/*.py", "**/*.pyx", "notebook_images/*.jpg", "notebook_images/*.png", "datasets/get_datasets.sh"]


def package_files():
    """The files of ``cs231n/`` that a release holds, as sorted repository paths (``RELEASED``)."""
    files = set()
    for pattern in RELEASED:
        for f in (ROOT / "cs231n").glob(pattern):
            rel = f.relative_to(ROOT).as_posix()
            if f.is_file() and "__pycache__" not in rel and "cifar-10-batches-py" not in rel:
                files.add(rel)
    return sorted(files)


def package_regions():
    """{file: [function, ...]} for every ``.py`` file of ``cs231n/`` with solution regions (one name per region)."""
    regions = {}
    for rel in package_files():
        if not rel.endswith(".py"):
            continue
        names = region_names((ROOT / rel).read_text(), rel)
        if names:
            regions[rel] = names
    return regions


def check_coverage(regions):
    """Raise CourseError naming every region whose function no notebook of any assignment covers."""
    owners = function_owners()
    unmapped = [f"{file}: {name}" for file, names in regions.items()
                for name in dict.fromkeys(names) if (file, name) not in owners]
    if unmapped:
        raise CourseError("no notebook covers the solution regions of these functions, so their stubs cannot say "
                          "where they are written; add each to the 'functions' of its assignment in "
                          "tools/course/assignments.py:\n  " + "\n  ".join(unmapped))
    return owners


def write_package(assignment, dest):
    """Write ``cs231n/`` into ``dest/cs231n`` as the release of ``assignment`` gets it: every solution
    region replaced by a stub whose message says where that function is written (``stub_message``).

    Raises CourseError, before writing anything, if a region's function is not in ``ASSIGNMENTS``.
    """
    regions = package_regions()
    owners = check_coverage(regions)
    for rel in package_files():
        f = ROOT / rel
        out = dest / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        if rel in regions:
            out.write_text(strip_solutions(f.read_text(), rel, message=lambda name, rel=rel: stub_message(
                assignment, rel, *owners[(rel, name)])))
        else:
            shutil.copy2(f, out)
    return regions


def student_readme(assignment, regions):
    """The release's README.md: set-up, the functions per notebook, what to copy, what to hand in."""
    spec = ASSIGNMENTS[assignment]
    owners = function_owners()
    order = list(ASSIGNMENTS)

    def listing(pairs):
        by_file = {}
        for file, name in pairs:
            if name not in by_file.setdefault(file, []):
                by_file[file].append(name)
        return "\n".join(textwrap.fill(f"{file}: {', '.join(names)}", 100, initial_indent="    ",
                                        subsequent_indent="        ", break_on_hyphens=False)
                          for file, names in by_file.items())

    present = {(file, name) for file, names in regions.items() for name in names}
    sections = []
    for nb in spec["notebooks"]:
        pairs = [(file, name) for file, names in spec["functions"].get(nb, {}).items() for name in names
                 if (file, name) in present]
        sections.append(f"{nb}.ipynb\n" + (listing(pairs) if pairs else "    (no functions: the notebook itself)"))
    earlier, later, later_files = [], set(), []
    for file in spec["student_files"]:
        for name in regions.get(file, []):
            owner = owners[(file, name)][0]
            if order.index(owner) < order.index(assignment):
                earlier.append((file, name))
            elif owner != assignment:
                later.add(ASSIGNMENTS[owner]["title"])
                if file not in later_files:
                    later_files.append(file)
    earlier_titles = sorted({ASSIGNMENTS[owners[p][0]]["title"] for p in earlier})
    return STUDENT_README.format(
        title=spec["title"].capitalize(),
        notebooks=", ".join(f"{n}.ipynb" for n in spec["notebooks"]),
        copied=COPIED.format(earlier=" and ".join(earlier_titles), functions=listing(earlier)) if earlier else "",
        functions="\n".join(sections),
        later=LATER.format(text=textwrap.fill(f"{' and '.join(later_files)} also hold functions of "
                                              f"{' and '.join(sorted(later))}; their stubs say so. Leave them for "
                                              f"now.", 100)) if later else "",
        files="\n".join(f"    {file}" for file in spec["student_files"]),
        models=textwrap.fill(", ".join(spec["models"]), 100, initial_indent="    ", subsequent_indent="    "))


def build_source(course, assignment):
    """Fill course/source/<assignment> with the notebooks, the stripped package and the README."""
    spec = ASSIGNMENTS[assignment]
    src = course / "source" / assignment
    check_coverage(package_regions())  # before anything is removed
    missing = [ROOT / assignment / f"{nb}.ipynb" for nb in spec["notebooks"]
               if not (ROOT / assignment / f"{nb}.ipynb").exists()]
    if missing:
        raise CourseError(f"{', '.join(map(str, missing))} missing; run `python -m tools.nbbuild`")
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    for nb in spec["notebooks"]:
        shutil.copy2(ROOT / assignment / f"{nb}.ipynb", src / f"{nb}.ipynb")
    regions = write_package(assignment, src)
    for name in TOP_LEVEL_FILES:
        shutil.copy2(ROOT / name, src / name)
    (src / "README.md").write_text(student_readme(assignment, regions))
    return src


def solution_lines(assignment=None):
    """Code lines that occur only inside solution regions of the package and of the notebooks of
    ``assignment`` (None: the package alone).

    Hidden tests count as solutions. Lines shorter than 8 characters are left out (``return``,
    ``x += 1``): they are too common to mean a leak.
    """
    inside, outside = set(), set()
    for f in (ROOT / "cs231n").rglob("*.py"):
        i, o = split_lines(f.read_text(), str(f))
        inside |= i
        outside |= o
    for nb in ASSIGNMENTS[assignment]["notebooks"] if assignment else []:
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
