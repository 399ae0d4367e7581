"""Execute assignment notebooks headless, check them, and print a table of results and times.

    python -m tools.run_notebooks [--quick] [--assignment assignmentN] [NAME ...]

Without arguments every notebook of every assignment runs (``make results``), and one table
is printed. ``--assignment`` limits the run to one assignment; NAMEs pick notebooks (looked up
in every assignment unless ``--assignment`` is given).

Each notebook runs top to bottom in a fresh kernel with its folder as the
working directory (nbclient). A run fails if any cell raises or writes to
stderr (nbgrader would score such a test cell 0). ``--quick`` sets
``CS231N_QUICK=1`` (see cs231n/nbutils.py); the default is the full run, whose
``RESULT`` lines are checked against the published targets.

Notebooks save their trained models next to themselves; in quick mode the run
happens in a temporary copy of the assignment folder so the files handed in
by a full run are not overwritten.
"""
import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = {
    "assignment1": ["knn", "svm", "softmax", "two_layer_net", "features"],
    "assignment2": ["FullyConnectedNets", "BatchNormalization", "Dropout", "ConvolutionalNetworks"],
}

# Full-run targets: RESULT name -> minimum.
TARGETS = {
    "knn_k1_accuracy": 0.26,
    "knn_best_k_accuracy": 0.28,
    "svm_best_val": 0.365,
    "svm_test": 0.37,
    "softmax_best_val": 0.35,
    "two_layer_net_val": 0.48,
    "two_layer_net_test": 0.48,
    "features_svm_best_val": 0.42,
    "features_net_test": 0.55,
    # assignment 2
    "fc_net_best_val": 0.50,
    "cnn_overfit_train_acc": 0.8,
    "convnet_train_acc": 0.40,
}
RESULT = re.compile(r"^RESULT (\w+) = (\S+)$", re.M)


def run(path, quick, timeout=3600):
    """Execute one notebook; returns (results dict, seconds, problems list)."""
    nb = nbformat.read(path, as_version=4)
    env_before = os.environ.get("CS231N_QUICK")
    os.environ["CS231N_QUICK"] = "1" if quick else "0"
    problems, t0 = [], time.perf_counter()
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    except CellExecutionError as e:
        problems.append(str(e).strip().splitlines()[-1][:300])
    finally:
        if env_before is None:
            os.environ.pop("CS231N_QUICK", None)
        else:
            os.environ["CS231N_QUICK"] = env_before
    seconds = time.perf_counter() - t0
    results = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                problems.append(f"cell {cell.get('id')} wrote to stderr: {out['text'][:200]!r}")
            if out.get("output_type") == "stream":
                for name, value in RESULT.findall(out["text"]):
                    results[name] = float(value)
    return results, seconds, problems


def select(names, assignment=None):
    """(assignment, notebook) pairs to run, in course order; unknown names are a ValueError."""
    pool = {assignment: NOTEBOOKS[assignment]} if assignment else NOTEBOOKS
    if not names:
        return [(a, n) for a, ns in pool.items() for n in ns]
    known = {n: a for a, ns in pool.items() for n in ns}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown notebook(s) {unknown}; expected some of {sorted(known)}")
    return [(known[n], n) for n in names]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebooks (default: all of every assignment)")
    parser.add_argument("--assignment", choices=sorted(NOTEBOOKS), help="only this assignment")
    parser.add_argument("--quick", action="store_true", help="reduced mode (CS231N_QUICK=1)")
    args = parser.parse_args(argv)
    try:
        chosen = select(args.names, args.assignment)
    except ValueError as e:
        parser.error(str(e))
    folders = {a: ROOT / a for a, _ in chosen}
    tmp = None
    if args.quick:
        tmp = Path(tempfile.mkdtemp(prefix="cs231n-nb-"))
        for a, n in chosen:
            folders[a] = tmp / a
            folders[a].mkdir(exist_ok=True)
            if (ROOT / a / f"{n}.ipynb").exists():
                shutil.copy2(ROOT / a / f"{n}.ipynb", folders[a] / f"{n}.ipynb")
    sys.path.insert(0, str(ROOT))
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    failed, rows, total = [], [], 0.0
    try:
        for a, n in chosen:
            path = folders[a] / f"{n}.ipynb"
            if not (ROOT / a / f"{n}.ipynb").exists():
                print(f"{a}/{n}.ipynb: MISSING (build it with `python -m tools.nbbuild`)", flush=True)
                failed.append(n)
                continue
            results, seconds, problems = run(path, args.quick)
            total += seconds
            print(f"{a}/{n}.ipynb: {'ok' if not problems else 'FAILED'} in {seconds:.0f} s", flush=True)
            for p in problems:
                print(f"  {p}")
            if problems:
                failed.append(n)
            rows.append((n, "time_s", seconds))
            rows.extend((n, k, v) for k, v in results.items())
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"\n{'mode: quick' if args.quick else 'mode: full'}; total {total / 60:.1f} min")
    print(f"{'notebook':<22} {'result':<26} {'value':>9} {'target':>8}")
    for n, k, v in rows:
        target = TARGETS.get(k)
        mark = "" if args.quick or target is None else ("ok" if v >= target else "MISSED")
        if mark == "MISSED":
            failed.append(k)
        value = f"{v:>9.0f}" if k == "time_s" else f"{v:>9.4f}"
        print(f"{n:<22} {k:<26} {value} {'' if target is None else f'>= {target}':>8} {mark}")
    if failed:
        print(f"failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
