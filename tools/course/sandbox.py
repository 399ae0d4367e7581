"""The grading sandbox: every student kernel runs in bubblewrap, with bounded memory, processes and time.

nbgrader starts one Jupyter kernel per notebook through nbclient's ``kernel_manager_class``.
:class:`SandboxedKernelManager` is that class: it wraps the kernel's command line with ``bwrap`` so
that the kernel, and every process it starts, sees only

- the folder nbgrader executes the notebook in (its scratch copy of one submission), read-write,
  with every provided (release) file in it bound read-only over itself and the compiled extension
  bound read-only into its ``cs231n/`` package;
- the dataset (``CS231N_DATASETS_DIR``), the Python environment (the venv and the interpreter prefix
  it points to) and the system folders (``/usr`` and a few files of ``/etc``), all read-only;
- a private ``/tmp`` of bounded size, and a private folder holding the kernel's connection file
  and its IPC sockets (the kernel has no network at all: ``--unshare-all``).

It sees no course folder, repository, gradebook, other submission or home folder. Run as root,
the kernel drops to a fresh unprivileged uid (so ``RLIMIT_NPROC`` bounds it and it cannot read
what only root may); run as an ordinary user, bwrap's user namespace keeps the instructor's uid
and the limits are set inside it. Address space, processes, CPU time and file size are bounded
by rlimits, and the whole kernel by a wall-clock limit (the per-cell limit is nbgrader's).

Everything is configured through traits, so the generated ``nbgrader_config.py`` sets it up the
same way on the instructor's machine and on a cluster worker (see :func:`config_lines`).
"""
import hashlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Dict, Float, Int, List, Unicode

#: Files of /etc a Python kernel (numpy, matplotlib fonts) may read; all read-only, missing ones skipped.
ETC_FILES = ["/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/fonts",
             "/etc/alternatives", "/etc/mime.types", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf"]
#: Environment variables passed into the sandbox (everything else is cleared).
ENV_KEEP = ["LANG", "LC_ALL", "LC_CTYPE", "TZ", "NBGRADER_EXECUTION", "CS231N_QUICK", "OMP_NUM_THREADS",
            "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "MKL_NUM_THREADS", "PYTHONHASHSEED", "MPLBACKEND",
            "PYDEVD_DISABLE_FILE_VALIDATION"]
#: First uid of the range a root grader hands out to sandboxes (one fresh uid per kernel).
UID_BASE = 0x70000000
DEFAULT_MEMORY = 12 * 2**30  # address space, above the 5.1 GB peak RSS of the largest notebook
DEFAULT_PROCESSES = 256
DEFAULT_TOTAL_TIME = 3600
DEFAULT_FILE_SIZE = 2**30
DEFAULT_TMP_SIZE = 256 * 2**20

# Runs inside the sandbox before the kernel: set the rlimits, drop to the sandbox uid when started as
# root, then exec the kernel. argv: limits as "NAME=value,...", uid ("-" to keep), the kernel command.
_LAUNCHER = """\
import os, resource, sys
for item in sys.argv[1].split(","):
    name, value = item.split("=")
    resource.setrlimit(getattr(resource, name), (int(value), int(value)))
if sys.argv[2] != "-":
    uid = int(sys.argv[2])
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
os.execv(sys.argv[3], sys.argv[3:])
"""


_KERNEL = "import sys; from ipykernel import kernelapp; sys.path.insert(0, ''); kernelapp.launch_new_instance()"


#: Where the prebuilt matplotlib font lists live, one folder per interpreter (see :func:`font_list`).
FONT_CACHE_ROOT = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cs231n"


def font_list(python, visible, root=None):
    """matplotlib's font list (``fontlist-v*.json``) for the kernels of ``python``, or None.

    A kernel's ``MPLCONFIGDIR`` is its private ``/tmp/.matplotlib``, empty at start, so every
    kernel's first ``import matplotlib.pyplot`` scanned the system's fonts to rebuild the list (about
    0.2 s of every graded notebook). The list is built once per interpreter here, in
    ``root/matplotlib-<digest>/`` (the digest of the interpreter's path and of when that path was
    made, so a recreated venv gets a new list), by a child importing ``matplotlib.font_manager``
    (in a temporary folder renamed into place, so concurrent graders never see half a file), and the
    kernel manager binds it read-only into each kernel's ``/tmp/.matplotlib``. A matplotlib upgrade
    changes the file name, and the kernels rebuild their own as before.

    Returns None (the kernel then builds its own, as before) when matplotlib is missing or the list
    names a font outside ``/usr`` and the folders in ``visible`` (the kernel could not open it), or
    a font file that is gone (the folder is then removed, to be built again next time).
    """
    root = Path(root or FONT_CACHE_ROOT)
    try:
        made = os.lstat(python).st_mtime_ns
    except OSError:
        return None
    folder = root / f"matplotlib-{hashlib.sha256(f'{os.path.abspath(python)}:{made}'.encode()).hexdigest()[:16]}"
    if not folder.is_dir():
        _build_font_list(python, root, folder)
    lists = sorted(folder.glob("fontlist-v*.json"))
    if not lists:
        return None
    try:
        data = Path((folder / "mpl-data").read_text())
        fonts = json.loads(lists[-1].read_text())
        names = [Path(f["fname"]) for key in ("ttflist", "afmlist") for f in fonts[key]]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    allowed = [Path("/usr"), data, *(Path(v) for v in visible)]
    files = [data / name for name in names]  # relative names are inside matplotlib's mpl-data folder
    if not all(any(f.is_relative_to(a) for a in allowed) for f in files):
        return None
    if not all(f.is_file() for f in files):
        shutil.rmtree(folder, ignore_errors=True)
        return None
    return str(lists[-1])


def _build_font_list(python, root, folder):
    """Build ``folder`` (see :func:`font_list`): the font list and the path of the mpl-data folder."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        build = Path(tempfile.mkdtemp(prefix=".building-", dir=root))
    except OSError:
        return
    code = "import pathlib, matplotlib, matplotlib.font_manager; pathlib.Path('mpl-data').write_text(matplotlib.get_data_path())"
    try:
        subprocess.run([python, "-I", "-c", code], cwd=build, timeout=300,
                       env={"MPLCONFIGDIR": str(build), "HOME": str(build), "PATH": "/usr/bin:/bin"},
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        build.chmod(0o755)
        for f in build.iterdir():
            f.chmod(0o644)
        build.rename(folder)
    except (OSError, subprocess.SubprocessError):
        pass  # another grader got there first, or no matplotlib
    finally:
        shutil.rmtree(build, ignore_errors=True)


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create a sandbox here; the message says why and what to do."""


def python_paths():
    """The folders the kernel's Python needs: the venv and the interpreter installation it points to."""
    paths = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).resolve().parent.parent}
    return sorted({str(p) for p in paths})


