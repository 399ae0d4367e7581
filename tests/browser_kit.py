"""Plumbing for the browser tests (tests/test_browser.py): a JupyterLab server and a headless Chromium.

The server runs in a folder the test made (a copy of the student release, or an nbgrader course
folder), on 127.0.0.1 with a random free port and a random token, with every Jupyter user folder
(config, data, runtime, settings, workspaces, IPython profile) inside the test's temporary folder, so
nothing on the machine running the tests is read or changed. Chromium is Debian's (`apt-get install
chromium`), driven by Playwright; Playwright's own browser download is never used.
"""
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
ARTIFACTS = ROOT / "build" / "test-artifacts" / "browser"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]

# JupyterLab user settings: no news/update pop-up over the notebook, every cell kept in the page (the
# default windowing leaves cells far from the viewport out of the DOM), and no soft line wrapping in
# the file editor (Home/End would stop at wrap points, so a long stub line could not be selected whole).
LAB_SETTINGS = {
    "@jupyterlab/fileeditor-extension/plugin.jupyterlab-settings": '{"editorConfig": {"lineNumbers": true, "lineWrap": false}}',
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": '{"fetchNews": "false", "checkForUpdates": false}',
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": '{"windowingMode": "none"}',
}


def chromium_path():
    """The Chromium executable: $CS231N_CHROMIUM, else `chromium` on PATH, else None."""
    path = os.environ.get("CS231N_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    return path if path and os.access(path, os.X_OK) else None


def require_browser():
    """(sync_playwright, chromium path); skips when either is missing, fails under CS231N_REQUIRE_BROWSER=1."""
    problems = []
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
        problems.append("the Python package playwright is not installed (pip install playwright)")
    chromium = chromium_path()
    if chromium is None:
        problems.append("Chromium was not found (apt-get install chromium, or set CS231N_CHROMIUM to its path)")
    if problems:
        msg = "browser tests need a browser: " + "; ".join(problems)
        if os.environ.get("CS231N_REQUIRE_BROWSER") == "1":
            pytest.fail(msg)
        pytest.skip(msg)
    return sync_playwright, chromium


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterLab:
    """`jupyter lab` in ``cwd`` on a random port with a random token; a context manager."""

    def __init__(self, cwd, home, env=None, log_name="jupyter"):
        self.cwd = Path(cwd)
        self.home = Path(home)
        self.port = free_port()
        self.token = os.urandom(16).hex()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_env = env or {}
        self.log_path = ARTIFACTS / f"{log_name}.log"
        self.proc = None

    def _env(self):
        env = dict(os.environ)
        for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
            env[name] = str(self.home / name.lower())
        env["PATH"] = str(VENV_BIN) + os.pathsep + env.get("PATH", "")
        env.pop("JUPYTER_PATH", None)
        env.update(self.extra_env)
        return env

    def __enter__(self):
        settings = self.home / "lab-settings"
        for rel, text in LAB_SETTINGS.items():
            (settings / rel).parent.mkdir(parents=True, exist_ok=True)
            (settings / rel).write_text(text)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "w")
        cmd = [str(VENV_BIN / "jupyter"), "lab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={self.token}", f"--LabApp.user_settings_dir={settings}",
               f"--LabApp.workspaces_dir={self.home / 'workspaces'}"]
        self.proc = subprocess.Popen(cmd, cwd=self.cwd, env=self._env(), stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._close_log()
                raise RuntimeError(f"jupyter lab exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        self.__exit__(None, None, None)
        raise RuntimeError(f"jupyter lab did not answer within 60 s:\n{self.log_tail()}")

    def __exit__(self, *exc):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # the server shuts its kernels down
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
            try:  # anything left in its session (kernels, validate runs)
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)
        self._close_log()

    def _close_log(self):
        if getattr(self, "_log", None) is not None and not self._log.closed:
            self._log.close()

    def log_tail(self, n=30):
        try:
            return "\n".join(self.log_path.read_text().splitlines()[-n:])
        except OSError:
            return ""

    def page_url(self, path):
        return f"{self.url}/{path.lstrip('/')}?token={self.token}"


# --------------------------------------------------------------------------------------------
# page helpers


PROMPT_DONE = re.compile(r"\[\d+\]:")


class Lab:
    """A JupyterLab page: open files, find and run cells, save numbered screenshots."""

    def __init__(self, page, server, shots):
        self.page = page
        self.server = server
        self.shots = Path(shots)
        self.shots.mkdir(parents=True, exist_ok=True)
        self.n = 0
        self.t0 = time.monotonic()

    def shot(self, name, locator=None):
        """Save a screenshot (the page, or one element) as NN-name.png; returns the path."""
        self.n += 1
        path = self.shots / f"{self.n:02d}-{name}.png"
        (locator or self.page).screenshot(path=str(path))
        print(f"{time.monotonic() - self.t0:6.1f} s  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
        return path

    @contextlib.contextmanager
    def shot_on_failure(self):
        """Save a screenshot of the page as it was when the block raised."""
        try:
            yield
        except BaseException:
            try:
                self.shot("FAILED")
            except Exception:  # the page itself may be gone
                pass
            raise

    def open(self, path, timeout=60_000):
        self.page.goto(self.server.page_url(f"lab/tree/{path}"))
        self.page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=timeout)
        self.wait_kernel_idle(timeout)

    def wait_kernel_idle(self, timeout=60_000):
        """Wait until the status bar says the current notebook's kernel is idle."""
        from playwright.sync_api import expect
        expect(self.page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| Idle$")).first
               ).to_be_visible(timeout=timeout)

    def notebook(self):
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")

    def cell(self, text):
        """The first code cell of the visible notebook whose source contains ``text``."""
        cell = self.notebook().locator(".jp-CodeCell").filter(
            has=self.page.locator(".jp-InputArea-editor", has_text=text)).first
        cell.wait_for()
        return cell

    def run(self, cell, timeout=120_000):
        """Select ``cell``, press Shift+Enter and wait until it has an execution count; returns the cell."""
        from playwright.sync_api import expect
        cell.locator(".jp-InputArea-prompt").first.click()
        self.page.keyboard.press("Shift+Enter")
        expect(cell.locator(".jp-InputArea-prompt").first).to_have_text(PROMPT_DONE, timeout=timeout)
        return cell

    @staticmethod
    def output(cell):
        area = cell.locator(".jp-OutputArea")
        return area.inner_text() if area.count() else ""

    @staticmethod
    def error_output(cell):
        errors = cell.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        return "\n".join(errors.all_inner_texts())


# --------------------------------------------------------------------------------------------
# README screenshots: `python tests/browser_kit.py` after a run of tests/test_browser.py


README_SHOTS = {  # docs/screenshots/<name>.png <- build/test-artifacts/browser/<artifact>
    "student-stub-error.png": "student/02-stub-error.png",
    "student-training-progress.png": "student/05-training-progress-bar.png",
    "instructor-formgrader.png": "instructor/03-formgrader-manual-grade.png",
}
README_MAX_BYTES = 150_000


def publish_readme_shots(dest=ROOT / "docs" / "screenshots", width=900):
    """Copy the README's screenshots out of the test artifacts: at most ``width`` pixels wide, 256 colours."""
    from PIL import Image

    dest.mkdir(parents=True, exist_ok=True)
    for name, artifact in README_SHOTS.items():
        with Image.open(ARTIFACTS / artifact) as im:
            im = im.convert("RGB")
            if im.width > width:
                im = im.resize((width, round(im.height * width / im.width)), Image.LANCZOS)
            im = im.quantize(colors=256, method=Image.Quantize.MEDIANCUT)
            im.save(dest / name, optimize=True)
        size = (dest / name).stat().st_size
        print(f"{dest / name}: {size} bytes")
        if size > README_MAX_BYTES:
            raise SystemExit(f"{name} is {size} bytes, over {README_MAX_BYTES}; crop it")


if __name__ == "__main__":
    publish_readme_shots()
