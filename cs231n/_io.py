"""Atomic file writes (a crash or Ctrl-C never leaves half a file where a good one was), and the
save/load/from_file machinery of the networks."""
import contextlib
import json
import os
import tempfile

import numpy as np


def _umask():
    """The process's umask, read without changing it (os.umask would, for a moment, in every thread)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # no /proc: read it by setting it
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_open(path, mode="wb"):
    """Open a temporary file beside ``path`` for writing; rename it onto ``path`` on success."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        os.chmod(fd, 0o666 & ~_umask())  # mkstemp makes it 0600; open() would give 0666 less the umask
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


# ---------------------------------------------------------------------------------------------
# saving and loading the networks (TwoLayerNet, FullyConnectedNet, ThreeLayerConvNet)

#: Version of the model file layout written by :meth:`SavableModel.save`.
MODEL_FORMAT = 1

_STATE_PREFIX = "__state__"


def _json_normal(value):
    """``value`` as it reads back from JSON (tuples become lists), so configurations compare equal."""
    return json.loads(json.dumps(value))


def read_model_file(path):
    """Every array of a model file written by :meth:`SavableModel.save`, as a dict.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is truncated, corrupt or not an ``.npz`` file (the message names the file).
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"model file not found: {path}")
    try:
        with open(path, "rb") as fh:
            f = np.load(fh, allow_pickle=False)
            if not isinstance(f, np.lib.npyio.NpzFile):
                raise ValueError(f"it holds a single {type(f).__name__}, not the .npz archive save() writes")
            with f:
                return {k: f[k] for k in f.files}
    except Exception as e:  # BadZipFile, EOFError, zlib.error, ValueError (pickled data), OSError, ...
        raise ValueError(f"{path} is not a readable model file ({type(e).__name__}: {e}); it is truncated, "
                         f"corrupt or not written by save(): save the model again") from e


class SavableModel:
    """``save``, ``load`` and ``from_file`` for the networks, so trained models are graded without
    retraining.

    One ``.npz`` file holds everything needed to rebuild the model and reproduce its scores:

    * ``__kind__``: the class name; ``__format__``: :data:`MODEL_FORMAT`;
    * ``__config__``: the constructor arguments that define the architecture (sizes,
      normalization, dropout keep ratio, dtype, ...) and ``reg``, as JSON;
    * every entry of ``params`` under its own name (``W1``, ``b1``, ``gamma1``, ...);
    * ``__state__<name>``: state that lives outside ``params``, e.g. the batch-normalization
      running statistics (``bn1_running_mean``, ...), without which a loaded model would score
      differently in test mode.

    Subclasses define ``_config()`` (a dict of JSON-able constructor arguments) and, if they have
    state outside ``params``, ``_state()`` and ``_set_state(arrays, path)``. Configuration keys
    in ``_SETTINGS`` (``reg``, ``seed``) are restored by :meth:`load` rather than compared.
    """

    _SETTINGS = ("reg", "seed")

    def _config(self):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def _state(self):
        return {}

    def _set_state(self, arrays, path):
        if arrays:
            raise ValueError(f"{path} holds state {sorted(arrays)} that a {type(self).__name__} does not have")

    @classmethod
    def _legacy_config(cls, arrays, path):
        """The configuration of a file written before ``__config__`` existed (only TwoLayerNet had such files)."""
        raise ValueError(f"{path} holds no architecture (__config__); it was not written by {cls.__name__}.save()")

    def save(self, path):
        """Write the architecture, ``reg``, ``self.params`` and any state to ``path`` (an ``.npz`` file),
        atomically: a crash never leaves half a file where a good one was."""
        arrays = {"__kind__": np.array(type(self).__name__), "__format__": np.array(MODEL_FORMAT),
                  "__config__": np.array(json.dumps(self._config(), sort_keys=True)),
                  "__reg__": np.array(float(self.reg))}
        for name, value in self.params.items():
            arrays[name] = np.asarray(value)
        for name, value in self._state().items():
            arrays[_STATE_PREFIX + name] = np.asarray(value)
        save_npz(path, **arrays)

    @classmethod
    def _read(cls, path):
        """(config, params, state) of the file at ``path``, checked to be a ``cls`` file."""
        path = os.fspath(path)
        arrays = read_model_file(path)
        kind = str(arrays["__kind__"]) if "__kind__" in arrays else None
        if kind is not None and kind != cls.__name__:
            raise ValueError(f"{path} holds a {kind}, not a {cls.__name__}; load it with {kind}.from_file(path)")
        if "__config__" in arrays:
            try:
                config = json.loads(str(arrays["__config__"]))
            except ValueError as e:
                raise ValueError(f"{path}: its architecture (__config__) is not valid JSON ({e})") from e
            if not isinstance(config, dict):
                raise ValueError(f"{path}: its architecture (__config__) is {config!r}, not a dict")
        else:
            config = cls._legacy_config(arrays, path)
        if "__reg__" in arrays:
            config["reg"] = float(arrays["__reg__"])
        params = {k: v for k, v in arrays.items() if not k.startswith("__")}
        state = {k[len(_STATE_PREFIX):]: v for k, v in arrays.items() if k.startswith(_STATE_PREFIX)}
        return config, params, state

    def load(self, path):
        """Read a model written by :meth:`save` into this model and return it.

        The model must have the architecture of the saved one (build it with the same arguments,
        or use ``from_file``); ``reg`` is taken from the file.

        Raises
        ------
        ValueError
            Naming the file and what differs: another kind of model, another architecture,
            parameters of other names or shapes, or a truncated or corrupt file.
        """
        path = os.fspath(path)
        config, params, state = self._read(path)
        mine = _json_normal(self._config())
        theirs = _json_normal(config)
        differ = [k for k in sorted(set(mine) | set(theirs)) if k not in self._SETTINGS
                  and mine.get(k, "<absent>") != theirs.get(k, "<absent>")]
        if differ:
            found = ", ".join(f"{k}={theirs.get(k, '<absent>')!r}" for k in differ)
            want = ", ".join(f"{k}={mine.get(k, '<absent>')!r}" for k in differ)
            raise ValueError(f"{path} holds a {type(self).__name__} with {found}; this model has {want}. "
                             f"Build the model with the saved arguments, or use "
                             f"{type(self).__name__}.from_file(path)")
        if set(params) != set(self.params):
            raise ValueError(f"{path} holds parameters {sorted(params)}, this model has {sorted(self.params)}")
        for k, v in params.items():
            if v.shape != self.params[k].shape:
                raise ValueError(f"{path}: parameter {k} has shape {v.shape}, this model needs "
                                 f"{self.params[k].shape}; build the model with the sizes it was saved with")
        self._set_state(state, path)
        for k, v in params.items():
            self.params[k] = v.astype(self.params[k].dtype)
        if "reg" in config:
            self.reg = config["reg"]
        return self

    @classmethod
    def from_file(cls, path):
        """The model saved in ``path`` by :meth:`save`: built with the saved architecture, then loaded.

        NumPy's global random state is left as it was (building the model draws random weights).
        """
        config, _, _ = cls._read(path)
        rng_state = np.random.get_state()
        try:
            model = cls(**config)
        except (TypeError, ValueError) as e:
            raise ValueError(f"{os.fspath(path)}: cannot build a {cls.__name__} from its architecture "
                             f"{config} ({e})") from e
        finally:
            np.random.set_state(rng_state)
        return model.load(path)
