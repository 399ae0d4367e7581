"""Update rules: the fixed-input checks of FullyConnectedNets.ipynb (Appendix A of the reference doc),
the defaults, the state they carry, and that they minimize a quadratic."""
import numpy as np
import pytest

from cs231n.optim import adam, rmsprop, sgd, sgd_momentum
from cs231n.testing import linspace_array, rel_error

HALF_UNIT_8 = 0.5e-8 * (1 + 1e-9)  # the notebook prints the expected arrays rounded to 8 decimals


def check_expected(got, expected, bound):
    """Below the notebook's bound, and every value within half a unit of the 8th decimal it was printed with."""
    expected = np.asarray(expected).reshape(got.shape)
    err = rel_error(got, expected)
    assert err < bound, f"relative error {err:.2e} > {bound:.0e}"
    assert np.max(np.abs(got - expected)) <= HALF_UNIT_8, np.max(np.abs(got - expected))


def inputs():
    N, D = 4, 5
    return linspace_array((N, D), -0.4, 0.6), linspace_array((N, D), -0.6, 0.4)


def test_sgd_momentum_reference_values():
    """Notebook: errors 'around 1e-8 or less' (2022: about 9e-9 and 4e-9)."""
    w, dw = inputs()
    v = linspace_array((4, 5), 0.6, 0.9)
    config = {"learning_rate": 1e-3, "velocity": v}
    next_w, config = sgd_momentum(w, dw, config=config)
    check_expected(next_w, [
        0.1406, 0.20738947, 0.27417895, 0.34096842, 0.40775789,
        0.47454737, 0.54133684, 0.60812632, 0.67491579, 0.74170526,
        0.80849474, 0.87528421, 0.94207368, 1.00886316, 1.07565263,
        1.14244211, 1.20923158, 1.27602105, 1.34281053, 1.4096], 1e-8)
    check_expected(config["velocity"], [
        0.5406, 0.55475789, 0.56891579, 0.58307368, 0.59723158,
        0.61138947, 0.62554737, 0.63970526, 0.65386316, 0.66802105,
        0.68217895, 0.69633684, 0.71049474, 0.72465263, 0.73881053,
        0.75296842, 0.76712632, 0.78128421, 0.79544211, 0.8096], 1e-8)


def test_rmsprop_reference_values():
    """Notebook: errors 'around 1e-7 or less' (2022: about 1e-7 and 3e-9)."""
    w, dw = inputs()
    cache = linspace_array((4, 5), 0.6, 0.9)
    next_w, config = rmsprop(w, dw, config={"learning_rate": 1e-2, "cache": cache})
    check_expected(next_w, [
        -0.39223849, -0.34037513, -0.28849239, -0.23659121, -0.18467247,
        -0.132737, -0.08078555, -0.02881884, 0.02316247, 0.07515774,
        0.12716641, 0.17918792, 0.23122175, 0.28326742, 0.33532447,
        0.38739248, 0.43947102, 0.49155973, 0.54365823, 0.59576619], 1e-7)
    check_expected(config["cache"], [
        0.5976, 0.6126277, 0.6277108, 0.64284931, 0.65804321,
        0.67329252, 0.68859723, 0.70395734, 0.71937285, 0.73484377,
        0.75037008, 0.7659518, 0.78158892, 0.79728144, 0.81302936,
        0.82883269, 0.84469141, 0.86060554, 0.87657507, 0.8926], 1e-7)


def test_adam_reference_values():
    """Notebook: errors 'around 1e-7 or less' (2022: about 1e-7 and 4e-9); t goes from 5 to 6 first."""
    w, dw = inputs()
    m = linspace_array((4, 5), 0.6, 0.9)
    v = linspace_array((4, 5), 0.7, 0.5)
    next_w, config = adam(w, dw, config={"learning_rate": 1e-2, "m": m, "v": v, "t": 5})
    assert config["t"] == 6
    check_expected(next_w, [
        -0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977,
        -0.1380274, -0.08544591, -0.03286534, 0.01971428, 0.0722929,
        0.1248705, 0.17744702, 0.23002243, 0.28259667, 0.33516969,
        0.38774145, 0.44031188, 0.49288093, 0.54544852, 0.59801459], 1.5e-7)  # rounding of 0.01971428: 1.3e-7
    check_expected(config["v"], [
        0.69966, 0.68908382, 0.67851319, 0.66794809, 0.65738853,
        0.64683452, 0.63628604, 0.6257431, 0.61520571, 0.60467385,
        0.59414753, 0.58362676, 0.57311152, 0.56260183, 0.55209767,
        0.54159906, 0.53110598, 0.52061845, 0.51013645, 0.49966], 1e-7)
    check_expected(config["m"], [
        0.48, 0.49947368, 0.51894737, 0.53842105, 0.55789474,
        0.57736842, 0.59684211, 0.61631579, 0.63578947, 0.65526316,
        0.67473684, 0.69421053, 0.71368421, 0.73315789, 0.75263158,
        0.77210526, 0.79157895, 0.81105263, 0.83052632, 0.85], 1e-7)


