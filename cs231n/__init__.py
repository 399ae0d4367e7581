"""cs231n: reference code for the CS231n-style assignments.

Glossary (one name, one meaning, everywhere in the kit)
--------------------------------------------------------
N        number of examples in a batch
D        number of input features (3 * 32 * 32 = 3072 for a CIFAR-10 image; 3073 with the bias trick)
C        number of classes for classifiers and losses; number of channels for image tensors
H, W     image height and width
F        number of convolution filters
HH, WW   filter (or pooling window) height and width
H', W'   output height and width: H' = 1 + (H + 2*pad - HH) // stride
reg      L2 regularization strength. Linear classifiers (linear_svm, softmax) add
         reg * sum(W**2) (gradient 2*reg*W); the networks in classifiers/fc_net.py add
         0.5 * reg * sum(W**2) (gradient reg*W). Both follow the 2022 CS231n kit.
lr       learning rate

Layers are pure functions: ``*_forward(...) -> (out, cache)`` and
``*_backward(dout, cache) -> gradients`` in the order of the forward inputs.
"""
