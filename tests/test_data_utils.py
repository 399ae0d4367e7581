"""CIFAR-10 loader: real data shapes and splits, and clear errors for missing or broken files."""
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from cs231n.data_utils import get_CIFAR10_data, load_CIFAR_batch


@pytest.mark.slow
def test_real_cifar10_shapes(cifar10_raw):
    Xtr, Ytr, Xte, Yte = cifar10_raw
    assert Xtr.shape == (50000, 32, 32, 3) and Xtr.dtype == np.float64
    assert Xte.shape == (10000, 32, 32, 3) and Xte.dtype == np.float64
    assert Ytr.shape == (50000,) and Yte.shape == (10000,)
    assert Ytr.dtype == np.int64
    assert 0 <= Xtr.min() and Xtr.max() <= 255 and Xtr.max() > 200
    # every class appears 5000 times in train and 1000 times in test
    np.testing.assert_array_equal(np.bincount(Ytr), [5000] * 10)
    np.testing.assert_array_equal(np.bincount(Yte), [1000] * 10)


@pytest.mark.slow
def test_get_CIFAR10_data_2022_semantics(cifar10_raw, cifar10_dir):
    Xtr, Ytr, Xte, Yte = cifar10_raw
    data = get_CIFAR10_data(cifar10_dir=cifar10_dir)
    shapes = {k: v.shape for k, v in data.items()}
    assert shapes == {
        "X_train": (49000, 3, 32, 32), "y_train": (49000,),
        "X_val": (1000, 3, 32, 32), "y_val": (1000,),
        "X_test": (1000, 3, 32, 32), "y_test": (1000,),
    }
    assert all(v.dtype == np.float64 for k, v in data.items() if k.startswith("X"))
    mean_image = Xtr[:49000].mean(axis=0)  # (32, 32, 3)
    # train is the first 49000, val the next 1000, test the first 1000 of test_batch
    np.testing.assert_array_equal(data["y_train"], Ytr[:49000])
    np.testing.assert_array_equal(data["y_val"], Ytr[49000:])
    np.testing.assert_array_equal(data["y_test"], Yte[:1000])
    np.testing.assert_allclose(data["X_val"][3], (Xtr[49003] - mean_image).transpose(2, 0, 1))
    np.testing.assert_allclose(data["X_test"][7], (Xte[7] - mean_image).transpose(2, 0, 1))
    # the training split is centred: its mean image is zero
    assert np.abs(data["X_train"].mean(axis=0)).max() < 1e-9
    assert data["X_train"].flags.c_contiguous


@pytest.mark.slow
def test_get_CIFAR10_data_without_mean_subtraction(cifar10_raw, cifar10_dir):
    Xtr = cifar10_raw[0]
    data = get_CIFAR10_data(num_training=100, num_validation=10, num_test=5,
                            subtract_mean=False, cifar10_dir=cifar10_dir)
    np.testing.assert_array_equal(data["X_val"][0], Xtr[100].transpose(2, 0, 1))
    assert data["X_test"].shape == (5, 3, 32, 32)


def test_split_sizes_are_checked():
    with pytest.raises(ValueError, match="at most 50000, got 49500 \\+ 1000"):
        get_CIFAR10_data(num_training=49500, num_validation=1000)


