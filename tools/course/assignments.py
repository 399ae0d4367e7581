"""What the course is: the assignments, the files students edit, the models they hand in, and constants.

Every other module of the pipeline reads these; none writes them.
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_COURSE = ROOT / "course"

# For each assignment, in course order:
#   notebooks      the nbgrader notebooks, in the order students work through them
#   functions      {notebook: {file: [functions]}}: the functions (dotted, e.g. "TwoLayerNet.loss") whose
#                  solution regions each notebook covers. Every solution region in cs231n/ must be listed
#                  under exactly one assignment (a function may be listed under several notebooks of it,
#                  e.g. FullyConnectedNet.loss, which three notebooks extend); the release refuses a region
#                  that is not listed, so a new function cannot ship with a stub naming the wrong notebook.
#                  Only functions with solution regions belong here (a test checks that each listed one has).
#   student_files  the files students edit. These are graded from the student's copy
#                  (Autograde.exclude_overwriting); every other file is restored from the release at grading
#                  time, so editing a provided helper changes nothing. A function of an EARLIER assignment in
#                  one of these files ships as a stub saying "copy your implementation from <assignment>".
#   models         trained models the notebooks save next to themselves and the autograder checks
_LAYERS = "cs231n/layers.py"
_FC_NET = "cs231n/classifiers/fc_net.py"
ASSIGNMENTS = {
    "assignment1": {
        "title": "assignment 1",
        "notebooks": ["knn", "svm", "softmax", "two_layer_net", "features"],
        "functions": {
            "knn": {"cs231n/classifiers/k_nearest_neighbor.py": [
                "KNearestNeighbor.compute_distances_two_loops", "KNearestNeighbor.compute_distances_one_loop",
                "KNearestNeighbor.compute_distances_no_loops", "KNearestNeighbor.predict_labels"]},
            "svm": {"cs231n/classifiers/linear_svm.py": ["svm_loss_naive", "svm_loss_vectorized"],
                    "cs231n/classifiers/linear_classifier.py": ["LinearClassifier.train", "LinearClassifier.predict"]},
            "softmax": {"cs231n/classifiers/softmax.py": ["softmax_loss_naive", "softmax_loss_vectorized"]},
            "two_layer_net": {_LAYERS: ["affine_forward", "affine_backward", "relu_forward", "relu_backward",
                                        "svm_loss", "softmax_loss"],
                              _FC_NET: ["TwoLayerNet.__init__", "TwoLayerNet.loss"]},
            "features": {},
        },
        "student_files": ["cs231n/classifiers/k_nearest_neighbor.py", "cs231n/classifiers/linear_svm.py",
                          "cs231n/classifiers/linear_classifier.py", "cs231n/classifiers/softmax.py",
                          _FC_NET, _LAYERS],
        "models": ["svm_best.npz", "softmax_best.npz", "two_layer_net_best.npz",
                   "features_svm_best.npz", "features_net_best.npz"],
    },
    "assignment2": {
        "title": "assignment 2",
        "notebooks": ["FullyConnectedNets", "BatchNormalization", "Dropout", "ConvolutionalNetworks"],
        "functions": {
            "FullyConnectedNets": {_FC_NET: ["FullyConnectedNet.__init__", "FullyConnectedNet.loss"],
                                   "cs231n/optim.py": ["sgd_momentum", "rmsprop", "adam"]},
            "BatchNormalization": {_LAYERS: ["batchnorm_forward", "batchnorm_backward", "batchnorm_backward_alt",
                                             "layernorm_forward", "layernorm_backward"],
                                   _FC_NET: ["FullyConnectedNet.__init__", "FullyConnectedNet.loss"]},
            "Dropout": {_LAYERS: ["dropout_forward", "dropout_backward"],
                        _FC_NET: ["FullyConnectedNet.loss"]},
            "ConvolutionalNetworks": {_LAYERS: ["conv_forward_naive", "conv_backward_naive",
                                                "max_pool_forward_naive", "max_pool_backward_naive",
                                                "spatial_batchnorm_forward", "spatial_batchnorm_backward",
                                                "spatial_groupnorm_forward", "spatial_groupnorm_backward"],
                                      "cs231n/classifiers/cnn.py": ["ThreeLayerConvNet.__init__",
                                                                    "ThreeLayerConvNet.loss"]},
        },
        "student_files": [_LAYERS, "cs231n/layer_utils.py", "cs231n/optim.py", _FC_NET,
                          "cs231n/classifiers/cnn.py"],
        "models": ["fc_net_best.npz", "convnet_one_epoch.npz", "bn_experiment.npz", "dropout_experiment.npz"],
    },
}

TOP_LEVEL_FILES = ["setup.py", "pyproject.toml", "requirements.txt", "get_datasets.sh"]
IGNORE = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "cifar-10-batches-py", "*.so", "*.pyd",
          "*.c", "build", "*.egg-info", ".venv", ".cifar-download.*"]
DEFAULT_TIMEOUT = 600


class CourseError(RuntimeError):
    """A pipeline step failed; the message says what to do."""


def function_owners():
    """{(file, function): (assignment, [notebook, ...])} over every assignment's ``functions``.

    Raises
    ------
    CourseError
        If a function is listed under two assignments (its stub could not say which one covers it).
    """
    owners = {}
    for assignment, spec in ASSIGNMENTS.items():
        for notebook in spec["notebooks"]:
            for file, functions in spec["functions"].get(notebook, {}).items():
                for function in functions:
                    owner, notebooks = owners.setdefault((file, function), (assignment, []))
                    if owner != assignment:
                        raise CourseError(f"{file}: {function} is listed under both {owner} and {assignment} in "
                                          f"ASSIGNMENTS (tools/course/assignments.py); list it under one")
                    notebooks.append(notebook)
    return owners
