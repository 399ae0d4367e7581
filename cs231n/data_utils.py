"""CIFAR-10 loading.

The data lives in ``cs231n/datasets/cifar-10-batches-py/``, where
``get_datasets.sh`` (repository root) puts it. Set the environment variable
``CS231N_DATASETS_DIR`` to use another datasets folder; both the script and
these loaders honour it.
"""
import json
import os
import pickle
import shutil
import tempfile

import numpy as np

#: Class names in label order, as the notebooks print them.
CIFAR10_CLASSES = ("plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

_BATCH_FILES = [f"data_batch_{b}" for b in range(1, 6)] + ["test_batch"]


def datasets_dir():
    """The folder holding the datasets: ``$CS231N_DATASETS_DIR`` or ``cs231n/datasets``."""
    return os.environ.get("CS231N_DATASETS_DIR") or os.path.join(os.path.dirname(__file__), "datasets")


def default_cifar10_dir():
    """Where ``get_datasets.sh`` puts CIFAR-10: ``<datasets_dir()>/cifar-10-batches-py``."""
    return os.path.join(datasets_dir(), "cifar-10-batches-py")


def _missing(path, what):
    return FileNotFoundError(
        f"{what} not found: {path}. Run `bash get_datasets.sh` from the repository root "
        f"to download CIFAR-10 into {default_cifar10_dir()}.")


def load_pickle(f):
    """Unpickle a CIFAR-10 batch written by Python 2 (``encoding='latin1'``)."""
    return pickle.load(f, encoding="latin1")


def load_CIFAR_batch(filename):
    """Load one CIFAR-10 batch file.

    Parameters
    ----------
    filename : str or path
        A ``data_batch_<k>`` or ``test_batch`` file of the official python release.

    Returns
    -------
    X : ndarray of shape (10000, 32, 32, 3), float64
        Pixel values 0..255, channels last (NHWC).
    Y : ndarray of shape (10000,), int64
        Labels 0..9.

    Raises
    ------
    FileNotFoundError
        If the file is missing (the message says to run get_datasets.sh).
    ValueError
        If the file is truncated or not a CIFAR-10 batch (the message names it).
    """
    data, labels = _read_batch(filename)
    # (n, 3072) in R,G,B planes -> (n, 3, 32, 32) -> (n, 32, 32, 3)
    X = data.reshape(len(labels), 3, 32, 32).transpose(0, 2, 3, 1).astype(np.float64)
    return X, labels


def _read_batch(filename):
    """The raw uint8 rows (n, 3072) and int64 labels (n,) of one batch file, checked."""
    filename = os.fspath(filename)
    if not os.path.isfile(filename):
        raise _missing(filename, "CIFAR-10 batch file")
    try:
        with open(filename, "rb") as f:
            datadict = load_pickle(f)
        data = np.asarray(datadict["data"])
        labels = np.asarray(datadict["labels"], dtype=np.int64)
    except Exception as e:  # truncated pickles raise EOFError, UnpicklingError, ValueError, ...
        raise ValueError(
            f"{filename} is corrupt or truncated and cannot be read ({type(e).__name__}: {e}). "
            f"Delete {os.path.dirname(filename)} and run `bash get_datasets.sh` again.") from e
    n = labels.shape[0]
    if data.shape != (n, 3072) or n == 0:
        raise ValueError(
            f"{filename} is not a CIFAR-10 batch: 'data' has shape {data.shape} for {n} labels, "
            f"expected ({n}, 3072). Delete {os.path.dirname(filename)} and run "
            f"`bash get_datasets.sh` again.")
    return data, labels


def load_CIFAR10(ROOT):
    """Load all of CIFAR-10.

    Parameters
    ----------
    ROOT : str or path
        The ``cifar-10-batches-py`` folder.

    Returns
    -------
    Xtr : ndarray of shape (50000, 32, 32, 3), float64
    Ytr : ndarray of shape (50000,), int64
    Xte : ndarray of shape (10000, 32, 32, 3), float64
    Yte : ndarray of shape (10000,), int64
    """
    ROOT = os.fspath(ROOT)
    if not os.path.isdir(ROOT):
        raise _missing(ROOT, "CIFAR-10 folder")
    cached = _load_cache(ROOT)
    if cached is not None:
        return cached
    return _load_batches(ROOT)


def _load_batches(ROOT):
    # The five training batches go straight into one float64 array: the peak is the result plus the
    # small uint8 rows, not the five float64 batches and their concatenation (twice the result).
    raw = [_read_batch(os.path.join(ROOT, f"data_batch_{b}")) for b in range(1, 6)]
    Ytr = np.concatenate([labels for _, labels in raw])
    Xtr = np.empty((len(Ytr), 32, 32, 3))
    start = 0
    for data, labels in raw:
        n = len(labels)
        # (n, 3072) in R,G,B planes -> (n, 3, 32, 32) -> (n, 32, 32, 3), converted on assignment
        Xtr[start:start + n] = data.reshape(n, 3, 32, 32).transpose(0, 2, 3, 1)
        start += n
    del raw
    Xte, Yte = load_CIFAR_batch(os.path.join(ROOT, "test_batch"))
    return Xtr, Ytr, Xte, Yte


#: Folder inside ``cifar-10-batches-py`` holding the arrays of :func:`load_CIFAR10` as ``.npy`` files.
CACHE_NAME = ".float64-cache"


def _batch_stamps(ROOT):
    """{batch file: [size, mtime_ns]}: a cache is valid only for the files it was built from."""
    stamps = {}
    for name in _BATCH_FILES:
        st = os.stat(os.path.join(ROOT, name))
        stamps[name] = [st.st_size, st.st_mtime_ns]
    return stamps


def _load_cache(ROOT):
    """The arrays of :func:`load_CIFAR10` from ``ROOT/.float64-cache``, or None if there is no valid cache.

    The images are memory-mapped copy-on-write: every process reading them shares one copy in the
    page cache, and writing to them changes only the writer's private pages, never the files.
    """
    cache = os.path.join(ROOT, CACHE_NAME)
    try:
        with open(os.path.join(cache, "manifest.json")) as f:
            manifest = json.load(f)
        if manifest.get("files") != _batch_stamps(ROOT):
            return None
        Xtr = np.load(os.path.join(cache, "Xtr.npy"), mmap_mode="c")
        Xte = np.load(os.path.join(cache, "Xte.npy"), mmap_mode="c")
        Ytr = np.load(os.path.join(cache, "Ytr.npy"))
        Yte = np.load(os.path.join(cache, "Yte.npy"))
    except (OSError, ValueError):
        return None
    if Xtr.shape != (len(Ytr), 32, 32, 3) or Xte.shape != (len(Yte), 32, 32, 3) or Xtr.dtype != np.float64:
        return None
    # plain ndarrays (their base keeps the mapping open), as the uncached loader returns
    return Xtr.view(np.ndarray), Ytr, Xte.view(np.ndarray), Yte


def _make_readable(cache):
    """Let every user read the cache: sandboxed kernels run as another uid (mkdtemp makes it 0700)."""
    try:
        os.chmod(cache, 0o755)
        for name in os.listdir(cache):
            path = os.path.join(cache, name)
            os.chmod(path, 0o755 if os.path.isdir(path) else 0o644)
    except OSError:  # not ours to change: whoever built it decides
        pass


#: Split sizes (num_training, num_validation, num_test) whose preprocessed arrays
#: :func:`build_CIFAR10_cache` stores too: the notebooks' defaults.
CACHED_SPLITS = ((49000, 1000, 1000),)


def _map(path):
    """A ``.npy`` file memory-mapped copy-on-write, as a plain ndarray (its base keeps the mapping open)."""
    return np.load(path, mmap_mode="c").view(np.ndarray)


def _preprocessed_name(kind, sizes):
    return f"{kind}-{sizes[0]}-{sizes[1]}-{sizes[2]}"


def _load_preprocessed(ROOT, kind, sizes):
    """The cached arrays of ``get_CIFAR10_rows`` (kind "rows") or ``get_CIFAR10_data`` ("nchw") for
    these split sizes, memory-mapped copy-on-write, or None if the cache has no valid copy."""
    folder = os.path.join(os.fspath(ROOT), CACHE_NAME, _preprocessed_name(kind, sizes))
    try:
        with open(os.path.join(folder, "manifest.json")) as f:
            manifest = json.load(f)
        if manifest.get("files") != _batch_stamps(ROOT) or manifest.get("sizes") != list(sizes):
            return None
        arrays = {name: _map(os.path.join(folder, name + ".npy")) for name in manifest["arrays"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if any(arrays[f"X_{k}"].shape[0] != n for k, n in zip(("train", "val", "test"), sizes)):
        return None
    return arrays


def _write_folder(final, arrays, manifest):
    """Write ``arrays`` (name -> ndarray) and ``manifest`` as ``final``, appearing in one rename."""
    parent = os.path.dirname(final)
    tmp = tempfile.mkdtemp(prefix=os.path.basename(final) + ".tmp-", dir=parent)
    try:
        for name, a in arrays.items():
            np.save(os.path.join(tmp, name + ".npy"), a)
        with open(os.path.join(tmp, "manifest.json"), "w") as f:
            json.dump(manifest, f)
        _make_readable(tmp)
        if os.path.isdir(final):  # stale (the batches changed): replace it
            shutil.rmtree(final, ignore_errors=True)
        try:
            os.rename(tmp, final)
        except OSError:  # another process put its copy in place first
            pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def build_CIFAR10_cache(ROOT=None, splits=CACHED_SPLITS):
    """Store CIFAR-10 as ``.npy`` files in ``ROOT/.float64-cache`` so later loads map them.

    For graders: a machine grading many notebooks builds the cache once, and every notebook kernel
    then maps it instead of decoding the batches into private float64 copies. The cache holds the
    arrays of :func:`load_CIFAR10` (1.5 GB) and, for each split size in ``splits``, the preprocessed
    arrays of :func:`get_CIFAR10_rows` (with the bias column) and :func:`get_CIFAR10_data` (mean
    subtracted), 1.2 GB each for the default splits, about 4 GB in all. The loaders return the same
    values either way (tests/test_data_utils.py compares them bit for bit); mapped arrays are
    copy-on-write, so writing to them changes only the writer's own pages, never the files.

    Safe to call again and from several processes at once: valid parts are kept, and each new part
    appears in one rename. Returns the cache folder.

    Parameters
    ----------
    ROOT : str or path or None
        The ``cifar-10-batches-py`` folder; default :func:`default_cifar10_dir`.
    splits : sequence of (num_training, num_validation, num_test)
        Split sizes to preprocess; sizes the dataset is too small for are skipped.
    """
    ROOT = os.fspath(ROOT or default_cifar10_dir())
    if not os.path.isdir(ROOT):
        raise _missing(ROOT, "CIFAR-10 folder")
    final = os.path.join(ROOT, CACHE_NAME)
    if _load_cache(ROOT) is None:
        stamps = _batch_stamps(ROOT)
        Xtr, Ytr, Xte, Yte = _load_batches(ROOT)
        if os.path.isdir(final):  # a stale cache (the batches changed), preprocessed parts and all
            shutil.rmtree(final, ignore_errors=True)
        _write_folder(final, {"Xtr": Xtr, "Ytr": Ytr, "Xte": Xte, "Yte": Yte}, {"files": stamps})
        del Xtr, Xte
    _make_readable(final)
    Ytr, Yte = _load_cache(ROOT)[1::2]
    for sizes in splits:
        sizes = tuple(int(n) for n in sizes)
        if sizes[0] + sizes[1] > len(Ytr) or sizes[2] > len(Yte):
            continue
        for kind in ("rows", "nchw"):
            if _load_preprocessed(ROOT, kind, sizes) is not None:
                continue
            if kind == "rows":
                out = _rows(*_splits(*sizes, ROOT), bias=True)
                arrays = {k: out[k] for k in ("X_train", "X_val", "X_test")}
                arrays["mean_row"] = out["mean_row"]
            else:
                arrays = _nchw(*_splits(*sizes, ROOT), subtract_mean=True)
                arrays = {k: arrays[k] for k in ("X_train", "X_val", "X_test")}
            _write_folder(os.path.join(final, _preprocessed_name(kind, sizes)), arrays,
                          {"files": _batch_stamps(ROOT), "sizes": list(sizes), "arrays": sorted(arrays)})
            del arrays
    return final


def _splits(num_training, num_validation, num_test, cifar10_dir):
    """The 2022 splits of CIFAR-10, channels last: train, val (the next training images), test."""
    _check_sizes(num_training, num_validation, num_test)
    X_train, y_train, X_test, y_test = load_CIFAR10(cifar10_dir or default_cifar10_dir())
    val = slice(num_training, num_training + num_validation)
    return (X_train[:num_training], y_train[:num_training], X_train[val], y_train[val],
            X_test[:num_test], y_test[:num_test])


def _check_sizes(num_training, num_validation, num_test):
    if num_training < 0 or num_validation < 0 or num_training + num_validation > 50000:
        raise ValueError(f"num_training + num_validation must be at most 50000, got "
                         f"{num_training} + {num_validation}")
    if not 0 <= num_test <= 10000:
        raise ValueError(f"num_test must be between 0 and 10000, got {num_test}")


def _cached_labels(ROOT, sizes):
    """The labels of the splits from the cache (small arrays, read into memory)."""
    Ytr = np.load(os.path.join(ROOT, CACHE_NAME, "Ytr.npy"))
    Yte = np.load(os.path.join(ROOT, CACHE_NAME, "Yte.npy"))
    ntr, nval, nte = sizes
    return Ytr[:ntr].copy(), Ytr[ntr:ntr + nval].copy(), Yte[:nte].copy()


def _nchw(X_train, y_train, X_val, y_val, X_test, y_test, subtract_mean):
    """The arrays of :func:`get_CIFAR10_data` from the channels-last splits."""
    mean_image = np.mean(X_train, axis=0) if subtract_mean else np.zeros((32, 32, 3))  # (32, 32, 3)
    out = {}
    for name, X in (("X_train", X_train), ("X_val", X_val), ("X_test", X_test)):
        # (N, 32, 32, 3) -> (N, 3, 32, 32): one new contiguous array, the subtraction written into it
        Y = np.empty((X.shape[0], 3, 32, 32))
        if subtract_mean:
            np.subtract(X.transpose(0, 3, 1, 2), mean_image.transpose(2, 0, 1), out=Y)
        else:
            Y[...] = X.transpose(0, 3, 1, 2)
        out[name] = Y
    out["y_train"], out["y_val"], out["y_test"] = y_train.copy(), y_val.copy(), y_test.copy()
    return out


def get_CIFAR10_data(num_training=49000, num_validation=1000, num_test=1000,
                     subtract_mean=True, cifar10_dir=None):
    """CIFAR-10 split and preprocessed for the neural-network notebooks.

    The validation set is the ``num_validation`` training images right after
    the first ``num_training``; the test set is the first ``num_test`` images
    of ``test_batch``. If :func:`build_CIFAR10_cache` stored these splits, the
    images are memory-mapped from the cache (same values, copy-on-write).

    Parameters
    ----------
    num_training, num_validation, num_test : int
        Split sizes; ``num_training + num_validation`` must not exceed 50000
        and ``num_test`` 10000.
    subtract_mean : bool
        Subtract the per-pixel mean image of the training split from all
        three splits (no division by the standard deviation).
    cifar10_dir : str or None
        The ``cifar-10-batches-py`` folder; default :func:`default_cifar10_dir`.

    Returns
    -------
    dict
        ``X_train`` (num_training, 3, 32, 32), ``y_train`` (num_training,),
        ``X_val`` (num_validation, 3, 32, 32), ``y_val`` (num_validation,),
        ``X_test`` (num_test, 3, 32, 32), ``y_test`` (num_test,). Images are
        float64 NCHW, C-contiguous, labels int64.
    """
    _check_sizes(num_training, num_validation, num_test)
    root = os.fspath(cifar10_dir or default_cifar10_dir())
    sizes = (num_training, num_validation, num_test)
    cached = _load_preprocessed(root, "nchw", sizes) if subtract_mean else None
    if cached is not None:
        y_train, y_val, y_test = _cached_labels(root, sizes)
        return {"X_train": cached["X_train"], "y_train": y_train, "X_val": cached["X_val"], "y_val": y_val,
                "X_test": cached["X_test"], "y_test": y_test}
    return _nchw(*_splits(*sizes, root), subtract_mean=subtract_mean)


def _rows(X_train, y_train, X_val, y_val, X_test, y_test, bias):
    """X_train/X_val/X_test of :func:`get_CIFAR10_rows` (rows, mean subtracted, bias column), labels and
    ``mean_row`` (3072,), from the channels-last splits."""
    # (N, 32, 32, 3) -> (N, 3072): the raw batches' pixel order, channels last
    rows = {"train": X_train.reshape(len(X_train), -1), "val": X_val.reshape(len(X_val), -1),
            "test": X_test.reshape(len(X_test), -1)}
    mean_row = rows["train"].mean(axis=0)  # (3072,)
    out = {}
    for k, X in rows.items():
        out[f"X_{k}"] = _center(X, mean_row, bias)
    out["y_train"], out["y_val"], out["y_test"] = y_train.copy(), y_val.copy(), y_test.copy()
    out["mean_row"] = mean_row
    return out


def _center(X, mean_row, bias):
    """(N, 3072) rows minus ``mean_row``, with a column of ones appended if ``bias``: (N, 3072 + bias)."""
    D = X.shape[1]
    out = np.empty((X.shape[0], D + 1 if bias else D))
    np.subtract(X, mean_row, out=out[:, :D])  # written in place: one (N, D) array, not two
    if bias:
        out[:, D] = 1.0
    return out


def get_CIFAR10_rows(num_training=49000, num_validation=1000, num_test=1000, num_dev=500,
                     bias=True, seed=None, cifar10_dir=None):
    """CIFAR-10 as rows of pixels for the linear classifiers (svm.ipynb, softmax.ipynb).

    Splits as in :func:`get_CIFAR10_data`; the dev set is ``num_dev`` training
    images drawn without replacement, for fast experiments. Every image is
    flattened, the mean image of the training split is subtracted, and with
    ``bias`` a constant 1 is appended (the bias trick: ``X @ W`` then includes
    the bias in the last row of W). If :func:`build_CIFAR10_cache` stored these
    splits, the rows are memory-mapped from the cache (same values, copy-on-write).

    Returns
    -------
    dict
        ``X_train`` (num_training, D), ``y_train``, ``X_val`` (num_validation, D),
        ``y_val``, ``X_test`` (num_test, D), ``y_test``, ``X_dev`` (num_dev, D),
        ``y_dev``, and ``mean_image`` (32, 32, 3); D = 3073 with ``bias``, else 3072.
    """
    _check_sizes(num_training, num_validation, num_test)
    if not 0 <= num_dev <= num_training:
        raise ValueError(f"num_dev must be between 0 and num_training ({num_training}), got {num_dev}")
    root = os.fspath(cifar10_dir or default_cifar10_dir())
    sizes = (num_training, num_validation, num_test)
    dev = np.random.default_rng(seed).choice(num_training, num_dev, replace=False)
    cached = _load_preprocessed(root, "rows", sizes) if bias else None
    if cached is not None:
        out = {k: cached[k] for k in ("X_train", "X_val", "X_test")}
        out["y_train"], out["y_val"], out["y_test"] = _cached_labels(root, sizes)
        mean_row = cached["mean_row"]
        # the dev rows of the centred training rows are the centred dev rows: the same subtraction
        out["X_dev"] = np.ascontiguousarray(out["X_train"][dev])
    else:
        out = _rows(*_splits(*sizes, root), bias=bias)
        mean_row = out.pop("mean_row")
        out["X_dev"] = out["X_train"][dev]
    out["y_dev"] = out["y_train"][dev]
    out["mean_image"] = np.array(mean_row).reshape(32, 32, 3)
    return out
