"""One grading task: a (student, notebook) pair, graded by ``nbgrader autograde`` in a scratch course folder.

This is the only part of the pipeline that runs on the workers. A worker shares no file system with
the coordinator, so a task carries everything it grades:

- the :class:`Bundle` of the assignment (shared by all its tasks, sent to each worker once): the
  release's non-notebook files (what nbgrader restores over a submission), a small SQLite gradebook
  holding only the assignment's structure (cells, points, checksums, the hidden tests), the secret
  skip tag and the time limits;
- the :class:`GradeTask`: the student's notebook, the files they edit and ``timestamp.txt``.

:func:`run_task` builds ``<scratch>/source``, ``submitted`` and ``gradebook.db``, writes the same
``nbgrader_config.py`` as the coordinator's (so the sandbox hook of the config applies unchanged),
runs ``nbgrader autograde`` under a wall-clock limit and returns a :class:`GradeResult`: the graded
notebook and the scores, which the coordinator alone writes into the course folder and gradebook.
"""
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .assignments import ROOT

#: Statuses of a result. ``graded``: nbgrader finished; ``timeout``: the task ran past its wall-clock
#: limit and scores 0; ``failed``: nbgrader could not grade the notebook (scores 0, with its log).
STATUSES = ("graded", "timeout", "failed")


@dataclass(frozen=True)
class Bundle:
    """What every task of one assignment needs besides the submission (sent to each worker once).

    Attributes
    ----------
    assignment : str
    source : dict of str to bytes
        Relative path -> contents of every non-notebook file of ``source/<assignment>/``.
    gradebook : bytes
        A SQLite gradebook holding the course and the assignment's structure only (no students).
    skip_tag : str
        The secret ``Execute.skip_cells_with_tag`` of the course.
    cell_timeout : int
        Seconds per cell (``Execute.timeout``).
    task_timeout : float
        Wall-clock seconds for the whole task; past it nbgrader and its kernel are killed.
    sandbox : bool
        Run the kernel in the grading sandbox (``--no-sandbox`` turns it off).
    data_cache : bool
        Build the worker's memory-mapped CIFAR-10 cache before grading (:func:`ensure_data_cache`).
    """

    assignment: str
    source: dict
    gradebook: bytes
    skip_tag: str
    cell_timeout: int
    task_timeout: float
    sandbox: bool = True
    data_cache: bool = True


@dataclass(frozen=True)
class GradeTask:
    """One (student, notebook) to grade.

    Attributes
    ----------
    student, notebook : str
        The notebook name has no ``.ipynb``.
    digest : str
        SHA-256 of ``files`` (see :func:`files_digest`): a result is kept while it matches.
    files : dict of str to bytes
        Relative path -> contents: the notebook, the files the student edits, ``timestamp.txt``.
    """

    student: str
    notebook: str
    digest: str
    files: dict

    @property
    def key(self):
        """The Dask key: unique per submission version, so a changed submission is a new task."""
        return f"grade-{self.student}-{self.notebook}-{self.digest[:16]}"


@dataclass
class GradeResult:
    """What a task returns to the coordinator.

    Attributes
    ----------
    student, notebook, digest : str
        As in the task.
    status : str
        One of :data:`STATUSES`.
    graded : bytes or None
        The graded notebook (``autograded/<student>/<assignment>/<notebook>.ipynb``), None unless graded.
    scores : dict of str to float or None
        Grade cell name -> ``auto_score`` (nbgrader's; None for cells that need a manual grade).
    comments : dict of str to str or None
        Solution/task cell name -> ``auto_comment``.
    late_penalty : float or None
    timestamp : datetime or None
        The submission time nbgrader read from ``timestamp.txt``.
    notes : list of str
        Lines for the grade report (kernel died, time-outs, nbgrader's error).
    seconds : float
        Wall-clock time of the task on the worker.
    worker : str
        Host and process id of the worker.
    """

    student: str
    notebook: str
    digest: str
    status: str
    graded: bytes = None
    scores: dict = field(default_factory=dict)
    comments: dict = field(default_factory=dict)
    late_penalty: float = None
    timestamp: object = None
    notes: list = field(default_factory=list)
    seconds: float = 0.0
    worker: str = ""


