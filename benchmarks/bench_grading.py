"""Grading throughput: today's serial nbgrader path against the Dask path with 1 and 2 workers.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_grading.py [--students N] [--notebooks knn,svm] [--no-sandbox]
                                                 [--baseline REV[,REV...]] [--no-pin] [--modes serial,dask-1,dask-2]

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

Each mode and each baseline runs in its own process, confined with ``taskset`` to the cores it is
counted for (``--no-pin`` to let it use them all): one for ``serial``, ``dask-1`` and the baselines,
two for ``dask-2``. Unconfined, a "one core" run borrows the other core of this 2-core machine for
the multithreaded BLAS of an unsandboxed kernel (the sandbox sets ``OPENBLAS_NUM_THREADS=1``) or for
the coordinator's and nbgrader's own work, and "per core" would flatter it.

It prints wall seconds, students per hour per core (N / wall hours / cores counted), the busy CPU
seconds of the whole machine during the run (``/proc/stat``) and students per CPU hour, the 2-worker
scaling (throughput of dask-2 over dask-1), the peak memory of any one grading kernel (its own,
resident, proportional), and the per-task overheads measured alone: nbgrader's start, a kernel's
start, CIFAR-10 loading with and without the cache, a sandbox start. All ratios come from this one
run, on an otherwise idle machine (the CPU figures count everything the machine did).
"""
import argparse
import inspect
import json
import os
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


