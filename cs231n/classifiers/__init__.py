"""Classifiers of assignment 1 and the networks of assignment 2.

``from cs231n.classifiers import *`` gives the assignment 1 classifiers, as in the 2022 kit.
The networks (``TwoLayerNet``, ``FullyConnectedNet``, ``ThreeLayerConvNet``) are imported on first
use, ``from cs231n.classifiers import FullyConnectedNet``, so that importing the package does not
load the layers.
"""
import importlib

from .k_nearest_neighbor import KNearestNeighbor
from .linear_classifier import LinearClassifier, LinearSVM, Softmax

__all__ = ["KNearestNeighbor", "LinearClassifier", "LinearSVM", "Softmax"]

_NETWORKS = {"TwoLayerNet": "fc_net", "FullyConnectedNet": "fc_net", "ThreeLayerConvNet": "cnn"}


def __getattr__(name):
    if name in _NETWORKS:
        return getattr(importlib.import_module(f".{_NETWORKS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
