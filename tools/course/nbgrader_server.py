"""A pre-started nbgrader for the grading tasks of one worker: nbgrader is imported once, each run forks.

Starting ``python -m nbgrader`` costs about 0.9 s of imports (nbconvert, SQLAlchemy, the server
extensions), paid by every (student, notebook) task, where the notebook itself often runs in 5-10 s.
:class:`NbgraderServer` starts one small process per worker that imports nbgrader and then, for each
run, forks a child that changes into the scratch course folder, takes the task's environment, writes
its output to the task's log and runs ``nbgrader ARGS`` as the command line would. The child starts
its own session, so a time-out kills it and its kernel with one ``killpg``, exactly as for a
subprocess. If the server cannot be started or dies, :func:`tools.course.tasks._run_nbgrader` falls
back to a plain subprocess, so grading never depends on it.

Protocol (one JSON object per line): the worker writes ``{"cwd", "args", "env", "log"}``; the server
answers ``{"started": pid}`` (or ``{"error": text}``) and later ``{"exited": pid, "code": rc}``.
"""
import json
import os
import queue
import signal
import subprocess
import sys
import threading

_SERVER = r"""
import ctypes, json, os, selectors, signal, sys, traceback

libc = ctypes.CDLL("libc.so.6", use_errno=True)
libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: go when the worker goes
if os.getppid() != int(sys.argv[1]):  # the worker died before prctl
    os._exit(1)
import nbgrader.apps.nbgraderapp as nbgraderapp  # the expensive import, once

requests = os.fdopen(0, "rb", buffering=0)
replies = os.fdopen(os.dup(1), "w", buffering=1)
wake_r, wake_w = os.pipe()
os.set_blocking(wake_w, False)
signal.set_wakeup_fd(wake_w)
signal.signal(signal.SIGCHLD, lambda *a: None)  # wake the loop on a child's exit
sel = selectors.DefaultSelector()
sel.register(requests, selectors.EVENT_READ, "request")
sel.register(wake_r, selectors.EVENT_READ, "child")
buf = b""


def child(req):
    code = 1
    try:
        os.setsid()  # its own session: killpg stops it and its kernel
        libc.prctl(1, signal.SIGKILL)
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in (wake_r, wake_w, replies.fileno()):
            os.close(fd)
        os.chdir(req["cwd"])
        log = os.open(req["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        sys.stdout = open(1, "w", buffering=1, closefd=False)
        sys.stderr = open(2, "w", buffering=1, closefd=False)
        os.environ.clear()
        os.environ.update(req["env"])
        sys.argv = ["nbgrader", *req["args"]]
        nbgraderapp.main()
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


while True:
    for key, _ in sel.select():
        if key.data == "child":
            try:
                os.read(wake_r, 4096)
            except BlockingIOError:
                pass
            while True:
                try:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    break
                replies.write(json.dumps({"exited": pid, "code": os.waitstatus_to_exitcode(status)}) + "\n")
            continue
        data = requests.read(65536)
        if not data:  # the worker closed the pipe
            os._exit(0)
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            try:
                req = json.loads(line)
                pid = os.fork()
            except Exception as e:
                replies.write(json.dumps({"error": f"{type(e).__name__}: {e}"}) + "\n")
                continue
            if pid == 0:
                child(req)
            replies.write(json.dumps({"started": pid}) + "\n")
"""


class ServerDied(RuntimeError):
    """The nbgrader server is gone; the caller runs nbgrader as a subprocess instead."""


class NbgraderServer:
    """One pre-started nbgrader per process; :meth:`start_run` and :meth:`wait` as for a subprocess.

    Thread-safe: the tasks of a Dask worker run in threads and share it.
    """

    def __init__(self, python=sys.executable):
        self._lock = threading.Lock()
        self._started = queue.Queue()
        self._exits = {}
        self._exit_cond = threading.Condition()
        self.proc = subprocess.Popen(
            [python, "-c", _SERVER, str(os.getpid())], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, start_new_session=True)
        self._reader = threading.Thread(target=self._read, name="nbgrader-server-reader", daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            msg = json.loads(line)
            if "exited" in msg:
                with self._exit_cond:
                    self._exits[msg["exited"]] = msg["code"]
                    self._exit_cond.notify_all()
            else:
                self._started.put(msg)
        self._started.put({"error": "the nbgrader server exited"})
        with self._exit_cond:
            self._exits[None] = None  # wakes every waiter: the server is gone
            self._exit_cond.notify_all()

    def alive(self):
        return self.proc.poll() is None

    def start_run(self, cwd, args, env, log):
        """Fork ``nbgrader ARGS`` in ``cwd`` with ``env``, output to ``log``; returns its pid (= its pgid)."""
        req = json.dumps({"cwd": str(cwd), "args": list(args), "env": dict(env), "log": str(log)}) + "\n"
        with self._lock:
            if not self.alive():
                raise ServerDied("the nbgrader server is not running")
            try:
                self.proc.stdin.write(req.encode())
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError) as e:
                raise ServerDied(f"the nbgrader server is gone ({e})") from e
            msg = self._started.get()
        if "started" not in msg:
            raise ServerDied(msg.get("error", "no reply"))
        return msg["started"]

    def wait(self, pid, timeout=None):
        """The exit code of run ``pid``; None if ``timeout`` seconds pass first. Raises ServerDied."""
        with self._exit_cond:
            done = self._exit_cond.wait_for(lambda: pid in self._exits or None in self._exits, timeout)
            if not done:
                return None
            if pid in self._exits:
                return self._exits.pop(pid)
        raise ServerDied("the nbgrader server exited while a run was going on")

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(timeout=5)
        self.proc.stdout.close()


_server = None
_server_lock = threading.Lock()


def _start_in_owner_thread():
    """Start a server from a thread that lives as long as this process: the server dies with the thread
    that started it (PR_SET_PDEATHSIG), and Dask may retire the thread a task ran in."""
    box = {}
    ready = threading.Event()

    def owner():
        try:
            box["server"] = NbgraderServer()
        except OSError:
            box["server"] = None
        ready.set()
        threading.Event().wait()  # forever (a daemon thread: it ends with the process)

    threading.Thread(target=owner, name="nbgrader-server-owner", daemon=True).start()
    ready.wait()
    return box["server"]


def shared_server():
    """This process's server, started on first use (and again if it died); None if it cannot start."""
    global _server
    with _server_lock:
        if _server is None or not _server.alive():
            _server = _start_in_owner_thread()
        return _server