def test_adam_first_step_uses_the_full_bias_corrected_form():
    """t is incremented first and both averages are bias-corrected before epsilon is added, so step 1
    moves every weight by exactly lr * dw / (|dw| + eps): about lr whatever the gradient's scale, and
    lr / 2 for a gradient equal to eps. (The simplified form, lr * sqrt(1 - beta2^t) / (1 - beta1^t) *
    m / (sqrt(v) + eps), moves the eps-sized gradient by 0.03 lr instead.)"""
    w = np.zeros(6)
    dw = np.array([1e-3, -2.0, 50.0, -7e-2, 1e-8, -3e-9])
    next_w, config = adam(w, dw, {"learning_rate": 0.01})
    np.testing.assert_allclose(next_w, -0.01 * dw / (np.abs(dw) + 1e-8), rtol=1e-9)
    assert config["t"] == 1


@pytest.mark.parametrize("rule,defaults", [
    (sgd_momentum, {"learning_rate": 1e-2, "momentum": 0.9}),
    (rmsprop, {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8}),
    (adam, {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "t": 1}),
])
def test_defaults_and_state(rule, defaults):
    w = np.array([[1.0, -2.0], [3.0, 0.5]])
    dw = np.array([[0.3, 0.1], [-0.2, 0.4]])
    next_w, config = rule(w.copy(), dw, None)
    for key, value in defaults.items():
        assert config[key] == value, key
    state = {sgd_momentum: ("velocity",), rmsprop: ("cache",), adam: ("m", "v")}[rule]
    for key in state:
        assert config[key].shape == w.shape
    assert next_w.shape == w.shape
    # the state carries over: a second step from the returned config differs from a fresh first step
    dw2 = np.array([[-0.1, 0.5], [0.2, 0.05]])
    w2, config = rule(next_w.copy(), dw2, config)
    w2_fresh, _ = rule(next_w.copy(), dw2, None)
    assert not np.allclose(w2, w2_fresh)


def test_momentum_zero_is_sgd():
    w, dw = inputs()
    next_w, _ = sgd_momentum(w.copy(), dw, {"momentum": 0.0, "learning_rate": 0.1})
    np.testing.assert_allclose(next_w, sgd(w.copy(), dw, {"learning_rate": 0.1})[0], rtol=1e-15)


def test_momentum_accumulates_velocity():
    """A constant gradient: after k steps the velocity is -lr * dw * (1 - mu^k) / (1 - mu)."""
    w, dw = np.zeros(3), np.array([1.0, -2.0, 0.5])
    config = {"learning_rate": 0.1, "momentum": 0.5}
    for _ in range(4):
        w, config = sgd_momentum(w, dw, config)
    np.testing.assert_allclose(config["velocity"], -0.1 * dw * (1 - 0.5 ** 4) / 0.5, rtol=1e-14)


@pytest.mark.parametrize("rule,lr", [(sgd_momentum, 1e-2), (rmsprop, 1e-2), (adam, 5e-2)])
def test_rules_minimize_a_quadratic(rule, lr):
    """f(w) = 0.5 * sum(a * (w - c) ** 2) with very different curvatures: every rule gets close to c."""
    a = np.array([1.0, 10.0, 0.5])
    c = np.array([1.0, -2.0, 3.0])
    w = np.zeros(3)
    config = {"learning_rate": lr}
    for _ in range(2000):
        w, config = rule(w, a * (w - c), config)
    assert np.max(np.abs(w - c)) < 0.05, w
