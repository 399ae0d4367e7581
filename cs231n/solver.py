"""Minibatch training of classification models.

A :class:`Solver` trains any model that follows this API:

* ``model.params`` is a dict from parameter names to ndarrays;
* ``model.loss(X, y)`` returns ``(loss, grads)`` at training time, ``grads``
  having the keys and shapes of ``model.params``;
* ``model.loss(X)`` (``y`` None) returns the scores, of shape (N, C).

Example::

    data = get_CIFAR10_data()
    model = TwoLayerNet(hidden_dim=100, reg=1e-3)
    solver = Solver(model, data, update_rule="sgd",
                    optim_config={"learning_rate": 1e-3},
                    lr_decay=0.95, num_epochs=10, batch_size=100, print_every=100)
    solver.train()
    # model.params now holds the parameters that did best on the validation set;
    # solver.loss_history, solver.train_acc_history and solver.val_acc_history
    # hold the curves to plot.
"""
import pickle
import sys

import numpy as np

from . import optim
from ._io import atomic_open
from .nbutils import progress_bar

_OPTIONS = {
    "update_rule": "sgd",
    "optim_config": None,
    "lr_decay": 1.0,
    "batch_size": 100,
    "num_epochs": 10,
    "num_train_samples": 1000,
    "num_val_samples": None,
    "checkpoint_name": None,
    "print_every": 10,
    "verbose": True,
    "progress": None,
}