def check_available(bwrap="bwrap"):
    """Raise :class:`SandboxUnavailable` unless ``bwrap`` can run a command in a sandbox here."""
    path = shutil.which(bwrap)
    if path is None:
        raise SandboxUnavailable(
            f"bubblewrap ({bwrap}) is not installed, so student code cannot be sandboxed. Install it "
            f"(Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap) or, only if "
            f"every submission is trusted, pass --no-sandbox.")
    cmd = [path, *_base_args(), "--", "/usr/bin/true"]
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        res = None
        why = str(e)
    else:
        why = res.stderr.strip()
    if res is None or res.returncode != 0:
        raise SandboxUnavailable(
            f"bubblewrap is installed but cannot create a sandbox here ({why}); unprivileged user "
            f"namespaces may be disabled (sysctl kernel.unprivileged_userns_clone=1 or "
            f"user.max_user_namespaces > 0). Fix that or, only if every submission is trusted, pass "
            f"--no-sandbox.")
    return path


def _base_args():
    """The part of every bwrap command line that does not depend on the submission."""
    args = ["--unshare-all", "--die-with-parent",
            "--ro-bind", "/usr", "/usr",
            "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
            "--symlink", "usr/lib", "/lib"]
    if Path("/lib64").exists():
        args += ["--symlink", "usr/lib64", "/lib64"]
    args += ["--proc", "/proc", "--dev", "/dev", "--perms", "0755", "--dir", "/etc"]
    for f in ETC_FILES:
        args += ["--ro-bind-try", f, f]
    return args


