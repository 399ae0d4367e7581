"""Image-grid helpers: shapes and scaling."""
import numpy as np

from cs231n.vis_utils import vis_grid, vis_nn, visualize_grid


def test_visualize_grid(rng):
    Xs = rng.standard_normal((5, 4, 3, 3))
    g = visualize_grid(Xs, ubound=255.0, padding=2)
    # ceil(sqrt(5)) = 3 tiles a side
    assert g.shape == (3 * 4 + 2 * 2, 3 * 3 + 2 * 2, 3)
    assert g.min() == 0 and np.isclose(g.max(), 255)
    np.testing.assert_allclose(g[:4, :3].max(), 255)  # each tile is scaled on its own


def test_vis_grid_and_vis_nn(rng):
    Xs = rng.standard_normal((4, 5, 6, 3))
    g = vis_grid(Xs)
    assert g.shape == (2 * 5 + 3, 2 * 6 + 3, 3) and g.min() == 0 and g.max() == 1
    g = vis_nn([[Xs[0], Xs[1], Xs[2]], [Xs[3], Xs[0], Xs[1]]])
    assert g.shape == (2 * 5 + 3, 3 * 6 + 4, 3) and g.min() == 0 and g.max() == 1


def test_plot_class_templates(rng):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cs231n.vis_utils import plot_class_templates
    plot_class_templates(rng.standard_normal((3073, 10)), [str(i) for i in range(10)])
    assert len(plt.gcf().axes) == 10
    plt.close("all")
