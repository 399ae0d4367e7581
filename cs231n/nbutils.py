"""Notebook plumbing shared by the assignment notebooks.

Run modes
---------
``MODE`` is one of:

* ``"full"`` (default): the complete experiments, the published accuracy targets.
* ``"quick"``: set ``CS231N_QUICK=1`` in the environment. Training loops and
  searches shrink so a notebook runs in a minute or two (CI runs every notebook
  this way); accuracy checks on trained models use loose bounds.
* ``"autograde"``: set by nbgrader (``NBGRADER_EXECUTION``). Training shrinks as
  in quick mode, but trained models are *not* saved: the grader checks the
  models the student handed in, against the full bounds.

Data is always loaded in full, so preprocessing (e.g. the mean image) is the
same in every mode.
"""
import os
import sys
import warnings

if os.environ.get("NBGRADER_EXECUTION"):
    MODE = "autograde"
elif os.environ.get("CS231N_QUICK") == "1":
    MODE = "quick"
else:
    MODE = "full"

#: True where trained models are checked against the published targets.
FULL_BOUNDS = MODE != "quick"


def by_mode(full, quick):
    """``full`` in full mode, ``quick`` in quick and autograde modes (training sizes, grids)."""
    return full if MODE == "full" else quick


def bound(full, quick):
    """An accuracy bound: ``full`` where the published targets apply, else ``quick``."""
    return full if FULL_BOUNDS else quick


def _showwarning(message, category, filename, lineno, file=None, line=None):
    print(warnings.formatwarning(message, category, filename, lineno, line).rstrip(), file=sys.stdout)


def setup_notebook():
    """Plot defaults, autoreload of edited modules, short tracebacks, and warnings printed to stdout.

    nbgrader scores a test cell that writes anything to stderr as 0, even when
    it passes; printing warnings to stdout keeps them visible without that.
    Tracebacks are IPython's "Plain" mode (one line per frame, as Python prints
    them), so the message at the end, e.g. which function to write, stays in view.
    """
    warnings.showwarning = _showwarning
    try:
        import matplotlib.pyplot as plt
        plt.rcParams["figure.figsize"] = (10.0, 8.0)
        plt.rcParams["image.interpolation"] = "nearest"
        plt.rcParams["image.cmap"] = "gray"
    except ImportError:  # pragma: no cover
        pass
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None:
        shell.run_line_magic("matplotlib", "inline")
        shell.run_line_magic("load_ext", "autoreload")
        shell.run_line_magic("autoreload", "2")
        shell.InteractiveTB.set_mode(mode="Plain")  # the %xmode magic without its printed line
    print(f"cs231n notebook set-up done; run mode: {MODE}")


def save_model(model, path):
    """Save a trained model (its ``save`` method) for grading, except under the autograder."""
    if MODE == "autograde":
        print(f"autograder: not overwriting {path}; the submitted model is graded")
        return
    model.save(path)
    print(f"saved {path}")


def save_arrays(path, **arrays):
    """Save experiment results (named arrays, one ``.npz`` file) for grading, except under the autograder."""
    if MODE == "autograde":
        print(f"autograder: not overwriting {path}; the submitted file is graded")
        return
    from ._io import save_npz

    save_npz(path, **arrays)
    print(f"saved {path}")


def record(name, value):
    """Print a result line that ``tools/run_notebooks.py`` collects into its table."""
    print(f"RESULT {name} = {value:.4f}" if isinstance(value, float) else f"RESULT {name} = {value}")


def _in_notebook():
    """True inside a Jupyter kernel (not IPython in a terminal)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython() if hasattr(ipython, "get_ipython") else None
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def progress_bar(total, desc, enabled=None):
    """A tqdm progress bar, or None.

    Parameters
    ----------
    total : int
        Number of steps.
    desc : str
        Label shown left of the bar.
    enabled : bool or None
        None: a widget bar in Jupyter notebooks (where ipywidgets is installed),
        nothing elsewhere. True: a bar everywhere (a text bar on stdout outside
        notebooks). False: no bar.

    Notes
    -----
    Bars never go to stderr: nbgrader scores a test cell that writes to stderr 0.
    """
    if enabled is False:
        return None
    if _in_notebook():
        try:
            import ipywidgets  # noqa: F401  (tqdm.notebook needs it and warns on stderr without it)
            from tqdm.notebook import tqdm as notebook_tqdm
        except ImportError:
            notebook_tqdm = None
        if notebook_tqdm is not None:
            return notebook_tqdm(total=total, desc=desc)
    if enabled:
        from tqdm import tqdm
        return tqdm(total=total, desc=desc, file=sys.stdout)
    return None
