"""Shared fixtures. The repository root is put on sys.path so `tools` is importable."""
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture
def rng():
    """A fresh, seeded generator for each test."""
    return np.random.default_rng(231)


def _cifar_dir():
    from cs231n.data_utils import default_cifar10_dir
    return default_cifar10_dir()


@pytest.fixture(scope="session")
def cifar10_dir():
    """The downloaded CIFAR-10 folder.

    Skips when it is missing, unless CS231N_REQUIRE_DATA=1 (set by `make test`
    and CI), where a missing dataset is a failure.
    """
    path = _cifar_dir()
    if not os.path.isfile(os.path.join(path, "test_batch")):
        msg = f"CIFAR-10 not found in {path}; run `bash get_datasets.sh`"
        if os.environ.get("CS231N_REQUIRE_DATA") == "1":
            pytest.fail(msg)
        pytest.skip(msg)
    return path


@pytest.fixture(scope="session")
def cifar10_raw(cifar10_dir):
    """(Xtr, Ytr, Xte, Yte) of the real data, loaded once per session."""
    from cs231n.data_utils import load_CIFAR10
    return load_CIFAR10(cifar10_dir)


#: Skip marker for tests that need bubblewrap; under CS231N_REQUIRE_SANDBOX=1 (CI) they run anyway,
#: so a missing bwrap is a failure there, not a skip.
needs_bwrap = pytest.mark.skipif(
    shutil.which("bwrap") is None and os.environ.get("CS231N_REQUIRE_SANDBOX") != "1",
    reason="bubblewrap (bwrap) is not installed; `apt-get install bubblewrap`")
