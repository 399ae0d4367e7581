"""The benchmarks run to the end and print their whole reports (they are not run for their figures
here: speed is measured by `make bench` and `benchmarks/bench_grading.py`, never asserted in tests)."""
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import needs_bwrap

ROOT = Path(__file__).resolve().parent.parent


def test_bench_fast_layers_prints_every_row():
    res = subprocess.run([sys.executable, "benchmarks/bench_fast_layers.py", "--repeats", "1", "--no-torch"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    out = res.stdout
    assert res.returncode in (0, 1), f"exit {res.returncode}\n{out}\n{res.stderr}"  # 1: a target missed
    assert res.stderr == "", res.stderr
    for shape, path in (("S1", "im2col"), ("S2", "im2col"), ("S3", "winograd 4x4"), ("S4", "im2col")):
        for dtype in ("float32", "float64"):
            row = [line for line in out.splitlines() if line.startswith(f"{shape:<5} {dtype}")]
            assert len(row) == 1 and row[0].endswith(path), (shape, dtype, row)
    for pool in ("P1", "P2", "P3"):
        assert sum(line.startswith(f"{pool:<5} ") for line in out.splitlines()) == 2, pool
    assert "training step" in out
    # without torch, the targets that compare with it are left out: 12 of the 19
    assert out.rstrip().splitlines()[-1].endswith("of 12 targets met"), out.rstrip().splitlines()[-1]


def test_bench_assignment2_tiny_runs_every_step():
    """--tiny: random stand-in data, every run (ours, the 2022 algorithms plugged in, with a timed
    fraction) in its own process, the batchnorm pair, naive vs fast conv, the target list."""
    res = subprocess.run([sys.executable, "benchmarks/bench_assignment2.py", "--tiny", "--no-torch",
                          "--baseline-fraction", "0.5"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    out = res.stdout
    assert res.returncode in (0, 1), f"exit {res.returncode}\n{out}\n{res.stderr}"  # 1: a target missed
    assert res.stderr == "", res.stderr
    lines = out.splitlines()
    assert any(line.startswith("ours ") and line.endswith("(as shipped)") for line in lines), out
    row = [line for line in lines if line.startswith("2022 ")]
    assert len(row) == 1 and "ESTIMATED: 1 of 2 iterations timed (--baseline-fraction 0.5)" in row[0], out
    assert "torch: skipped (--no-torch)" in out
    for shape in ("(100, 500)", "(128, 4096)"):
        assert sum(line.startswith(shape) for line in lines) == 1, shape
    assert sum(line.strip().startswith(("forward ", "backward ")) for line in lines) == 2
    # without torch: speed-up, two accuracies, memory, two batchnorm shapes
    assert lines[-1].endswith("of 6 targets met"), lines[-1]


def test_bench_assignment2_peak_memory_is_each_run_s_own():
    """A run's peak memory must not include what the parent process had used (ru_maxrss does on Linux)."""
    code = ("import sys; sys.path.insert(0, 'benchmarks'); from bench_assignment2 import peak_rss_bytes; "
            "print(peak_rss_bytes())")
    big = bytearray(300 * 2 ** 20)  # 300 MiB touched in this process
    big[::4096] = b"x" * len(big[::4096])
    child = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    del big
    assert child.returncode == 0, child.stderr
    assert int(child.stdout) < 200 * 2 ** 20, int(child.stdout) / 2 ** 20


@needs_bwrap
def test_bench_grading_runs_against_an_old_kit(cifar10_dir):
    """One notebook, the Dask path with one worker, and the kit as it was when the Dask grading issue
    was filed (f08507a: no sandbox, no cache, one tools/course.py), driven by the benchmark's own
    baseline driver; every mode must give the reference submission the same full score."""
    if subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", "f08507a^{commit}"]).returncode != 0:
        pytest.skip("a shallow clone: commit f08507a is not in this repository's history")
    res = subprocess.run([sys.executable, "benchmarks/bench_grading.py", "--students", "1", "--notebooks", "svm",
                          "--modes", "dask-1", "--baseline", "f08507a"], cwd=ROOT, capture_output=True, text=True,
                         timeout=900)
    out = res.stdout
    assert res.returncode == 0, f"exit {res.returncode}\n{out}\n{res.stderr[-3000:]}"
    lines = out.splitlines()
    done = [line for line in lines if "baseline f08507a serial done:" in line]
    assert len(done) == 1 and done[0].endswith("scores [17.0]"), out
    row = [line for line in lines if line.split()[:1] == ["dask-1"] and line.split()[1].isdigit()]
    assert len(row) == 1 and row[0].endswith("[17.0]"), out
    assert any(line.startswith("dask-1 vs f08507a serial per core, end to end: ") for line in lines), out
    assert "same scores in every mode: True" in out, out
