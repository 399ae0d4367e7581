"""get_datasets.sh: atomic, idempotent, and clear about every failure.

Each test points the script at a temporary datasets folder (CS231N_DATASETS_DIR)
and at a small-but-complete fake CIFAR-10 tarball or a local HTTP server.
"""
import hashlib
import http.server
import io
import os
import pickle
import shutil
import signal
import subprocess
import tarfile
import threading
import time

import numpy as np
import pytest

from conftest import ROOT

SCRIPT = ROOT / "get_datasets.sh"
NAME = "cifar-10-batches-py"
FILES = [f"data_batch_{b}" for b in range(1, 6)] + ["test_batch", "batches.meta"]


def _batch_bytes(seed):
    rng = np.random.default_rng(seed)
    d = {"batch_label": "fake", "labels": rng.integers(0, 10, 10000).tolist(),
         "data": np.zeros((10000, 3072), np.uint8), "filenames": ["x.png"] * 10000}
    d["data"][:, :8] = rng.integers(0, 256, (10000, 8), dtype=np.uint8)
    return pickle.dumps(d, protocol=2)


@pytest.fixture(scope="module")
def fake_tarball(tmp_path_factory):
    """A tarball in the official layout, with data batches of the official size."""
    path = tmp_path_factory.mktemp("fake") / "cifar-10-python.tar.gz"
    batch = _batch_bytes(0)
    meta = pickle.dumps({"label_names": ["a"] * 10, "num_cases_per_batch": 10000}, protocol=2)
    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        for f in FILES:
            data = meta if f == "batches.meta" else batch
            info = tarfile.TarInfo(f"{NAME}/{f}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    md5 = hashlib.md5(path.read_bytes()).hexdigest()
    return path, md5


def run(dest, url, md5=None, **kw):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIFAR10_")}
    env.update(CS231N_DATASETS_DIR=str(dest), CIFAR10_URL=url)
    if md5 is not None:
        env["CIFAR10_MD5"] = md5
    env.update(kw.pop("env", {}))
    return subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=120, **kw)


def assert_clean_failure(res, dest, pattern):
    assert res.returncode != 0, res.stdout + res.stderr
    err = res.stderr.strip().splitlines()
    assert err and err[-1].startswith("get_datasets.sh: error:"), res.stderr
    assert pattern in err[-1], err[-1]
    assert not (dest / NAME).exists(), "a failed run left a dataset folder"
    assert not list(dest.glob(".cifar-download.*")), "a failed run left temporary files"


def test_download_extract_then_idempotent(tmp_path, fake_tarball):
    path, md5 = fake_tarball
    res = run(tmp_path, f"file://{path}", md5)
    assert res.returncode == 0, res.stderr
    assert "checksum OK" in res.stdout
    assert sorted(p.name for p in (tmp_path / NAME).iterdir()) == sorted(FILES)
    assert not list(tmp_path.glob(".cifar-download.*"))
    # A second run downloads nothing: the URL is now unreachable and it still succeeds.
    stamp = (tmp_path / NAME / "test_batch").stat().st_mtime_ns
    res = run(tmp_path, "file:///nonexistent/cifar.tar.gz", md5)
    assert res.returncode == 0, res.stderr
    assert "already complete" in res.stdout and "downloading" not in res.stdout
    assert (tmp_path / NAME / "test_batch").stat().st_mtime_ns == stamp


def test_loader_reads_what_the_script_extracted(tmp_path, fake_tarball):
    from cs231n.data_utils import load_CIFAR10
    path, md5 = fake_tarball
    assert run(tmp_path, f"file://{path}", md5).returncode == 0
    Xtr, Ytr, Xte, Yte = load_CIFAR10(tmp_path / NAME)
    assert Xtr.shape == (50000, 32, 32, 3) and Xte.shape == (10000, 32, 32, 3)
    assert Xtr.dtype == np.float64 and Ytr.shape == (50000,)


def test_missing_file_url(tmp_path):
    res = run(tmp_path, f"file://{tmp_path}/nope.tar.gz", "")
    assert_clean_failure(res, tmp_path, "cannot read")


def test_bad_checksum(tmp_path, fake_tarball):
    path, _ = fake_tarball
    res = run(tmp_path, f"file://{path}", "0" * 32)
    assert_clean_failure(res, tmp_path, "checksum mismatch")


def test_official_checksum_is_the_default(tmp_path, fake_tarball):
    path, _ = fake_tarball
    res = run(tmp_path, f"file://{path}")
    assert_clean_failure(res, tmp_path, "expected c58f30108f718f92721af3b95e74349a")


def test_empty_md5_skips_the_check_with_a_notice(tmp_path, fake_tarball):
    path, _ = fake_tarball
    res = run(tmp_path, f"file://{path}", "")
    assert res.returncode == 0, res.stderr
    assert "NOT verified" in res.stdout


