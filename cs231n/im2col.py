"""im2col and col2im by fancy indexing, in pure NumPy.

These produce exactly the column layout of the compiled kernels in
``cs231n/im2col_cython.pyx`` (see that module's docstring): rows are ordered
(channel, window row, window column) and columns (output row, output column,
image), the image index varying fastest. They need no compiler, so they serve
as the readable reference and as the fallback when the extension is not built.
"""
import numpy as np


def _out_size(axis, size, field, padding, stride):
    """Output length along one axis; ValueError (showing the values) if windows do not tile."""
    if stride < 1 or padding < 0 or field < 1:
        raise ValueError(
            f"need stride >= 1, padding >= 0 and a field size >= 1; "
            f"got stride={stride}, padding={padding}, field_{axis}={field}")
    span = size + 2 * padding - field
    if span < 0:
        raise ValueError(
            f"the {field}-wide window does not fit: {axis} + 2*padding = "
            f"{size} + 2*{padding} < {field}")
    if span % stride != 0:
        raise ValueError(
            f"windows do not tile the {axis}: ({axis} + 2*padding - field) must be divisible "
            f"by stride, got ({size} + 2*{padding} - {field}) % {stride} = {span % stride}")
    return span // stride + 1


def get_im2col_indices(x_shape, field_height, field_width, padding=1, stride=1):
    """Index arrays that gather every receptive field of a padded input.

    Parameters
    ----------
    x_shape : tuple (N, C, H, W)
    field_height, field_width : int
        Window size (HH, WW).
    padding, stride : int

    Returns
    -------
    k : ndarray of shape (C * HH * WW, 1)
        Channel of each row.
    i, j : ndarray of shape (C * HH * WW, H' * W')
        Row and column, in the padded input, of each (row, output position).
    """
    N, C, H, W = x_shape
    out_height = _out_size("height", H, field_height, padding, stride)
    out_width = _out_size("width", W, field_width, padding, stride)

    # Window offsets, one entry per row of cols: (C * HH * WW,)
    i0 = np.tile(np.repeat(np.arange(field_height), field_width), C)
    j0 = np.tile(np.arange(field_width), field_height * C)
    # Window origins, one entry per output position: (H' * W',)
    i1 = stride * np.repeat(np.arange(out_height), out_width)
    j1 = stride * np.tile(np.arange(out_width), out_height)
    i = i0.reshape(-1, 1) + i1.reshape(1, -1)  # (C*HH*WW, H'*W')
    j = j0.reshape(-1, 1) + j1.reshape(1, -1)  # (C*HH*WW, H'*W')
    k = np.repeat(np.arange(C), field_height * field_width).reshape(-1, 1)  # (C*HH*WW, 1)
    return k, i, j


def im2col_indices(x, field_height, field_width, padding=1, stride=1):
    """Unroll every receptive field of ``x`` into a column.

    Parameters
    ----------
    x : ndarray of shape (N, C, H, W)
    field_height, field_width, padding, stride : int

    Returns
    -------
    cols : ndarray of shape (C * HH * WW, N * H' * W'), dtype of ``x``
    """
    p = padding
    x_padded = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), mode="constant")
    k, i, j = get_im2col_indices(x.shape, field_height, field_width, padding, stride)
    cols = x_padded[:, k, i, j]  # (N, C*HH*WW, H'*W')
    C = x.shape[1]
    # (C*HH*WW, H'*W', N) -> (C*HH*WW, H'*W'*N): the image index varies fastest
    return cols.transpose(1, 2, 0).reshape(field_height * field_width * C, -1)


def col2im_indices(cols, x_shape, field_height=3, field_width=3, padding=1, stride=1):
    """Adjoint of :func:`im2col_indices`: scatter-add columns back into an image.

    Parameters
    ----------
    cols : ndarray of shape (C * HH * WW, N * H' * W')
    x_shape : tuple (N, C, H, W)
    field_height, field_width, padding, stride : int

    Returns
    -------
    x : ndarray of shape (N, C, H, W), dtype of ``cols``
        Overlapping windows are summed; padding is dropped.
    """
    N, C, H, W = x_shape
    k, i, j = get_im2col_indices(x_shape, field_height, field_width, padding, stride)
    expected = (C * field_height * field_width, N * i.shape[1])
    if cols.shape != expected:
        raise ValueError(f"cols has shape {cols.shape} but x_shape={tuple(x_shape)}, field "
                         f"{field_height}x{field_width}, padding={padding}, stride={stride} "
                         f"need {expected}")
    H_padded, W_padded = H + 2 * padding, W + 2 * padding
    x_padded = np.zeros((N, C, H_padded, W_padded), dtype=cols.dtype)
    cols_reshaped = cols.reshape(C * field_height * field_width, -1, N)  # (C*HH*WW, H'*W', N)
    cols_reshaped = cols_reshaped.transpose(2, 0, 1)  # (N, C*HH*WW, H'*W')
    np.add.at(x_padded, (slice(None), k, i, j), cols_reshaped)
    if padding == 0:
        return x_padded
    return x_padded[:, :, padding:-padding, padding:-padding]
