"""Assignment 2 speed: the ConvolutionalNetworks notebook's one-epoch run and two layer pairs,
each measured against a baseline in the same run.

    python benchmarks/bench_assignment2.py [--baseline-fraction F] [--repeats N] [--no-torch] [--tiny]

1. The notebook's one-epoch training run: ``ThreeLayerConvNet(weight_scale=0.001, hidden_dim=500,
   reg=0.001)`` (float32) through ``Solver(num_epochs=1, batch_size=50, update_rule='adam',
   optim_config={'learning_rate': 1e-3})`` on all 49000 training images of ``get_CIFAR10_data()``
   (980 iterations, plus the Solver's accuracy checks on 1000 training and the 1000 validation
   images at the first and the last iteration), timed as

   * ``ours``: the kit as shipped (cs231n.fast_layers under the sandwich layers);
   * ``2022``: the same model and Solver code with the 2022 kit's algorithms plugged in under
     them, for this benchmark only: the as_strided convolution (NumPy strided view, one GEMM
     forward, two GEMMs and a slice-by-slice col2im backward: ``conv_*_strides_numpy``, the
     baseline of bench_fast_layers.py) and the reshape max-pool (``max_pool_*_reshape``). With
     ``--baseline-fraction F`` < 1 only the first F of its iterations are timed and the time is
     scaled to the epoch (the accuracy checks are timed in full); the output says so;
   * ``torch``: a PyTorch float32 model of the same architecture, initialization, loss and
     optimizer (Adam, same hyperparameters), with the same minibatch sampling and accuracy
     checks, when torch is importable (``pip install torch==2.13.0``; never a dependency).

   Each run is a separate process reading the same data (float64, as get_CIFAR10_data returns
   it and the notebook holds it), so its peak resident memory (VmHWM on Linux) is its own.
   Also printed: training accuracy (1000 sampled training images) and validation accuracy after
   the epoch.
   Then one iteration in parts: the conv - relu - pool forward+backward (ours, 2022's) and the
   rest of the step that both runs share, which bounds the speed-up any convolution can give.
2. ``batchnorm_backward_alt`` against ``batchnorm_backward`` on (100, 500) and (128, 4096), float64.
3. ``conv_*_naive`` against ``conv_*_fast`` on the notebook's timing shape (x (100, 3, 31, 31),
   w (25, 3, 3, 3), stride 2, pad 1), float64: printed for students, no target.

Targets (exit 1 if one is missed): epoch >= 3x faster than 2022's algorithms; epoch <= 1.5x
torch's time (float32); training and validation accuracy >= 0.40; peak memory of our run < 2 GB;
batchnorm_backward_alt >= 1.5x faster on both shapes.

``--tiny`` runs every step on random stand-in data (100 training images, fewer repeats) in a few
seconds: a smoke test of the script, not a measurement.
"""
import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import median_time  # noqa: E402

KEYS = ("X_train", "y_train", "X_val", "y_val")
BATCH_SIZE = 50
HIDDEN_DIM, REG, WEIGHT_SCALE, LEARNING_RATE = 500, 1e-3, 1e-3, 1e-3
NUM_TRAIN_SAMPLES = 1000  # the Solver's default subsample for training accuracy


