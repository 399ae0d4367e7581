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
import numpy as np


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


def sgd_momentum(w, dw, config=None):
    """Stochastic gradient descent with momentum.

    Parameters
    ----------
    w, dw : ndarray of the same shape
    config : dict or None
        ``learning_rate`` (default 1e-2); ``momentum`` (default 0.9; 0 is
        plain SGD); ``velocity`` (ndarray of the shape of w, default zeros),
        the moving average of the steps, stored back into config.

    Returns
    -------
    next_w : ndarray of the shape of ``w``
    config : dict

    Notes
    -----
    ::

        v = momentum * v - learning_rate * dw
        next_w = w + v
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))

    next_w = None
    # TODO: Implement the momentum update formula. Store the updated value in the next_w variable.
    # You should also use and update the velocity v.
    ### BEGIN SOLUTION
    v = config["momentum"] * v - config["learning_rate"] * dw
    next_w = w + v
    ### END SOLUTION
    config["velocity"] = v
    return next_w, config


def rmsprop(w, dw, config=None):
    """RMSProp: steps scaled by a moving average of the squared gradients.

    Parameters
    ----------
    w, dw : ndarray of the same shape
    config : dict or None
        ``learning_rate`` (default 1e-2); ``decay_rate`` (default 0.99), the
        decay of the squared-gradient cache; ``epsilon`` (default 1e-8), which
        keeps the division finite; ``cache`` (ndarray of the shape of w,
        default zeros), the moving average of dw ** 2.

    Returns
    -------
    next_w : ndarray of the shape of ``w``
    config : dict

    Notes
    -----
    ::

        cache = decay_rate * cache + (1 - decay_rate) * dw ** 2
        next_w = w - learning_rate * dw / (sqrt(cache) + epsilon)

    References
    ----------
    T. Tieleman and G. Hinton, Lecture 6.5 of "Neural Networks for Machine
    Learning" (Coursera), 2012.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("cache", np.zeros_like(w))

    next_w = None
    # TODO: Implement the RMSprop update formula, storing the next value of w in the next_w variable.
    # Don't forget to update the cache value stored in config['cache'].
    ### BEGIN SOLUTION
    decay = config["decay_rate"]
    config["cache"] = decay * config["cache"] + (1 - decay) * dw ** 2
    next_w = w - config["learning_rate"] * dw / (np.sqrt(config["cache"]) + config["epsilon"])
    ### END SOLUTION
    return next_w, config


def adam(w, dw, config=None):
    """Adam: moving averages of the gradient and of its square, both bias-corrected.

    Parameters
    ----------
    w, dw : ndarray of the same shape
    config : dict or None
        ``learning_rate`` (default 1e-3); ``beta1`` (default 0.9) and
        ``beta2`` (default 0.999), the decays of the moving averages;
        ``epsilon`` (default 1e-8); ``m`` and ``v`` (ndarrays of the shape of
        w, default zeros), the moving averages of dw and dw ** 2; ``t``
        (default 0), the number of steps taken.

    Returns
    -------
    next_w : ndarray of the shape of ``w``
    config : dict

    Notes
    -----
    ``t`` is incremented **before** it is used, and both averages are
    bias-corrected (the full form, not the simplified one)::

        t = t + 1
        m = beta1 * m + (1 - beta1) * dw
        v = beta2 * v + (1 - beta2) * dw ** 2
        m_hat = m / (1 - beta1 ** t);  v_hat = v / (1 - beta2 ** t)
        next_w = w - learning_rate * m_hat / (sqrt(v_hat) + epsilon)

    References
    ----------
    D. P. Kingma and J. Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("m", np.zeros_like(w))
    config.setdefault("v", np.zeros_like(w))
    config.setdefault("t", 0)

    next_w = None
    # TODO: Implement the Adam update formula, storing the next value of w in the next_w variable.
    # Don't forget to update the m, v, and t variables stored in config.
    # NOTE: In order to match the reference output, please modify t _before_ using it in any
    # calculations.
    ### BEGIN SOLUTION
    beta1, beta2 = config["beta1"], config["beta2"]
    config["t"] += 1
    t = config["t"]
    config["m"] = beta1 * config["m"] + (1 - beta1) * dw
    config["v"] = beta2 * config["v"] + (1 - beta2) * dw ** 2
    m_hat = config["m"] / (1 - beta1 ** t)
    v_hat = config["v"] / (1 - beta2 ** t)
    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])
    ### END SOLUTION
    return next_w, config