def machine_cpu():
    """Busy CPU seconds of the whole machine so far (``/proc/stat``: everything but idle and iowait).

    Sandboxed kernels run in their own PID namespace and are killed, not waited for, so their CPU
    time never reaches ``RUSAGE_CHILDREN``; on an otherwise idle machine the machine's own count is
    the grading's.
    """
    with open("/proc/stat") as f:
        user, nice, system, idle, iowait, irq, softirq, steal = (int(v) for v in f.readline().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def pinned(cmd, cores, pin):
    """``cmd`` run on the first ``cores`` CPUs of this process's set (``taskset``), with ``pin``."""
    if not pin:
        return cmd
    cpus = sorted(os.sched_getaffinity(0))[:cores]
    return ["taskset", "-c", ",".join(map(str, cpus)), *cmd]


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


def mode_cores(mode):
    """Cores a mode is counted for: 1 for ``serial``, N for ``dask-N``."""
    return 1 if mode == "serial" else int(mode.split("-")[1])


def run_mode(mode, course, students, notebooks, uncached, sandbox):
    """Grade in ``mode`` in this process (see ``--run-mode``); a dict of the figures."""
    with KernelMemory() as mem:
        cpu0, t0 = machine_cpu(), time.perf_counter()
        if mode == "serial":
            run_serial(course, students, notebooks, uncached)
        else:
            run_dask(course, mode_cores(mode), notebooks, sandbox)
        wall, cpu = time.perf_counter() - t0, machine_cpu() - cpu0
    return dict(wall=wall, cpu=cpu, rss=mem.rss, pss=mem.pss, anon=mem.anon, scores=totals(course, students, notebooks))


def totals(course, students, notebooks):
    table = C.grade_table(course, ASSIGNMENT)
    return {s: sum(table[s][nb][0] for nb in notebooks) for s in (f"ref{i}" for i in range(students))}


def baseline_driver():
    """The script :func:`baseline_serial` runs in the exported revision (cwd), with this venv's Python.

    It is this module's own :func:`prepare`, :func:`run_serial`, :func:`totals` and
    :func:`machine_cpu`, run against that revision's ``tools.course``: its release, its reference
    submissions, its serial path (one ``nbgrader autograde --student`` after another). Only the
    grading is timed, with no memory sampler. argv: base folder, students, notebooks, models, datasets.
    """
    functions = "\n\n".join(inspect.getsource(f) for f in (machine_cpu, prepare, run_serial, totals))
    return f"""import os, sys, time
from pathlib import Path
sys.path.insert(0, os.getcwd())
from tools import course as C
ASSIGNMENT = {ASSIGNMENT!r}

{functions}

base, students, notebooks, models, uncached = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split(","), sys.argv[4], sys.argv[5]
course = prepare(base, students, models)
start, cpu = time.perf_counter(), machine_cpu()
run_serial(course, students, notebooks, uncached)
print(f"serial done: {{time.perf_counter() - start}}")
print(f"machine cpu: {{machine_cpu() - cpu}}")
for student, total in totals(course, students, notebooks).items():
    print(f"score {{student}}: {{total}}")
"""


def baseline_serial(rev, students, notebooks, tmp, uncached, pin=True):
    """Grade ``students`` reference submissions with the kit as it was at ``rev``, on its serial path.

    The revision is exported with ``git archive`` into ``tmp`` (its compiled extension built there,
    or copied when unchanged) and driven by :func:`baseline_driver` with this environment's packages
    and the same uncached CIFAR-10 folder as the ``serial`` mode; the reference submissions carry that
    revision's own trained models when it has them. Works for any revision whose ``tools.course``
    has ``release``, ``make_submission``, ``reference_overlay``, ``write_config``, ``nbgrader`` and
    ``grade_table`` (every one since the course tools were written). With ``pin``, everything it
    starts runs on one core. Returns (wall seconds, busy CPU seconds of the machine, scores).
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
    course_base = Path(tmp) / f"baseline-course-{rev}"
    course_base.mkdir()
    res = subprocess.run(pinned([sys.executable, "-c", baseline_driver(), str(course_base), str(students),
                                 ",".join(notebooks), str(models), str(uncached)], 1, pin),
                         cwd=dest, env=env, capture_output=True, text=True)
    wall, cpu, scores = None, None, {}
    for line in res.stdout.splitlines():
        if line.startswith("serial done:"):
            wall = float(line.split(":", 1)[1])
        elif line.startswith("machine cpu:"):
            cpu = float(line.split(":", 1)[1])
        elif line.startswith("score "):
            who, _, total = line[len("score "):].partition(": ")
            scores[who] = float(total)
    if res.returncode != 0 or wall is None:
        raise RuntimeError(f"grading with the kit at {rev} failed (exit {res.returncode}):\n"
                           f"{(res.stdout + res.stderr)[-3000:]}")
    return wall, cpu, scores


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=2)
    ap.add_argument("--notebooks", default=",".join(C.ASSIGNMENTS[ASSIGNMENT]["notebooks"]),
                    help="comma-separated notebooks to grade (default: all of assignment 1)")
    ap.add_argument("--no-sandbox", action="store_true")
    ap.add_argument("--modes", default="serial,dask-1,dask-2")
    ap.add_argument("--baseline", metavar="REV[,REV...]",
                    help="also grade with the kit at these commits (their serial path) and compare end to end")
    ap.add_argument("--no-pin", dest="pin", action="store_false",
                    help="do not confine each run to the cores it is counted for (taskset)")
    ap.add_argument("--run-mode", help=argparse.SUPPRESS)  # internal: one mode, in this process
    ap.add_argument("--course", help=argparse.SUPPRESS)
    ap.add_argument("--uncached", help=argparse.SUPPRESS)
    args = ap.parse_args()
    notebooks = args.notebooks.split(",")
    if len(notebooks) not in (1, len(C.ASSIGNMENTS[ASSIGNMENT]["notebooks"])):
        ap.error("--notebooks takes one notebook or all of them")
    if args.run_mode:
        r = run_mode(args.run_mode, Path(args.course), args.students, notebooks, Path(args.uncached),
                     not args.no_sandbox)
        print("result: " + json.dumps(r))
        return 0
    if args.pin and shutil.which("taskset") is None:
        ap.error("taskset (util-linux) is needed to confine each run to its cores; or pass --no-pin")
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
        if args.pin:
            print("each run is confined with taskset to the cores it is counted for: serial, dask-1 and the "
                  "baselines one core, dask-2 two")
        baselines = {}
        for rev in filter(None, (args.baseline or "").split(",")):
            wall, cpu, scores = baseline_serial(rev, args.students, notebooks, base, uncached, args.pin)
            baselines[rev] = (wall, cpu)
            print(f"  baseline {rev} serial done: {wall:.0f} s wall, {cpu:.0f} CPU s, load average "
                  f"{os.getloadavg()[0]:.1f}, scores {sorted(set(scores.values()))}", flush=True)
        course = prepare(base, args.students, models)
        rows = {}
        for mode in args.modes.split(","):
            c = copy_course(course, base / f"course-{mode}")
            cores = mode_cores(mode)
            cmd = [sys.executable, __file__, "--run-mode", mode, "--course", str(c), "--uncached", str(uncached),
                   "--students", str(args.students), "--notebooks", ",".join(notebooks)]
            if args.no_sandbox:
                cmd.append("--no-sandbox")
            res = subprocess.run(pinned(cmd, cores, args.pin), capture_output=True, text=True)
            found = [line for line in res.stdout.splitlines() if line.startswith("result: ")]
            if res.returncode != 0 or not found:
                raise RuntimeError(f"mode {mode} failed (exit {res.returncode}):\n{(res.stdout + res.stderr)[-3000:]}")
            r = json.loads(found[-1][len("result: "):])
            r.update(cores=cores, sph=args.students / (r["wall"] / 3600) / cores,
                     cpu_sph=args.students / (r["cpu"] / 3600))
            rows[mode] = r
            print(f"  {mode} done: {r['wall']:.0f} s wall, {r['cpu']:.0f} CPU s, load average "
                  f"{os.getloadavg()[0]:.1f}", flush=True)
        print(f"\n{'mode':<8} {'wall s':>8} {'stud/h/core':>12} {'CPU s':>7} {'stud/CPU-h':>11} {'kernel own':>11} "
              f"{'kernel RSS':>11} {'kernel PSS':>11}  scores")
        for mode, r in rows.items():
            print(f"{mode:<8} {r['wall']:8.0f} {r['sph']:12.1f} {r['cpu']:7.0f} {r['cpu_sph']:11.1f} "
                  f"{r['anon'] / 2**30:9.2f} G {r['rss'] / 2**30:9.2f} G {r['pss'] / 2**30:9.2f} G  "
                  f"{sorted(set(r['scores'].values()))}")
        for rev, (wall, cpu) in baselines.items():
            print(f"{rev:<8} {wall:8.0f} {args.students / (wall / 3600):12.1f} {cpu:7.0f} "
                  f"{args.students / (cpu / 3600):11.1f}  (baseline: that revision's serial path)")
        print("\nstud/h/core: students / wall hours / cores the run is counted for; stud/CPU-h: students / busy "
              "CPU hours of the whole machine during the run")
        if "serial" in rows and "dask-1" in rows:
            s, d = rows["serial"], rows["dask-1"]
            print(f"dask-1 vs serial per core: {d['sph'] / s['sph']:.2f}x by wall time, "
                  f"{d['cpu_sph'] / s['cpu_sph']:.2f}x by CPU time (target 2x)")
        for rev, (wall, cpu) in baselines.items():
            if "dask-1" in rows:
                d = rows["dask-1"]
                print(f"dask-1 vs {rev} serial per core, end to end: {d['sph'] * wall / 3600 / args.students:.2f}x "
                      f"by wall time, {d['cpu_sph'] * cpu / 3600 / args.students:.2f}x by CPU time (target 2x)")
        if "dask-1" in rows and "dask-2" in rows:
            print(f"2-worker scaling: {rows['dask-2']['sph'] * 2 / rows['dask-1']['sph']:.2f}x the 1-worker "
                  f"throughput by wall time (target >= 1.8x)")
        same = len({tuple(sorted(r["scores"].items())) for r in rows.values()}) == 1
        print(f"same scores in every mode: {same}")
        for mode, r in rows.items():
            print(f"peak memory of one grading kernel, {mode}: {r['anon'] / 2**30:.2f} GiB of its own "
                  f"(target < 1 GB), {r['rss'] / 2**30:.2f} GiB resident with the shared file pages")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
