"""The grading sandbox alone (tools/course/sandbox.py): what a process inside can and cannot see or do.

Each test starts one bubblewrap sandbox (well under a second) or one kernel in it (a few seconds).
"""
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from conftest import ROOT, needs_bwrap
from tools.course import sandbox as S

pytestmark = needs_bwrap
ROOT_USER = os.geteuid() == 0


def run_inside(tmp_path, code, *, uid="auto", limits=None, readonly=None, python=sys.executable):
    """Run ``code`` with the kernel's Python in a sandbox whose work folder is tmp_path/work."""
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    private = tmp_path / "private"
    private.mkdir(exist_ok=True)
    if uid == "auto":
        uid = S.UID_BASE + 12345 if ROOT_USER else None
    if uid is not None:
        S._chown_tree(work, uid)
        S._chown_tree(private, uid)
    (work / "probe.py").write_text(textwrap.dedent(code))
    cmd = S.sandbox_command([python, str(work / "probe.py")], workdir=str(work), private_dir=str(private),
                            readonly=S.python_paths() if readonly is None else readonly,
                            env={"PATH": "/usr/bin", "HOME": "/tmp"}, uid=uid,
                            limits=limits or {"RLIMIT_NPROC": 64, "RLIMIT_AS": 2 * 2**30})
    env = {**os.environ, "JPY_PARENT_PID": "1", "GRADER_SECRET": "s3cret"}
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
    if uid is not None:
        S._chown_tree(work, os.getuid(), os.getgid())
    return res


def test_inside_sees_only_what_is_bound(tmp_path):
    res = run_inside(tmp_path, f"""
        import os
        print(sorted(os.listdir("/")))
        for p in [{str(ROOT / "tools")!r}, {str(ROOT / "cs231n")!r}, "/root/.bashrc", "/etc/shadow", "/home",
                  {str(tmp_path / "private" / "..")!r} + "/elsewhere"]:
            print(p, os.path.exists(p))
        print("env", sorted(k for k in os.environ))
        print("uid", os.getuid())
        """)
    assert res.returncode == 0, res.stderr
    out = res.stdout
    top = eval(out.splitlines()[0])
    # System folders, plus the top folders of what is bound: the repository (its extension and the
    # interpreter may live under it, e.g. /work or CI's /check), the interpreter and the test's folders.
    bound_tops = {Path(p).parts[1] for p in (ROOT, sys.prefix, sys.base_prefix, tmp_path)}
    assert set(top) <= {"usr", "bin", "sbin", "lib", "lib64", "proc", "dev", "etc", "tmp"} | bound_tops, top
    for line in out.splitlines()[1:7]:
        assert line.endswith(" False"), line  # repository, package with solutions, home, secrets: absent
    env = eval(out.split("env ", 1)[1].splitlines()[0])
    assert set(env) <= {"HOME", "PATH", "PWD", "LC_CTYPE"}, env  # JPY_PARENT_PID, the grader's secrets: gone
    if ROOT_USER:
        assert f"uid {S.UID_BASE + 12345}" in out


def test_read_only_everywhere_but_the_work_folder(tmp_path):
    res = run_inside(tmp_path, f"""
        import os, sys
        for p in [sys.prefix + "/evil.py", {sys.base_prefix!r} + "/evil.py", "/usr/evil", "/etc/evil"]:
            try:
                open(p, "w").write("x")
                print("wrote", p)
            except OSError as e:
                print("refused", p, e.errno)
        open("mine.txt", "w").write("ok")
        open("/tmp/t.txt", "w").write("ok")
        print("work ok")
        """)
    assert res.returncode == 0, res.stderr
    assert "wrote" not in res.stdout, res.stdout
    assert "work ok" in res.stdout
    assert (tmp_path / "work" / "mine.txt").read_text() == "ok"
    assert not Path(sys.prefix, "evil.py").exists()


def test_no_network(tmp_path):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.2)
    port = server.getsockname()[1]
    try:
        res = run_inside(tmp_path, f"""
            import socket
            for host in ["127.0.0.1", "192.0.2.1"]:
                try:
                    socket.create_connection((host, {port}), timeout=2)
                    print("connected", host)
                except OSError as e:
                    print("no network", host, type(e).__name__)
            """)
        with pytest.raises(socket.timeout):
            server.accept()
    finally:
        server.close()
    assert res.returncode == 0, res.stderr
    assert "connected" not in res.stdout and res.stdout.count("no network") == 2, res.stdout