def sandbox_command(cmd, *, workdir, private_dir, readonly=(), readonly_over=(), env=None, uid=None,
                    limits=None, bwrap="bwrap", tmp_size=DEFAULT_TMP_SIZE, tmp_files=()):
    """The bwrap command line that runs ``cmd`` (a list) in the sandbox.

    Parameters
    ----------
    cmd : list of str
        The command (absolute path first); it must live in one of the ``readonly`` folders.
    workdir : str
        Bound read-write at the same path; the command's working folder.
    private_dir : str
        Bound read-write at the same path (connection file and IPC sockets).
    readonly : sequence of str
        Folders or files bound read-only at the same path (missing ones are an error).
    readonly_over : sequence of (str, str)
        (source, destination) pairs bound read-only after ``workdir``, e.g. provided files over themselves.
    env : dict of str to str
        The whole environment inside (nothing else is passed).
    uid : int or None
        Drop to this uid (and gid) before the command; only possible when started as root.
    limits : dict of str to int
        rlimits by ``resource`` name (``RLIMIT_AS``...), set inside, soft = hard.
    tmp_files : sequence of (str, str)
        (source file, path relative to ``/tmp``) pairs bound read-only into the private ``/tmp``; the
        folders made for them are writable by everyone (sticky), like ``/tmp``.
    """
    args = [bwrap, *_base_args(), "--size", str(int(tmp_size)), "--perms", "1777", "--tmpfs", "/tmp"]
    # bwrap makes the missing parents of a mount point private (0700); the kernel's uid must pass them.
    bound = [Path(p) for p in [*readonly, workdir, private_dir]]
    parents = {a for p in bound for a in p.parents
               if str(a) not in ("/", "/tmp", "/usr") and not any(a == b or b in a.parents for b in bound)}
    for a in sorted(parents, key=lambda a: len(a.parts)):
        args += ["--perms", "0755", "--dir", str(a)]
    for p in readonly:
        args += ["--ro-bind", p, p]
    args += ["--bind", workdir, workdir, "--bind", private_dir, private_dir]
    for src, dest in readonly_over:
        args += ["--ro-bind", src, dest]
    for src, rel in tmp_files:
        dest = Path("/tmp", rel)
        for folder in reversed(dest.parents[:-2]):  # below /tmp
            args += ["--perms", "1777", "--dir", str(folder)]
        args += ["--ro-bind", src, str(dest)]
    if uid is not None:
        # Root outside: no user namespace, so that the kernel can become a real unprivileged uid.
        args = [a for a in args if a != "--unshare-all"]
        args[1:1] = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
                     "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    args += ["--clearenv"]
    for key, value in (env or {}).items():
        args += ["--setenv", key, value]
    args += ["--chdir", workdir, "--"]
    limit_text = ",".join(f"{k}={int(v)}" for k, v in (limits or {}).items()) or "RLIMIT_CORE=0"
    if cmd[1:3] == ["-m", "ipykernel_launcher"]:
        # Isolated mode: a module in the submission (ipykernel_launcher.py, sitecustomize.py...) cannot
        # replace the kernel at start-up; the notebook's folder goes on sys.path once the kernel is loaded.
        cmd = [cmd[0], "-I", "-c", _KERNEL, *cmd[3:]]
    # the launcher runs with the kernel's Python, else with the grader's (bound with python_paths())
    launcher = cmd[0] if Path(cmd[0]).name.startswith("python") else sys.executable
    return args + [launcher, "-I", "-c", _LAUNCHER, limit_text, "-" if uid is None else str(uid), *cmd]


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels run in the grading sandbox (see the module docstring).

    Set it with ``c.Execute.kernel_manager_class`` (nbclient's trait) in ``nbgrader_config.py``.
    The notebook's folder is the ``cwd`` nbgrader starts the kernel in.
    """

    bwrap = Unicode("bwrap", help="bubblewrap executable").tag(config=True)
    memory_limit = Int(DEFAULT_MEMORY, help="address space of each process, bytes (RLIMIT_AS)").tag(config=True)
    process_limit = Int(DEFAULT_PROCESSES, help="processes and threads of the sandbox (RLIMIT_NPROC)").tag(config=True)
    file_size_limit = Int(DEFAULT_FILE_SIZE, help="largest file written, bytes (RLIMIT_FSIZE)").tag(config=True)
    total_time = Float(DEFAULT_TOTAL_TIME, help="wall-clock seconds for the whole kernel; also its CPU "
                                                "seconds (RLIMIT_CPU)").tag(config=True)
    tmp_size = Int(DEFAULT_TMP_SIZE, help="size of the private /tmp, bytes").tag(config=True)
    datasets_dir = Unicode("", help="bound read-only (default: $CS231N_DATASETS_DIR)").tag(config=True)
    python_paths = List(Unicode(), help="bound read-only (default: the venv and its interpreter)").tag(config=True)
    extension_files = List(Unicode(), help="compiled modules bound read-only into <cwd>/cs231n/").tag(config=True)
    student_files = Dict(help="{assignment: [paths relative to the notebook folder]}: the files students "
                              "edit, which stay writable; every other file there is read-only. The assignment "
                              "is the notebook folder's name (nbgrader's autograded/<student>/<assignment>)"
                         ).tag(config=True)
    drop_uid = Bool(True, help="started as root: run the kernel as a fresh unprivileged uid").tag(config=True)

    #: Set when the wall-clock limit killed the kernel (RobustExecute says so in the cell).
    total_time_exceeded = False

    async def _async_pre_start_kernel(self, **kw):
        cwd = str(Path(kw.get("cwd") or os.getcwd()).resolve())
        self._sandbox_cwd = cwd
        self._sandbox_dir = tempfile.mkdtemp(prefix="cs231n-kernel-")
        self.transport = "ipc"
        self.ip = os.path.join(self._sandbox_dir, "kernel")
        self.connection_file = os.path.join(self._sandbox_dir, "kernel.json")
        self._sandbox_uid = None
        if os.geteuid() == 0 and self.drop_uid:
            self._sandbox_uid = UID_BASE + secrets.randbelow(0x0FFFFFFF)
            _chown_tree(self._sandbox_dir, self._sandbox_uid)
            _chown_tree(cwd, self._sandbox_uid)
        cmd, kw = await super()._async_pre_start_kernel(**kw)
        if self._sandbox_uid is not None:
            _chown_tree(self._sandbox_dir, self._sandbox_uid)  # the connection file is new
        return self._wrap(cmd, cwd), kw

    def _wrap(self, cmd, cwd):
        cwd_path = Path(cwd)
        readonly = [p for p in (self.python_paths or python_paths()) if Path(p).exists()]
        datasets = self.datasets_dir or os.environ.get("CS231N_DATASETS_DIR", "")
        env = {k: os.environ[k] for k in ENV_KEEP if k in os.environ}
        env.update(PATH=f"{Path(cmd[0]).parent}:/usr/bin:/bin", HOME="/tmp", IPYTHONDIR="/tmp/.ipython",
                   MPLCONFIGDIR="/tmp/.matplotlib", JUPYTER_RUNTIME_DIR="/tmp/.jupyter",
                   JUPYTER_PLATFORM_DIRS="1", OPENBLAS_NUM_THREADS=env.get("OPENBLAS_NUM_THREADS", "1"))
        if datasets and Path(datasets).is_dir():
            datasets = str(Path(datasets).resolve())
            readonly.append(datasets)
            env["CS231N_DATASETS_DIR"] = datasets
        student = {Path(s).as_posix() for s in files_for(self.student_files, cwd)}
        over = []
        for f in sorted(cwd_path.rglob("*")):
            rel = f.relative_to(cwd_path).as_posix()
            if f.is_file() and not f.is_symlink() and rel not in student and f.suffix != ".ipynb":
                over.append((str(f), str(f)))
        self._made_mountpoints = []
        if (cwd_path / "cs231n").is_dir():
            for ext in self.extension_files:
                dest = cwd_path / "cs231n" / Path(ext).name
                if Path(ext).is_file() and not dest.exists():
                    self._made_mountpoints.append(dest)
                    over.append((str(Path(ext).resolve()), str(dest)))
        fonts = font_list(cmd[0], readonly)
        tmp_files = [(fonts, f".matplotlib/{Path(fonts).name}")] if fonts else []
        limits = {"RLIMIT_AS": self.memory_limit, "RLIMIT_NPROC": self.process_limit,
                  "RLIMIT_FSIZE": self.file_size_limit, "RLIMIT_CPU": int(self.total_time), "RLIMIT_CORE": 0}
        return sandbox_command(cmd, workdir=cwd, private_dir=self._sandbox_dir, readonly=readonly,
                               readonly_over=over, env=env, uid=self._sandbox_uid, limits=limits,
                               bwrap=shutil.which(self.bwrap) or self.bwrap, tmp_size=self.tmp_size,
                               tmp_files=tmp_files)

    async def _async_post_start_kernel(self, **kw):
        await super()._async_post_start_kernel(**kw)
        self._timer = threading.Timer(self.total_time, self._time_is_up)
        self._timer.daemon = True
        self._timer.start()

    def _time_is_up(self):
        self.total_time_exceeded = True
        self.log.error("the kernel ran past its total time limit of %g s; killing it", self.total_time)
        process = getattr(self.provisioner, "process", None)
        if process is not None and process.poll() is None:
            try:
                os.killpg(os.getpgid(process.pid), signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                process.kill()

    async def _async_interrupt_kernel(self):
        # SIGINT to the process group (the "signal" mode) would stop bwrap itself, and the kernel with
        # it: ask the kernel to interrupt itself over its control channel instead.
        if self.kernel_spec is not None:
            self.kernel_spec.interrupt_mode = "message"
        await super()._async_interrupt_kernel()

    interrupt_kernel = _async_interrupt_kernel

    async def _async_cleanup_resources(self, restart=False):
        timer = getattr(self, "_timer", None)
        if timer is not None:
            timer.cancel()
        await super()._async_cleanup_resources(restart=restart)
        for path in getattr(self, "_made_mountpoints", []):
            # bwrap made an empty file to bind the extension onto; the scratch copy should not keep it
            if path.is_file() and path.stat().st_size == 0:
                path.unlink()
        if getattr(self, "_sandbox_uid", None) is not None:
            _chown_tree(self._sandbox_cwd, os.getuid(), os.getgid())
        shutil.rmtree(getattr(self, "_sandbox_dir", ""), ignore_errors=True)

    cleanup_resources = _async_cleanup_resources


def files_for(student_files, folder):
    """The student files of the assignment graded in ``folder`` (by its name; all assignments' if unknown)."""
    name = Path(folder).name
    if name in student_files:
        return list(student_files[name])
    return sorted({f for files in student_files.values() for f in files})


def _chown_tree(path, uid, gid=None):
    gid = uid if gid is None else gid
    os.chown(path, uid, gid, follow_symlinks=False)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(root, name), uid, gid, follow_symlinks=False)


def extension_files(root):
    """The built compiled modules of the package at ``root/cs231n`` (what the release lacks)."""
    return sorted(str(p) for p in (Path(root) / "cs231n").glob("*.so"))


def config_lines(sandbox=True, *, student_files=None, extensions=(), memory=DEFAULT_MEMORY,
                 processes=DEFAULT_PROCESSES, total_time=DEFAULT_TOTAL_TIME):
    """Lines for ``nbgrader_config.py`` (which defines ``c``) that put every kernel in the sandbox.

    With ``sandbox=False`` they say so in a comment and configure nothing.
    """
    if not sandbox:
        return ["# --no-sandbox: student code runs unsandboxed, as the grader's own user."]
    return [
        "# Every student kernel runs in bubblewrap (tools/course/sandbox.py).",
        "from tools.course.sandbox import SandboxedKernelManager",
        "c.Execute.kernel_manager_class = SandboxedKernelManager",
        f"c.SandboxedKernelManager.student_files = {dict(student_files or {})!r}",
        f"c.SandboxedKernelManager.extension_files = {list(extensions)!r}",
        f"c.SandboxedKernelManager.memory_limit = {int(memory)}",
        f"c.SandboxedKernelManager.process_limit = {int(processes)}",
        f"c.SandboxedKernelManager.total_time = {float(total_time)!r}",
    ]


def warn_unsandboxed(stream=None):
    """The warning printed on every run with --no-sandbox."""
    print("WARNING: --no-sandbox: student code runs as you, with your files, the gradebook, the solutions "
          "and the network within its reach. Use it only for submissions you trust.", file=stream or sys.stderr)


__all__ = ["SandboxedKernelManager", "SandboxUnavailable", "check_available", "sandbox_command", "config_lines",
           "extension_files", "files_for", "font_list", "python_paths", "warn_unsandboxed"]