def peak_rss_bytes():
    """Peak resident memory of this process.

    On Linux this is VmHWM of /proc/self/status: ru_maxrss of a child started by subprocess
    keeps the parent's peak from before the fork (measured: every run then showed the 2.55 GiB
    that get_CIFAR10_data takes in the parent), while VmHWM belongs to the program the child
    runs. Elsewhere, ru_maxrss (KiB on Linux, bytes on macOS).
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024  # kB
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024


def torch_available():
    """Whether torch can be imported (checked without importing it into this process)."""
    return importlib.util.find_spec("torch") is not None


# ---------------------------------------------------------------------------------------------
# workers: one training run each, in its own process


def _load(data_dir):
    return {k: np.load(os.path.join(data_dir, f"{k}.npy")) for k in KEYS}


def _plug_in_2022_algorithms():
    """Replace the fast layers under the sandwich layers by the 2022 kit's algorithms (this process only).

    Returns a dict counting the calls of each replacement, so the caller can check they were used.
    """
    from cs231n import fast_layers as fl
    from cs231n import layer_utils
    calls = {}

    def counted(name, fn):
        def wrapper(*args):
            calls[name] = calls.get(name, 0) + 1
            return fn(*args)
        return wrapper

    plug = {"conv_forward_fast": fl.conv_forward_strides_numpy, "conv_backward_fast": fl.conv_backward_strides_numpy,
            "max_pool_forward_fast": fl.max_pool_forward_reshape, "max_pool_backward_fast": fl.max_pool_backward_reshape}
    for name, fn in plug.items():
        wrapped = counted(name, fn)
        setattr(fl, name, wrapped)  # layer_utils imports these from fast_layers when it calls them ...
        if hasattr(layer_utils, name):  # ... or holds its own reference
            setattr(layer_utils, name, wrapped)
    return calls


def worker_numpy(data_dir, fraction, baseline):
    from cs231n.classifiers.cnn import ThreeLayerConvNet
    from cs231n.solver import Solver
    data = _load(data_dir)
    calls = _plug_in_2022_algorithms() if baseline else None
    np.random.seed(0)
    model = ThreeLayerConvNet(weight_scale=WEIGHT_SCALE, hidden_dim=HIDDEN_DIM, reg=REG)
    solver = Solver(model, data, num_epochs=1, batch_size=BATCH_SIZE, update_rule="adam",
                    optim_config={"learning_rate": LEARNING_RATE}, verbose=False, progress=False)
    iterations = max(len(data["X_train"]) // BATCH_SIZE, 1)
    result = {"iterations": iterations}
    if fraction >= 1:
        t0 = time.perf_counter()
        solver.train()
        result["seconds"] = time.perf_counter() - t0
        result["train_acc"], result["val_acc"] = solver.train_acc_history[-1], solver.val_acc_history[-1]
    else:  # time the first `steps` iterations and one pair of accuracy checks, then scale
        steps = max(1, round(fraction * iterations))
        t0 = time.perf_counter()
        for _ in range(steps):
            solver._step()
        t_steps = time.perf_counter() - t0
        t0 = time.perf_counter()
        solver.check_accuracy(solver.X_train, solver.y_train, num_samples=NUM_TRAIN_SAMPLES)
        solver.check_accuracy(solver.X_val, solver.y_val)
        t_check = time.perf_counter() - t0
        result.update(seconds=t_steps * iterations / steps + 2 * t_check, steps_timed=steps)
    if baseline and not all(calls.get(k) for k in ("conv_forward_fast", "conv_backward_fast",
                                                   "max_pool_forward_fast", "max_pool_backward_fast")):
        raise RuntimeError(f"the 2022 algorithms were not used by the model (calls: {calls}); "
                           f"did cs231n.layer_utils change how it imports the fast layers?")
    result["peak_rss"] = peak_rss_bytes()
    return result


def worker_torch(data_dir, fraction):
    """The same training run in PyTorch float32: conv 7x7x32 pad 3 - relu - 2x2 max pool - affine 500 -
    relu - affine 10 - softmax, N(0, 1e-3) weights, zero biases, 0.5 * reg * sum(W**2), Adam."""
    import torch
    import torch.nn.functional as tF
    data = _load(data_dir)
    np.random.seed(0)
    torch.manual_seed(0)
    C, H, W = data["X_train"].shape[1:]
    F, fs = 32, 7
    shapes = {"W1": (F, C, fs, fs), "b1": (F,), "W2": (HIDDEN_DIM, F * (H // 2) * (W // 2)), "b2": (HIDDEN_DIM,),
              "W3": (10, HIDDEN_DIM), "b3": (10,)}
    params = {k: (WEIGHT_SCALE * torch.randn(s) if k[0] == "W" else torch.zeros(s)).requires_grad_()
              for k, s in shapes.items()}
    opt = torch.optim.Adam(params.values(), lr=LEARNING_RATE, betas=(0.9, 0.999), eps=1e-8)

    def scores(x):
        a = tF.max_pool2d(tF.relu(tF.conv2d(x, params["W1"], params["b1"], padding=(fs - 1) // 2)), 2, 2)
        h = tF.relu(tF.linear(a.flatten(1), params["W2"], params["b2"]))
        return tF.linear(h, params["W3"], params["b3"])

    def step():
        idx = np.random.choice(len(data["X_train"]), BATCH_SIZE)
        x = torch.from_numpy(data["X_train"][idx].astype(np.float32))
        y = torch.from_numpy(data["y_train"][idx])
        opt.zero_grad()
        loss = tF.cross_entropy(scores(x), y)
        loss = loss + 0.5 * REG * sum(torch.sum(params[k] ** 2) for k in ("W1", "W2", "W3"))
        loss.backward()
        opt.step()

    def accuracy(X, y, num_samples=None):
        if num_samples is not None and len(X) > num_samples:
            idx = np.random.choice(len(X), num_samples)
            X, y = X[idx], y[idx]
        with torch.no_grad():
            pred = np.concatenate([scores(torch.from_numpy(X[i:i + 100].astype(np.float32))).argmax(1).numpy()
                                   for i in range(0, len(X), 100)])
        return float(np.mean(pred == y))

    def checks():
        return (accuracy(data["X_train"], data["y_train"], NUM_TRAIN_SAMPLES), accuracy(data["X_val"], data["y_val"]))

    iterations = max(len(data["X_train"]) // BATCH_SIZE, 1)
    steps = iterations if fraction >= 1 else max(1, round(fraction * iterations))
    t0 = time.perf_counter()
    checks()  # the Solver checks at the first iteration (after its step; the order does not matter for time)
    for _ in range(steps):
        step()
    train_acc, val_acc = checks()
    seconds = time.perf_counter() - t0
    result = {"iterations": iterations, "seconds": seconds, "threads": torch.get_num_threads(),
              "version": torch.__version__, "peak_rss": peak_rss_bytes()}
    if fraction >= 1:
        result.update(train_acc=train_acc, val_acc=val_acc)
    return result


def run_worker(kind, data_dir, fraction):
    """Run one training run in a fresh process and return its result dict."""
    cmd = [sys.executable, __file__, "--worker", kind, "--data-dir", data_dir, "--fraction", str(fraction)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0 or not res.stdout.strip():
        raise RuntimeError(f"the {kind} run failed (exit {res.returncode}):\n{res.stdout}\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# the parent: data, runs, layer pairs, targets


def prepare_data(tiny, folder):
    """Write the notebook's data (float64, as get_CIFAR10_data returns it) to ``folder`` as .npy files."""
    if tiny:
        rng = np.random.default_rng(0)
        data = {"X_train": rng.standard_normal((100, 3, 32, 32)), "y_train": rng.integers(10, size=100),
                "X_val": rng.standard_normal((50, 3, 32, 32)), "y_val": rng.integers(10, size=50)}
        source = "random stand-in data (--tiny): 100 training, 50 validation images"
    else:
        from cs231n.data_utils import get_CIFAR10_data
        data = get_CIFAR10_data()
        source = "get_CIFAR10_data(): 49000 training, 1000 validation images, float64"
    for k in KEYS:
        np.save(os.path.join(folder, f"{k}.npy"), data[k])
    return source, data["X_train"].nbytes


