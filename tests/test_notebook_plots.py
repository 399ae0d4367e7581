"""Accessibility basics of the notebooks' plots: every plot has a title and axis labels.

Read from the notebook sources (assignment*/src/*.py), cell by cell, following pyplot's state:
a figure ends at `plt.show()` (or the end of the cell) and, in the pyplot API, every
`plt.subplot(...)` / `plt.figure(...)` starts new axes. Axes that show data (plot, scatter, errorbar,
hist, bar, semilog..., imshow of a matrix) need a title, an x label and a y label; pictures (imshow
with the axes turned off, e.g. image grids) need a title. Figures drawn with the object API
(`fig, axes = plt.subplots(...)`, `ax.set(title=..., xlabel=..., ylabel=...)`) are checked as a whole,
since their axes are usually labelled in a loop.
"""
import re

import pytest

from conftest import ROOT
from tools.nbbuild import parse

DATA = re.compile(r"\.(plot|scatter|errorbar|hist|bar|barh|semilogx|semilogy|loglog|fill_between|step|boxplot|"
                  r"imshow|matshow|pcolormesh|contourf?)\(")
IMAGE = re.compile(r"\.(imshow|matshow)\(")
AXES_OFF = re.compile(r"\.axis\(\s*[\"']off[\"']\s*\)|\bxticks\(\s*\[\s*\]\s*\)")
_SET = r"\.set\((?:[^()]|\([^()]*\))*\b"  # ax.set(..., name=...), one level of parentheses inside
TITLE = re.compile(r"\.(title|set_title|suptitle)\(|" + _SET + r"title\s*=", re.S)
XLABEL = re.compile(r"\.(xlabel|set_xlabel)\(|" + _SET + r"xlabel\s*=", re.S)
YLABEL = re.compile(r"\.(ylabel|set_ylabel)\(|" + _SET + r"ylabel\s*=", re.S)
NEW_AXES = re.compile(r"\bplt\.(subplot|figure|axes)\(")
OBJECT_API = re.compile(r"\bplt\.subplots\(|\.add_subplot\(")
SHOW = re.compile(r"\bplt\.show\(\s*\)")


def _code(text):
    """The cell without its comments, with its drawing helpers inlined.

    A commented-out plot call is not a plot. A function defined in the cell that draws but does not
    call `plt.show()` (e.g. an imshow without ticks) draws into its caller's axes: its body is
    removed where it is defined and pasted after each line that calls it.
    """
    lines = [re.sub(r"(^|\s)#.*$", "", line) for line in text.splitlines()]
    helpers, kept, i = {}, [], 0
    while i < len(lines):
        m = re.match(r"def (\w+)\(", lines[i])
        if not m:
            kept.append(lines[i])
            i += 1
            continue
        j = i + 1
        while j < len(lines) and (not lines[j].strip() or lines[j][:1] in " \t"):
            j += 1
        body = "\n".join(lines[i + 1:j])
        if DATA.search(body) and not SHOW.search(body):
            helpers[m.group(1)] = body
        else:
            kept.extend(lines[i:j])
        i = j
    out = []
    for line in kept:
        out.append(line)
        out += [body for name, body in helpers.items() if re.search(rf"(?<![\w.]){name}\(", line)]
    return "\n".join(out)


def figure_problems(code):
    """What the figures of one code cell lack, as strings (empty when every plot is labelled)."""
    problems = []
    for n, figure in enumerate(SHOW.split(_code(code)), start=1):
        parts = [figure] if OBJECT_API.search(figure) else NEW_AXES.sub("\0NEW_AXES", figure).split("\0")
        axes = [p for p in parts if DATA.search(p)]
        figure_title = ".suptitle(" in figure
        for k, part in enumerate(axes, start=1):
            where = f"figure {n}" + (f", axes {k}" if len(axes) > 1 else "")
            picture = bool(IMAGE.search(part) and AXES_OFF.search(part) and not DATA.search(IMAGE.sub("", part)))
            missing = [] if TITLE.search(part) or figure_title else ["title"]
            if not picture:
                missing += [what for what, rx in (("x label", XLABEL), ("y label", YLABEL)) if not rx.search(part)]
            if missing:
                problems.append(f"{where}: no " + " and no ".join(missing))
    return problems


def notebook_sources():
    return sorted(ROOT.glob("assignment*/src/*.py"))


@pytest.mark.parametrize("src", notebook_sources(), ids=lambda s: f"{s.parent.parent.name}/{s.stem}")
def test_every_plot_has_a_title_and_axis_labels(src):
    found = []
    for kind, opts, body, line in parse(src.read_text(), str(src)):
        if kind in ("markdown", "answer"):
            continue
        for problem in figure_problems("\n".join(body)):
            found.append(f"{src.relative_to(ROOT)}:{line} (cell {opts.get('id', '?')}): {problem}")
    assert not found, "plots without a title or axis labels:\n  " + "\n  ".join(found)


@pytest.mark.parametrize("code, expected", [
    ('plt.plot(x)\nplt.title("Loss")\nplt.xlabel("Iteration")\nplt.ylabel("Loss")\nplt.show()', []),
    ('plt.plot(x)\nplt.xlabel("Iteration")\nplt.show()', ["figure 1: no title and no y label"]),
    ('plt.subplot(2, 1, 1)\nplt.plot(a)\nplt.title("A")\nplt.xlabel("x")\nplt.ylabel("y")\n'
     'plt.subplot(2, 1, 2)\nplt.plot(b)\nplt.title("B")\nplt.xlabel("x")\nplt.show()',
     ["figure 1, axes 2: no y label"]),
    ('plt.imshow(img)\nplt.axis("off")\nplt.show()', ["figure 1: no title"]),
    ('plt.imshow(img)\nplt.axis("off")\nplt.title("Mean image")\nplt.show()', []),
    ('plt.imshow(dists)\nplt.show()', ["figure 1: no title and no x label and no y label"]),
    ('fig, axes = plt.subplots(2, 1)\nfor ax in axes:\n    ax.plot(h)\n'
     '    ax.set(title="T", xlabel="Epoch",\n           ylabel="Accuracy")\nplt.show()', []),
    ('fig, axes = plt.subplots(2, 1)\nfor ax in axes:\n    ax.plot(h)\n    ax.set_title("T")\nplt.show()',
     ["figure 1: no x label and no y label"]),
    ('x = 1  # plt.plot(x) in a comment\nprint(x)', []),
    ('def show(img):\n    plt.imshow(img)\n    plt.xticks([])\n\nfor i in range(2):\n    plt.subplot(1, 2, i + 1)\n'
     '    show(x[i])\n    plt.title(f"image {i}")\nplt.show()', []),
    ('def show(img):\n    plt.imshow(img)\n    plt.xticks([])\n\nplt.subplot(1, 2, 1)\nshow(a)\nplt.show()',
     ["figure 1: no title"]),
    ('ax.plot(h)\nax.set(title=f"Accuracy ({name})", xlabel="Epoch", ylabel="Accuracy")\nplt.show()', []),
])
def test_figure_problems_finds_what_is_missing(code, expected):
    assert figure_problems(code) == expected
