"""Assignment 1 speed: vectorized code against the loop versions, measured in one run.

    python benchmarks/bench_assignment1.py [--repeats N]

Uses CIFAR-10 (run get_datasets.sh first) at the sizes of the 2022 notebooks and
prints, for each pair, the median time of repeated runs and the ratio; then the
time to extract HOG + hue-histogram features from all 60000 images. Exits 1 if
a target is missed:

* no-loop kNN distances (500 test x 5000 train) >= 100x faster than two loops
* vectorized SVM and softmax loss + gradient (dev set 500 x 3073) >= 30x faster
  than the naive versions
* HOG + hue-histogram features of 5000 images through the batch versions
  (``hog_feature`` and ``partial(color_histogram_hsv, nbin=10)``, as features.ipynb
  passes them) >= 2x faster than one image at a time (the same functions wrapped in
  lambdas, so extract_features calls them per image), and identical. (The per-image
  functions run the batch code on one image, so they are faster than before the batch
  versions existed: measured once, the old per-image code took 6x the batch time.)
* feature extraction for all 60000 images, as features.ipynb does, in under 120 s

It also times the two matrix products every vectorized linear loss needs, alone, and prints the
ratio naive / products: the most any vectorized version can reach on this machine.
"""
import argparse
import functools
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import median_time  # noqa: E402

from cs231n.classifiers.k_nearest_neighbor import KNearestNeighbor  # noqa: E402
from cs231n.classifiers.linear_svm import svm_loss_naive, svm_loss_vectorized  # noqa: E402
from cs231n.classifiers.softmax import softmax_loss_naive, softmax_loss_vectorized  # noqa: E402
from cs231n.data_utils import default_cifar10_dir, load_CIFAR10  # noqa: E402
from cs231n.features import color_histogram_hsv, extract_features, hog_feature  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs per fast measurement (slow ones: 3)")
    args = parser.parse_args()

    Xtr, ytr, Xte, yte = load_CIFAR10(default_cifar10_dir())
    rows, failed = [], []

    def report(name, slow_name, t_slow, fast_name, t_fast, target):
        ratio = t_slow / t_fast
        ok = ratio >= target
        rows.append((name, f"{slow_name} {t_slow * 1e3:9.1f} ms", f"{fast_name} {t_fast * 1e3:8.2f} ms",
                     f"{ratio:8.1f}x", f">= {target}x", "ok" if ok else "MISSED"))
        if not ok:
            failed.append(name)

    # kNN: the knn notebook's 5000 training and 500 test images, flattened
    knn = KNearestNeighbor()
    knn.train(Xtr[:5000].reshape(5000, -1), ytr[:5000])
    X_test = Xte[:500].reshape(500, -1)
    t2 = median_time(lambda: knn.compute_distances_two_loops(X_test), 3)
    t1 = median_time(lambda: knn.compute_distances_one_loop(X_test), 1)  # ~35 s: one run
    t0 = median_time(lambda: knn.compute_distances_no_loops(X_test), args.repeats)
    report("kNN distances 500x5000", "two loops", t2, "no loops", t0, 100)
    report("kNN distances 500x5000", "one loop ", t1, "no loops", t0, 1)

    # Linear classifiers: the svm/softmax notebooks' dev set (500 training images, mean
    # subtracted, bias column appended)
    rng = np.random.default_rng(0)
    X = Xtr[:49000].reshape(49000, -1)
    mean_image = X.mean(axis=0)
    dev = rng.choice(49000, 500, replace=False)
    X_dev = np.hstack([X[dev] - mean_image, np.ones((500, 1))])  # (500, 3073)
    y_dev = ytr[dev]
    W = 1e-4 * rng.standard_normal((3073, 10))
    # The floor under any vectorized version: its two matrix products, scores = X @ W and the
    # gradient's coeff.T @ X (coeff (500, 10)), timed alone on the same data.
    coeff = rng.standard_normal((500, 10))
    t_products = median_time(lambda: (X_dev @ W, coeff.T @ X_dev), max(args.repeats, 21))
    ceilings = []
    for name, naive, vec in [("SVM loss+grad 500x3073", svm_loss_naive, svm_loss_vectorized),
                             ("softmax loss+grad 500x3073", softmax_loss_naive, softmax_loss_vectorized)]:
        tn = median_time(lambda: naive(W, X_dev, y_dev, 5e-6), args.repeats)
        tv = median_time(lambda: vec(W, X_dev, y_dev, 5e-6), args.repeats)
        report(name, "naive    ", tn, "vectorized", tv, 30)
        ceilings.append(f"{name}: naive / products alone = {tn / t_products:.1f}x")

    # Features, 5000 images: the batch versions (features.ipynb's feature_fns) against the same
    # functions called per image (a lambda has no batch version)
    batch_fns = [hog_feature, functools.partial(color_histogram_hsv, nbin=10)]
    per_image_fns = [lambda img: hog_feature(img), lambda img: color_histogram_hsv(img, nbin=10)]
    X_feat = Xtr[:5000]
    feats = {"batch": extract_features(X_feat, batch_fns)}  # untimed: it also maps the images into memory
    t_per_image = median_time(lambda: feats.update(per_image=extract_features(X_feat, per_image_fns)), 3)
    t_batch = median_time(lambda: extract_features(X_feat, batch_fns), args.repeats)
    report("features 5000 images", "per image", t_per_image, "batch   ", t_batch, 2)
    same_features = np.array_equal(feats["batch"], feats["per_image"])
    if not same_features:
        failed.append("features 5000 images: the batch and per-image features differ")

    # Features: all 60000 images, as features.ipynb does
    t_start = time.perf_counter()
    extract_features(Xtr, batch_fns)
    extract_features(Xte, batch_fns)
    t_feat = time.perf_counter() - t_start
    feat_ok = t_feat < 120

    width = max(len(r[0]) for r in rows)
    print(f"assignment 1 benchmark (medians of {args.repeats} runs; kNN two loops and features per image: "
          "3 runs, one loop: 1)")
    for r in rows:
        print(f"  {r[0]:<{width}}  {r[1]}  {r[2]}  ratio {r[3]}  target {r[4]:>7}  {r[5]}")
    print(f"  {'features, 60000 images':<{width}}  {t_feat:6.1f} s  target < 120 s  {'ok' if feat_ok else 'MISSED'}")
    print(f"  features of 5000 images, batch and per image: {'identical' if same_features else 'DIFFERENT'}")
    print(f"  the two products of a vectorized linear loss alone (X @ W, coeff.T @ X): {t_products * 1e3:.2f} ms, "
          "so the highest ratio any vectorized version could reach here is")
    for c in ceilings:
        print(f"    {c}")
    if not feat_ok:
        failed.append("features")
    if failed:
        print(f"targets missed: {', '.join(failed)}")
        return 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