def files_digest(files):
    """SHA-256 over the sorted (path, contents) pairs of ``files`` (dict of str to bytes)."""
    h = hashlib.sha256()
    for rel in sorted(files):
        h.update(rel.encode() + b"\0")
        h.update(hashlib.sha256(files[rel]).digest())
    return h.hexdigest()


_cache_lock = threading.Lock()


def ensure_data_cache():
    """Build this worker's memory-mapped CIFAR-10 cache once (``cs231n.data_utils.build_CIFAR10_cache``).

    The notebook kernels then map the cached float64 arrays (shared through the page cache) instead
    of each decoding the batches into a private 1.2 GB copy. Nothing happens without a dataset (the
    notebooks then report it) or if the folder is read-only. Returns the seconds spent.
    """
    start = time.perf_counter()
    env_dir = os.environ.get("CS231N_DATASETS_DIR") or str(ROOT / "cs231n" / "datasets")
    batches = Path(env_dir) / "cifar-10-batches-py"
    if not (batches / "test_batch").is_file():
        return 0.0
    with _cache_lock:
        from cs231n.data_utils import build_CIFAR10_cache

        try:
            build_CIFAR10_cache(batches)
        except (OSError, ValueError):  # read-only or broken dataset: grade without the cache
            pass
    return time.perf_counter() - start


def _write_tree(root, files):
    for rel, data in files.items():
        path = root / rel
        if not path.resolve().is_relative_to(root.resolve()):
            raise ValueError(f"file {rel!r} would be written outside {root}; expected a relative path inside it")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _write_config(course, bundle):
    """The coordinator's nbgrader_config.py, for the scratch folder (same skip tag, limits and sandbox)."""
    from . import config

    (course / ".skip-tag").write_text(bundle.skip_tag)
    config.write_config(course, bundle.cell_timeout, sandbox=bundle.sandbox)


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def _die_with_parent():
    """In the child: get SIGKILL when the worker dies, so no orphaned nbgrader keeps grading."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _run_nbgrader(course, args, limit):
    """``nbgrader ARGS`` in ``course``; returns (returncode or None on time-out, output)."""
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}  # nbgrader runs `alembic`
    env.setdefault("CS231N_DATASETS_DIR", str(ROOT / "cs231n" / "datasets"))
    env.pop("JPY_PARENT_PID", None)
    log = course / "nbgrader.log"
    if os.environ.get("CS231N_NBGRADER_SERVER", "1") != "0":
        from .nbgrader_server import ServerDied, shared_server

        server = shared_server()
        if server is not None:
            try:
                return _run_on_server(server, course, args, env, log, limit)
            except ServerDied:
                pass  # grade with a plain subprocess below
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                                preexec_fn=_die_with_parent)
        try:
            rc = proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            rc = None
        finally:
            if proc.poll() is None or rc is None:
                _kill_group(proc)  # nbgrader's session: the kernel (and its sandbox) go with it
            else:
                try:  # a kernel left behind by a crashed nbgrader
                    os.killpg(proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
    return rc, log.read_text(errors="replace")


def _run_on_server(server, course, args, env, log, limit):
    """``_run_nbgrader`` on the worker's pre-started nbgrader (tools/course/nbgrader_server.py)."""
    from .nbgrader_server import ServerDied
    pid = server.start_run(course, args, env, log)
    try:
        rc = server.wait(pid, timeout=limit)
    except BaseException:
        _killpg(pid)
        raise
    _killpg(pid)  # past the limit: nbgrader and its kernel (and sandbox); else a kernel left behind
    if rc is None:
        try:
            server.wait(pid, timeout=30)  # reaped by the server
        except ServerDied:
            pass
    return rc, log.read_text(errors="replace")


