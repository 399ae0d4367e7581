"""Fast conv and pool layers, measured in one run against three yardsticks.

    python benchmarks/bench_fast_layers.py [--repeats N] [--no-torch]

For each shape it reports the median of repeated forward+backward runs of

* ``ours``: cs231n.fast_layers (conv_*_fast, max_pool_*_fast), on the compiled extension;
* ``baseline``: the 2022 kit's algorithm in pure NumPy (as_strided + one GEMM forward; GEMMs and a
  slice-by-slice col2im backward), cs231n.fast_layers.conv_*_strides_numpy;
* ``torch``: PyTorch CPU conv2d / max_pool2d forward+backward, if torch is importable
  (``pip install torch==2.13.0``; never a dependency of the kit);
* ``peak``: numpy matmul GFLOP/s of square products, the machine's practical peak,

in float32 and float64, with GFLOP/s (conv forward FLOPs = 2*N*F*C*HH*WW*H'*W', backward twice
that) and the ratios the targets are stated in. Exits 1 if a target is missed.
"""
import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import median_time  # noqa: E402

try:
    import torch
    import torch.nn.functional as tF
except ImportError:  # pragma: no cover
    torch = None

from cs231n import fast_layers as fl  # noqa: E402
from cs231n.layers import affine_backward, affine_forward, relu_backward, relu_forward, softmax_loss  # noqa: E402

CONV_SHAPES = {
    # name: (x shape, w shape, stride, pad)
    "S1": ((100, 3, 31, 31), (25, 3, 3, 3), 2, 1),
    "S2": ((50, 3, 32, 32), (32, 3, 7, 7), 1, 3),
    "S3": ((64, 64, 16, 16), (64, 64, 3, 3), 1, 1),
    "S4": ((128, 3, 32, 32), (64, 3, 3, 3), 1, 1),
}
POOL_SHAPES = {
    # name: (x shape, pool size, stride)
    "P1": ((100, 3, 32, 32), 2, 2),
    "P2": ((50, 32, 32, 32), 2, 2),
    "P3": ((50, 32, 32, 32), 3, 2),
}


def matmul_peak(dtype, repeats):
    n = 2048
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    t = median_time(lambda: a @ b, repeats, warmup=2)
    return 2 * n ** 3 / t / 1e9


def conv_flops(xs, ws, stride, pad):
    N, C, H, W = xs
    F, _, HH, WW = ws
    Ho, Wo = (H + 2 * pad - HH) // stride + 1, (W + 2 * pad - WW) // stride + 1
    return 3 * 2 * N * F * C * HH * WW * Ho * Wo  # forward + backward (twice the forward)


def conv_path(xs, ws, stride, pad, dtype):
    """Which algorithm conv_forward_fast uses for this shape: im2col, or Winograd with m x m tiles."""
    _, cache = fl.conv_forward_fast(np.zeros(xs, dtype), np.zeros(ws, dtype), np.zeros(ws[0], dtype),
                                    {"stride": stride, "pad": pad})
    if len(cache) == 5:  # the Winograd cache ends with (U, V, token), U of shape ((m + 2)^2, F, C)
        m = fl._tile_size(cache[4][0].shape[0])
        return f"winograd {m}x{m}"
    return "im2col"


def conv_runners(xs, ws, stride, pad, dtype):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(xs).astype(dtype)
    w = rng.standard_normal(ws).astype(dtype)
    b = rng.standard_normal(ws[0]).astype(dtype)
    p = {"stride": stride, "pad": pad}

    def ours():
        out, cache = fl.conv_forward_fast(x, w, b, p)
        fl.conv_backward_fast(out, cache)

    def baseline():
        out, cache = fl.conv_forward_strides_numpy(x, w, b, p)
        fl.conv_backward_strides_numpy(out, cache)

    runners = {"ours": ours, "baseline": baseline}
    if torch is not None:
        tdtype = torch.float32 if dtype == np.float32 else torch.float64
        tx = torch.tensor(x, dtype=tdtype, requires_grad=True)
        tw = torch.tensor(w, dtype=tdtype, requires_grad=True)
        tb = torch.tensor(b, dtype=tdtype, requires_grad=True)

        def torch_conv():
            tx.grad = tw.grad = tb.grad = None
            out = tF.conv2d(tx, tw, tb, stride=stride, padding=pad)
            out.backward(out.detach())

        runners["torch"] = torch_conv
    return runners


