"""First-order update rules.

Every rule has the signature ``next_w, config = update(w, dw, config=None)``:

* ``w`` is the current weights (an ndarray of any shape) and ``dw`` the
  gradient of the loss with respect to them, of the same shape;
* ``config`` is a dict of hyperparameters (``learning_rate``, ...) and of any
  state the rule carries between steps; defaults are filled in with
  ``setdefault``, and the rule returns the updated dict;
* ``next_w`` is the weights after the step.

The :class:`~cs231n.solver.Solver` keeps one ``config`` per parameter and
passes it back on the next step.
"""


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent: ``w -= learning_rate * dw``.

    Parameters
    ----------
    w, dw : ndarray of the same shape
    config : dict or None
        ``learning_rate`` (default 1e-2).

    Returns
    -------
    next_w : ndarray of the shape of ``w``
    config : dict
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)

    w -= config["learning_rate"] * dw
    return w, config
