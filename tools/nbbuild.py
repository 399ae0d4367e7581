"""Build the assignment notebooks (assignment1, assignment2, ...) from their text sources.

Each notebook is written as ``assignmentN/src/<name>.py`` in a percent format
(readable diffs, one source of truth) and built into ``assignmentN/<name>.ipynb``,
with the nbgrader cell metadata, outputs empty. ``python -m tools.nbbuild``
rebuilds every notebook; ``--check`` exits 1 if a committed notebook differs
from its source.

Cell headers (a line starting with ``# %%``)::

    # %% [markdown]                          prose; each line starts with "# " (or is "#")
    # %%                                     code students may edit freely
    # %% [readonly]                          locked code (set-up, provided code)
    # %% [solution id=GRADE_ID]              code students write (nbgrader autograded answer)
    # %% [test id=GRADE_ID points=N]         locked autograder test
    # %% [answer id=GRADE_ID points=N]       markdown answer graded by hand (inline questions)

Any header may add ``tags=a,b`` (cell tags). ``{{ref:NAME}}`` in a cell becomes
``np.array(<value>)``, the value being NAME in ``reference_values.json`` beside the source
(written by ``tools/make_reference_values.py`` from the solution code).
"""
import argparse
import json
import re
import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = re.compile(r"^# %%(?:\s*\[(?P<spec>[^\]]*)\])?\s*$")
REF = re.compile(r"\{\{ref:(\w+)\}\}")
KINDS = {"markdown", "readonly", "solution", "test", "answer"}


class NotebookSourceError(ValueError):
    """A malformed notebook source; the message gives the file and line."""


def _parse_spec(spec, where):
    kind, opts = "code", {}
    for word in shlex.split(spec or ""):
        if "=" in word:
            k, v = word.split("=", 1)
            opts[k] = v
        elif word in KINDS:
            kind = word
        else:
            raise NotebookSourceError(f"{where}: unknown cell kind {word!r}; use one of {sorted(KINDS)}")
    if kind in ("solution", "test", "answer") and "id" not in opts:
        raise NotebookSourceError(f"{where}: a {kind} cell needs id=...")
    if kind in ("test", "answer") and "points" not in opts:
        raise NotebookSourceError(f"{where}: a {kind} cell needs points=N")
    return kind, opts


def _nbgrader_meta(kind, opts):
    base = {"grade": False, "locked": False, "schema_version": 3, "solution": False, "task": False}
    if kind == "readonly":
        base.update(locked=True, grade_id=opts.get("id"))
    elif kind == "solution":
        base.update(solution=True, grade_id=opts["id"])
    elif kind == "test":
        base.update(grade=True, locked=True, grade_id=opts["id"], points=float(opts["points"]))
    elif kind == "answer":
        base.update(grade=True, solution=True, grade_id=opts["id"], points=float(opts["points"]))
    else:
        return None
    return base


def parse(text, filename="<source>"):
    """Parse a notebook source into a list of (kind, opts, body lines)."""
    cells, current = [], None
    for n, line in enumerate(text.splitlines(), 1):
        m = HEADER.match(line)
        if m:
            if current:
                cells.append(current)
            kind, opts = _parse_spec(m.group("spec"), f"{filename}:{n}")
            current = (kind, opts, [], n)
        elif current is None:
            if line.strip():
                raise NotebookSourceError(f"{filename}:{n}: text before the first '# %%' header")
        else:
            current[2].append(line)
    if current:
        cells.append(current)
    return cells


def _strip_blank(lines):
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def _substitute_refs(source, refs, where):
    def sub(m):
        if m.group(1) not in refs:
            raise NotebookSourceError(f"{where}: no reference value {m.group(1)!r}; run "
                                      f"`python -m tools.make_reference_values`")
        return f"np.array({json.dumps(refs[m.group(1)])})"
    return REF.sub(sub, source)


def build(text, filename="<source>", refs=None):
    """Notebook (a dict in nbformat 4.5) from a source text; ``refs`` holds the reference values."""
    nb_cells, ids = [], set()
    for idx, (kind, opts, body, line) in enumerate(parse(text, filename)):
        body = _strip_blank(body)
        if kind in ("markdown", "answer"):
            for b in body:
                if b and not (b == "#" or b.startswith("# ") or b.startswith("### ")):
                    raise NotebookSourceError(f"{filename}:{line}: markdown lines must start with '# ': {b!r}")
            # "### BEGIN SOLUTION" / "### END SOLUTION" lines stay as they are
            body = [b if b.startswith("### ") else b[2:] for b in body]
        grade_id = opts.get("id") or f"cell-{idx:03d}"
        if grade_id in ids:
            raise NotebookSourceError(f"{filename}:{line}: duplicate id {grade_id!r}")
        ids.add(grade_id)
        source = _substitute_refs("\n".join(body), refs or {}, f"{filename}:{line}")
        metadata = {}
        meta = _nbgrader_meta(kind, opts)
        if meta is not None:
            meta["grade_id"] = grade_id
            metadata["nbgrader"] = meta
        if "tags" in opts:
            metadata["tags"] = opts["tags"].split(",")
        cell = {"cell_type": "markdown" if kind in ("markdown", "answer") else "code",
                "id": grade_id, "metadata": metadata, "source": source}
        if cell["cell_type"] == "code":
            cell.update(execution_count=None, outputs=[])
        nb_cells.append(cell)
    return {
        "cells": nb_cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def dumps(nb):
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def sources():
    return sorted(ROOT.glob("assignment*/src/*.py"))


def target_of(src):
    return src.parent.parent / (src.stem + ".ipynb")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Build the assignment notebooks from assignment*/src/*.py")
    parser.add_argument("--check", action="store_true", help="only check the committed notebooks are up to date")
    args = parser.parse_args(argv)
    stale = []
    for src in sources():
        ref_file = src.parent / "reference_values.json"
        refs = json.loads(ref_file.read_text()) if ref_file.exists() else {}
        text = dumps(build(src.read_text(), str(src.relative_to(ROOT)), refs))
        dst = target_of(src)
        if args.check:
            if not dst.exists() or dst.read_text() != text:
                stale.append(str(dst.relative_to(ROOT)))
        else:
            dst.write_text(text)
            print(f"built {dst.relative_to(ROOT)}")
    if stale:
        print(f"out of date (run `python -m tools.nbbuild`): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