def test_corrupt_archive(tmp_path):
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(os.urandom(4096))
    dest = tmp_path / "d"
    res = run(dest, f"file://{bad}", "")
    assert_clean_failure(res, dest, "cannot extract the archive")


def test_archive_without_the_dataset(tmp_path):
    bad = tmp_path / "other.tar.gz"
    with tarfile.open(bad, "w:gz") as tar:
        info = tarfile.TarInfo("something/else")
        tar.addfile(info, io.BytesIO(b""))
    dest = tmp_path / "d"
    res = run(dest, f"file://{bad}", "")
    assert_clean_failure(res, dest, "does not hold a complete")


def test_incomplete_dataset_is_reported_and_replaced(tmp_path, fake_tarball):
    path, md5 = fake_tarball
    broken = tmp_path / NAME
    broken.mkdir()
    (broken / "data_batch_1").write_bytes(b"truncated")
    res = run(tmp_path, f"file://{path}", md5)
    assert res.returncode == 0, res.stderr
    assert "incomplete" in res.stdout and "data_batch_1 truncated" in res.stdout
    assert (broken / "data_batch_1").stat().st_size > 30720000
    assert sorted(p.name for p in broken.iterdir()) == sorted(FILES)


def test_failed_replacement_keeps_what_was_there(tmp_path):
    broken = tmp_path / NAME
    broken.mkdir()
    (broken / "data_batch_1").write_bytes(b"partial")
    res = run(tmp_path, "file:///nonexistent.tar.gz", "")
    assert res.returncode != 0
    assert (broken / "data_batch_1").read_bytes() == b"partial"
    assert not list(tmp_path.glob(".cifar-download.*"))


def test_no_curl_or_wget(tmp_path, fake_tarball):
    """With neither downloader on PATH the script says what to install."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ["bash", "dirname", "mkdir", "mktemp", "find", "rm", "wc", "tr", "cut", "head", "tar",
                 "mv", "md5sum", "cat", "cp", "gzip"]:
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    path, md5 = fake_tarball
    dest = tmp_path / "d"
    res = run(dest, f"file://{path}", md5, env={"PATH": str(bin_dir)})
    assert_clean_failure(res, dest, "neither curl nor wget is installed")


class _Server:
    """A loopback HTTP server whose behaviour each test picks."""

    def __init__(self, handler):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/cifar-10-python.tar.gz"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _handler(mode):
    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            if mode == "404":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(10_000_000))
            self.end_headers()
            try:
                if mode == "cut":
                    self.wfile.write(b"\0" * 100_000)
                    return  # closes the connection with most of the body missing
                for _ in range(200):  # "slow": a trickle, 20 s at most
                    self.wfile.write(b"\0" * 10_000)
                    self.wfile.flush()
                    time.sleep(0.1)
            except (BrokenPipeError, ConnectionResetError):
                pass
    return H


@pytest.mark.parametrize("mode,pattern", [("404", "refused"), ("cut", "cut off")])
def test_http_failures(tmp_path, mode, pattern):
    server = _Server(_handler(mode))
    try:
        res = run(tmp_path, server.url, "")
    finally:
        server.close()
    assert_clean_failure(res, tmp_path, pattern)


def test_interrupted_download_leaves_nothing(tmp_path):
    """Ctrl-C (SIGINT to the process group) in the middle of a download."""
    server = _Server(_handler("slow"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIFAR10_")}
    env.update(CS231N_DATASETS_DIR=str(tmp_path), CIFAR10_URL=server.url, CIFAR10_MD5="")
    try:
        proc = subprocess.Popen(["bash", str(SCRIPT)], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        deadline = time.time() + 15
        while time.time() < deadline:
            parts = list(tmp_path.glob(".cifar-download.*/cifar-10-python.tar.gz"))
            if parts and parts[0].stat().st_size > 0:
                break
            time.sleep(0.05)
        else:
            proc.kill()
            pytest.fail("the download never started")
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        server.close()
    assert proc.returncode != 0
    assert "interrupted" in out + err
    assert not (tmp_path / NAME).exists()
    assert not list(tmp_path.glob(".cifar-download.*"))


def _file_size_limit(limit):
    """preexec_fn: files the script writes cannot grow beyond `limit` bytes, as on a full disk
    (writes fail with EFBIG instead of the process being killed by SIGXFSZ)."""
    import resource

    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.parametrize("limit,pattern", [
    (10_000, "could not write the download"),  # the tarball itself does not fit
    (5_000_000, "it is corrupt or the disk is full"),  # the tarball fits, a 30 MB batch does not
])
def test_disk_full(tmp_path, fake_tarball, limit, pattern):
    """A disk that fills up during the download or the extraction: a clear error, nothing left behind."""
    path, md5 = fake_tarball
    assert 10_000 < path.stat().st_size < 5_000_000, path.stat().st_size
    res = run(tmp_path, f"file://{path}", md5, preexec_fn=_file_size_limit(limit))
    assert_clean_failure(res, tmp_path, pattern)
    assert "free" in res.stderr and "disk" in res.stderr, res.stderr