def test_process_and_memory_bounds(tmp_path):
    res = run_inside(tmp_path, """
        import os, time
        n = 0
        try:
            while n < 1000:
                if os.fork() == 0:
                    time.sleep(30)
                    os._exit(0)
                n += 1
        except OSError:
            print("forks stopped at", n)
        try:
            b = bytearray(3 * 2**30)
            print("allocated")
        except MemoryError:
            print("MemoryError")
        """, limits={"RLIMIT_NPROC": 40, "RLIMIT_AS": 2 * 2**30})
    assert res.returncode == 0, res.stderr
    stopped = int(res.stdout.split("forks stopped at")[1].split()[0])
    assert 20 <= stopped < 40, res.stdout
    assert "MemoryError" in res.stdout


@pytest.mark.skipif(not ROOT_USER or shutil.which("setpriv") is None, reason="needs root to act as another user")
def test_unprivileged_instructor_gets_the_same_bounds():
    """As an ordinary user bwrap uses a user namespace: the limits are set inside it and still hold."""
    import tempfile

    tmp_path = Path(tempfile.mkdtemp(prefix="sandbox-user-", dir="/tmp"))  # pytest's folders are root's only
    py = shutil.which("python3", path="/usr/bin")
    cmd_uid = S.UID_BASE + 777
    # the system Python (the kit's interpreter may sit under root's home, which this user cannot read)
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    private = tmp_path / "private"
    private.mkdir(exist_ok=True)
    (work / "probe.py").write_text("import os, time\nn = 0\ntry:\n    while n < 500:\n"
                                   "        if os.fork() == 0:\n            time.sleep(30)\n            os._exit(0)\n"
                                   "        n += 1\nexcept OSError:\n    print('forks stopped at', n)\n")
    S._chown_tree(tmp_path, cmd_uid)
    cmd = S.sandbox_command([py, str(work / "probe.py")], workdir=str(work), private_dir=str(private),
                            env={"PATH": "/usr/bin"}, limits={"RLIMIT_NPROC": 30})
    res = subprocess.run(["setpriv", f"--reuid={cmd_uid}", f"--regid={cmd_uid}", "--clear-groups", *cmd],
                         capture_output=True, text=True, timeout=60)
    shutil.rmtree(tmp_path)
    assert res.returncode == 0, res.stderr
    assert "forks stopped at" in res.stdout, res.stdout
    assert int(res.stdout.split("forks stopped at")[1].split()[0]) < 30


