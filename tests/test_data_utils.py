"""CIFAR-10 loader: real data shapes and splits, and clear errors for missing or broken files."""
import os
import pickle

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
