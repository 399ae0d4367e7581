"""Atomic file writes: a crash or Ctrl-C never leaves half a file where a good one was."""
import contextlib
import os
import tempfile

import numpy as np


@contextlib.contextmanager
def atomic_open(path, mode="wb"):
    """Open a temporary file beside ``path`` for writing; rename it onto ``path`` on success."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def save_npz(path, **arrays):
    """``np.savez(path, **arrays)``, atomically, to exactly ``path`` (no ``.npz`` appended)."""
    with atomic_open(path) as f:
        np.savez(f, **arrays)