def _killpg(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _read_scores(db_path, assignment, student, notebook):
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{db_path}", "cs231n") as gb:
        try:
            sub = gb.find_submission_notebook(notebook, assignment, student)
        except MissingEntry:
            return None
        scores = {g.name: g.auto_score for g in sub.grades}
        comments = {c.name: c.auto_comment for c in sub.comments}
        return scores, comments, sub.late_submission_penalty, sub.assignment.timestamp


def notes_from_notebook(nb_bytes, name, cell_timeout):
    """Report lines for a graded notebook: a dead kernel, a cell past its time limit."""
    import json

    from tools.grading import KERNEL_DIED

    notes = []
    cells = json.loads(nb_bytes)["cells"]
    errors = [o for c in cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    enames = {o.get("ename") for o in errors}
    if any(o.get("ename") == KERNEL_DIED and "total time limit" in str(o.get("evalue")) for o in errors):
        notes.append(f"{name}.ipynb: the notebook ran past its total time limit; cells after that point scored 0")
    elif KERNEL_DIED in enames:
        notes.append(f"{name}.ipynb: the kernel died; cells after that point scored 0")
    if "TamperDetected" in enames:
        notes.append(f"{name}.ipynb: tampering detected; the test cells that ran after it scored 0")
    if "CellTimeoutError" in enames:
        notes.append(f"{name}.ipynb: a cell ran past the {int(cell_timeout)} s time limit and scored 0")
    return notes


def run_task(task, bundle, scratch=None):
    """Grade ``task`` with ``bundle`` in a scratch course folder; return a :class:`GradeResult`.

    Never raises for a problem with the submission: nbgrader's failures and time-outs come back as
    results with status ``failed`` or ``timeout`` (and are scored 0 by the coordinator). Runs on a
    Dask worker; ``scratch`` (default: ``$CS231N_GRADING_SCRATCH`` or the system temporary folder)
    is where the scratch folder is made and removed.
    """
    start = time.perf_counter()
    a, s, nb = bundle.assignment, task.student, task.notebook
    result = GradeResult(student=s, notebook=nb, digest=task.digest, status="failed",
                         worker=f"{socket.gethostname()}:{os.getpid()}")
    scratch = scratch or os.environ.get("CS231N_GRADING_SCRATCH") or None
    if scratch:
        os.makedirs(scratch, exist_ok=True)
    if bundle.data_cache:
        ensure_data_cache()
    tmp = tempfile.mkdtemp(prefix=f"grade-{s}-{nb}-", dir=scratch)
    try:
        course = Path(tmp)
        _write_tree(course / "source" / a, bundle.source)
        _write_tree(course / "submitted" / s / a, task.files)
        (course / "gradebook.db").write_bytes(bundle.gradebook)
        _write_config(course, bundle)
        args = ["autograde", a, f"--student={s}", f"--notebook={nb}", "--force"]
        rc, log = _run_nbgrader(course, args, bundle.task_timeout)
        graded = course / "autograded" / s / a / f"{nb}.ipynb"
        if rc is None:
            result.status = "timeout"
            result.notes.append(f"{nb}.ipynb: grading ran past the {bundle.task_timeout:g} s wall-clock limit; "
                                f"it was stopped and scored 0")
        elif rc != 0 or not graded.exists():
            errors = [line for line in log.splitlines() if "ERROR" in line or "Error" in line][-3:]
            tail = " | ".join(errors) or log.strip()[-300:]
            result.notes.append(f"{nb}.ipynb: grading failed (nbgrader exit {rc}): {tail}")
        else:
            read = _read_scores(course / "gradebook.db", a, s, nb)
            if read is None:
                result.notes.append(f"{nb}.ipynb: grading failed: nbgrader wrote no grades")
            else:
                result.scores, result.comments, result.late_penalty, result.timestamp = read
                result.graded = graded.read_bytes()
                result.status = "graded"
                result.notes.extend(notes_from_notebook(result.graded, nb, bundle.cell_timeout))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result.seconds = time.perf_counter() - start
    return result