def bench_step_parts(repeats):
    """One training iteration split in two: the conv - relu - pool part, which the 2022 algorithms
    replace, and the rest (affine layers, loss, regularization, Adam on every parameter), which both
    runs share. The rest bounds the epoch's speed-up: (rest + 2022 conv) / rest even for a free conv."""
    from cs231n import fast_layers as fl
    from cs231n.classifiers.cnn import ThreeLayerConvNet
    from cs231n.layer_utils import affine_relu_backward, affine_relu_forward
    from cs231n.layers import affine_backward, affine_forward, relu_backward, relu_forward, softmax_loss
    from cs231n.optim import adam
    rng = np.random.default_rng(2)
    np.random.seed(2)
    model = ThreeLayerConvNet(weight_scale=WEIGHT_SCALE, hidden_dim=HIDDEN_DIM, reg=REG)
    p = model.params
    X = rng.standard_normal((BATCH_SIZE, 3, 32, 32)).astype(np.float32)
    y = rng.integers(10, size=BATCH_SIZE)
    conv_param = {"stride": 1, "pad": 3}
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
    pooled = fl.conv_forward_fast(X, p["W1"], p["b1"], conv_param)[0][:, :, ::2, ::2].copy()  # (N, F, 16, 16)
    configs = {k: {"learning_rate": LEARNING_RATE} for k in p}

    def conv_part(conv_forward, conv_backward, pool_forward, pool_backward):
        def run():
            a, conv_cache = conv_forward(X, p["W1"], p["b1"], conv_param)
            r, relu_cache = relu_forward(a)
            out, pool_cache = pool_forward(r, pool_param)
            conv_backward(relu_backward(pool_backward(out, pool_cache), relu_cache), conv_cache)
        return run

    def rest():
        h, h_cache = affine_relu_forward(pooled, p["W2"], p["b2"])
        scores, s_cache = affine_forward(h, p["W3"], p["b3"])
        loss, dscores = softmax_loss(scores, y)
        loss += 0.5 * REG * sum(np.sum(p[k] * p[k]) for k in ("W1", "W2", "W3"))
        grads = {}
        dh, grads["W3"], grads["b3"] = affine_backward(dscores, s_cache)
        _, grads["W2"], grads["b2"] = affine_relu_backward(dh, h_cache)
        grads["W1"], grads["b1"] = np.zeros_like(p["W1"]), np.zeros_like(p["b1"])
        for k in ("W1", "W2", "W3"):
            grads[k] += REG * p[k]
        for k in p:
            p[k], configs[k] = adam(p[k], grads[k], configs[k])

    t_ours = median_time(conv_part(fl.conv_forward_fast, fl.conv_backward_fast, fl.max_pool_forward_fast,
                                   fl.max_pool_backward_fast), repeats, warmup=2)
    t_2022 = median_time(conv_part(fl.conv_forward_strides_numpy, fl.conv_backward_strides_numpy,
                                   fl.max_pool_forward_reshape, fl.max_pool_backward_reshape), repeats, warmup=2)
    t_rest = median_time(rest, repeats, warmup=2)
    print(f"\none training iteration in parts (batch {BATCH_SIZE}, float32, medians of {repeats} runs)")
    print(f"  conv 7x7 - relu - pool forward+backward: ours {t_ours * 1e3:.1f} ms, 2022 algorithms "
          f"{t_2022 * 1e3:.1f} ms ({t_2022 / t_ours:.2f}x)")
    print(f"  the rest, shared by both (affine layers, loss, Adam on {sum(v.size for v in p.values()) / 1e6:.1f}M "
          f"parameters): {t_rest * 1e3:.1f} ms")
    print(f"  so an iteration is at most {(t_rest + t_2022) / (t_rest + t_ours):.2f}x faster with our layers, and "
          f"at most {(t_rest + t_2022) / t_rest:.2f}x with a convolution that took no time")