class Solver:
    """Trains a classification model with minibatch gradient descent.

    Parameters
    ----------
    model : object
        A model following the API in the module docstring.
    data : dict
        ``X_train`` (N_train, d_1, ..., d_k), ``y_train`` (N_train,),
        ``X_val`` (N_val, d_1, ..., d_k), ``y_val`` (N_val,).
    update_rule : str, default 'sgd'
        Name of an update rule in :mod:`cs231n.optim`.
    optim_config : dict, optional
        Hyperparameters for the update rule; every rule takes
        ``learning_rate``. Each parameter gets its own copy.
    lr_decay : float, default 1.0
        The learning rate is multiplied by this after each epoch.
    batch_size : int, default 100
        Minibatch size for the loss and gradient.
    num_epochs : int, default 10
        Number of epochs to train for.
    num_train_samples : int or None, default 1000
        Training examples used to check training accuracy; None uses all.
    num_val_samples : int or None, default None
        Validation examples used to check validation accuracy; None uses all.
    checkpoint_name : str or None, default None
        If given, a checkpoint ``<checkpoint_name>_epoch_<e>.pkl`` is written
        (atomically) after every epoch.
    print_every : int, default 10
        Print the training loss every ``print_every`` iterations.
    verbose : bool, default True
        If False, print nothing.
    progress : bool or None, default None
        Progress bar over iterations showing the current loss. None: shown in
        Jupyter notebooks when ``verbose``; True/False: always/never.

    Attributes
    ----------
    loss_history : list of float
        Loss at every iteration.
    train_acc_history, val_acc_history : list of float
        Accuracies at the first iteration, the end of every epoch and the last
        iteration.
    best_val_acc : float
    best_params : dict of str to ndarray
        The parameters with the best validation accuracy; copied into
        ``model.params`` when :meth:`train` returns.

    Raises
    ------
    ValueError
        For an unknown option (naming it), an unknown update rule, or missing
        data keys.
    """

    def __init__(self, model, data, **kwargs):
        unknown = sorted(set(kwargs) - set(_OPTIONS))
        if unknown:
            raise ValueError(f"Unrecognized arguments {', '.join(unknown)}; "
                             f"Solver accepts {', '.join(sorted(_OPTIONS))}")
        missing = [k for k in ("X_train", "y_train", "X_val", "y_val") if k not in data]
        if missing:
            raise ValueError(f"data is missing {', '.join(missing)}; it needs X_train, y_train, X_val, y_val")
        opts = {**_OPTIONS, **kwargs}

        self.model = model
        self.X_train = data["X_train"]
        self.y_train = data["y_train"]
        self.X_val = data["X_val"]
        self.y_val = data["y_val"]

        self.update_rule = opts["update_rule"]
        self.optim_config = dict(opts["optim_config"] or {})
        self.lr_decay = opts["lr_decay"]
        self.batch_size = opts["batch_size"]
        self.num_epochs = opts["num_epochs"]
        self.num_train_samples = opts["num_train_samples"]
        self.num_val_samples = opts["num_val_samples"]
        self.checkpoint_name = opts["checkpoint_name"]
        self.print_every = opts["print_every"]
        self.verbose = opts["verbose"]
        self.progress = opts["progress"]
        self._bar = None  # the progress bar while train() runs

        # Make sure the update rule exists, then replace the string name with the actual function
        rule = getattr(optim, self.update_rule, None) if isinstance(self.update_rule, str) else None
        if not callable(rule):
            rules = [n for n in dir(optim) if not n.startswith("_") and callable(getattr(optim, n))]
            raise ValueError(f'Invalid update_rule "{self.update_rule}"; cs231n.optim has {", ".join(rules)}')
        self.update_rule = rule

        self._reset()

    def _reset(self):
        """Set up book-keeping variables for optimization. Don't call this manually."""
        self.epoch = 0
        self.best_val_acc = 0
        self.best_params = {}
        self.loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []

        # Make a deep copy of the optim_config for each parameter
        self.optim_configs = {p: dict(self.optim_config) for p in self.model.params}

    def _step(self):
        """Make a single gradient update. This is called by train() and should not be called manually."""
        # Make a minibatch of training data
        num_train = self.X_train.shape[0]
        batch_mask = np.random.choice(num_train, self.batch_size)
        X_batch = self.X_train[batch_mask]
        y_batch = self.y_train[batch_mask]

        # Compute loss and gradient
        loss, grads = self.model.loss(X_batch, y_batch)
        self.loss_history.append(loss)

        # Perform a parameter update
        for p, w in self.model.params.items():
            dw = grads[p]
            config = self.optim_configs[p]
            next_w, next_config = self.update_rule(w, dw, config)
            self.model.params[p] = next_w
            self.optim_configs[p] = next_config

    def _save_checkpoint(self):
        if self.checkpoint_name is None:
            return
        checkpoint = {
            "model": self.model,
            "update_rule": self.update_rule,
            "lr_decay": self.lr_decay,
            "optim_config": self.optim_config,
            "batch_size": self.batch_size,
            "num_train_samples": self.num_train_samples,
            "num_val_samples": self.num_val_samples,
            "epoch": self.epoch,
            "loss_history": self.loss_history,
            "train_acc_history": self.train_acc_history,
            "val_acc_history": self.val_acc_history,
        }
        filename = f"{self.checkpoint_name}_epoch_{self.epoch}.pkl"
        if self.verbose:
            self._log(f'Saving checkpoint to "{filename}"')
        with atomic_open(filename, "wb") as f:
            pickle.dump(checkpoint, f)

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        """Accuracy of the model on the provided data.

        Parameters
        ----------
        X : ndarray of shape (N, d_1, ..., d_k)
        y : ndarray of shape (N,)
        num_samples : int or None
            If given, subsample this many examples (with replacement).
        batch_size : int
            Split X and y into batches of this size to bound memory use.

        Returns
        -------
        acc : float
            Fraction of examples correctly classified by the model.
        """
        # Maybe subsample the data
        N = X.shape[0]
        if num_samples is not None and N > num_samples:
            mask = np.random.choice(N, num_samples)
            N = num_samples
            X = X[mask]
            y = y[mask]

        # Compute predictions in batches
        y_pred = []
        for start in range(0, N, batch_size):
            scores = self.model.loss(X[start:start + batch_size])
            y_pred.append(np.argmax(scores, axis=1))
        y_pred = np.concatenate(y_pred) if y_pred else np.zeros(0, dtype=np.int64)
        return float(np.mean(y_pred == y))

    def _log(self, line):
        if self._bar is not None:
            self._bar.write(line, file=sys.stdout)  # keeps a text bar below the log lines
        else:
            print(line)

    def train(self):
        """Run optimization to train the model, then load the best parameters into it."""
        num_train = self.X_train.shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch
        self._bar = progress_bar(num_iterations, "training",
                                 self.progress if self.progress is not None else (None if self.verbose else False))
        try:
            for t in range(num_iterations):
                self._step()
                if self._bar is not None:
                    self._bar.set_postfix(loss=f"{self.loss_history[-1]:.4f}", refresh=False)
                    self._bar.update(1)

                # Maybe print training loss
                if self.verbose and t % self.print_every == 0:
                    self._log(f"(Iteration {t + 1} / {num_iterations}) loss: {self.loss_history[-1]:f}")

                # At the end of every epoch, increment the epoch counter and decay
                # the learning rate.
                epoch_end = (t + 1) % iterations_per_epoch == 0
                if epoch_end:
                    self.epoch += 1
                    for k in self.optim_configs:
                        if "learning_rate" in self.optim_configs[k]:
                            self.optim_configs[k]["learning_rate"] *= self.lr_decay

                # Check train and val accuracy on the first iteration, the last
                # iteration, and at the end of each epoch.
                first_it = t == 0
                last_it = t == num_iterations - 1
                if first_it or last_it or epoch_end:
                    train_acc = self.check_accuracy(self.X_train, self.y_train,
                                                    num_samples=self.num_train_samples)
                    val_acc = self.check_accuracy(self.X_val, self.y_val, num_samples=self.num_val_samples)
                    self.train_acc_history.append(train_acc)
                    self.val_acc_history.append(val_acc)
                    self._save_checkpoint()

                    if self.verbose:
                        self._log(f"(Epoch {self.epoch} / {self.num_epochs}) train acc: {train_acc:f}; "
                                  f"val_acc: {val_acc:f}")

                    # Keep track of the best model
                    if val_acc > self.best_val_acc or not self.best_params:
                        self.best_val_acc = val_acc
                        self.best_params = {k: v.copy() for k, v in self.model.params.items()}
        finally:
            if self._bar is not None:
                self._bar.close()
            self._bar = None

        # At the end of training swap the best params into the model
        self.model.params = self.best_params
