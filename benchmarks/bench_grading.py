"""Grading throughput: today's serial nbgrader path against the Dask path with 1 and 2 workers.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_grading.py [--students N] [--notebooks knn,svm] [--no-sandbox]
                                                 [--baseline REV[,REV...]]

Each mode grades the same N reference submissions of assignment 1 (with the reference models):

- ``serial``: today's path, one ``nbgrader autograde --student=S`` after another on the course
  folder, with the CIFAR-10 batches decoded in every kernel (no cache);
- ``dask-1`` / ``dask-2``: ``tools.course.autograde`` on a LocalCluster running 1 or 2 tasks at
  once, one task per (student, notebook), the kernels mapping the worker's float64 cache.

With ``--baseline REV`` the run starts by grading the same number of submissions with the kit as it
was at commit REV (exported into a temporary folder, on the same machine, packages and uncached
data): that commit's serial nbgrader path with its own release, reference code and notebooks
(:func:`baseline_serial`). The Dask path is then also compared with that, as "end to end against
REV". Several revisions, comma-separated, are graded one after the other. ``f08507a`` is the kit on
the day the Dask grading issue was filed ("today's serial path" in its text).

It prints wall seconds, students per hour per core (N / wall hours / tasks at once), the
2-worker scaling (throughput of dask-2 over dask-1), the peak resident and proportional memory of
any one grading kernel, and the per-task overheads measured alone: nbgrader's start, a kernel's
start, CIFAR-10 loading with and without the cache, a sandbox start. All ratios come from this one
run. The machine may be shared: the CPU column is the fairer comparison then.
"""
import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools import course as C  # noqa: E402

ASSIGNMENT = "assignment1"


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    s = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime + s.ru_utime + s.ru_stime


class KernelMemory:
    """Samples every ipykernel process under this one: the largest Rss, Pss and anonymous memory seen (bytes).

    ``anon`` is the kernel's own memory (heap, arrays it computed): what each additional kernel on a
    machine costs. ``rss`` adds the file pages it maps, among them the worker's CIFAR-10 cache,
    which every kernel on the machine shares through the page cache; ``pss`` divides those shared
    pages among the processes mapping them at that moment.

    ``rss`` is the kernel's own high-water mark (``VmHWM``) and ``anon`` its ``RssAnon``, both read
    from ``/proc/PID/status`` every ``interval`` seconds: counters, cheap to read. ``pss`` needs
    ``smaps_rollup``, which walks the page tables of the process under its memory lock: read every
    0.25 s it slowed the grading it watched by 13% (dask-1, 2 students, 124 s against 109 s), so it
    is read only every ``pss_every`` samples.
    """

    def __init__(self, interval=0.25, pss_every=8):
        self.interval = interval
        self.pss_every = pss_every
        self.rss = 0
        self.pss = 0
        self.anon = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _descendant(self, pid):
        me = os.getpid()
        for _ in range(20):
            try:
                with open(f"/proc/{pid}/stat") as f:
                    pid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                return False
            if pid == me:
                return True
            if pid <= 1:
                return False
        return False

    def _run(self):
        fields = {"VmHWM": "rss", "RssAnon": "anon"}
        tick = 0
        while not self._stop.is_set():
            for entry in os.listdir("/proc"):
                if not entry.isdigit():
                    continue
                try:
                    with open(f"/proc/{entry}/cmdline", "rb") as f:
                        if b"ipykernel" not in f.read():
                            continue
                    if not self._descendant(int(entry)):
                        continue
                    self._read(f"/proc/{entry}/status", fields)
                    if tick % self.pss_every == 0:
                        self._read(f"/proc/{entry}/smaps_rollup", {"Pss": "pss"})
                except (OSError, ValueError):
                    continue
            tick += 1
            self._stop.wait(self.interval)

    def _read(self, path, fields):
        with open(path) as f:
            for line in f:
                key, _, value = line.partition(":")
                field = fields.get(key)
                if field:
                    setattr(self, field, max(getattr(self, field), int(value.split()[0]) * 1024))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def uncached_datasets(tmp):
    """A datasets folder whose CIFAR-10 has the batch files only (hard links or copies: the sandbox does not
    follow symbolic links out of the folders it binds), so nothing maps a cache."""
    from cs231n.data_utils import default_cifar10_dir

    src = Path(default_cifar10_dir())
    dest = Path(tmp) / "datasets-uncached" / "cifar-10-batches-py"
    dest.mkdir(parents=True)
    for f in src.iterdir():
        if f.is_file():
            try:
                os.link(f, dest / f.name)
            except OSError:  # another file system
                shutil.copy2(f, dest / f.name)
    return dest.parent