def bench_batchnorm(shapes, repeats, check):
    from cs231n.layers import batchnorm_backward, batchnorm_backward_alt, batchnorm_forward
    print("\nbatchnorm backward, float64 (medians of %d runs)" % repeats)
    print(f"{'shape':<12} {'backward ms':>12} {'backward_alt ms':>16} {'alt x faster':>13}")
    for shape in shapes:
        rng = np.random.default_rng(1)
        N, D = shape
        x = 5 * rng.standard_normal(shape) + 12
        gamma, beta, dout = rng.standard_normal(D), rng.standard_normal(D), rng.standard_normal(shape)
        _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
        t_graph = median_time(lambda: batchnorm_backward(dout, cache), repeats, warmup=2)
        t_alt = median_time(lambda: batchnorm_backward_alt(dout, cache), repeats, warmup=2)
        ratio = t_graph / t_alt
        print(f"{str(shape):<12} {t_graph * 1e3:12.3f} {t_alt * 1e3:16.3f} {ratio:12.2f}x")
        check(f"batchnorm_backward_alt {shape}: speed-up over batchnorm_backward", ratio, ">= 1.5x", ratio >= 1.5)


def bench_naive_conv(num_images, repeats):
    from cs231n.fast_layers import conv_backward_fast, conv_forward_fast
    from cs231n.layers import conv_backward_naive, conv_forward_naive
    rng = np.random.default_rng(231)
    x = rng.standard_normal((num_images, 3, 31, 31))
    w = rng.standard_normal((25, 3, 3, 3))
    b = rng.standard_normal(25)
    dout = rng.standard_normal((num_images, 25, 16, 16))
    p = {"stride": 2, "pad": 1}
    _, cache_naive = conv_forward_naive(x, w, b, p)
    _, cache_fast = conv_forward_fast(x, w, b, p)
    times = {
        "naive forward": median_time(lambda: conv_forward_naive(x, w, b, p), max(1, repeats // 3)),
        "fast forward": median_time(lambda: conv_forward_fast(x, w, b, p), repeats, warmup=2),
        "naive backward": median_time(lambda: conv_backward_naive(dout, cache_naive), max(1, repeats // 3)),
        "fast backward": median_time(lambda: conv_backward_fast(dout, cache_fast), repeats, warmup=2),
    }
    print(f"\nconv naive vs fast, the notebook's timing shape: x ({num_images}, 3, 31, 31), w (25, 3, 3, 3), "
          f"stride 2, pad 1, float64 (no target)")
    for part in ("forward", "backward"):
        tn, tf = times[f"naive {part}"], times[f"fast {part}"]
        print(f"  {part:<8} naive {tn * 1e3:9.2f} ms   fast {tf * 1e3:8.3f} ms   speed-up {tn / tf:7.1f}x")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-fraction", type=float, default=1.0,
                        help="time only this fraction of the 2022-algorithm epoch's iterations and scale (0 < F <= 1)")
    parser.add_argument("--repeats", type=int, default=15, help="runs per layer measurement")
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch run")
    parser.add_argument("--tiny", action="store_true", help="random stand-in data, a few seconds: a smoke test")
    parser.add_argument("--worker", choices=["ours", "2022", "torch"], help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--fraction", type=float, default=1.0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        if args.worker == "torch":
            result = worker_torch(args.data_dir, args.fraction)
        else:
            result = worker_numpy(args.data_dir, args.fraction, baseline=args.worker == "2022")
        print(json.dumps(result))
        return 0

    if not 0 < args.baseline_fraction <= 1:
        parser.error(f"--baseline-fraction must be in (0, 1], got {args.baseline_fraction}")
    from cs231n import fast_layers as fl
    if fl.BACKEND != "cython":
        print(f"fast_layers runs on its {fl.BACKEND} fallback; build the extension first: {fl.BUILD_COMMAND}")
        return 1
    repeats = 1 if args.tiny else args.repeats
    use_torch = not args.no_torch and torch_available()
    checks = []  # (description, value, target, ok)

    def check(desc, value, target, ok):
        checks.append((desc, value, target, ok))

    print("assignment 2 benchmark" + (" (--tiny: random data, the figures mean nothing)" if args.tiny else ""))
    with tempfile.TemporaryDirectory(prefix="bench_a2_") as folder:
        t0 = time.perf_counter()
        source, nbytes = prepare_data(args.tiny, folder)
        print(f"data: {source} ({nbytes / 2 ** 30:.2f} GiB of training images), loaded in "
              f"{time.perf_counter() - t0:.1f} s; peak memory of loading (this process): "
              f"{peak_rss_bytes() / 2 ** 30:.2f} GiB")
        print(f"\none-epoch ThreeLayerConvNet run (hidden {HIDDEN_DIM}, reg {REG}, batch {BATCH_SIZE}, adam "
              f"{LEARNING_RATE}, weight scale {WEIGHT_SCALE}, float32), each run in its own process")
        print(f"{'run':<6} {'epoch s':>9} {'ms/iter':>8} {'peak GiB':>9} {'train acc':>10} {'val acc':>8}  notes",
              flush=True)
        runs = {}
        plan = [("ours", 1.0), ("2022", args.baseline_fraction)] + ([("torch", 1.0)] if use_torch else [])
        for name, fraction in plan:  # each row as soon as its run ends
            r = runs[name] = run_worker(name, folder, fraction)
            note = {"ours": "cs231n.fast_layers (as shipped)",
                    "2022": "as_strided conv + reshape pool of the 2022 kit",
                    "torch": f"PyTorch float32 {r.get('version')}, {r.get('threads')} threads"}[name]
            if "steps_timed" in r:
                note += (f"; ESTIMATED: {r['steps_timed']} of {r['iterations']} iterations timed "
                         f"(--baseline-fraction {args.baseline_fraction}) and scaled, accuracy checks timed in full")
            acc = (f"{r['train_acc']:10.3f} {r['val_acc']:8.3f}" if "train_acc" in r else f"{'-':>10} {'-':>8}")
            print(f"{name:<6} {r['seconds']:9.1f} {r['seconds'] / r['iterations'] * 1e3:8.1f} "
                  f"{r['peak_rss'] / 2 ** 30:9.2f} {acc}  {note}", flush=True)

    if not use_torch:
        print("torch: " + ("skipped (--no-torch)" if args.no_torch else "not installed; the comparison is left out"))
    ours = runs["ours"]
    speedup = runs["2022"]["seconds"] / ours["seconds"]
    print(f"ours vs 2022 algorithms: {speedup:.2f}x faster"
          + (f"; ours / torch: {ours['seconds'] / runs['torch']['seconds']:.2f}x" if use_torch else ""))
    check("epoch: speed-up over the 2022 algorithms", speedup, ">= 3x", speedup >= 3)
    if use_torch:
        ratio = ours["seconds"] / runs["torch"]["seconds"]
        check("epoch: time / torch float32", ratio, "<= 1.5x", ratio <= 1.5)
    check("training accuracy after the epoch (1000 sampled images)", ours["train_acc"], ">= 0.40",
          ours["train_acc"] >= 0.40)
    check("validation accuracy after the epoch", ours["val_acc"], ">= 0.40", ours["val_acc"] >= 0.40)
    check("peak memory of the epoch (our process, data included)", ours["peak_rss"] / 2 ** 30, "< 2 GiB",
          ours["peak_rss"] < 2 * 2 ** 30)

    bench_step_parts(repeats)
    bench_batchnorm([(100, 500), (128, 4096)], repeats, check)
    bench_naive_conv(10 if args.tiny else 100, repeats)

    print("\ntargets")
    for desc, value, target, ok in checks:
        shown = (f"{value:.3f}" if "accuracy" in desc else f"{value:.2f} GiB" if "memory" in desc
                 else f"{value:.2f}x")
        print(f"  {'ok    ' if ok else 'MISSED'} {desc}: {shown} (target {target})")
    missed = [c for c in checks if not c[3]]
    print(f"{len(checks) - len(missed)} of {len(checks)} targets met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
