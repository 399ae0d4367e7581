"""What the course is: the assignments, the files students edit, the models they hand in, and constants.

Every other module of the pipeline reads these; none writes them.
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_COURSE = ROOT / "course"

# Files a student edits for each assignment, with the notebook that covers them. These are graded
# from the student's copy (Autograde.exclude_overwriting); every other file is restored from the
# release at grading time, so editing a provided helper changes nothing.
ASSIGNMENTS = {
    "assignment1": {
        "notebooks": ["knn", "svm", "softmax", "two_layer_net", "features"],
        "student_files": {
            "cs231n/classifiers/k_nearest_neighbor.py": "knn.ipynb",
            "cs231n/classifiers/linear_svm.py": "svm.ipynb",
            "cs231n/classifiers/linear_classifier.py": "svm.ipynb",
            "cs231n/classifiers/softmax.py": "softmax.ipynb",
            "cs231n/classifiers/fc_net.py": "two_layer_net.ipynb",
            "cs231n/layers.py": "two_layer_net.ipynb",
        },
        # trained models the notebooks save and the autograder checks
        "models": ["svm_best.npz", "softmax_best.npz", "two_layer_net_best.npz",
                   "features_svm_best.npz", "features_net_best.npz"],
    },
}
TOP_LEVEL_FILES = ["setup.py", "pyproject.toml", "requirements.txt", "get_datasets.sh"]
IGNORE = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "cifar-10-batches-py", "*.so", "*.pyd",
          "*.c", "build", "*.egg-info", ".venv", ".cifar-download.*"]
DEFAULT_TIMEOUT = 600


class CourseError(RuntimeError):
    """A pipeline step failed; the message says what to do."""
