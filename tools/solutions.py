"""Solution regions in the kit's ``.py`` files.

A region a student writes is delimited by two comment lines at the same
indentation::

    # TODO: hint text for the student
    ### BEGIN SOLUTION
    reference code
    ### END SOLUTION

Regions may not nest, must be closed, and must hold at least one line of code.

``python -m tools.solutions [PATH ...]`` checks every ``.py`` file under the
given paths (default ``cs231n``) and lists the regions per file; it exits 1 on
the first malformed file.
"""
import sys
from dataclasses import dataclass
from pathlib import Path

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"


class MarkerError(ValueError):
    """A malformed solution region; the message gives the file and line."""


@dataclass(frozen=True)
class Region:
    """One solution region: ``begin`` and ``end`` are 0-based line indices of the marker lines."""

    begin: int
    end: int
    indent: str


def _marker(line):
    stripped = line.strip()
    if stripped.startswith(BEGIN):
        return BEGIN
    if stripped.startswith(END):
        return END
    return None


def find_regions(text, filename="<string>"):
    """Parse the solution regions of one file.

    Parameters
    ----------
    text : str
        File contents.
    filename : str
        For error messages.

    Returns
    -------
    list of Region
        In file order.

    Raises
    ------
    MarkerError
        For a nested, unterminated, unopened, misindented or empty region.
    """
    lines = text.splitlines()
    regions = []
    open_at = None
    for n, line in enumerate(lines):
        kind = _marker(line)
        if kind is None:
            continue
        indent = line[: len(line) - len(line.lstrip())]
        if kind == BEGIN:
            if open_at is not None:
                raise MarkerError(f"{filename}:{n + 1}: '{BEGIN}' inside the region opened at line {open_at + 1}")
            open_at = n
        else:
            if open_at is None:
                raise MarkerError(f"{filename}:{n + 1}: '{END}' without a '{BEGIN}' before it")
            begin_indent = lines[open_at][: len(lines[open_at]) - len(lines[open_at].lstrip())]
            if indent != begin_indent:
                raise MarkerError(f"{filename}:{n + 1}: '{END}' is indented differently from the "
                                  f"'{BEGIN}' at line {open_at + 1}")
            body = [b.strip() for b in lines[open_at + 1:n]]
            if not any(b and not b.startswith("#") for b in body):
                raise MarkerError(f"{filename}:{open_at + 1}: empty solution region (no code before line {n + 1})")
            regions.append(Region(open_at, n, indent))
            open_at = None
    if open_at is not None:
        raise MarkerError(f"{filename}:{open_at + 1}: '{BEGIN}' is never closed by '{END}'")
    return regions


def iter_py_files(paths):
    """Every ``.py`` file under ``paths`` (files or folders), sorted."""
    for p in map(Path, paths):
        if p.is_dir():
            yield from sorted(p.rglob("*.py"))
        else:
            yield p


def main(argv=None):
    paths = (argv if argv is not None else sys.argv[1:]) or ["cs231n"]
    total = 0
    for f in iter_py_files(paths):
        try:
            regions = find_regions(f.read_text(), str(f))
        except MarkerError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        if regions:
            print(f"{f}: {len(regions)} solution regions")
            total += len(regions)
    print(f"{total} solution regions, all well formed")
    return 0


if __name__ == "__main__":
    sys.exit(main())


_DEF = __import__("re").compile(r"^(?P<indent>\s*)(?:async\s+)?(?P<kind>def|class)\s+(?P<name>\w+)")


def enclosing_name(lines, index):
    """Dotted name of the function (and class) around line ``index``, e.g. ``KNearestNeighbor.train``."""
    names = []
    limit = len(lines[index]) - len(lines[index].lstrip())
    for line in reversed(lines[:index]):
        m = _DEF.match(line)
        if m and len(m.group("indent")) < limit:
            names.append(m.group("name"))
            limit = len(m.group("indent"))
            if limit == 0:
                break
    return ".".join(reversed(names)) or "<module>"


def region_names(text, filename="<string>"):
    """The enclosing name of every solution region of a file, in file order (one entry per region).

    A function with two regions appears twice; a region outside any function is ``"<module>"``.
    """
    lines = text.splitlines(keepends=True)
    return [enclosing_name(lines, r.begin) for r in find_regions(text, filename)]


def strip_solutions(text, filename="<string>", where=None, message=None):
    """Replace every solution region of a ``.py`` file by a stub that raises.

    Parameters
    ----------
    text : str
        The file, with solution regions.
    filename : str
        Path shown in the stub's message and in errors, e.g. ``cs231n/layers.py``.
    where : callable or None
        ``where(function_name) -> str`` names the notebook that covers a
        function (shown in the message); None leaves it out.
    message : callable or None
        ``message(function_name) -> str``: the whole text after
        ``"<function> in <file>: "``, replacing the default
        ``"write this part of the function (see <notebook>)"``; for stubs that
        say something else, e.g. to copy code from an earlier assignment.
        It may raise to refuse a region (the release does, for regions it
        has no notebook for).

    Returns
    -------
    str
        The file with each region (markers included) replaced by::

            # YOUR CODE HERE
            raise NotImplementedError("<function> in <file>: write this part of the function (see <notebook>)")

        at the region's indentation. A file without regions comes back
        unchanged, so stripping is idempotent.
    """
    lines = text.splitlines(keepends=True)
    regions = find_regions(text, filename)
    if not regions:
        return text
    out, pos = [], 0
    for r in regions:
        out.extend(lines[pos:r.begin])
        name = enclosing_name(lines, r.begin)
        if message is not None:
            stub = f"{name} in {filename}: {message(name)}"
        else:
            hint = f" (see {where(name)})" if where else ""
            stub = f"{name} in {filename}: write this part of the function{hint}"
        out.append(f"{r.indent}# YOUR CODE HERE\n")
        out.append(f"{r.indent}raise NotImplementedError({stub!r})\n")
        pos = r.end + 1
    out.extend(lines[pos:])
    return "".join(out)


def split_lines(text, filename="<string>"):
    """The stripped code lines inside and outside the solution regions of a text.

    Returns
    -------
    inside, outside : set of str
        Non-blank, non-comment lines. A release is checked against
        ``inside - outside`` (over all sources at once): such a line in a
        released file means a solution leaked.
    """
    lines = text.splitlines()
    inside_idx = set()
    for r in find_regions(text, filename):
        inside_idx.update(range(r.begin, r.end + 1))
    inside, outside = set(), set()
    for i, line in enumerate(lines):
        s = line.strip()
        if s and not s.startswith("#"):
            (inside if i in inside_idx else outside).add(s)
    return inside, outside