def pool_runners(xs, size, stride, dtype):
    x = np.random.default_rng(2).standard_normal(xs).astype(dtype)
    p = {"pool_height": size, "pool_width": size, "stride": stride}

    def ours():
        out, cache = fl.max_pool_forward_fast(x, p)
        fl.max_pool_backward_fast(out, cache)

    runners = {"ours": ours}
    if torch is not None:
        tx = torch.tensor(x, requires_grad=True)

        def torch_pool():
            tx.grad = None
            out = tF.max_pool2d(tx, size, stride)
            out.backward(out.detach())

        runners["torch"] = torch_pool
    return runners


def training_step_runners(dtype):
    """ThreeLayerConvNet-shaped step: conv 7x7x32 pad 3 - relu - 2x2 pool - affine 100 - relu - affine 10 - softmax."""
    rng = np.random.default_rng(3)
    N = 50
    x = rng.standard_normal((N, 3, 32, 32)).astype(dtype)
    y = rng.integers(10, size=N)
    W1 = (1e-2 * rng.standard_normal((32, 3, 7, 7))).astype(dtype)
    b1 = np.zeros(32, dtype)
    W2 = (1e-2 * rng.standard_normal((32 * 16 * 16, 100))).astype(dtype)
    b2 = np.zeros(100, dtype)
    W3 = (1e-2 * rng.standard_normal((100, 10))).astype(dtype)
    b3 = np.zeros(10, dtype)
    conv_param = {"stride": 1, "pad": 3}
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}

    def ours():
        a, c1 = fl.conv_forward_fast(x, W1, b1, conv_param)
        r, cr = relu_forward(a)
        pl, cp = fl.max_pool_forward_fast(r, pool_param)
        h, c2 = affine_forward(pl, W2, b2)
        hr, chr_ = relu_forward(h)
        s, c3 = affine_forward(hr, W3, b3)
        loss, ds = softmax_loss(s, y)
        dhr, dW3, db3 = affine_backward(ds, c3)
        dh = relu_backward(dhr, chr_)
        dpl, dW2, db2 = affine_backward(dh, c2)
        dr = fl.max_pool_backward_fast(dpl, cp)
        da = relu_backward(dr, cr)
        fl.conv_backward_fast(da, c1)

    runners = {"ours": ours}
    if torch is not None:
        tdtype = torch.float32 if dtype == np.float32 else torch.float64
        tx = torch.tensor(x, dtype=tdtype, requires_grad=True)  # input gradients on, as ours computes dx
        params = [torch.tensor(p, dtype=tdtype, requires_grad=True) for p in (W1, b1, W2.T.copy(), b2, W3.T.copy(), b3)]
        ty = torch.tensor(y)

        def torch_step():
            for p in [tx, *params]:
                p.grad = None
            tW1, tb1, tW2, tb2, tW3, tb3 = params
            a = tF.max_pool2d(tF.relu(tF.conv2d(tx, tW1, tb1, padding=3)), 2, 2)
            h = tF.relu(tF.linear(a.flatten(1), tW2, tb2))
            loss = tF.cross_entropy(tF.linear(h, tW3, tb3), ty)
            loss.backward()

        runners["torch"] = torch_step
    return runners


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch comparison")
    args = parser.parse_args()
    global torch
    if args.no_torch:
        torch = None
    if fl.BACKEND != "cython":
        print(f"fast_layers runs on its {fl.BACKEND} fallback; build the extension first: {fl.BUILD_COMMAND}")
        return 1
    R = args.repeats
    print(f"fast layers benchmark: medians of {R} runs; torch {'%s, %d threads' % (torch.__version__, torch.get_num_threads()) if torch else 'not installed'}")
    peak = {np.float32: matmul_peak(np.float32, R), np.float64: matmul_peak(np.float64, R)}
    print(f"numpy matmul 2048^3: float32 {peak[np.float32]:.1f} GFLOP/s, float64 {peak[np.float64]:.1f} GFLOP/s\n")

    checks = []  # (description, value, target, ok)

    def check(desc, value, target, ok):
        checks.append((desc, value, target, ok))

    print("conv forward+backward")
    print(f"{'shape':<5} {'dtype':<8} {'ours ms':>9} {'GFLOP/s':>8} {'%peak':>6} {'baseline ms':>12} {'x faster':>9} "
          f"{'torch ms':>9} {'ours/torch':>11}  ours: path")
    for name, (xs, ws, stride, pad) in CONV_SHAPES.items():
        flops = conv_flops(xs, ws, stride, pad)
        for dtype in (np.float32, np.float64):
            times = {k: median_time(fn, R, warmup=2) for k, fn in conv_runners(xs, ws, stride, pad, dtype).items()}
            gflops = flops / times["ours"] / 1e9
            frac = gflops / peak[dtype]
            speedup = times["baseline"] / times["ours"]
            tt = times.get("torch")
            vs_torch = times["ours"] / tt if tt else float("nan")
            print(f"{name:<5} {np.dtype(dtype).name:<8} {times['ours'] * 1e3:9.2f} {gflops:8.1f} {100 * frac:5.0f}% "
                  f"{times['baseline'] * 1e3:12.2f} {speedup:8.2f}x {tt * 1e3 if tt else float('nan'):9.2f} {vs_torch:10.2f}x"
                  f"  {conv_path(xs, ws, stride, pad, dtype)}")
            dn = np.dtype(dtype).name
            if name in ("S2", "S3"):
                need = 0.60 if name == "S3" else 0.40
                check(f"conv {name} {dn}: share of matmul peak", frac, f">= {need:.0%}", frac >= need)
                check(f"conv {name} {dn}: speed-up over the as_strided baseline", speedup, ">= 1.7x", speedup >= 1.7)
                if dtype == np.float32 and tt:
                    need = 1.5 if name == "S3" else 2.0
                    check(f"conv {name} float32: time / torch float32", vs_torch, f"<= {need}x", vs_torch <= need)
            else:
                check(f"conv {name} {dn}: speed-up over the as_strided baseline", speedup, ">= 1.0x", speedup >= 1.0)

    print("\nmax-pool forward+backward")
    print(f"{'shape':<5} {'dtype':<8} {'ours ms':>9} {'torch ms':>9} {'ours/torch':>11}")
    for name, (xs, size, stride) in POOL_SHAPES.items():
        for dtype in (np.float32, np.float64):
            times = {k: median_time(fn, R, warmup=2) for k, fn in pool_runners(xs, size, stride, dtype).items()}
            tt = times.get("torch")
            ratio = times["ours"] / tt if tt else float("nan")
            print(f"{name:<5} {np.dtype(dtype).name:<8} {times['ours'] * 1e3:9.2f} "
                  f"{tt * 1e3 if tt else float('nan'):9.2f} {ratio:10.2f}x")
            if name in ("P1", "P2") and tt:
                check(f"pool {name} {np.dtype(dtype).name}: time / torch", ratio, "<= 1.5x", ratio <= 1.5)

    print("\ntraining step (ThreeLayerConvNet shape, batch 50)")
    for dtype in (np.float32, np.float64):
        times = {k: median_time(fn, R, warmup=2) for k, fn in training_step_runners(dtype).items()}
        tt = times.get("torch")
        ratio = times["ours"] / tt if tt else float("nan")
        print(f"{np.dtype(dtype).name:<8} ours {times['ours'] * 1e3:8.2f} ms   torch "
              f"{tt * 1e3 if tt else float('nan'):8.2f} ms   ours/torch {ratio:.2f}x")
        if dtype == np.float32 and tt:
            check("training step float32: time / torch float32", ratio, "<= 2x", ratio <= 2.0)

    print("\ntargets")
    for desc, value, target, ok in checks:
        shown = f"{value:.0%}" if "peak" in desc else f"{value:.2f}x"
        print(f"  {'ok    ' if ok else 'MISSED'} {desc}: {shown} (target {target})")
    missed = [c for c in checks if not c[3]]
    print(f"{len(checks) - len(missed)} of {len(checks)} targets met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
