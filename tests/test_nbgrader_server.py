"""The pre-started nbgrader of the grading workers (tools/course/nbgrader_server.py) and the fallback to a
plain subprocess in tools/course/tasks.py: exit codes, logs, working folder and environment, time-outs
that take the whole process group, concurrent runs, and a server that dies."""
import os
import signal
import sys
import threading
import time

import pytest

from tools.course import nbgrader_server as NS

tasks = sys.modules.get("tools.course.tasks") or __import__("importlib").import_module("tools.course.tasks")


@pytest.fixture
def server():
    s = NS.NbgraderServer()
    yield s
    s.close()


def _env(**extra):
    """The worker's environment as tasks give it: the kit's bin folder first (nbgrader runs `alembic`)."""
    path = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    return {**os.environ, "PATH": path, **extra}


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie is gone for our purposes
        return f.read().rsplit(")", 1)[1].split()[0] != "Z"


def test_a_run_is_nbgrader_with_its_exit_code_and_log(server, tmp_path):
    import nbgrader

    log = tmp_path / "log.txt"
    pid = server.start_run(tmp_path, ["--version"], _env(MARKER="m-42"), log)
    assert server.wait(pid, timeout=60) == 0
    out = log.read_text()
    assert nbgrader.__version__ in out, out
    # a failing run: nbgrader's own exit code, its message in the log
    pid = server.start_run(tmp_path, ["autograde", "no-such-assignment", "--student=x"], _env(), log)
    assert server.wait(pid, timeout=60) == 1
    assert "No notebooks were matched" in log.read_text()


def test_a_run_has_its_folder_and_environment(server, tmp_path):
    # nbgrader reads nbgrader_config.py from the working folder: the config shows cwd and environment
    (tmp_path / "nbgrader_config.py").write_text(
        "import os\nprint('cwd', os.getcwd())\nprint('marker', os.environ.get('MARKER'))\n"
        "c = get_config()\nc.CourseDirectory.root = os.getcwd()\n")
    log = tmp_path / "log.txt"
    pid = server.start_run(tmp_path, ["db", "student", "list"], _env(MARKER="m-42"), log)
    assert server.wait(pid, timeout=60) == 0, log.read_text()
    out = log.read_text()
    assert f"cwd {tmp_path}" in out and "marker m-42" in out, out
    assert os.environ.get("MARKER") is None  # the worker's own environment is untouched


def test_time_out_kills_the_run_and_what_it_started(tmp_path):
    # the config starts a long sleep (as nbgrader starts a kernel) and then hangs
    (tmp_path / "nbgrader_config.py").write_text(
        "import subprocess, time, pathlib\n"
        "p = subprocess.Popen(['sleep', '300'])\n"
        "pathlib.Path('grandchild.pid').write_text(str(p.pid))\n"
        "time.sleep(300)\n")
    start = time.perf_counter()
    rc, log = tasks._run_nbgrader(tmp_path, ["db", "student", "list"], limit=3)
    assert rc is None, log
    assert time.perf_counter() - start < 30
    grandchild = int((tmp_path / "grandchild.pid").read_text())
    for _ in range(50):
        if not _pid_alive(grandchild):
            break
        time.sleep(0.1)
    assert not _pid_alive(grandchild), "the run's process group outlived its time-out"


def test_concurrent_runs(server, tmp_path):
    results = {}

    def run(i):
        folder = tmp_path / f"run{i}"
        folder.mkdir()
        (folder / "nbgrader_config.py").write_text(f"import time\ntime.sleep(0.5)\nprint('run {i}')\n")
        pid = server.start_run(folder, ["db", "student", "list"], _env(), folder / "log.txt")
        results[i] = (server.wait(pid, timeout=120), (folder / "log.txt").read_text())

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, (rc, out) in results.items():
        assert rc == 0 and f"run {i}" in out, (i, rc, out)


def test_a_dead_server_falls_back_to_a_subprocess(tmp_path, monkeypatch):
    server = NS.shared_server()
    assert server is not None and server.alive()
    (tmp_path / "nbgrader_config.py").write_text("import time\ntime.sleep(5)\n")
    pid = server.start_run(tmp_path, ["db", "student", "list"], _env(), tmp_path / "log.txt")
    time.sleep(0.5)
    os.kill(server.proc.pid, signal.SIGKILL)  # the server dies mid-run: its run goes with it
    with pytest.raises(NS.ServerDied):
        server.wait(pid, timeout=60)
    for _ in range(50):
        if not _pid_alive(pid):
            break
        time.sleep(0.1)
    assert not _pid_alive(pid), "a run outlived its server"
    with pytest.raises(NS.ServerDied):
        server.start_run(tmp_path, ["--version"], _env(), tmp_path / "log.txt")
    # _run_nbgrader starts a new server; and with the server refused, a subprocess grades
    (tmp_path / "nbgrader_config.py").write_text("")
    rc, log = tasks._run_nbgrader(tmp_path, ["--version"], limit=60)
    assert rc == 0 and NS.shared_server() is not server
    monkeypatch.setattr(NS, "shared_server", lambda: None)
    rc, log = tasks._run_nbgrader(tmp_path, ["--version"], limit=60)
    assert rc == 0, log
