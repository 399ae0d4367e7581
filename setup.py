"""Build script for the compiled part of the kit.

``pip install -e .`` and ``python setup.py build_ext --inplace`` both compile
``cs231n/im2col_cython.pyx`` into the extension module ``cs231n.im2col_cython``.
Everything else about the package is declared in ``pyproject.toml``.
"""
import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

extensions = [
    Extension(
        "cs231n.im2col_cython",
        sources=["cs231n/im2col_cython.pyx"],
        include_dirs=[np.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        extra_compile_args=["-O3"],
    ),
]

setup(
    ext_modules=cythonize(
        extensions,
        compiler_directives={"language_level": 3},
    ),
)
