"""The notebook builder: cell kinds, nbgrader metadata, and errors."""
import pytest

from tools.nbbuild import NotebookSourceError, build

SRC = '''\
# %% [markdown]
# # Title
#
# Text.

# %% [readonly id=setup]
import numpy as np

# %% [solution id=answer]
x = None
### BEGIN SOLUTION
x = 1
### END SOLUTION

# %% [test id=check points=2]
"""x is 1."""
assert x == 1

# %% [answer id=iq points=1]
# **Question**
### BEGIN SOLUTION
# Because.
### END SOLUTION

# %% [tags=parameters]
quick = False
'''


def test_build_cells_and_metadata():
    nb = build(SRC)
    kinds = [(c["cell_type"], c["metadata"].get("nbgrader", {})) for c in nb["cells"]]
    assert [k for k, _ in kinds] == ["markdown", "code", "code", "code", "markdown", "code"]
    md, setup, answer, test, iq, params = nb["cells"]
    assert md["source"] == "# Title\n\nText." and "nbgrader" not in md["metadata"]
    assert setup["metadata"]["nbgrader"]["locked"] and not setup["metadata"]["nbgrader"]["grade"]
    assert answer["metadata"]["nbgrader"] | {} == {"grade": False, "grade_id": "answer", "locked": False,
                                                   "schema_version": 3, "solution": True, "task": False}
    assert test["metadata"]["nbgrader"]["points"] == 2.0 and test["metadata"]["nbgrader"]["locked"]
    assert iq["source"] == "**Question**\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION"
    assert iq["metadata"]["nbgrader"]["solution"] and iq["metadata"]["nbgrader"]["grade"]
    assert params["metadata"]["tags"] == ["parameters"]
    assert all(c["outputs"] == [] for c in nb["cells"] if c["cell_type"] == "code")


@pytest.mark.parametrize("src,message", [
    ("x = 1\n# %%\n", "before the first"),
    ("# %% [test id=t]\nassert 1\n", "points=N"),
    ("# %% [solution]\nx\n", "needs id"),
    ("# %% [bogus]\nx\n", "unknown cell kind"),
    ("# %% [markdown]\nnot a comment\n", "must start with '# '"),
    ("# %% [readonly id=a]\nx\n# %% [readonly id=a]\ny\n", "duplicate id"),
])
def test_build_errors(src, message):
    with pytest.raises(NotebookSourceError, match=message):
        build(src, "nb.py")