def timed(cmd, env=None, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        best = min(best, time.perf_counter() - t)
    return best


def overheads(uncached, no_sandbox):
    """Seconds (best of 3) of the fixed costs of one task, each measured alone."""
    py = sys.executable
    env = {**os.environ, "PATH": str(Path(py).parent) + os.pathsep + os.environ.get("PATH", "")}
    out = {}
    out["nbgrader start (--version)"] = timed([py, "-m", "nbgrader", "--version"], env)
    kernel = ("from jupyter_client.manager import start_new_kernel\n"
              "km, kc = start_new_kernel(kernel_name='python3')\n"
              "kc.stop_channels(); km.shutdown_kernel(now=True)\n")
    base = timed([py, "-c", "import jupyter_client.manager"], env)
    out["kernel start and stop"] = timed([py, "-c", kernel], env) - base
    load = "from cs231n.data_utils import load_CIFAR10, default_cifar10_dir; load_CIFAR10(default_cifar10_dir())"
    imp = timed([py, "-c", "import cs231n.data_utils"], env)
    out["CIFAR-10 load, decoded"] = timed([py, "-c", load], {**env, "CS231N_DATASETS_DIR": str(uncached)}) - imp
    out["CIFAR-10 load, cached map"] = timed([py, "-c", load], env) - imp
    bwrap = shutil.which("bwrap")
    if bwrap and not no_sandbox:
        out["sandbox start (bwrap, true)"] = timed(
            [bwrap, "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
             "--symlink", "usr/bin", "/bin", "--unshare-all", "--die-with-parent", "/bin/true"])
    return out


def prepare(base, students, models):
    course = base / "course"
    C.release(course, ASSIGNMENT)
    rel = course / "release" / ASSIGNMENT
    for i in range(students):
        C.make_submission(course, ASSIGNMENT, f"ref{i}", rel, C.reference_overlay(ASSIGNMENT), models_from=models)
    return course


def copy_course(course, dest):
    shutil.copytree(course, dest, ignore=shutil.ignore_patterns("autograded", "feedback"))
    return dest


def run_serial(course, students, notebooks, uncached):
    C.write_config(course)
    env = {"CS231N_DATASETS_DIR": str(uncached)}
    for i in range(students):
        args = ["autograde", ASSIGNMENT, f"--student=ref{i}", "--force"]
        if len(notebooks) == 1:
            args.append(f"--notebook={notebooks[0]}")
        C.nbgrader(course, *args, env=env, check=False)


def run_dask(course, jobs, notebooks, sandbox):
    if len(notebooks) == 1:
        return C.autograde(course, ASSIGNMENT, jobs=jobs, notebook=notebooks[0], force=True, progress=False,
                           sandbox=sandbox, outcome=True)
    return C.autograde(course, ASSIGNMENT, jobs=jobs, force=True, progress=False, sandbox=sandbox, outcome=True)


def totals(course, students, notebooks):
    table = C.grade_table(course, ASSIGNMENT)
    return {s: sum(table[s][nb][0] for nb in notebooks) for s in (f"ref{i}" for i in range(students))}


#: Run in the exported revision (cwd), with this venv's Python: that revision's own ``tools.course``
#: releases assignment 1, makes the reference submissions and grades them one ``nbgrader autograde
#: --student`` after another, its serial path. Only the grading is timed, with no memory sampler.
BASELINE_DRIVER = """
import os, sys, time
from pathlib import Path
sys.path.insert(0, os.getcwd())
from tools import course as C
course, students, notebooks, models = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split(","), sys.argv[4]
C.release(course, "assignment1")
release = course / "release" / "assignment1"
for i in range(students):
    C.make_submission(course, "assignment1", f"ref{i}", release, C.reference_overlay("assignment1"),
                      models_from=models)
C.write_config(course)
start = time.perf_counter()
for i in range(students):
    args = ["autograde", "assignment1", f"--student=ref{i}", "--force"]
    if len(notebooks) == 1:
        args.append(f"--notebook={notebooks[0]}")
    C.nbgrader(course, *args, check=False)
print(f"serial done: {time.perf_counter() - start}")
table = C.grade_table(course, "assignment1")
for s in sorted(table):
    print(f"score {s}: {sum(v[0] for nb, v in table[s].items() if nb in notebooks)}")
"""


def baseline_serial(rev, students, notebooks, tmp, uncached):
    """Grade ``students`` reference submissions with the kit as it was at ``rev``, on its serial path.

    The revision is exported with ``git archive`` into ``tmp`` (its compiled extension built there,
    or copied when unchanged) and driven by :data:`BASELINE_DRIVER` with this environment's packages
    and the same uncached CIFAR-10 folder as the ``serial`` mode; the reference submissions carry that
    revision's own trained models when it has them. Works for any revision whose ``tools.course``
    has ``release``, ``make_submission``, ``reference_overlay``, ``write_config``, ``nbgrader`` and
    ``grade_table`` (every one since the course tools were written). Returns (wall seconds, scores).
    """
    dest = Path(tmp) / f"baseline-{rev}"
    dest.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", rev], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    same_ext = subprocess.run(["git", "-C", str(ROOT), "diff", "--quiet", rev, "HEAD", "--",
                               "cs231n/im2col_cython.pyx", "setup.py"]).returncode == 0
    built = list((ROOT / "cs231n").glob("im2col_cython*.so"))
    if same_ext and built:
        shutil.copy2(built[0], dest / "cs231n" / built[0].name)
    else:
        subprocess.run([sys.executable, "setup.py", "--quiet", "build_ext", "--inplace"], cwd=dest, check=True,
                       capture_output=True)
    models = dest / ASSIGNMENT
    if not all((models / m).exists() for m in C.ASSIGNMENTS[ASSIGNMENT]["models"]):
        models = ROOT / ASSIGNMENT
    env = {**os.environ, "CS231N_DATASETS_DIR": str(uncached)}
    res = subprocess.run([sys.executable, "-c", BASELINE_DRIVER, str(Path(tmp) / f"course-{rev}"), str(students),
                          ",".join(notebooks), str(models)], cwd=dest, env=env, capture_output=True, text=True)
    wall, scores = None, {}
    for line in res.stdout.splitlines():
        if line.startswith("serial done:"):
            wall = float(line.split(":", 1)[1])
        elif line.startswith("score "):
            who, _, total = line[len("score "):].partition(": ")
            scores[who] = float(total)
    if res.returncode != 0 or wall is None:
        raise RuntimeError(f"grading with the kit at {rev} failed (exit {res.returncode}):\n"
                           f"{(res.stdout + res.stderr)[-3000:]}")
    return wall, scores


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=2)
    ap.add_argument("--notebooks", default=",".join(C.ASSIGNMENTS[ASSIGNMENT]["notebooks"]),
                    help="comma-separated notebooks to grade (default: all of assignment 1)")
    ap.add_argument("--no-sandbox", action="store_true")
    ap.add_argument("--modes", default="serial,dask-1,dask-2")
    ap.add_argument("--baseline", metavar="REV[,REV...]",
                    help="also grade with the kit at these commits (their serial path) and compare end to end")
    args = ap.parse_args()
    notebooks = args.notebooks.split(",")
    if len(notebooks) not in (1, len(C.ASSIGNMENTS[ASSIGNMENT]["notebooks"])):
        ap.error("--notebooks takes one notebook or all of them")
    models = ROOT / "build" / "reference_models"
    if not all((models / m).exists() for m in C.ASSIGNMENTS[ASSIGNMENT]["models"]):
        models = ROOT / ASSIGNMENT  # the models the reference notebooks saved
    from cs231n.data_utils import build_CIFAR10_cache

    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        base = Path(tmp)
        base.chmod(0o755)  # the sandboxed kernels (another uid) read the uncached dataset in here
        uncached = uncached_datasets(base)
        t = time.perf_counter()
        build_CIFAR10_cache()
        cache_build = time.perf_counter() - t
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
        print(f"grading {args.students} reference submissions of {ASSIGNMENT}, notebooks: {', '.join(notebooks)}")
        print(f"worker data cache: {cache_build:.1f} s to build or check (once per worker machine)\n")
        print("per-task fixed costs, measured alone (best of 3):")
        for k, v in overheads(uncached, args.no_sandbox).items():
            print(f"  {k:<32} {v:6.2f} s")
        baselines = {}
        for rev in filter(None, (args.baseline or "").split(",")):
            wall, scores = baseline_serial(rev, args.students, notebooks, base, uncached)
            baselines[rev] = wall
            print(f"  baseline {rev} serial done: {wall:.0f} s wall, load average {os.getloadavg()[0]:.1f}, "
                  f"scores {sorted(set(scores.values()))}", flush=True)
        course = prepare(base, args.students, models)
        rows = {}
        for mode in args.modes.split(","):
            c = copy_course(course, base / f"course-{mode}")
            cpu0, t0 = children_cpu(), time.perf_counter()
            with KernelMemory() as mem:
                if mode == "serial":
                    run_serial(c, args.students, notebooks, uncached)
                    cores = 1
                else:
                    cores = int(mode.split("-")[1])
                    run_dask(c, cores, notebooks, not args.no_sandbox)
            wall, cpu = time.perf_counter() - t0, children_cpu() - cpu0
            rows[mode] = dict(wall=wall, cpu=cpu, cores=cores, rss=mem.rss, pss=mem.pss, anon=mem.anon,
                              sph=args.students / (wall / 3600) / cores, scores=totals(c, args.students, notebooks))
            print(f"  {mode} done: {wall:.0f} s wall, load average {os.getloadavg()[0]:.1f}", flush=True)
        # CPU time is not shown: the kernels run in the sandbox's PID namespace, and their CPU time does
        # not reach this process's RUSAGE_CHILDREN.
        print(f"\n{'mode':<8} {'wall s':>8} {'stud/h/core':>12} {'kernel own':>11} {'kernel RSS':>11} "
              f"{'kernel PSS':>11}  scores")
        for mode, r in rows.items():
            print(f"{mode:<8} {r['wall']:8.0f} {r['sph']:12.1f} {r['anon'] / 2**30:9.2f} G "
                  f"{r['rss'] / 2**30:9.2f} G {r['pss'] / 2**30:9.2f} G  {sorted(set(r['scores'].values()))}")
        if "serial" in rows and "dask-1" in rows:
            s, d = rows["serial"], rows["dask-1"]
            print(f"\ndask-1 vs serial per core: {d['sph'] / s['sph']:.2f}x by wall time (target 2x)")
        for rev, wall in baselines.items():
            b_sph = args.students / (wall / 3600)
            print(f"baseline {rev} serial: {wall:.0f} s wall, {b_sph:.1f} students/h/core")
            if "dask-1" in rows:
                print(f"dask-1 vs {rev} serial per core, end to end: {rows['dask-1']['sph'] / b_sph:.2f}x (target 2x)")
        if "dask-1" in rows and "dask-2" in rows:
            print(f"2-worker scaling: {rows['dask-2']['sph'] * 2 / rows['dask-1']['sph']:.2f}x the 1-worker "
                  f"throughput (target >= 1.8x)")
        same = len({tuple(sorted(r["scores"].items())) for r in rows.values()}) == 1
        print(f"same scores in every mode: {same}")
        for mode, r in rows.items():
            print(f"peak memory of one grading kernel, {mode}: {r['anon'] / 2**30:.2f} GiB of its own "
                  f"(target < 1 GB), {r['rss'] / 2**30:.2f} GiB resident with the shared file pages")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