def test_missing_dataset_says_what_to_run(tmp_path, monkeypatch):
    monkeypatch.setenv("CS231N_DATASETS_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"cifar-10-batches-py.*bash get_datasets.sh"):
        get_CIFAR10_data()
    with pytest.raises(FileNotFoundError, match="get_datasets.sh"):
        load_CIFAR_batch(tmp_path / "data_batch_1")


def _write_batch(path, n=10):
    d = {"data": np.arange(n * 3072, dtype=np.uint32).astype(np.uint8).reshape(n, 3072),
         "labels": list(range(n))}
    path.write_bytes(pickle.dumps(d, protocol=2))


def test_batch_layout(tmp_path):
    _write_batch(tmp_path / "b")
    X, Y = load_CIFAR_batch(tmp_path / "b")
    assert X.shape == (10, 32, 32, 3) and X.dtype == np.float64
    # pixel (row 0, col 1) of image 0: R plane at index 1, G at 1024+1, B at 2048+1
    np.testing.assert_array_equal(X[0, 0, 1], [1, (1024 + 1) % 256, (2048 + 1) % 256])
    np.testing.assert_array_equal(Y, np.arange(10))


def test_truncated_batch_names_the_file(tmp_path):
    _write_batch(tmp_path / "data_batch_1")
    blob = (tmp_path / "data_batch_1").read_bytes()
    (tmp_path / "data_batch_1").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(ValueError, match=r"data_batch_1 is corrupt or truncated.*get_datasets.sh"):
        load_CIFAR_batch(tmp_path / "data_batch_1")


def test_wrong_content_names_the_file(tmp_path):
    (tmp_path / "test_batch").write_bytes(pickle.dumps({"data": np.zeros((4, 5)), "labels": [0] * 4}))
    with pytest.raises(ValueError, match=r"test_batch is not a CIFAR-10 batch.*\(4, 5\)"):
        load_CIFAR_batch(tmp_path / "test_batch")
    (tmp_path / "garbage").write_bytes(os.urandom(100))
    with pytest.raises(ValueError, match="garbage is corrupt"):
        load_CIFAR_batch(tmp_path / "garbage")


# --- get_CIFAR10_rows, and the preprocessed arrays of the grader's cache ---------------------------

def _random_cifar(root, sizes=(900, 700, 700, 700, 700, 600), seed=0):
    """A cifar-10-batches-py folder of random images: five training batches and a test batch."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True)
    names = [f"data_batch_{b}" for b in range(1, 6)] + ["test_batch"]
    for name, n in zip(names, sizes, strict=True):
        d = {"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8), "labels": list(rng.integers(0, 10, n))}
        (root / name).write_bytes(pickle.dumps(d, protocol=2))
    return root


def _reference_rows(Xtr, Ytr, Xte, Yte, ntr, nval, nte, dev, bias):
    """get_CIFAR10_rows written the plain 2022 way: subtract the mean row, then hstack a column of ones."""
    rows = {"train": Xtr[:ntr].reshape(ntr, -1), "val": Xtr[ntr:ntr + nval].reshape(nval, -1),
            "test": Xte[:nte].reshape(nte, -1)}
    mean_row = rows["train"].mean(axis=0)
    rows["dev"] = rows["train"][dev]
    out = {}
    for k, X in rows.items():
        X = X - mean_row
        out[f"X_{k}"] = np.hstack([X, np.ones((len(X), 1))]) if bias else X
    out.update(y_train=Ytr[:ntr], y_val=Ytr[ntr:ntr + nval], y_test=Yte[:nte], y_dev=Ytr[:ntr][dev],
               mean_image=mean_row.reshape(32, 32, 3))
    return out


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert a[k].shape == b[k].shape and a[k].dtype == b[k].dtype, (k, a[k].shape, b[k].shape)
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


@pytest.mark.parametrize("bias", [True, False])
def test_rows_are_the_2022_preprocessing(tmp_path, bias):
    from cs231n.data_utils import get_CIFAR10_rows, load_CIFAR10

    root = _random_cifar(tmp_path / "cifar-10-batches-py")
    data = get_CIFAR10_rows(num_training=3000, num_validation=500, num_test=400, num_dev=50, bias=bias,
                            seed=231, cifar10_dir=root)
    dev = np.random.default_rng(231).choice(3000, 50, replace=False)
    _assert_same(data, _reference_rows(*load_CIFAR10(root), 3000, 500, 400, dev, bias))
    assert all(data[k].flags.c_contiguous for k in data if k.startswith("X_"))
    if bias:
        assert data["X_train"].shape == (3000, 3073) and np.all(data["X_val"][:, -1] == 1.0)
    assert np.abs(data["X_train"][:, :3072].mean(axis=0)).max() < 1e-9  # centred on the training mean
    with pytest.raises(ValueError, match="num_dev must be between 0 and num_training \\(3000\\), got 3001"):
        get_CIFAR10_rows(num_training=3000, num_dev=3001, cifar10_dir=root)


def test_cache_holds_the_preprocessed_splits_bit_for_bit(tmp_path):
    """build_CIFAR10_cache stores the notebooks' preprocessed splits; the loaders then map them and return
    exactly what they compute without the cache, copy-on-write, and a changed batch invalidates them."""
    from cs231n import data_utils as D

    root = _random_cifar(tmp_path / "cifar-10-batches-py")
    sizes = dict(num_training=3000, num_validation=500, num_test=400)
    decoded_rows = D.get_CIFAR10_rows(**sizes, num_dev=64, seed=7, cifar10_dir=root)
    decoded_nchw = D.get_CIFAR10_data(**sizes, cifar10_dir=root)
    cache = Path(D.build_CIFAR10_cache(root, splits=[(3000, 500, 400), (3500, 100, 10), (3000, 701, 10)]))
    # (3000, 701) needs 3701 training images, the folder has 3700: skipped
    assert sorted(p.name for p in cache.iterdir() if p.is_dir()) == [
        "nchw-3000-500-400", "nchw-3500-100-10", "rows-3000-500-400", "rows-3500-100-10"]
    assert all(oct(p.stat().st_mode & 0o777) == "0o755" for p in cache.iterdir() if p.is_dir())

    rows = D.get_CIFAR10_rows(**sizes, num_dev=64, seed=7, cifar10_dir=root)
    nchw = D.get_CIFAR10_data(**sizes, cifar10_dir=root)
    for name in ("X_train", "X_val", "X_test"):
        assert isinstance(rows[name].base, np.memmap) and isinstance(nchw[name].base, np.memmap), name
        assert type(rows[name]) is np.ndarray and nchw[name].flags.c_contiguous
    _assert_same(rows, decoded_rows)
    _assert_same(nchw, decoded_nchw)
    # other arguments are computed as before, not taken from the cache
    assert not isinstance(D.get_CIFAR10_rows(**sizes, bias=False, cifar10_dir=root)["X_train"].base, np.memmap)
    assert not isinstance(D.get_CIFAR10_data(**sizes, subtract_mean=False, cifar10_dir=root)["X_train"].base,
                          np.memmap)
    assert not isinstance(D.get_CIFAR10_data(num_training=2999, cifar10_dir=root)["X_train"].base, np.memmap)

    rows["X_train"][0, 0] = 1e9  # copy-on-write: the file and later readers are unchanged
    assert D.get_CIFAR10_rows(**sizes, cifar10_dir=root)["X_train"][0, 0] == decoded_rows["X_train"][0, 0]

    # a changed batch: the cache is stale, the loaders decode again, a new build replaces every part
    batch = root / "data_batch_1"
    d = pickle.loads(batch.read_bytes(), encoding="latin1")
    d["data"] = 255 - d["data"]
    batch.write_bytes(pickle.dumps(d, protocol=2))
    changed = D.get_CIFAR10_rows(**sizes, num_dev=64, seed=7, cifar10_dir=root)
    assert not isinstance(changed["X_train"].base, np.memmap)
    assert not np.array_equal(changed["X_train"], decoded_rows["X_train"])
    D.build_CIFAR10_cache(root, splits=[(3000, 500, 400)])
    assert sorted(p.name for p in cache.iterdir() if p.is_dir()) == ["nchw-3000-500-400", "rows-3000-500-400"]
    again = D.get_CIFAR10_rows(**sizes, num_dev=64, seed=7, cifar10_dir=root)
    assert isinstance(again["X_train"].base, np.memmap)
    _assert_same(again, changed)
    assert not list(root.glob(".float64-cache.tmp-*")) and not list(cache.glob("*.tmp-*"))


_KERNEL_MEMORY = """
import sys
import numpy as np
from cs231n.data_utils import get_CIFAR10_data, get_CIFAR10_rows
data = {loader}()
total = sum(float(v.sum()) for v in data.values())  # touch every page
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
print(int(status["RssAnon"].split()[0]) * 1024, int(status["VmHWM"].split()[0]) * 1024)
"""


@pytest.mark.slow
@pytest.mark.parametrize("loader", ["get_CIFAR10_rows", "get_CIFAR10_data"])
def test_loader_memory_with_and_without_the_cache(cifar10_dir, tmp_path, loader):
    """Private memory of a process that loads the notebooks' splits and reads every value: with the
    grader's cache the 1.2 GB of preprocessed images are shared file pages, not the process's own."""
    import subprocess
    import sys

    from cs231n.data_utils import build_CIFAR10_cache

    build_CIFAR10_cache(cifar10_dir)
    env = {**os.environ, "CS231N_DATASETS_DIR": os.path.dirname(cifar10_dir)}
    code = _KERNEL_MEMORY.format(loader=loader)
    anon, _ = map(int, subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True,
                                      text=True).stdout.split())
    print(f"{loader}, cached: {anon / 2**30:.2f} GiB private")
    assert anon < 0.3 * 2**30, f"{loader} with the cache holds {anon / 2**30:.2f} GiB of private memory"
    # without a cache (a student's machine): the raw images plus the preprocessed copy, nothing more
    uncached = tmp_path / "datasets" / "cifar-10-batches-py"
    uncached.mkdir(parents=True)
    for name in os.listdir(cifar10_dir):
        if not name.startswith("."):
            os.symlink(os.path.join(cifar10_dir, name), uncached / name)
    env["CS231N_DATASETS_DIR"] = str(uncached.parent)
    _, peak = map(int, subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True,
                                      text=True).stdout.split())
    print(f"{loader}, decoded: {peak / 2**30:.2f} GiB peak")
    # raw 50000 + 10000 images (1.37 GiB) + the 1.1 GiB preprocessed copy; before 2026-12 it was 3.4 GiB
    assert peak < 2.9 * 2**30, f"{loader} without the cache peaks at {peak / 2**30:.2f} GiB (expected < 2.9)"