def test_sandbox_dies_with_the_grader(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    private = tmp_path / "private"
    private.mkdir()
    uid = S.UID_BASE + 4242 if ROOT_USER else None
    if uid is not None:
        S._chown_tree(work, uid)
    cmd = S.sandbox_command(["/bin/sh", "-c", "sleep 300 & sleep 300 & exec sleep 300"],
                            workdir=str(work), private_dir=str(private), uid=uid, limits={"RLIMIT_NPROC": 16},
                            readonly=S.python_paths(),
                            env={"PATH": "/usr/bin"})
    proc = subprocess.Popen(cmd, start_new_session=True)
    time.sleep(1.0)
    inside = _pids_with_uid(uid) if uid is not None else []
    proc.kill()  # only bwrap itself: --die-with-parent and the PID namespace take the rest
    proc.wait()
    time.sleep(0.5)
    if uid is not None:
        assert len(inside) >= 3, inside
        assert _pids_with_uid(uid) == []


def _pids_with_uid(uid):
    out = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                if Path(f"/proc/{p}").stat().st_uid == uid:
                    out.append(int(p))
            except OSError:
                pass
    return out


def test_missing_bwrap_is_a_clear_refusal():
    with pytest.raises(S.SandboxUnavailable, match="not installed.*--no-sandbox"):
        S.check_available("bwrap-that-does-not-exist")
    assert S.check_available().endswith("bwrap")


def test_cli_refuses_without_bwrap_and_warns_with_no_sandbox(tmp_path):
    env = {**os.environ, "PATH": str(tmp_path)}  # no bwrap on PATH
    res = subprocess.run([sys.executable, "-m", "tools.course", "autograde", "assignment1", "--course-dir",
                          str(tmp_path / "course")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 1
    assert "bubblewrap (bwrap) is not installed" in res.stderr and "grading refused" in res.stderr
    assert not (tmp_path / "course").exists()
    from tools.course import cli

    with pytest.raises(SystemExit):
        cli.main(["autograde", "--help"])
    # the demo refuses the same way, and --no-sandbox reaches its autograde runs
    res = subprocess.run([sys.executable, "-m", "tools.course", "demo", "--course-dir", str(tmp_path / "course")],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 1 and "grading refused" in res.stderr


def test_demo_passes_no_sandbox_on(tmp_path, monkeypatch, capsys):
    from tools.course import cli

    seen = {}
    monkeypatch.setattr(cli, "demo", lambda course, jobs, assignments=None, sandbox=True: seen.update(
        sandbox=sandbox, assignments=assignments) or 0)
    assert cli.main(["demo", "--course-dir", str(tmp_path / "c"), "--no-sandbox", "--assignment", "assignment1"]) == 0
    assert seen == {"sandbox": False, "assignments": ["assignment1"]}
    assert "sandbox" in capsys.readouterr().err.lower()  # the unsandboxed warning


# ----------------------------------------------------------------------------------------------
# the kernel manager, through nbclient as nbgrader uses it


def _folder(tmp_path):
    """A notebook folder as nbgrader's autograded copy has it: one provided and one student file."""
    folder = tmp_path / "assignment1"
    (folder / "cs231n" / "classifiers").mkdir(parents=True)
    (folder / "cs231n" / "__init__.py").write_text("")
    (folder / "cs231n" / "classifiers" / "__init__.py").write_text("")
    shutil.copy2(ROOT / "cs231n" / "testing.py", folder / "cs231n" / "testing.py")
    (folder / "cs231n" / "classifiers" / "linear_svm.py").write_text("x = 1\n")
    return folder


def _run(folder, code, **traits):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    from traitlets.config import Config

    cfg = Config()
    cfg.SandboxedKernelManager.student_files = {"assignment1": ["cs231n/classifiers/linear_svm.py"]}
    cfg.SandboxedKernelManager.extension_files = S.extension_files(ROOT)
    for k, v in traits.items():
        setattr(cfg.SandboxedKernelManager, k, v)
    client = NotebookClient(nb, timeout=60, kernel_manager_class=S.SandboxedKernelManager, config=cfg,
                            resources={"metadata": {"path": str(folder)}}, allow_errors=True)
    client.execute()
    return "".join(o.get("text", "") + o.get("evalue", "") for o in nb.cells[0].outputs), client


def test_kernel_runs_in_the_sandbox(tmp_path):
    folder = _folder(tmp_path)
    out, _ = _run(folder, textwrap.dedent(f"""
        import os, sys, glob
        import cs231n.testing
        print("testing from", cs231n.testing.__file__)
        for rel in ["cs231n/testing.py", "cs231n/classifiers/linear_svm.py", "scratch.txt"]:
            try:
                open(rel, "a").write("# edited\\n")
                print("writable", rel)
            except OSError:
                print("read-only", rel)
        print("extension", [os.path.basename(p) for p in glob.glob("cs231n/*.so")])
        print("JPY_PARENT_PID" in os.environ, os.path.exists({str(ROOT / "tools")!r}), os.getuid() == 0)
        """))
    assert f"testing from {folder}/cs231n/testing.py" in out, out
    assert "read-only cs231n/testing.py" in out and "writable cs231n/classifiers/linear_svm.py" in out, out
    assert "writable scratch.txt" in out, out
    if S.extension_files(ROOT):
        assert "extension ['im2col_cython" in out, out
    assert "False False False" in out, out
    # after the kernel: the folder is the grader's again, with no trace of the sandbox's mount points
    assert (folder / "cs231n" / "testing.py").read_text() == (ROOT / "cs231n" / "testing.py").read_text()
    assert not list((folder / "cs231n").glob("*.so"))
    assert all(p.stat().st_uid == os.getuid() for p in folder.rglob("*"))


def test_total_time_limit_stops_the_kernel(tmp_path):
    folder = _folder(tmp_path)
    with pytest.raises(DeadKernelError):
        _run(folder, "import time\ntime.sleep(60)", total_time=4.0)


def test_config_lines_set_the_kernel_manager():
    lines = S.config_lines(True, student_files={"a": ["x.py"]}, extensions=["/e.so"])
    text = "\n".join(lines)
    assert "c.Execute.kernel_manager_class = SandboxedKernelManager" in text
    assert "c.SandboxedKernelManager.student_files = {'a': ['x.py']}" in text
    assert S.config_lines(False) == ["# --no-sandbox: student code runs unsandboxed, as the grader's own user."]
    assert S.files_for({"a": ["x.py"], "b": ["y.py"]}, "/s/a") == ["x.py"]
    assert S.files_for({"a": ["x.py"], "b": ["y.py"]}, "/s/other") == ["x.py", "y.py"]


def test_a_cell_past_its_time_limit_is_interrupted(tmp_path):
    """nbgrader's per-cell limit interrupts the kernel inside the sandbox (SIGINT to its process group)."""
    folder = _folder(tmp_path)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("while True:\n    pass"),
                                         nbformat.v4.new_code_cell("print('still alive')")])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, timeout=3, interrupt_on_timeout=True, allow_errors=True,
                   kernel_manager_class=S.SandboxedKernelManager,
                   resources={"metadata": {"path": str(folder)}}).execute()
    assert any(o.get("ename") == "KeyboardInterrupt" for o in nb.cells[0].outputs), nb.cells[0].outputs
    assert "still alive" in nb.cells[1].outputs[0]["text"]


def test_kernels_get_the_prebuilt_font_list(tmp_path, monkeypatch):
    """matplotlib's font list is built once per interpreter and bound read-only into each kernel's /tmp."""
    monkeypatch.setattr(S, "FONT_CACHE_ROOT", tmp_path / "cache")
    python = sys.executable
    path = S.font_list(python, S.python_paths())
    assert path is not None and Path(path).name.startswith("fontlist-v"), path
    built = Path(path).stat().st_mtime_ns
    assert S.font_list(python, S.python_paths()) == path and Path(path).stat().st_mtime_ns == built  # not rebuilt
    assert not list((tmp_path / "cache").glob(".building-*"))
    out, _ = _run(_folder(tmp_path), textwrap.dedent("""
        import os
        print("config", os.environ["MPLCONFIGDIR"], sorted(os.listdir(os.environ["MPLCONFIGDIR"])))
        import matplotlib.font_manager as fm
        print("fonts", len(fm.fontManager.ttflist) > 0)
        open(os.path.join(os.environ["MPLCONFIGDIR"], "scratch"), "w").write("x")  # the folder stays writable
        print("writable")
        """))
    assert f"config /tmp/.matplotlib ['{Path(path).name}']" in out, out
    assert "fonts True" in out and "writable" in out, out


def test_a_font_list_naming_unseen_or_missing_fonts_is_not_used(tmp_path):
    """A list naming a font outside /usr, mpl-data and the bound folders is ignored (the kernel builds
    its own); one naming a font file that is gone is removed, to be built again."""
    import json

    root = tmp_path / "cache"
    path = Path(S.font_list(sys.executable, [], root=root))
    folder = path.parent
    data = Path((folder / "mpl-data").read_text())
    assert (data / "fonts").is_dir(), data
    good = json.loads(path.read_text())
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    (fonts / "y.afm").write_text("")

    def listing(extra):
        changed = json.loads(json.dumps(good))
        changed["afmlist"].append({"fname": str(extra)})
        path.write_text(json.dumps(changed))

    listing(fonts / "y.afm")
    assert S.font_list(sys.executable, [], root=root) is None  # outside what the sandbox binds
    assert S.font_list(sys.executable, [str(fonts)], root=root) == str(path)
    listing(fonts / "gone.afm")
    assert S.font_list(sys.executable, [str(fonts)], root=root) is None
    assert not folder.exists()  # stale: removed
    assert S.font_list(sys.executable, [], root=root) == str(path)  # built again

    def names(fonts):
        return sorted(f["fname"] for key in ("ttflist", "afmlist") for f in fonts[key])

    assert names(json.loads(path.read_text())) == names(good)
    path.write_text("{not json")
    assert S.font_list(sys.executable, [], root=root) is None
